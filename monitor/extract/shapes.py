"""The shape of a line of text: a sentence, a fragment, a counter or clock, a notice.

Pure functions on one line, for telling the article's prose from the page metadata
that sits among it, in any script and whatever the markup around it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.normalize import has_relative_time

META_WORDS = 16
# A line this short that does not end as a sentence is a fragment: a label, a credit.
_FRAGMENT_WORDS = 12
_NOTICE_WORDS = 30  # longer, it is a paragraph that opens with a photo's credit
_NOTICE = re.compile(r"\W*(?:©|\(c\)\s|copyright\b)", re.IGNORECASE)
_ENUMERATOR = re.compile(r"^\W*\d{1,3}[.)]\s+")
# A number standing alone ("56200", "1.2M", "12:16", "22h"), not one inside a name
# ("S-400", "F-35", "COVID-19").
_NUMBER = re.compile(r"(?<![\w-])\d[\d.,:]*(?:[KkMmhd%]|st|nd|rd|th)?(?![\w-])")
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’»)\]]*$")
_TRAILING_OFF = re.compile(r"(?:\.\.\.|…)[\"'”’»)\]]*$")
_CJK_CHARS = 25  # CJK scripts say more per character: this many make a sentence


# A byline line with its date or time: "By" and a name of two to four capitalised
# words, then what follows a name ("By Louis Jacobson on Monday, Nov. 6th, 2019 at 9:48
# a.m."): its last period is the clock's, not a sentence's.
_DATED_BYLINE = re.compile(
    r"^(?i:by|von|par|por)\s+"
    r"(?:(?:[A-ZÀ-ÖØ-Þ][\w'’.-]+,?|and|&|,|de|del|da|van|von|der|la|le|y|e)\s+){1,6}"
    r"[A-ZÀ-ÖØ-Þ][\w'’.-]+\s*(?:,|·|\||—|–|-|\bon\b|\bat\b|\bam\b|\ble\b|\bel\b)"
)


def more_words_than(line: str, count: int) -> bool:
    """``len(line.split()) > count``, without splitting the rest of a long paragraph."""
    return len(line.split(None, count)) > count


@lru_cache(maxsize=4096)
def is_meta(line: str) -> bool:
    """A counter, a clock or a byline, not a sentence: a short line that does not end as
    a sentence (a dated byline line may) and carries a number or a relative time ("56200
    views", "Updated 3 minutes ago", "— Ben Carter (@ben) 12:16 AM · Mar 13, 2022", "Jane
    Doe · 22h", "By Louis Jacobson on Monday, November 6th, 2019 at 9:48 a.m.")."""
    if more_words_than(line, META_WORDS):
        return False
    if _SENTENCE_END.search(line) and not _dated_byline(line):
        return False
    line = _ENUMERATOR.sub("", line)
    return _NUMBER.search(line) is not None or has_relative_time(line)


_COUNTER_WORDS = 4
_COUNTER_SEPARATORS = (" · ", " • ", " | ")
# A count that opens the line, read as one: "1,349 people are reading this", "37,433 reads".
_OPENING_COUNT = re.compile(r"\d[\d.,]*[KkMm]?\s")
_COUNT_PHRASE_WORDS = 6


def is_counters(line: str) -> bool:
    """A line of counts or a clock standing alone ("1,419 comments · 71,294 views · 3 min
    read", "Updated 9:46 AM ET", "Last updated: 8 hours ago"): a meta line whose counts are
    set apart by separators, that tells a relative time, or of a few words, or that opens
    with its count ("1,349 people are reading this"). A list item with a figure in it ("*
    Max render distance has been increased to 32 chunks (512 blocks)") is meta by its
    shape, and no such line."""
    return is_meta(line) and (
        any(separator in line for separator in _COUNTER_SEPARATORS)
        or has_relative_time(line)
        or not more_words_than(line, _COUNTER_WORDS)
        or (
            _OPENING_COUNT.match(line) is not None
            and not more_words_than(line, _COUNT_PHRASE_WORDS)
        )
    )


# A licence or rights notice wherever it opens: "… are licensed under a Creative Commons
# Attribution-Share Alike 3.0 United States License.", "… All rights reserved."
_LICENCE = re.compile(
    r"\blicen[sc]ed under (?:a|the) creative commons\b|\ball rights reserved\b", re.IGNORECASE
)


# A disclosure of affiliate links, as sellers' sites print it above or below each post
# ("This post may contain affiliate and/or referral links. Please see my disclosure
# page.", "We may earn a commission from links on this page."): the site's legal notice.
_DISCLOSURE = re.compile(
    r"^\W*(?:this (?:post|article|page|story|site|website)|we|our \w+) (?:may )?"
    r"(?:contains?|includes?|uses?) affiliate (?:and/or referral |or referral )?links\b"
    r"|^\W*we (?:may )?(?:earn|receive) (?:a )?(?:small )?(?:commission|compensation)\b"
    r"|^\W*as an amazon associate\b",
    re.IGNORECASE,
)
_DISCLOSURE_CUES = ("affiliate", "commission", "compensation", "amazon associate")
# A cookie banner's notice, which data-protection law makes every site print in much the
# same words ("We use cookies and other tracking technologies to improve your browsing
# experience …", "By choosing I Accept, you consent to our use of cookies …", "Ce site
# utilise des cookies …"): the site's, wherever a page's markup puts it.
_COOKIES = re.compile(
    r"^\W*(?:we|this (?:site|website|page)|our (?:site|website)) (?:use|uses|are using|is using)"
    r" cookies\b"
    r"|\byou (?:agree|consent) to (?:our|the) use of cookies\b"
    r"|^\W*(?:nous utilisons|ce site(?: web)? utilise) des cookies\b"
    r"|^\W*(?:wir verwenden|diese (?:website|webseite|seite) verwendet) cookies\b"
    r"|^\W*(?:utilizamos|usamos|este sitio(?: web)? (?:utiliza|usa)|este site (?:utiliza|usa))"
    r" cookies\b"
    r"|^\W*(?:utilizziamo|questo sito(?: web)? utilizza) (?:i )?cookie\b",
    re.IGNORECASE,
)
_COOKIE_WORDS = 90  # a banner says what the cookies are for, and where to opt out


def is_notice(line: str) -> bool:
    """A copyright, licence or legal notice (an affiliate disclosure, a cookie banner's
    notice too): a site's footer, wherever it was put."""
    if _NOTICE.match(line) is None:
        lowered = line.lower()  # (once for every list of cues)
        if "cookie" in lowered and _COOKIES.search(line):
            return not more_words_than(line, _COOKIE_WORDS)
        if not (
            (any(map(lowered.__contains__, _LICENCE_CUES)) and _LICENCE.search(line))
            or (any(map(lowered.__contains__, _DISCLOSURE_CUES)) and _DISCLOSURE.search(line))
        ):
            return False
    return sum(1 for word in line.split() if any(ch.isalnum() for ch in word)) <= _NOTICE_WORDS


# A teaser's excerpt: text cut short, then the link to the rest ("… Read more").
_TEASER = re.compile(
    r"(?:\.\.\.|…)\s*(?:read more|continue reading|read the (?:full|whole) (?:story|article)|"
    r"full story|more|leer más|lire la suite|weiterlesen|leia mais|continua a leggere|"
    r"続きを読む|阅读全文)\b[^!?。]{0,60}(?<![.!?。])$",
    re.IGNORECASE,
)


def is_teaser(line: str) -> bool:
    """Another story's excerpt, cut short and followed by the link to the rest of it
    ("But if you want to build wealth, … Read more"): an article's own paragraph is
    never cut off in the middle to send the reader elsewhere."""
    # The ellipsis first: a plain substring test, where the pattern scans every position.
    return ("..." in line or "…" in line) and _TEASER.search(line) is not None


def _dated_byline(line: str) -> bool:
    found = _DATED_BYLINE.match(line)
    if found is None:
        return False
    # What follows the name is a date or a time, not the rest of a sentence ("By
    # Christmas Day, 300 people had died.").
    rest = line[found.end() :].strip()
    return is_date(rest) or (has_relative_time(rest) and len(rest.split()) <= 4)


# The site speaking to its reader about the site, not the story: a call to click ("Click
# here for more information", in the languages of the corpus), to follow, subscribe or
# write ("Follow us on Twitter", "Sign up for our daily newsletter", "Share your thoughts
# …", a line giving an e-mail address)
# and the comment section's notices ("Comments are closed.", "Leave a reply"), which
# content systems print in their templates' words.
_NETWORKS = r"(?:instagram|facebook|twitter|x|youtube|tiktok|linkedin|threads|bluesky)\b"
_SITE_PROMPT = re.compile(
    r"\b(?:click|tap) here\b|\bcliquez ici\b|\bhaga clic aquí\b|\bhaz clic aquí\b"
    r"|\bklicken sie hier\b|\bclique aqui\b|\bclicca qui\b"
    r"|\bfollow (?:us|me|him|her|them)\s+(?:on\b|@)|\bshare your thoughts\b"
    r"|(?:^|[.!?]\s)\W*share (?:it|this(?: story| article| post| page)?) with"
    r" (?:a friend|your friends)\b"
    r"|^\W*sharing is caring\W*$"
    r"|[\w.+-]@[\w-]+\.[a-z]{2,}\b"
    r"|\b(?:sign up|subscribe) (?:for|to) (?:our|the) (?:\w+ ){0,2}newsletters?(?![\w'’])"
    r"|^\W*(?:comments?|commenting|discussion)\s+(?:are|is|has been|have been)\s+"
    r"(?:now\s+)?(?:closed|disabled|turned off)\b"
    r"|^\W*(?:leave|post|add|write) a (?:reply|comment)\W*$"
    r"|^\W*be the first to comment\b"
    r"|^\W*you must be logged in to post a comment\b"
    # A question to the reader about the story, as the site's promo opens (MSN's
    # "Found the story interesting?" over "Like us on Facebook …").
    r"|^\W*(?:did you )?(?:find|found) (?:this|the) (?:story|article|post) "
    r"(?:interesting|useful|helpful)\?"
    r"|\blike us on (?:facebook|twitter|instagram|linkedin)\b"
    # A call to follow or visit the site (or its show, its writer) on a social network,
    # opening a sentence: "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.",
    # "Visit Breitbart's Facebook Page." (a sentence of the story does not tell the
    # reader to).
    rf"|(?:^|[.!?]\s)\W*follow (?:[\w.&'’-]+ ){{1,3}}on {_NETWORKS}"
    rf"|(?:^|[.!?]\s)\W*visit (?:us|our|[\w.&-]+['’]s) (?:official )?{_NETWORKS} "
    r"(?:page|channel|account|profile)\b"
    # A broadcaster's call to listen, set under its stories ("Listen to Newsbeat live at
    # 12:45 and 17:45 weekdays - or listen back here."): a schedule, not the story's.
    r"|(?:^|[.!?]\s)\W*(?:listen|tune in) to (?:[\w.&'’-]+ ){1,3}live (?:at|on|every)\b"
    r"|\blisten (?:back|again) (?:here|now|on)\b"
    # A widget's error message, the whole line ("An error has occurred, please try
    # again later.": a sharing form's, hidden by its class until it fails).
    r"|^\W*(?:an? (?:unexpected )?error (?:has )?occurred|something went wrong)[,.!]*"
    r"(?:\s+please try again(?: later)?[.!]?)?\s*$",
    re.IGNORECASE,
)
_PROMPT_WORDS = 40  # longer, the phrase is a sentence of the text's own
_PROMPT_CHARS = 600  # no 40 words of any language run longer (a cheap test first)


# Plain substrings one of which each pattern's match holds: most lines hold none, and
# a substring test is ten times cheaper than the patterns' search.
_PROMPT_CUES = (
    "click", "tap here", "cliquez", "clic aqu", "klicken", "clique", "clicca", "follow",
    "share your", "share it", "share this", "sharing is", "newsletter", "comment",
    "discussion", "reply", "@", "interesting?", "useful?", "helpful?", "like us on",
    "error occurred", "error has occurred", "went wrong", "visit ", "listen", "tune in",
)  # fmt: skip
_LICENCE_CUES = ("reserved", "creative commons")


def _has_cue(line: str, cues: tuple[str, ...]) -> bool:
    return any(map(line.lower().__contains__, cues))  # (a generator: a third slower)


def is_site_prompt(line: str) -> bool:
    """A line where the site, not the story, speaks to the reader: a call to click
    through ("89 issues for £53.31. Click here for more information.") or a notice of the
    comment section ("Comments are closed.")."""
    return (
        len(line) <= _PROMPT_CHARS
        and not more_words_than(line, _PROMPT_WORDS)  # (cheaper than the cues on a paragraph)
        and _has_cue(line, _PROMPT_CUES)
        and _SITE_PROMPT.search(line) is not None
    )


# A source list's entry: who, then a quoted title closed by its comma, then a date or a
# note ("The Intelligencer, "Rep. David McKinley Calls for …," Oct. 22, 2019").
_CITATION = re.compile(r"[^\"“”]{3,160}, [\"“][^\"“”]{3,300},[\"”](?: [^!?]{1,60})?")


def is_citation(line: str) -> bool:
    """An entry of a list of sources (a fact-check's, a report's): a publisher, a title
    in quotes and a date, no sentence of its own; a story's sentence quoting a title
    goes on and ends as a sentence."""
    if len(line) > _CITATION_CHARS or not any(mark in line for mark in _TITLE_CLOSES):
        return False  # most lines: no title closed by its comma in quotes
    return _CITATION.fullmatch(line) is not None and _SENTENCE_END.search(line) is None


_CITATION_CHARS = 540  # the pattern's bounds: 160 + 300 + 60 and the marks between
_TITLE_CLOSES = (',"', ",”")


def is_sentence(line: str) -> bool:
    """Prose: it ends as a sentence does (or opens a list with a colon), or runs long
    enough to be one."""
    if more_words_than(line, _FRAGMENT_WORDS):
        return True
    if _SENTENCE_END.search(line):
        # A short line trailing off is a label or a cut teaser ("You may also like...").
        return _TRAILING_OFF.search(line) is None
    if line.endswith(":"):
        return True
    return sum(1 for ch in line if "\u3040" <= ch <= "\ud7af") >= _CJK_CHARS


def is_label(line: str) -> bool:
    """A heading or a label ("Explore the BBC", "Let's resynchronize:"): short, and no
    sentence end, or trailing off ("Elsewhere on pv magazine..."). A colon opens a list
    in prose, but closes many a label."""
    if more_words_than(line, _FRAGMENT_WORDS):
        return False
    if _SENTENCE_END.search(line) and _TRAILING_OFF.search(line) is None:
        return False
    return sum(1 for ch in line if "\u3040" <= ch <= "\ud7af") < _CJK_CHARS


# The words a date is written with, in the languages of the corpus and their neighbours:
# months and weekdays (full and short), and the words that join a date and a time.
_CALENDAR = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri
    sat sun janvier février fevrier mars avril mai juin juillet août aout septembre octobre
    novembre décembre decembre lundi mardi mercredi jeudi vendredi samedi dimanche januar
    februar märz maerz juni juli oktober dezember montag dienstag mittwoch donnerstag
    freitag samstag sonntag enero febrero marzo abril mayo junio julio agosto septiembre
    setiembre octubre noviembre diciembre lunes martes miércoles jueves viernes sábado
    domingo gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre
    janeiro fevereiro março maio junho julho setembro outubro novembro dezembro
    at on um à a de del do of the le der am pm a.m. p.m. utc gmt et est edt ct cst cdt mt mst
    mdt pt pst pdt cet cest bst
    """.split()
)
_JOINERS = frozenset("at on um à a de del do of the le der am pm a.m. p.m.".split())
_ZONES = frozenset("utc gmt et est edt ct cst cdt mt mst mdt pt pst pdt cet cest bst".split())
_MONTHS_AND_DAYS = _CALENDAR - _JOINERS - _ZONES
_DATE_TOKEN = re.compile(r"\d{1,4}(?:st|nd|rd|th|er|\.)?|\d{1,2}[:h.]\d{2}(?:am|pm)?")
_NUMERIC_DATE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")
_DATE_WORDS = 10
# Ten words of a date are at most 14 characters each ("2019-11-18", "septiembre"), and
# the separators between them a few: a longer line is no date.
_DAY_CHARS = 200
_DIGIT = re.compile(r"\d")


# "Published:" before a date is the page's dateline; "Updated …" is not taken off: a
# newsroom's update line is the article's (see ``normalize.DECLARATION``).
_DATELINE = re.compile(
    r"^\W*(?:(?:first\s+)?(?:published|posted|publié|publicado|veröffentlicht|pubblicato)\b"
    # A wiki's footer, which its software rewrites at each edit ("This page was last
    # edited on 28 September 2019, at 21:33 (UTC)."): the page's date, not its text.
    r"|this page was last (?:edited|modified|updated)\b)"
    r"[\s:]*(?:(?:on|le|am|el|em|il)\b[\s:]*)?",
    re.IGNORECASE,
)


# A dateline that gives both dates: "Published Nov 18, 2019 at 4:07 PM | Updated at 5:36
# PM CST on Nov 18, 2019". (An "Updated …" line alone is the newsroom's, see above.)
_DATE_PARTS = re.compile(r"\s[|·]\s")
_UPDATED = re.compile(
    r"^\W*(?:last\s+)?(?:updated|modified|actualizado|mis à jour|aktualisiert|aggiornato)\b"
    r"[\s:]*(?:(?:at|on|le|am|el|il)\b[\s:]*)?",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def is_date(line: str) -> bool:
    """A line that is only a date, or a date and a time ("Sunday, May 3, 2016", "3 juin
    2021 à 14h05", "2016-05-03"), perhaps under its label ("Published: Nov. 18, 2019"),
    perhaps with the date of its last update after it: the page's date, not a line of
    its text."""
    if _DIGIT.search(line) is None:
        return False  # a day is written with a number (``_is_day``): most lines have none
    dateline = _DATELINE.match(line) is not None
    if not dateline and len(line) > _DAY_CHARS:
        return False  # (as ``_is_day`` would say, without copying a paragraph first)
    first, *more = _DATE_PARTS.split(line) if dateline else (line,)
    if more:
        return _is_day(_DATELINE.sub("", first, count=1)) and all(
            _is_day(_UPDATED.sub("", part, count=1)) for part in more
        )
    if not dateline:
        return _is_day(line)
    # Under its label, a date may close as a sentence does ("… on 28 October 2016, at
    # 06:56.").
    rest = _DATELINE.sub("", line, count=1)
    return _is_day(rest) or (rest.endswith(".") and _is_day(rest[:-1]))


def _is_day(line: str) -> bool:
    if len(line) > _DAY_CHARS:
        return False  # a paragraph: most lines asked about, and the costliest to split
    words = re.findall(r"[^\s,;|·–—()]+", line.casefold())
    if not words or len(words) > _DATE_WORDS:
        return False
    numbers = sum(1 for word in words if _DATE_TOKEN.fullmatch(word))
    numeric = sum(1 for word in words if _NUMERIC_DATE.fullmatch(word))
    named = sum(1 for word in words if word in _CALENDAR)
    if numbers + numeric + named != len(words):
        return False
    # A day: a month with its day and year (a month alone, "April 2014", may be a
    # heading of the text), or a date written in numbers alone.
    return numeric >= 1 or (numbers >= 2 and any(w in _MONTHS_AND_DAYS for w in words))


# An entry of a listing in the text: a day, a separator, what happens on it ("June 9 –
# West Palm Beach, FL @ Coral Sky Amphitheatre", "Nov. 3: Final in Lyon").
_ENTRY = re.compile(r"(.{3,24}?)(?:\s+(?:–|—|--|-|·|\|)|:)\s+(\S.*)")
_ENTRY_WORDS = 2


def is_entry(line: str) -> bool:
    """A line of a schedule or a timeline: a day (a month or weekday and a number, or a
    date in numbers), then at least two words of what happens on it. Like a counter it
    is short and carries numbers; unlike one, it is the text's data."""
    found = _ENTRY.fullmatch(line)
    if found is None or len(found.group(2).split()) < _ENTRY_WORDS:
        return False
    words = re.findall(r"[^\s,;]+", found.group(1).casefold().replace(".", " "))
    numeric = sum(1 for word in words if _NUMERIC_DATE.fullmatch(word))
    numbers = sum(1 for word in words if _DATE_TOKEN.fullmatch(word))
    named = sum(1 for word in words if word in _MONTHS_AND_DAYS)
    if numeric + numbers + named != len(words):
        return False
    return numeric >= 1 or (numbers >= 1 and named >= 1)
