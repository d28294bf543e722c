"""Versions and their sentence-level edits in the layout of the NewsEdits dataset
(Spangher et al., NAACL 2022): per version its article id, version number, timestamp and
sentences, and the operations that turn the version before into it.

Sentences are ``monitor.sentences``' split of each paragraph, the kinds of edit
``monitor.edits``' classification (as stored with each version). Two versions' sentences
are matched in order, by their comparison key (``monitor.normalize``): a matched pair is
unchanged; in a run that differs, sentences are paired one to one as edits, and those
left over are additions or deletions. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from difflib import SequenceMatcher
from typing import Any

from monitor.models import StoredVersion
from monitor.normalize import comparison_key
from monitor.sentences import split_sentences


def sentences_of(version: StoredVersion) -> list[str]:
    """The version's body as sentences, paragraph after paragraph."""
    return [s for paragraph in version.article.paragraphs for s in split_sentences(paragraph)]


def operations(old: list[str], new: list[str]) -> list[dict[str, Any]]:
    """The sentence operations from ``old`` to ``new``: Unchanged, Edit, Addition and
    Deletion, each with the sentence indices it joins (None on the side it lacks)."""
    keys = SequenceMatcher(None, [comparison_key(s) for s in old], [comparison_key(s) for s in new])
    out: list[dict[str, Any]] = []
    for tag, i1, i2, j1, j2 in keys.get_opcodes():
        if tag == "equal":
            out += [
                _op("Unchanged", i, j, old, new)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        paired = min(i2 - i1, j2 - j1)
        out += [_op("Edit", i1 + k, j1 + k, old, new) for k in range(paired)]
        out += [_op("Deletion", i, None, old, new) for i in range(i1 + paired, i2)]
        out += [_op("Addition", None, j, old, new) for j in range(j1 + paired, j2)]
    return out


def _op(kind: str, i: int | None, j: int | None, old: list[str], new: list[str]) -> dict[str, Any]:
    return {
        "operation": kind,
        "sent_idx_x": i,
        "sent_idx_y": j,
        "sentence_x": None if i is None else old[i],
        "sentence_y": None if j is None else new[j],
    }


def records(
    article_id: str, url: str, versions: Iterable[StoredVersion]
) -> Iterator[dict[str, Any]]:
    """One record per version, oldest first: ``versions`` each with its change from the
    one before (``app.with_changes``)."""
    previous: StoredVersion | None = None
    before: list[str] = []
    for version in versions:
        sentences = sentences_of(version)
        record: dict[str, Any] = {
            "entry_id": article_id,
            "url": url,
            "version": version.number,
            "created": version.created_at.isoformat(timespec="seconds"),
            "title": version.article.title,
            "num_sentences": len(sentences),
            "sentences": [{"sent_idx": i, "sentence": s} for i, s in enumerate(sentences)],
            "previous_version": None if previous is None else previous.number,
            "operations": [] if previous is None else operations(before, sentences),
            "edits": [edit.as_dict() for edit in version.edits or ()],
        }
        yield record
        previous, before = version, sentences
