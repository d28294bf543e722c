"""A watch's history as the reading commands see it: the watches, a watch's versions,
one version, two of them diffed.

Written once over any ``Store``: ``monitor.storage.Storage`` (SQLAlchemy, for every
command) or ``monitor.readonly.Reader`` (the DB-API driver alone, the fast path of
`list`, `history`, `show` and `diff`), so both paths name watches, count back from the
latest version and refuse a diff of one version the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from monitor.errors import StorageError, WatchNotFound

if TYPE_CHECKING:
    from monitor.diff import ArticleDiff
    from monitor.models import StoredVersion, Watch


class Store(Protocol):
    """What reading a history needs of a database."""

    def get_watch(self, url: str) -> Watch: ...

    def list_watches(self) -> list[Watch]: ...

    def history(self, url: str) -> list[StoredVersion]: ...

    def version(self, url: str, number: int | None = None) -> StoredVersion: ...


def with_changes(versions: Sequence[StoredVersion]) -> list[StoredVersion]:
    """The versions, each with its change from the one before: versions stored before
    monitor kept that (schema revision 0002) get it worked out here, on reading."""
    from monitor.diff import diff_articles
    from monitor.edits import classify

    out: list[StoredVersion] = []
    for before, version in zip([None, *versions], versions, strict=False):
        if before is not None and (version.summary is None or version.edits is None):
            diff = diff_articles(before.article, version.article)
            version = replace(version, summary=diff.summary, edits=classify(diff))
        out.append(version)
    return out


class Reading:
    """The reading commands' questions, answered from ``store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def named(self, url: str) -> str:
        """The watch a command's URL argument names: its canonical spelling (see
        ``config.canonical_url``), or the URL as written for a watch stored so (two
        spellings of one page that migration 0005 left apart)."""
        from monitor.config import canonical_url

        canonical = canonical_url(url)
        if canonical == url:
            return url
        try:
            return self.store.get_watch(url).url
        except WatchNotFound:
            return canonical

    def watch(self, url: str) -> Watch:
        return self.store.get_watch(self.named(url))

    def watches(self) -> list[Watch]:
        """The enabled watches, by URL, with their versions and undelivered alerts."""
        return self.store.list_watches()

    def history(self, url: str) -> list[StoredVersion]:
        """A watch's versions, each with what changed from the one before."""
        return with_changes(self.store.history(self.named(url)))

    def show(self, url: str, number: int | None = None) -> StoredVersion:
        """Version ``number`` (negative counts back from the latest; None: the latest)."""
        return self.store.version(self.named(url), number)

    def diff(
        self, url: str, old: int | None = None, new: int | None = None
    ) -> tuple[StoredVersion, StoredVersion, ArticleDiff]:
        """Diff two versions; by default the last two."""
        from monitor.diff import diff_articles

        url = self.named(url)
        store = self.store
        if old is None and new is None:
            count = store.get_watch(url).versions
            if count < 2:
                raise StorageError(
                    f"{url} has {count} version{'' if count == 1 else 's'} so far; a diff needs "
                    "two. `monitor show URL` prints the one there is"
                )
            newer, older = store.version(url, -1), store.version(url, -2)
        else:
            older = store.version(url, old)
            newer = store.version(url, new) if new is not None else store.version(url)
        return older, newer, diff_articles(older.article, newer.article)
