"""bench/throughput.py's pure helpers: the pages it serves, the configs it writes, and the
counting of nginx's log and urlwatch's report (no nginx, no urlwatch, no network)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from monitor.config import DaemonSettings, load_config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import throughput
from throughput import PageState

ARTICLE_1 = (
    "The council voted on Tuesday to build the new bridge over the river, after a year of debate."
)
ARTICLE_2 = (
    "Residents of both banks spoke for and against the plan in a session that ran past midnight."
)
SOURCE = f"""<html><head><title>Bridge vote</title></head>
<body class="story"><nav><p>Home | News | Sport</p></nav>
<h1>Council backs the bridge</h1>
<article><p>{ARTICLE_1}</p><p>{ARTICLE_2}</p></article>
<footer><p>Copyright 2024 The Paper. All rights reserved, in every country.</p></footer>
</body></html>"""
EXPECTED = f"<div><p>{ARTICLE_1}</p><p>{ARTICLE_2}</p></div>"


def _source() -> throughput.Source:
    return throughput.make_source("news-pages/bridge", SOURCE, EXPECTED)


def _paragraphs(page: bytes) -> list[str]:
    return [m[1] for m in throughput._PARAGRAPH.finditer(page.decode())]


def test_the_added_sentence_goes_into_a_paragraph_of_the_reader_mode_article() -> None:
    """The sentence that makes a copy unique is added to a paragraph the expected article
    holds, not to the navigation or the footer."""
    page = throughput.render(_source(), 7, PageState())
    inside = [p for p in _paragraphs(page) if "copy 7 by" in p]
    assert len(inside) == 1
    assert inside[0].startswith(ARTICLE_1[:40]) or inside[0].startswith(ARTICLE_2[:40])


def test_the_sentence_goes_to_the_middle_article_paragraph_or_the_first() -> None:
    """By default the middle of the article's long paragraphs takes the sentence (past a
    standfirst; before a blog's comments that reader mode keeps); ``first`` the first."""
    third = "A third paragraph of the article says what the council will decide about it next."
    expected = f"{EXPECTED}<p>{third}</p>"
    source = SOURCE.replace("</article>", f"<p>{third}</p></article>")
    middle = throughput.make_source("news-pages/bridge", source, expected)
    first = throughput.make_source("news-pages/bridge", source, expected, at="first")
    assert source[: middle.paragraph_end].endswith(ARTICLE_2)
    assert source[: first.paragraph_end].endswith(ARTICLE_1)


def test_a_page_without_paragraphs_gets_the_sentence_after_the_articles_longest_text() -> None:
    """A <pre> document (an RFC) gets the sentence after the article's longest run of text."""
    text = "Network Working Group: this memo describes a protocol for polling many documents."
    source = throughput.make_source("web-pages/rfc", f"<body><pre>{text}</pre></body>", text)
    page = throughput.render(source, 3, PageState()).decode()
    assert f"{text} This report is kept as copy 3 by the" in page


def test_every_copy_of_a_corpus_page_is_unique_in_its_headline_and_article() -> None:
    """Copies of one corpus page differ in the headline, the title and one sentence."""
    first, second = (throughput.render(_source(), i, PageState()).decode() for i in (1, 80))
    assert "Council backs the bridge copy 1</h1>" in first
    assert "<title>Bridge vote copy 80</title>" in second
    assert "kept as copy 1 by" in first and "kept as copy 80 by" in second


def test_noise_changes_the_ticker_outside_the_article_and_nothing_else() -> None:
    """A new tick changes the page's bytes, in the ticker opening the body only."""
    before = throughput.render(_source(), 4, PageState(tick=0))
    after = throughput.render(_source(), 4, PageState(tick=1))
    assert before != after
    assert _paragraphs(before) == _paragraphs(after)
    assert after.decode().index('class="site-ticker"') < after.decode().index("<h1>")


def test_an_edit_changes_one_word_of_the_added_sentence() -> None:
    """A new revision changes the desk named in the added sentence, nothing else."""
    before = _paragraphs(throughput.render(_source(), 4, PageState(revision=0)))
    after = _paragraphs(throughput.render(_source(), 4, PageState(revision=1)))
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1
    old, new = (set(text.split()) for text in changed[0])
    assert len(old - new) == 1 and len(new - old) == 1


def test_the_edit_pass_edits_one_page_in_ten() -> None:
    """10% of the pages are edited: 200 of 2,000."""
    assert sum(throughput.edited(i) for i in range(2000)) == 200


def test_nginx_log_lines_are_counted_by_status() -> None:
    """Requests and 304s are counted from ``status uri`` lines; blank lines are not."""
    counts = throughput.count_log(["304 /p/1.html", "200 /p/2.html", "", "304 /p/3.html"])
    assert counts.requests == 3
    assert counts.not_modified == 2
    assert counts.statuses == {"200": 1, "304": 2}


def test_the_nginx_config_sends_validators_and_keeps_its_files_in_the_prefix(
    tmp_path: Path,
) -> None:
    """ETags on, If-Modified-Since honoured for older files, on loopback, pid and logs in
    the prefix; a user line only when asked for (nginx started as root)."""
    config = throughput.nginx_config(tmp_path, tmp_path / "www", 8123)
    assert "etag on;" in config and "if_modified_since before;" in config
    assert "listen 127.0.0.1:8123;" in config
    assert f"pid {tmp_path}/nginx.pid;" in config
    assert f"access_log {tmp_path}/access.log bench;" in config
    assert "user " not in config
    assert throughput.nginx_config(tmp_path, tmp_path, 1, user="me me").startswith("user me me;")


def test_urlwatch_alerts_are_the_changed_jobs_of_its_summary() -> None:
    """CHANGED lines of the numbered summary are the pages alerted (job p<i> is page i),
    ERROR lines count as errors; the detail headers below the summary count for nothing."""
    report = (
        "===========================================================================\n"
        "01. CHANGED: p0\n02. CHANGED: p17\n03. ERROR: p2\n04. NEW: p3\n"
        "===========================================================================\n\n"
        "---------------------------------------------------------------------------\n"
        "CHANGED: p0\n"
    )
    assert throughput.urlwatch_alerts(report) == ({0, 17}, 1)


def test_urlwatch_jobs_each_have_an_html2text_filter() -> None:
    """One YAML document per URL, named, with the html2text filter."""
    jobs = throughput.urlwatch_jobs(["http://127.0.0.1:1/p/0.html", "http://127.0.0.1:1/p/1.html"])
    documents = jobs.split("---\n")
    assert len(documents) == 2
    assert documents[1] == "name: p1\nurl: http://127.0.0.1:1/p/1.html\nfilter:\n  - html2text\n"


def test_the_monitor_config_loads_with_loopback_allowed_and_every_page_watched(
    tmp_path: Path,
) -> None:
    """The generated config is one the monitor accepts: SQLite in the temp dir, 127.0.0.1
    allowed, the webhook as its target, a watch per page, per_host as given."""
    urls = [f"http://127.0.0.1:8123/p/{i}.html" for i in range(3)]
    path = tmp_path / "monitor.toml"
    path.write_text(throughput.monitor_config(tmp_path / "monitor.db", 9, urls, per_host=None))
    config = load_config(path)
    assert [watch.url for watch in config.watches] == urls
    assert config.storage_url == f"sqlite:///{tmp_path / 'monitor.db'}"
    assert (
        config.daemon.per_host == DaemonSettings().per_host == throughput.MONITOR_PER_HOST_DEFAULT
    )
    assert [str(network) for network in config.daemon.allow_internal] == ["127.0.0.1/32"]
    path.write_text(throughput.monitor_config(tmp_path / "monitor.db", 9, urls, per_host=8))
    assert load_config(path).daemon.per_host == 8


def test_the_read_pass_is_the_monitors_alone_and_adds_a_cold_plus_read_row() -> None:
    """With --read the table shows the read pass without urlwatch, and the first checks
    and their full reading together against urlwatch's cold pass."""

    def costs(pages_per_s: float, cpu_s: float) -> dict[str, float]:
        others = ("wall_s", "peak_pss_mib", "peak_rss_largest_mib", "requests", "not_modified")
        others += ("alerts", "false_alerts", "missed", "edited", "errors", "disk_mib", "load_1m")
        return {"pages_per_s": pages_per_s, "cpu_s": cpu_s, **dict.fromkeys(others, 0.0)}

    summary = {
        "cold": {"urlwatch": costs(50.0, 3.0), "monitor": costs(100.0, 6.0)},
        "read": {"monitor": costs(25.0, 30.0)},
    }
    lines = throughput.table(summary, 1).splitlines()
    assert "| read (monitor only) | – | 25.0 | – | – |" in lines
    # 500 pages: 5 s and 20 s, 20 pages/s in all, 0.40× urlwatch's 50; CPU 3 ÷ 36.
    assert "| cold + read | 50.0 | 20.0 | 0.40× | 0.08× |" in lines


def test_without_the_read_pass_the_summary_has_none() -> None:
    """A run without --read summarises the four passes both tools ran, no empty 'read'."""
    fields = {name: 0 for name in throughput.PassResult.__dataclass_fields__}
    results = [
        throughput.PassResult(**{**fields, "tool": tool, "pass_name": name, "pages": 1})
        for name in ("cold", "warm", "noise", "edit")
        for tool in throughput.TOOLS
    ]
    assert list(throughput.summarise(results)) == ["cold", "warm", "noise", "edit"]


def test_the_second_mode_runs_the_daemon_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    """``--daemon`` hands the rest of the arguments to ``daemon.py``: `monitor run` over
    time at N watches (its options, here its help)."""
    with pytest.raises(SystemExit) as ended:
        throughput.main(["--daemon", "--help"])
    assert ended.value.code == 0
    shown = capsys.readouterr().out
    assert "--watches" in shown and "--minutes" in shown
