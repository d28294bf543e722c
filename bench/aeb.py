"""Turn the Article Extraction Benchmark's pages into a sealed corpus for bench/detection.py.

The benchmark (github.com/scrapinghub/article-extraction-benchmark, MIT licence) holds 181
real article pages from 2019 news and magazine sites, each with a human-annotated article
body. None of them is in ``/work/shared/corpus``, and no rule of the monitor was tuned on
them: ``detection.py`` reports them as a SEALED group, counts only, never the failures
themselves (looking at a failure is tuning).

    git clone https://github.com/scrapinghub/article-extraction-benchmark /tmp/aeb
    python bench/aeb.py /tmp/aeb                # writes bench/.corpus/aeb/, ~10 s

A bare repository (``git clone --bare``) works too. Each page becomes a folder in the
layout of the shared corpus: ``source.html`` (the page as served), ``expected.html`` (the
annotated body, one ``<p>`` per paragraph) and ``expected-metadata.json`` (title, byline,
language, read from the page's own ``<meta>`` tags: the annotation has only the body).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html

DEFAULT_OUT = Path(__file__).parent / ".corpus" / "aeb"


def _read(repo: Path, path: str) -> bytes:
    """A file of the benchmark's repository, from its work tree or, if bare, from git."""
    if (repo / path).is_file():
        return (repo / path).read_bytes()
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True
    ).stdout


def _meta(doc: Any, *names: str) -> str:
    for name in names:
        for element in doc.iter("meta"):
            key = element.get("property") or element.get("name") or ""
            content = (element.get("content") or "").strip()
            if key.lower() == name and content and "://" not in content:
                return content
    return ""


def metadata(doc: Any) -> dict[str, str]:
    """What reader mode's metadata holds, as far as the page's own tags say it."""
    title = _meta(doc, "og:title", "twitter:title")
    if not title:
        found = doc.find(".//title")
        title = (found.text_content() if found is not None else "").strip()
    return {
        "title": title,
        "byline": _meta(doc, "author", "article:author", "byl", "parsely-author"),
        "excerpt": _meta(doc, "og:description", "description"),
        "lang": (doc.get("lang") or "").strip(),
    }


def convert(repo: Path, out: Path) -> int:
    truth: dict[str, dict[str, str]] = json.loads(_read(repo, "ground-truth.json"))
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for key, annotation in sorted(truth.items()):
        raw = gzip.decompress(_read(repo, f"html/{key}.html.gz"))
        source = raw.decode("utf-8", errors="replace")
        doc = lxml.html.document_fromstring(source)
        paragraphs = [p.strip() for p in annotation["articleBody"].split("\n") if p.strip()]
        if len(paragraphs) < 3:
            continue  # a teaser behind a paywall: nothing to edit between paragraphs
        folder = out / f"aeb-{key[:10]}"
        folder.mkdir(exist_ok=True)
        (folder / "source.html").write_text(source, encoding="utf-8")
        body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
        (folder / "expected.html").write_text(f"<div>\n{body}</div>\n", encoding="utf-8")
        meta = metadata(doc) | {"url": annotation.get("url", "")}
        (folder / "expected-metadata.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        written += 1
    return written


def run_converter(
    description: str, repo_help: str, out: Path, convert: Callable[[Path, Path], int]
) -> None:
    """The command line of a corpus converter: ``REPO [OUT]``, then how many pages."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("repo", type=Path, help=repo_help)
    parser.add_argument("out", type=Path, nargs="?", default=out)
    args = parser.parse_args()
    count = convert(args.repo, args.out)
    print(f"{count} pages written to {args.out}", file=sys.stderr)


def main() -> None:
    run_converter(
        __doc__.split("\n")[0],
        "a clone of scrapinghub/article-extraction-benchmark",
        DEFAULT_OUT,
        convert,
    )


if __name__ == "__main__":
    main()
