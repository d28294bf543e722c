"""Every regular expression in monitor/ has been read for catastrophic backtracking.

Page text is hostile and up to 5 MiB long: a pattern that backtracks, or that a search
starts again from each character of a long run (quadratic: a separator after ``\\s*``, a
number without a left edge), hangs a check, or the daemon's event loop where the text is
diffed. No ReDoS checker on PyPI finds that second kind (regexploit reports only cubic and
worse, and none of the three found here), so the audit is a table: each ``re`` call, by
module, by the name it is assigned to (or the function it is in) and by a digest of its
pattern's source, with why it is safe. A new or edited pattern fails here until it has
been read and its entry written; the hostile inputs that proved the risky ones are in
test_signals, test_normalize, test_sentences and test_hostile.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import monitor
from monitor.extract import chrome

SOURCE = Path(monitor.__file__).parent
MATCHING = {
    "compile",
    "search",
    "match",
    "fullmatch",
    "findall",
    "finditer",
    "sub",
    "subn",
    "split",
}

LINEAR = "linear: one pass, no nested or overlapping repeats"
ANCHORED = "linear: anchored at the start (match, fullmatch or ^), no nested repeats"
CLASS = "linear: one character class"
NOT_PAGE = "not page text: the config file, a duration or a database URL the user wrote"
USER = (
    "a user's `ignore` pattern (any regex): bounded by the extraction deadline, in a worker "
    "process killed past it"
)

AUDIT: dict[str, str] = {
    "monitor.cli._CONTROLS 02cd975e": CLASS,
    "monitor.config._Locator() 20275b03": NOT_PAGE,
    "monitor.config._Locator() 47ba6692": NOT_PAGE,
    "monitor.options.patterns_problem() 1fd38d5c": "compiles a user's pattern to check it",
    "monitor.cli._regex() 982d9e3e": "compiles a user's `search --regex` pattern to check it",
    "monitor.history.match._SEPARATORS 22738b9c": CLASS,
    "monitor.history.match._RELATIVE 63ac2d3c": NOT_PAGE + " (`--since 12h`), fullmatch",
    "monitor.history.match.Pattern() df23c1d2": "a user's `search --regex` pattern, run by "
    "that user's own command over the stored versions, never by the daemon: theirs to stop",
    "monitor.config._size() 600143f1": NOT_PAGE,
    "monitor.config._decode_error_line() febe2009": NOT_PAGE,
    "monitor.config._strip_position() d87f85b9": NOT_PAGE,
    "monitor.detect._TRACKING b2382003": ANCHORED + "; on a URL's query keys",
    "monitor.diff._WORD 298a0b35": LINEAR + "; its branches cover every character, so no "
    "start fails and is tried again",
    "monitor.imports.__init__._URLWATCH_KEY 93e4886e": ANCHORED + "; a line start, a literal "
    "key and blanks on that line; on a file to import, not page text",
    "monitor.imports.changedetection._WATCH b5e1fcc0": ANCHORED + "; bounded; on zip member names",
    "monitor.imports.changedetection._TAG b50adcc9": ANCHORED + "; bounded; on zip member names",
    "monitor.imports.changedetection._selectors() d30cf14d": ANCHORED + "; literals, no repeat",
    "monitor.imports.urllist._COMMENT 8e4edf8b": LINEAR + "; the first start that matches "
    "takes the rest of the line; on one line of a URL list",
    "monitor.imports.urlwatch._TAG_NAME fdf3f636": ANCHORED + " (fullmatch); one class",
    "monitor.extract.chrome._alternation() 0db644b0": "literal words from trafilatura, no "
    "repeat (test_the_chrome_patterns_taken_from_trafilatura_repeat_nothing)",
    "monitor.extract.chrome._SLUG_PARTS 3d57f064": CLASS,
    "monitor.extract.chrome._read_vocabulary() 2d57268e": "trafilatura's comment classes: literal "
    "words and one lookahead, no repeat; on class attributes",
    "monitor.extract.chrome._read_vocabulary() 17ac8bf5": ANCHORED + "; trafilatura's comment ids, "
    "no repeat",
    "monitor.extract.container._SAFE_ID 1ddb278e": ANCHORED + "; at most 101 characters",
    "monitor.extract.container._TOKEN 6cd01245": LINEAR,
    "monitor.extract.reading._OWNED_UP 1ae53dad": ANCHORED,
    "monitor.extract.reading._WORD c80c6b3b": LINEAR + "; one class, read lazily (finditer)",
    "monitor.extract.reading._NUMBERS 05110fb1": LINEAR + "; one class, on a class step",
    "monitor.extract.reading._ATTRIBUTION 95df5feb": ANCHORED + " (match); no repeat",
    "monitor.extract.reading._CLOCK a9f51357": LINEAR + "; four characters, no repeat",
    "monitor.extract.shapes._DIGIT 6d7a4b75": LINEAR + "; one character, no repeat",
    "monitor.extract.shapes._DATELINE 3f1a18ff": ANCHORED,
    "monitor.extract.shapes._DATED_BYLINE c6b48865": ANCHORED
    + "; a name of at most 7 words or commas, each a capital, a comma or a joiner first"
    + " (disjoint), then \\s",
    "monitor.extract.shapes._SITE_PROMPT df201360": LINEAR
    + " (literal phrases; the comment notices anchored at the start; an address: a class"
    + " run, one @, a class run, one dot; a call to share, follow or visit starts only at"
    + " a line's start or after a terminator and a space, its name at most three words"
    + " each closed by a space, or one run closed by an apostrophe, which the run's class"
    + " does not hold; the error message anchored at the start, its trailing runs of"
    + " spaces each given up once; on lines of 600 characters at most)",
    "monitor.extract.shapes._DISCLOSURE b3915433": ANCHORED
    + " (each alternative at the line's start, literal words and one \\w+)",
    "monitor.extract.shapes._COOKIES 4aabfb8e": LINEAR
    + " (literal words and no repeat but the anchored \\W* at the line's start)",
    "monitor.extract.shapes._TEASER 6f62e7fe": LINEAR
    + " (literals, then a tail of at most 60 characters)",
    "monitor.extract.reading._SEPARATOR 102d4685": ANCHORED + " (fullmatch); on the text "
    "between two links, each character read once",
    "monitor.extract.extractor._drop_ignored() 1fd38d5c": USER,
    "monitor.extract.shapes._NOTICE 86df627f": ANCHORED,
    "monitor.extract.shapes._ENUMERATOR feac372e": ANCHORED,
    "monitor.extract.reading._ALNUM d797a003": CLASS,
    "monitor.extract.shapes._OPENING_COUNT bebcad92": LINEAR + "; used with .match only, "
    "on lines of at most 16 words (is_meta first)",
    "monitor.extract.shapes._NUMBER 7a7c73e4": LINEAR + "; (?<![\\w-]) starts a number at "
    "its first digit only",
    "monitor.extract.shapes._TRAILING_OFF 08c8db8e": LINEAR + "; starts only at an "
    "ellipsis, and its one repeat takes closing quotes only, which no start overlaps",
    "monitor.extract.signals._SENTENCE_END 7a2e7cfa": LINEAR + "; one character, then the end",
    "monitor.extract.shapes._SENTENCE_END 92235881": LINEAR + "; starts only at a terminator, "
    "its repeat stops at the next one",
    "monitor.extract.shapes._DATE_TOKEN 48a51333": ANCHORED + "; bounded repeats, on one word",
    "monitor.extract.shapes._NUMERIC_DATE 56e55a19": ANCHORED + "; bounded repeats, on one word",
    "monitor.extract.shapes._is_day() a714d9b0": CLASS,
    "monitor.extract.shapes._DATE_PARTS 428f32db": LINEAR + " (a separator between spaces)",
    "monitor.extract.shapes._UPDATED 2e31c787": ANCHORED,
    "monitor.extract.shapes._CITATION 6bc0e677": ANCHORED
    + " (fullmatch); bounded repeats (160, 300, 60), on lines of at most 540 characters",
    "monitor.extract.signals._TERM 05388f80": CLASS,
    "monitor.extract.signals._COUNT 282707ce": ANCHORED + " (fullmatch; the number's class "
    "and the word's are apart by \\s+)",
    "monitor.extract.shapes._LICENCE e4ddd523": LINEAR + " (two literal phrases)",
    "monitor.extract.shapes._ENTRY d36cd842": ANCHORED
    + " (fullmatch); a head of at most 24 characters tried 22 ways, then one pass",
    "monitor.extract.shapes.is_entry() 9142c201": CLASS + ", on a head of 24 characters",
    "monitor.extract.signals._JSONLD_DATE 59da8f8b": LINEAR + "; starts only at a quoted key",
    "monitor.extract.signals._JSONLD_AUTHOR_KEY 3455de70": LINEAR + "; starts only at a "
    "quoted key, at most 8 read",
    "monitor.extract.signals._JSONLD_NAME ab638955": "bounded: runs on _AUTHOR_SPAN "
    "(600) characters after an author key",
    "monitor.extract.signals._JSONLD_HEADLINE 08fbdf8a": LINEAR + "; starts only at a "
    "quoted key, its value's repeat bounded (400) and its two branches disjoint",
    "monitor.extract.signals._BY 1ad5c230": ANCHORED,
    "monitor.extract.signals._SEPARATORS 2ff4f342": LINEAR + "; three characters, no repeat",
    "monitor.extract.signals._BYLINE_PARTS 2096d36e": LINEAR + "; was quadratic on a run of "
    "spaces (\\s* before the separator), now taken from where the spaces start "
    "(test_a_byline_with_a_page_of_spaces_in_it_still_reads_as_its_names)",
    "monitor.extract.signals._BYLINE_OPENING c816872b": ANCHORED,
    "monitor.extract.signals._NAME e95e3e74": ANCHORED + "; on one word",
    "monitor.extract.strategies.open_page() 1fd38d5c": USER,
    "monitor.normalize._INVISIBLE 21ace97a": CLASS,
    "monitor.normalize._SURROGATE e8e882d0": CLASS,
    "monitor.normalize._SPACES fe98a939": CLASS,
    "monitor.normalize._HAS_QUOTE 58f45645": CLASS,
    "monitor.normalize._HAS_DASH 4617d594": CLASS,
    "monitor.normalize.DECLARATION 2f27ae27": ANCHORED,
    "monitor.normalize.RELATIVE_TIME 2fa75a78": LINEAR + "; each branch starts at a word or a "
    "number's first digit (the CJK one was quadratic on a run of digits: "
    "test_a_page_long_number_is_read_for_a_relative_time_from_its_first_digit)",
    "monitor.render._MENTION 2fc43493": LINEAR + "; starts only after '@' or '<'",
    "monitor.render._CREDENTIALS c15eb345": LINEAR + "; starts only after '://', its repeat "
    "stops at the next '/'",
    "monitor.schedule._PART 040eb2d2": NOT_PAGE,
    "monitor.schedule.parse_duration() 18ea7a1b": NOT_PAGE,
    "monitor.sentences._END bd520d00": LINEAR + "; cannot fail once started",
    "monitor.sentences._INITIALS 7ce73363": "bounded: searched in the WORD_BEFORE_CHARS (64) "
    "characters before a '.', not in the text before it whole, which made a paragraph "
    "quadratic (test_only_the_characters_just_before_a_point_say_if_it_is_an_abbreviation)",
    "monitor.sentences._WORD_START 6113b449": CLASS + "; on WORD_BEFORE_CHARS characters",
    "monitor.sentences._NOT_SPACE cc821fda": CLASS + "; from a terminator to the next word",
    "monitor.sentences._token_pattern() af99058b": LINEAR
    + "; a number that fails is read by the word "
    "branch, so no start is tried twice",
    "monitor.sentences._DIGITS 05110fb1": CLASS,
    "monitor.sentences._QUOTATION 63a7369f": LINEAR + "; each branch's repeat stops at its own "
    "opening mark",
    "monitor.storage._masked() 4289e557": NOT_PAGE,
}


def _re_calls() -> dict[str, str]:
    """Each ``re`` call that takes a pattern, in monitor/: its key, and its pattern's source."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)
        text = path.read_text(encoding="utf-8")
        for statement in ast.parse(text).body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                where = f"{statement.name}()"
            elif isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
                where = statement.targets[0].id
            else:
                where = "<module>"
            for node in ast.walk(statement):
                if _is_re_call(node) and node.args:
                    pattern = ast.get_source_segment(text, node.args[0]) or ""
                    digest = hashlib.sha256(pattern.encode()).hexdigest()[:8]
                    found[f"{module}.{where} {digest}"] = pattern
    return found


def _is_re_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "re"
        and node.func.attr in MATCHING
    )


def test_every_regular_expression_in_monitor_has_been_audited() -> None:
    """Each pattern in monitor/ is in the audit table, as it is written now."""
    calls = _re_calls()
    unread = {key: pattern for key, pattern in calls.items() if key not in AUDIT}
    assert not unread, (
        "new or edited patterns: read each for backtracking on 5 MiB of hostile text "
        "(nested or overlapping repeats, a repeat before something that may not follow, a "
        "start retried at each character of a run), make it linear or cap its input, then "
        f"add it to AUDIT with why it is safe: {unread}"
    )
    assert not AUDIT.keys() - calls.keys(), "entries for patterns that are gone"


def test_the_chrome_patterns_taken_from_trafilatura_repeat_nothing() -> None:
    """The class and id patterns built from trafilatura's word lists hold no repeat, so a
    newer trafilatura cannot bring backtracking into them unseen."""
    for pattern in (chrome.vocabulary().classes.pattern, chrome.vocabulary().ids.pattern):
        assert not set("*+{") & set(pattern), pattern
