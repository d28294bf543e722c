"""`monitor import`: watch lists from urlwatch, changedetection.io and plain URL lists.

Real files in each format: urlwatch's own example urls.yaml and jobs from its
documentation (tests/fixtures/imports), changedetection.io backup zips built as
changedetection.io builds them (fixtures/changedetection.py), and a URL list; imports run
through the CLI against a real SQLite database.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fixtures.changedetection import WATCHES, backup_zip

from monitor.cli import build_parser, main
from monitor.errors import ImportFileError
from monitor.imports import FORMATS, Entry, detect_format, plan, read_entries
from monitor.imports.changedetection import read_changedetection
from monitor.imports.urlwatch import read_urlwatch

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
EXAMPLE = FIXTURES / "urls.yaml.example"
FILTERS = FIXTURES / "urls-filters.yaml"
URL_LIST = FIXTURES / "urls.txt"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A SQLite database and one notification target, tagged 'desk'."""
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/monitor.db"\n'
        '[notify]\nurls = [{ url = "json://127.0.0.1:9/alerts", tags = ["desk"] }]\n',
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def listed(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    capsys.readouterr()
    assert run(config, "list", "--json") == 0
    return {row["url"]: row for row in json.loads(capsys.readouterr().out)}


def urlwatch_entries(path: Path) -> dict[str, Entry]:
    return {e.where: e for e in read_urlwatch(path.read_text(encoding="utf-8"))}


# -- urlwatch ----------------------------------------------------------------------------------


def test_urlwatchs_example_reads_as_its_six_jobs() -> None:
    """The example's url jobs come with their names; the shell job, the POSTs and the PURGE
    are not imported, each saying why."""
    entries = read_urlwatch(EXAMPLE.read_text(encoding="utf-8"))
    assert [(e.url, e.skipped is None) for e in entries] == [
        ("https://thp.io/2008/urlwatch/", True),
        (None, False),
        ("http://example.org/With%20Spaces/", True),
        ("http://example.com/search.cgi", False),
        ("http://example.com/foo", False),
        ("http://example.com/search.cgi#alternative", False),
    ]
    assert entries[0].settings == {"name": "urlwatch webpage"}
    assert "shell job ('ls -al ~')" in str(entries[1].skipped)
    assert "POSTs form data" in str(entries[3].skipped)
    assert "sends PURGE" in str(entries[4].skipped)


def test_filters_with_no_equivalent_are_named_with_why() -> None:
    """html2text, grep and strip are reported, each with its reason, and the job is kept."""
    (first, *_) = read_urlwatch(EXAMPLE.read_text(encoding="utf-8"))
    assert first.dropped == (
        "filter html2text (monitor reads the page's text itself)",
        "filter grep 'Current.*version' (no equivalent: monitor watches the whole article "
        "or selected part)",
        "filter strip (monitor reads the page's text itself)",
    )


@pytest.mark.parametrize(
    ("where", "selector"),
    [
        ("job 1", '[id="something"]'),
        ("job 2", '[id="something"]'),
        ("job 3", "body"),
        ("job 4", "/html/body/marquee"),
        ("job 5", "ul#groceries > li.unchecked"),
        ("job 6", "body"),
        ("job 7", "//item/title/text()|//item/pubDate/text()"),
        ("job 'Class, in the old string form'", '[class="main news"]'),
        ("job 9", None),
    ],
)
def test_selecting_filters_become_the_watch_selector(where: str, selector: str | None) -> None:
    """css, xpath and element-by-id/class/tag map to one selector that selects the same;
    an XPath not starting with / cannot be told from CSS, and is reported."""
    assert urlwatch_entries(FILTERS)[where].settings.get("selector") == selector


def test_a_css_exclude_becomes_the_elements_removed() -> None:
    """`exclude: a` of a css filter is the watch's --remove a."""
    assert urlwatch_entries(FILTERS)["job 6"].settings["remove"] == ("a",)


def test_options_the_selector_cannot_carry_are_reported() -> None:
    """An XML parse, a dropped XPath, a browser job, a disabled job, headers: each said."""
    entries = urlwatch_entries(FILTERS)
    assert entries["job 7"].dropped == (
        "method of filter xpath '//item/title/text()|//item/pubDate/text()' "
        "(no per-watch equivalent in monitor)",
    )
    assert "monitor's selector takes an XPath that starts with /" in entries["job 9"].dropped[0]
    browser = entries["job 'A page with JavaScript'"]
    assert (browser.url, browser.skipped) == ("https://example.org/", None)
    assert browser.dropped[0].startswith("browser (monitor fetches the page without running")
    assert entries["job 11"].skipped == "disabled in urlwatch (enabled: false)"
    assert entries["job 12"].dropped == (
        "max_tries (no per-watch equivalent in monitor)",
        "headers (monitor sends its own request headers)",
    )


def test_malformed_yaml_says_where() -> None:
    """A YAML syntax error is an ImportFileError naming the line (here the end, where the
    parser finds the list unclosed), not a traceback."""
    with pytest.raises(ImportFileError, match=r"malformed YAML at line 4 \(did not find"):
        read_urlwatch('url: "https://example.org/a"\nfilter:\n  - css: [unclosed\n')


# -- changedetection.io ---------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["current", "legacy"])
def test_a_changedetection_backup_maps_url_title_tags_and_filters(
    tmp_path: Path, layout: Any
) -> None:
    """Both layouts read alike: title, tag names, include filters as one selector,
    subtractive selectors as removed, the watch's own interval."""
    data = backup_zip(tmp_path / "backup.zip", layout=layout).read_bytes()
    entries = read_changedetection(data)
    assert [e.url for e in entries] == [w["url"] for w in WATCHES.values()]
    first, second = entries[0], entries[1]
    assert first.where == "watch 'Story one'"
    assert first.settings == {
        "name": "Story one",
        "selector": "article.story, div#live-updates",
        "remove": ("aside.related",),
    }
    assert first.tags == ("desk",)
    assert first.dropped == ()
    assert second.settings == {"selector": "//div[@id='main']", "every": "210m"}
    assert second.tags == ("competitors",)
    assert second.dropped == (
        "notification_urls \"['mailto://someone@example.org']\" (notification URLs belong "
        "in the config's [notify] urls)",
        "trigger_text \"['price']\" (monitor alerts on any real edit of the article)",
    )


def test_changedetection_watches_that_are_no_page_text_are_not_imported(tmp_path: Path) -> None:
    """A restock watch, a POST with a body and a paused watch are skipped, saying why."""
    entries = read_changedetection(backup_zip(tmp_path / "b.zip").read_bytes())
    assert [e.skipped for e in entries if e.skipped] == [
        "a restock_diff watch (prices, stock); monitor reads text",
        "it sends POST with a body; monitor fetches with GET",
        "paused in changedetection.io",
    ]


def test_a_zip_without_watches_is_refused(tmp_path: Path) -> None:
    """A zip that is no backup says what it lacks and how to make one."""
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ImportFileError, match=r"no url-watches.json .* Settings → Backups"):
        read_changedetection(path.read_bytes())


# -- URL lists and detection ------------------------------------------------------------------


def test_a_url_list_skips_blank_lines_and_comments() -> None:
    """A URL a line; a full-line or trailing # comment is not part of it, a #fragment is."""
    _, entries = read_entries(URL_LIST.read_bytes())
    assert [(e.where, e.url) for e in entries] == [
        ("line 2", "https://example.org/news/story-1"),
        ("line 3", "https://Example.org:443/news/story-2#comments"),
        ("line 5", "http://example.net/feed"),
        ("line 6", "https://example.org/news/story-1"),
        ("line 7", "ftp://example.org/file.txt"),
    ]


def test_the_format_is_read_from_the_content(tmp_path: Path) -> None:
    """Each fixture is recognised by what it holds, whatever its name."""
    legacy = json.dumps({"watching": {}, "settings": {}}).encode()
    assert detect_format(EXAMPLE.read_bytes()) == "urlwatch"
    assert detect_format(FILTERS.read_bytes()) == "urlwatch"
    assert detect_format(URL_LIST.read_bytes()) == "urls"
    assert detect_format(backup_zip(tmp_path / "b.zip").read_bytes()) == "changedetection"
    assert detect_format(legacy) == "changedetection"
    with pytest.raises(ImportFileError, match="pass --format"):
        detect_format(b"just some notes\nabout pages\n")


def test_the_cli_offers_every_format() -> None:
    """--format takes each format the importers read."""
    for name in FORMATS:
        assert build_parser().parse_args(["import", "f", "--format", name]).format == name


def test_plan_reports_duplicates_and_watched_urls_and_keeps_known_tags() -> None:
    """The second spelling of a URL is a duplicate, a watched URL is left alone, and only
    a tag a target has becomes --notify."""
    entries = [
        Entry("line 1", "https://EXAMPLE.org/a", tags=("desk", "misc")),
        Entry("line 2", "https://example.org:443/a#top"),
        Entry("line 3", "https://example.org/b"),
        Entry("line 4", "http://127.0.0.1/x"),
    ]
    outcomes = plan(
        entries,
        watched={"https://example.org/b": "https://example.org/b"}.get,
        target_tags={"desk"},
        check=lambda url: url.lower().replace(":443", "").split("#")[0],
        refusal=lambda url: "internal" if "127.0.0.1" in url else None,
    )
    assert [(o.action, o.url) for o in outcomes] == [
        ("add", "https://example.org/a"),
        ("duplicate", "https://example.org/a"),
        ("exists", "https://example.org/b"),
        ("skip", "http://127.0.0.1/x"),
    ]
    assert outcomes[0].spec is not None and outcomes[0].spec.notify == ("desk",)
    assert "tag 'misc' (no notification target has it" in outcomes[0].notes[0]
    assert outcomes[1].notes == ("the same URL as line 1",)


# -- the command ------------------------------------------------------------------------------


def test_importing_urlwatchs_example_adds_its_two_plain_url_jobs(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two watches added, a line per job (what and why for the rest), and a summary."""
    assert run(config, "import", str(EXAMPLE)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7
    assert lines[0].startswith("added          https://thp.io/2008/urlwatch/ (job 'urlwatch")
    assert "not imported: filter html2text" in lines[0]
    assert lines[1].startswith("not imported   - (job 2): a shell job")
    assert lines[-1] == "2 of 6 jobs added from urlwatch format"
    watches = listed(config, capsys)
    assert sorted(watches) == ["http://example.org/With%20Spaces/", "https://thp.io/2008/urlwatch/"]
    assert watches["https://thp.io/2008/urlwatch/"]["name"] == "urlwatch webpage"


def test_a_dry_run_says_what_would_change_and_writes_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run prints 'would add' lines and leaves the database without a watch."""
    assert run(config, "import", str(EXAMPLE), "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.count("would add") == 2
    assert out.splitlines()[-1] == (
        "dry run, nothing written: 2 of 6 jobs would be added from urlwatch format"
    )
    assert listed(config, capsys) == {}


def test_importing_again_doubles_nothing(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second import of the same list reports each URL as already watched."""
    assert run(config, "import", str(URL_LIST)) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[:2] == [
        "added          https://example.org/news/story-1 (line 2)",
        "added          https://example.org/news/story-2 (line 3)",
    ]
    assert (
        first[3]
        == "duplicate      https://example.org/news/story-1 (line 6): the same URL as line 2"
    )
    assert "(line 7): 'ftp://example.org/file.txt' is not an http(s) URL" in first[4]
    assert run(config, "import", str(URL_LIST)) == 0
    again = capsys.readouterr().out.splitlines()
    assert again[-1] == "0 of 5 jobs added from urls format"
    assert [line.split()[0] for line in again[:-1]] == [
        "exists",
        "exists",
        "exists",
        "duplicate",
        "not",
    ]
    assert len(listed(config, capsys)) == 3


def test_a_url_watched_already_is_not_changed(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A watch added by hand keeps its own settings when a list names its URL again."""
    assert run(config, "add", "https://example.org/news/story-1", "--every", "15m") == 0
    assert run(config, "import", str(URL_LIST)) == 0
    assert listed(config, capsys)["https://example.org/news/story-1"]["every"] == "15m"


def test_a_changedetection_backup_imports_through_the_cli(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Story one comes with its name, selector and its 'desk' tag as --notify."""
    backup = backup_zip(tmp_path / "changedetection-backup-20260301120000.zip")
    assert run(config, "import", str(backup)) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "2 of 6 jobs added from changedetection format"
    )
    watches = listed(config, capsys)
    assert sorted(watches) == [
        "https://example.org/news/story-1",
        "https://example.org/news/story-2",
    ]
    assert watches["https://example.org/news/story-2"]["every"] == "210m"
    from monitor.config import load_config
    from monitor.storage import Storage

    storage = Storage(load_config(config).storage_url)
    try:
        story = storage.get_watch("https://example.org/news/story-1")
    finally:
        storage.close()
    assert story.spec.notify == ("desk",)
    assert story.spec.options.selector == "article.story, div#live-updates"
    assert story.spec.options.remove == ("aside.related",)


def test_json_output_has_an_outcome_per_job(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json: where, url, action and notes for each job."""
    assert run(config, "import", str(EXAMPLE), "--json", "--dry-run") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["action"] for row in rows] == ["add", "skip", "add", "skip", "skip", "skip"]


def test_format_may_be_given(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format urls reads a one-URL file as a list, whatever detection would say."""
    path = tmp_path / "one"
    path.write_text("https://example.org/only\n", encoding="utf-8")
    assert run(config, "import", str(path), "--format", "urls") == 0
    assert list(listed(config, capsys)) == ["https://example.org/only"]


def bad_zip(tmp_path: Path) -> Path:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("img.txt", "no watches here")
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", "a shopping list\nmilk\n", "is not a urlwatch urls.yaml"),
        ("urls.yaml", 'url: "https://example.org/a"\nfilter: [css: "x"\n', "malformed YAML"),
        ("backup.zip", None, "this zip holds no url-watches.json"),
        ("missing.yaml", "", "cannot read it"),
    ],
    ids=["unknown-format", "malformed-yaml", "zip-without-watches", "missing-file"],
)
def test_bad_input_is_one_line_naming_the_file_and_exit_2(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | None,
    message: str,
) -> None:
    """Not a known format, malformed YAML, a zip with no watches, no such file: one line on
    stderr naming the file and what to do; exit status 2; nothing added."""
    path = tmp_path / name
    if content is None:
        path = bad_zip(tmp_path)
    elif name != "missing.yaml":
        path.write_text(content, encoding="utf-8")
    assert run(config, "import", str(path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"monitor: error: {path}: ")
    assert message in err
    assert "Traceback" not in err
    assert listed(config, capsys) == {}


def test_an_internal_address_is_not_imported(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A loopback URL is refused as `add` refuses it, naming the switch; the rest goes in."""
    path = tmp_path / "urls.txt"
    path.write_text("http://127.0.0.1:8080/admin\nhttps://example.org/a\n", encoding="utf-8")
    assert run(config, "import", str(path)) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("not imported   http://127.0.0.1:8080/admin (line 1): ")
    assert "allow_internal" in first
    assert list(listed(config, capsys)) == ["https://example.org/a"]
