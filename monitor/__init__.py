"""monitor: watch published pages, keep every version of the article, alert on real edits.

The pipeline, one module per stage: ``schedule`` (when) → ``fetch`` → ``extract`` and
``normalize`` → ``detect`` (is it a change?) and ``diff`` → ``storage`` → ``render``
(what the alert says) → ``notify`` (delivery). ``pipeline`` runs one check through
them; ``daemon`` and ``cli`` drive it; ``app`` is the core both use. ``imports`` reads
the watch lists of other tools.
"""

from monitor.errors import (
    ConfigError,
    ExtractionError,
    FetchError,
    ImportFileError,
    MonitorError,
    NotifyError,
    StorageError,
    VersionNotFound,
    WatchNotFound,
)

__all__ = [
    "ConfigError",
    "ExtractionError",
    "FetchError",
    "ImportFileError",
    "MonitorError",
    "NotifyError",
    "StorageError",
    "VersionNotFound",
    "WatchNotFound",
]
