"""The one exception tree of monitor.

    MonitorError                 root: the CLI turns any of these into one line and exit 1
    ├── ConfigError              the config file (or a CLI option) is malformed
    ├── StorageError             the database cannot be opened, migrated or written
    │   ├── SchemaNotCurrent     the database's schema is not this monitor's: migrate
    │   ├── WatchNotFound        no watch has that URL
    │   ├── VersionNotFound      the watch has no version with that number
    │   └── PageUnreadable       a stored page cannot be rebuilt: its base is gone, or corrupt
    ├── FetchError               a page could not be fetched (network, status, size)
    ├── ExtractionError          a fetched page could not be parsed
    ├── NotifyError              the notification targets are unusable
    ├── ImportFileError          a file to import is unreadable, or in no format monitor reads
    └── ServeError               `monitor serve` cannot listen where it was asked to

Every message says what was wrong and what to do about it.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Root of every error monitor raises on purpose."""


class ConfigError(MonitorError):
    """The config file or a command-line option is malformed."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class StorageError(MonitorError):
    """The database cannot be opened, migrated or written."""


class SchemaNotCurrent(StorageError):
    """The database's schema is at another revision than this monitor's."""

    def __init__(self, current: str | None, head: str, *, known: bool) -> None:
        if known:
            advice = "run `monitor migrate` (or restart `monitor run`, which migrates)"
        else:
            advice = "it was migrated by a newer monitor: upgrade this one"
        super().__init__(
            f"the database is at revision {current or 'none'}, this monitor needs {head}: " + advice
        )
        self.current = current
        self.head = head


class WatchNotFound(StorageError):
    """No watch has the given URL."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"no watch for {url}; see `monitor list`, or add it with `monitor add {url}`"
        )
        self.url = url


class VersionNotFound(StorageError):
    """The watch has no version with the given number."""

    def __init__(self, url: str, number: int) -> None:
        super().__init__(
            f"{url} has no version {number}; `monitor history {url}` lists its versions"
        )
        self.url = url
        self.number = number


class PageUnreadable(StorageError):
    """A stored page cannot be rebuilt: a frame of it is corrupt, or the page it is stored
    as a delta of is missing."""


class FetchError(MonitorError):
    """A page could not be fetched: network failure, error status, or too large."""

    def __init__(self, url: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class ExtractionError(MonitorError):
    """A fetched page could not be parsed into text."""


class NotifyError(MonitorError):
    """The notification targets are unusable (bad URL, unreadable Apprise config)."""


class ImportFileError(MonitorError):
    """A file given to ``monitor import`` is unreadable, malformed, or in no known format."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path is not None else message)
        self.path = path
        self.detail = message


class ServeError(MonitorError):
    """`monitor serve` cannot listen where it was asked to (an address open to others
    without a credential, or an address it cannot bind)."""
