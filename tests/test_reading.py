"""Which lines of a container are the article: the prose run, not what is nested beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.extract import extract
from monitor.extract.reading import blocks

SEED = Path(__file__).parent / "fixtures" / "seed" / "pages"
CORPUS = Path(__file__).parent / "fixtures" / "corpus"
WEB = Path(__file__).parent / "fixtures" / "web"
URL = "https://news.example/2021/story"
LAST = "post-Cold War highs.</p>"

# Chrome as sites write it, with build-hash classes or none: nothing here names itself.
TEASER = (
    '<div class="css-1q2w3e sc-a4b7"><div class="css-9z8y7x"><span>{name}</span> · '
    "<span>{hours}h ago</span></div><p>{comment} I have been reading this paper for years "
    "and this is the first time I write in.</p></div>"
)
BIO = (
    '<div class="Bio_wrap__3xYz"><h4>About the author</h4><p>{name} covers defence and '
    "diplomacy from Moscow and has written for the paper since 2015.</p></div>"
)


def seed_page(name: str, *, after: str = "", before_first: str = "") -> str:
    html = (SEED / f"{name}.html").read_text(encoding="utf-8")
    html = html.replace(LAST, LAST + after, 1)
    return html.replace('<p class="article__update">', before_first + '<p class="article__update">')


def lines(html: str, hint: dict[str, object] | None = None) -> tuple[str, ...]:
    found = extract(html, URL, None, hint)  # type: ignore[arg-type]
    assert found.article is not None
    return found.article.paragraphs


def test_a_comment_teaser_nested_in_the_article_is_not_read() -> None:
    """A teaser in its own wrapper after the last paragraph is not the article, whoever wrote it."""
    plain = lines(seed_page("v2"))
    teaser = TEASER.format(name="Olga P.", hours=3, comment="Shameful.")
    assert lines(seed_page("v2", after=teaser)) == plain


def test_an_author_box_with_its_own_heading_is_not_read() -> None:
    """An author box nested in the run, with a heading of its own, stays out of the article."""
    plain = lines(seed_page("v2"))
    assert lines(seed_page("v2", after=BIO.format(name="Jake Smith"))) == plain


def test_the_chrome_learnt_at_the_first_check_holds_on_the_first_reload() -> None:
    """Read through the first check's hint, a reload with a new teaser is the fast path."""
    first = extract(seed_page("v2", after=TEASER.format(name="A", hours=1, comment="No.")), URL)
    again = extract(
        seed_page("v2-chrome", after=TEASER.format(name="Bo", hours=5, comment="Yes!")),
        URL,
        None,
        first.hint,
    )
    assert again.article is None, "nothing new: the article reads as before"


@pytest.mark.parametrize(
    "counter",
    [
        "<p>479 comments · 8,814 views · 5 min read</p>",
        "<div>1,234 people are reading this</div>",
        '<div><time datetime="PT4M">Updated 43 minutes ago</time></div>',
        "<p>Last updated: 13 hours ago</p>",
    ],
)
def test_a_class_less_counter_or_clock_in_the_run_is_not_read(counter: str) -> None:
    """A bare counters or clock line among the paragraphs is page metadata, not article."""
    assert lines(seed_page("v2", before_first=counter)) == lines(seed_page("v2"))


@pytest.mark.parametrize(
    ("unit", "why"),
    [
        (
            "<figure><video controls></video><figcaption>Watch: Talks 3:21 · 1.2M views"
            "</figcaption></figure>",
            "a player",
        ),
        (
            "<blockquote><p>Great reporting, thank you for covering this.</p><p>— Ben Carter "
            "(@ben) 12:16 AM · Mar 13, 2022</p></blockquote>",
            "an embedded post",
        ),
        (
            "<div><p>Yes 40% · No 60% · 1,234 votes</p><p>Should the deal go ahead?</p></div>",
            "a poll",
        ),
    ],
)
def test_a_unit_with_a_player_or_a_counter_line_is_not_read(unit: str, why: str) -> None:
    """A box of several lines in the run that holds a player or a counter is a widget."""
    assert lines(seed_page("v2", after=unit)) == lines(seed_page("v2")), why


def test_a_quotation_and_a_captioned_photo_in_the_run_are_read() -> None:
    """The article's own blockquote and photo caption have no counter: they are watched."""
    quote = "<blockquote><p>We will not give up the system, whatever it costs us.</p></blockquote>"
    photo = (
        '<figure><img src="s400.jpg"><figcaption>An S-400 battery in Ankara</figcaption></figure>'
    )
    read = lines(seed_page("v2", after=quote + photo))
    assert "We will not give up the system, whatever it costs us." in read
    assert "An S-400 battery in Ankara" in read


def test_a_byline_line_in_the_run_keeps_its_names_only() -> None:
    """A byline line among the paragraphs reads as its names, not its counters."""
    one = lines(seed_page("v2", before_first="<div>By Jane Doe · June 2, 2021 · 56200 views</div>"))
    two = lines(seed_page("v2", before_first="<div>By Jane Doe · June 2, 2021 · 55256 views</div>"))
    assert one == two and "Jane Doe" in one


def test_a_list_inside_the_article_is_read() -> None:
    """Lists are the article's own structure: their items are watched."""
    items = "<ul><li>First of four batteries delivered</li><li>Sanctions followed</li></ul>"
    assert "Sanctions followed" in lines(seed_page("v2", after=items))


@pytest.mark.parametrize("name", ["ars-1", "heise", "lemonde-1", "lwn-1"])
def test_a_teaser_between_real_paragraphs_leaves_the_article_alone(name: str) -> None:
    """On real pages, a hash-class teaser inserted after a paragraph changes no line."""
    html = (CORPUS / name / "source.html").read_text(encoding="utf-8", errors="replace")
    plain = lines(html)
    at = html.find("</p>", html.find(plain[len(plain) // 2][:20]))
    assert at > 0
    teaser = TEASER.format(name="Kim", hours=2, comment="Great piece.")
    assert lines(html[: at + 4] + teaser + html[at + 4 :]) == plain


# A related post's card as Lifehacker wrote it (2019), its classes gone: a bare <p>.
EXCERPT = (
    "<p><span>Many people don't invest because it seems overly complicated. But if you want "
    "to build wealth, …</span> <a href='https://twocents.lifehacker.com/how-to-build'>Read "
    "more <span>twocents.lifehacker.com</span></a></p>"
)


@pytest.mark.parametrize("name", ["ars-1", "heise", "lemonde-1", "lwn-1"])
def test_an_excerpt_of_another_story_between_real_paragraphs_is_not_read(name: str) -> None:
    """A bare paragraph whose text is cut short into a "Read more" link is a teaser,
    though it sits in the article's run as one of its paragraphs: a reload that brings
    one reads as before."""
    html = (CORPUS / name / "source.html").read_text(encoding="utf-8", errors="replace")
    first = extract(html, URL)
    assert first.article is not None
    plain = first.article.paragraphs
    at = html.find("</p>", html.find(plain[len(plain) // 2][:20]))
    assert extract(html[: at + 4] + EXCERPT + html[at + 4 :], URL, None, first.hint).article is None


# Labels that sites put between paragraphs, as they write them (bare, hash-class).
LABELS = (
    '<div class="css-c01d84 css-51d954">Ready to publish?</div>',
    "<div>Advertisement</div>",
    '<div class="sc-9f2b1"><span>Story continues below</span></div>',
)


@pytest.mark.parametrize("name", ["ars-1", "heise", "lemonde-1", "lwn-1"])
@pytest.mark.parametrize("label", LABELS)
def test_a_label_in_a_bare_element_between_real_paragraphs_is_not_read(
    name: str, label: str
) -> None:
    """Where the article is written in <p>, a few words in a <div> or <span> among them
    are the page's label, not a line of the article."""
    html = (CORPUS / name / "source.html").read_text(encoding="utf-8", errors="replace")
    plain = lines(html)
    at = html.find("</p>", html.find(plain[len(plain) // 2][:20]))
    assert lines(html[: at + 4] + label + html[at + 4 :]) == plain


def test_a_declared_update_in_a_bare_element_is_read() -> None:
    """A newsroom's "Updated at …" line is the article's, whatever element holds it."""
    read = lines(seed_page("v2", before_first="<div>Updated at 4:05 p.m. on June 3.</div>"))
    assert "Updated at 4:05 p.m. on June 3." in read


def test_a_date_header_among_a_pages_items_is_not_read() -> None:
    """A blog's date header that chrome put among a product page's items is the page's
    date, whichever day it shows; the items are read as before."""
    html = (WEB / "mozilla-2" / "source.html").read_text(encoding="utf-8")
    plain = lines(html)
    at = html.find("</p>", html.find("<h2>Page Inspector</h2>")) + len("</p>")
    assert at > len("</p>")
    for day in ("Sunday, May 3, 2016", "Monday, May 4, 2016"):
        header = f'<h2 class="date-header"><span>{day}</span></h2>'
        assert lines(html[:at] + header + html[at:]) == plain


def test_a_heading_over_links_and_a_list_of_counters_are_not_read() -> None:
    """A box of other stories under its heading, and an archive list of counts, are chrome."""
    box = '<div><h3>Explore more</h3><p><a href="/a">One story</a> <a href="/b">Two</a></p></div>'
    archive = "<ul><li>► 2011 (9)</li><li>► 2012 (14)</li></ul>"
    assert lines(seed_page("v2", after=box + archive)) == lines(seed_page("v2"))


def test_a_list_written_as_paragraphs_is_read() -> None:
    """Three short items alike in a row are a list of the article's, not labels."""
    items = "".join(f"<p>{n}. {country}</p>" for n, country in enumerate(("Fiji", "Peru", "Chad")))
    read = lines(seed_page("v2", after=items))
    assert [line for line in read if line[0].isdigit()] == ["0. Fiji", "1. Peru", "2. Chad"]


def test_a_figures_caption_is_its_first_line_after_its_one_image() -> None:
    """A caption's ``<div>`` holds one image, then the caption: that line is the
    figure's, and stays so when chrome is set before or after it in the same ``<div>``
    (an embedded post between the image and its caption). A box of
    teasers ("Most popular", a picture per story) is no figure, though each card in it
    is (the box's own ``<div>`` keeps its cards out of an article read through it); an
    embedded post's picture comes with a counter line, and a line before the image is
    no caption."""
    from selectolax.lexbor import LexborHTMLParser

    html = (
        '<div><div><img src="a.png"><blockquote><p>Finally some good news this week.</p>'
        "<p>— Fatima Zahra (@old_hand) 5:04 AM · Mar 16, 2021</p></blockquote>"
        "<p>The new menu, opened from the toolbar.</p><div>3,850 readers right now</div></div>"
        '<div><h2>Most popular</h2><div><img src="b.png"><p>Protein diet for 14 days.</p></div>'
        '<div><img src="c.png"><p>Atkins diet, the whole menu.</p></div></div>'
        '<div><img src="avatar.png"><p>Fatima Zahra · 9 minutes ago</p></div>'
        '<div><p>Read this before you look at the picture.</p><img src="d.png"></div></div>'
    )
    root = LexborHTMLParser(html).css_first("div")
    assert root is not None
    captions = [block.text for block in blocks(root).blocks if block.figure]
    assert captions == [
        "The new menu, opened from the toolbar.",
        "Protein diet for 14 days.",
        "Atkins diet, the whole menu.",
    ]


def test_a_page_nested_thousands_deep_is_read_without_recursion() -> None:
    """A hostile page nests 5,000 spans: the walk is a loop, not recursion."""
    from selectolax.lexbor import LexborHTMLParser

    html = "<div>" + "<span>" * 5000 + "deep text" + "</span>" * 5000 + "</div>"
    root = LexborHTMLParser(html).css_first("div")
    assert root is not None
    assert [block.text for block in blocks(root).blocks] == ["deep text"]


def test_a_quotation_that_chrome_slipped_into_is_still_the_articles() -> None:
    """A comment teaser's name-and-clock line inside an article's quotation makes the
    quotation look like a widget; read before and still on the page, it stays."""
    from monitor.extract import container

    prose = "".join(
        f"<p>Paragraph {n} of the article says what happened, at length and in order.</p>"
        for n in range(6)
    )
    quote = (
        "<blockquote><p>I wonder how many of these skills are table stakes now.</p>{x}</blockquote>"
    )
    page = (
        "<html><body><h1>Story</h1><article>{p}" + quote + "<p>The end.</p></article></body></html>"
    )
    plain = page.format(p=prose, x="")
    slipped = page.format(p=prose, x="<div><span>Lucas Silva</span> · <span>24h</span></div>")
    tree = container.parse(plain)
    node = tree.css_first("article")
    assert node is not None
    first = container.read(tree, node)
    assert any("table stakes" in line for line in first.lines)
    tree = container.parse(slipped)
    node = tree.css_first("article")
    assert node is not None
    fresh = container.read(tree, node, (), first.hint.title_at, first.hint.run)
    assert not any("table stakes" in line for line in fresh.lines), "a widget, read afresh"
    again = container.read(
        tree, node, (), first.hint.title_at, first.hint.run, seen=first.hint.lines
    )
    assert any("table stakes" in line for line in again.lines), "read before: it stays"
    assert not any("Lucas Silva" in line for line in again.lines)


def _tmz(after_last: str, *, between: str = "") -> str:
    html = (CORPUS / "tmz-1" / "source.html").read_text(encoding="utf-8")
    last, third = "they can ID the culprit.</p>", "while she was gone. &nbsp;</p>"
    assert last in html and third in html
    return html.replace(last, last + after_last, 1).replace(third, third + between, 1)


def test_a_poll_under_a_short_article_is_not_read() -> None:
    """Five paragraphs and a poll box under them (tmz-1): the poll's counter line is no
    prose, so the poll is no part of the article's run, whatever its question says."""
    poll = '<div class="c-8f2e"><p>Poll: {}?</p><p>Yes {}% · No {}% · {} votes</p></div>'
    plain = lines(_tmz(""))
    first = extract(
        _tmz(poll.format("What the new tax rules mean for renters", 38, 62, "28,309")), URL
    )
    assert first.article is not None
    assert first.article.paragraphs == plain
    again = _tmz(poll.format("Should hotels answer for what guests lose in rooms", 41, 59, "2,517"))
    assert extract(again, URL, None, first.hint).article is None, "the same article"


def test_a_row_of_links_among_the_paragraphs_is_not_read() -> None:
    """Links one after another with only a bar between them are a menu or a footer (this
    one is youth.cn's), however much other text the line holds."""
    row = (
        '<p><a href="/a">关于我们</a>｜<a href="/b">联系我们</a>｜<a href="/c">广告服务</a>'
        '｜<a href="/d">人才招聘</a>｜<a href="/e">中国互联网举报中心</a>　Youth.cn. '
        "请发送qnb至38020143　订阅手机青年报</p>"
    )
    assert lines(seed_page("v2", after=row)) == lines(seed_page("v2"))


def test_a_paragraph_of_many_links_in_prose_is_read() -> None:
    """Links with words between them are prose (wikipedia-3), however many they are."""
    prose = (
        '<p>Well-known families of <a href="/w/1">Pauli matrices</a>, <a href="/w/2">Gell-Mann'
        ' matrices</a> and their generalizations are Hermitian. In <a href="/w/3">theoretical '
        'physics</a> such <a href="/w/4">Hermitian</a> <a href="/w/5">matrices</a> are often '
        'multiplied by <a href="/w/6">imaginary</a> coefficients.</p>'
    )
    read = lines(seed_page("v2", after=prose))
    assert any(line.startswith("Well-known families of Pauli matrices") for line in read)


def test_comments_among_a_short_articles_paragraphs_are_not_its_run() -> None:
    """Five paragraphs (tmz-1's) and among them comments with hashed classes, each a name
    and a time, what they wrote, and its likes. The comments say more than a tenth of
    what the article says, yet their slot is boxes with counters, not the article's run:
    at the next check a longer comment is still no line of the article."""
    comment = (
        '<li class="c-3e2d4c"><p><strong>{}</strong> <span>{} hours ago</span></p>'
        '<p>{}</p><p><a href="#reply">Reply</a> · {} likes</p></li>'
    )

    def section(*said: str) -> str:
        names = ["Yuki Tanaka", "Emma Johansson", "Omar Farouk"]
        items = "".join(
            comment.format(name, 3 + i, text, 40 + i)
            for i, (name, text) in enumerate(zip(names, said, strict=True))
        )
        return f'<section class="c-6815ae"><h3>Comments (262)</h3><ul>{items}</ul></section>'

    short = section(
        "We tried this in our town and it did not work.",
        "Subscribed just to say: more articles like this please.",
        "I disagree with the premise but the numbers are interesting.",
    )
    first = extract(_tmz("", between=short), URL)
    assert first.article is not None
    assert first.article.paragraphs == lines(_tmz(""))
    longer = section(
        "Does anyone know if this applies outside the city limits, or only to the people who "
        "live downtown near the hotel?",
        "Subscribed just to say: more articles like this please.",
        "Who is paying for all of this? That is the real question.",
    )
    assert extract(_tmz("", between=longer), URL, None, first.hint).article is None


def test_a_correction_in_a_box_with_the_pages_clock_is_read() -> None:
    """Slate's correction box (2019): the correction and a live timestamp in a wrapper of
    their own. The box's clock makes it no paragraph of the run, yet the correction is
    the article's; the clock is not."""
    box = (
        '<div class="errata" data-editable="text"><p>Correction, Nov. 15, 2019: This article '
        "originally misidentified the first publisher of John M. Ford’s novel <em>Web of "
        'Angels</em>. It was Pocket, not Tor.</p><div class="c-timestamp--live"><time '
        'datetime="PT97M">Updated {}</time></div></div>'
    )
    read = lines(seed_page("v2", after=box.format("3:57 PM ET")))
    assert any(line.startswith("Correction, Nov. 15, 2019: This article") for line in read)
    assert not any("3:57" in line for line in read)
    later = lines(seed_page("v2", after=box.format("22 minutes ago")))
    assert later == read


@pytest.mark.parametrize(
    "after",
    ["lists some hypothetical symptoms", "Edited by Betsy Beyer"],
    ids=["in-a-section", "under-the-byline"],
)
def test_a_comment_thread_set_among_a_books_sections_is_not_read(after: str) -> None:
    """The SRE book is sections of paragraphs and lists; a comment thread put among them
    is a section with a list too, but each item is a box of lines with a clock and a
    counter: a thread, not the book's list, wherever it goes (under the byline, its list
    is of the run's own shape). Its heading, a label, is all that is read."""
    html = (WEB / "google-sre-book-1" / "source.html").read_text(encoding="utf-8")
    at = html.index("</p>", html.index(after)) + len("</p>")
    item = (
        '<li><p><strong>{}</strong> <span>{}</span></p><p>{}</p><p><a href="#reply">Reply'
        "</a> · {} likes</p></li>"
    )
    thread = (
        "<section><h3>Comments (137)</h3><ul>"
        + item.format("Fatima Zahra", "29h", "We tried this in our town and it did not work.", 287)
        + item.format("Peter Novak", "39 days ago", "More articles like this please.", 279)
        + '</ul><a href="#comments">Load more comments</a></section>'
    )
    plain = lines(html)
    read = lines(html[:at] + thread + html[at:])
    assert [line for line in read if line not in plain] == ["Comments (137)"]
    assert [line for line in plain if line not in read] == []


CORRECTION = (
    "Correction: An earlier version of this article misstated the number of S-400 "
    "batteries. Turkey bought four, not two."
)
COMMENTS = (
    '<section class="comments"><h3>Comments</h3><div class="css-8k2l"><p>{}</p></div></section>'
)


@pytest.mark.parametrize(
    "set_apart",
    [
        "</article><div class='css-1x9k'><p><em>{}</em></p></div>",
        "</article><aside class='most-read'><h3>Most read</h3></aside><p><i>{}</i></p>",
    ],
    ids=["in-a-box-after-the-article", "after-the-related-links"],
)
def test_a_correction_set_apart_after_the_article_is_read(set_apart: str) -> None:
    """A newsroom that prints its correction outside the article's element (after it,
    after the related links) still owns up to an edit of the story: it is read, last."""
    html = seed_page("v2").replace("</article>", set_apart.format(CORRECTION), 1)
    assert lines(html)[-1] == CORRECTION
    assert lines(html)[:-1] == lines(seed_page("v2"))


@pytest.mark.parametrize(
    "outside",
    [
        COMMENTS.format(CORRECTION),
        "<div class='css-2b7q'><p>Update your browser to see this site as it is meant.</p></div>",
        "<div class='css-2b7q'><p>Updated 3:57 PM ET</p></div>",
        f"<p hidden>{CORRECTION}</p>",
    ],
    ids=["a-comment", "a-browser-banner", "the-pages-clock", "hidden"],
)
def test_nothing_else_after_the_article_is_read(outside: str) -> None:
    """After the article only a notice of an edit is read: not a commenter's correction,
    a banner that opens with "Update", the page's clock or a hidden element."""
    html = seed_page("v2").replace("</article>", "</article>" + outside, 1)
    assert lines(html) == lines(seed_page("v2"))


# morebikes.co.uk's promo, as that site set it among a story's paragraphs, and the
# notice WordPress prints under a post whose comments are closed.
PROMO = (
    '<p>Get <a href="http://www.classicmagazines.co.uk/mcm43">Motor Cycle Monthly</a> '
    "delivered through your letterbox every month. {issues} issues for £{price}. "
    '<a href="http://www.classicmagazines.co.uk/mcm43">Click here</a> for more '
    "information.</p>"
)
CLOSED = '<p class="no-comments">Comments are closed.</p>'


@pytest.mark.parametrize("closing", ["", CLOSED], ids=["promo", "promo-and-comments-closed"])
def test_the_sites_prompts_among_the_paragraphs_are_not_read(closing: str) -> None:
    """A promo that asks the reader to click through, set between two paragraphs as a
    bare <p>, and "Comments are closed." after the last one are the site's, not the
    story's: neither is read, whatever its numbers say at this load."""
    plain = lines(seed_page("v2"))
    for issues, price in (("12", "11.99"), ("89", "53.31")):
        html = seed_page("v2", after=closing).replace(
            "</p>", "</p>" + PROMO.format(issues=issues, price=price), 3
        )
        assert lines(html) == plain


# Three sites' own lines, as their pages have them (the open pages at seed 21: each came
# and went at a chrome-only reload): a blog's affiliate disclosure over its post
# (theantijunecleaver.com), MSN's promo under its stories, and a sharing form's error
# message (hidden by its class until it fails; without the class, as build-hash pages
# would have it).
DISCLOSURE = (
    '<div class="code-block code-block-1" style="margin: 8px auto; text-align: center; '
    'display: block; clear: both;"> <em><font size="2">This post may contain affiliate '
    'and/or referral links. Please see my <a href="https://theantijunecleaver.com/what-is-'
    'an-affiliate-link/">disclosure page</a>. </font></em></div>'
)
MSN_PROMO = (
    '<div class="fbpopup-container" data-aop="fbmsnlikeprompt"><div class="fbpopup">'
    '<button class="fbpopup-close" title="close"></button>'
    "<h2>Found the story interesting?</h2><p>Like us on Facebook to see similar stories</p>"
    "</div></div>"
)
FORM_ERROR = '<p id="email-scrim-error">An error has occurred, please try again later.</p>'


@pytest.mark.parametrize(
    ("before_first", "between", "after"),
    [
        (DISCLOSURE, "", ""),
        ("", MSN_PROMO, ""),
        ("", "<h2>Found the story interesting?</h2>", ""),
        ("", "", FORM_ERROR),
        (DISCLOSURE, MSN_PROMO, FORM_ERROR),
    ],
    ids=["disclosure", "msn-promo", "msn-question", "form-error", "all"],
)
def test_a_disclosure_a_promo_and_a_widgets_error_are_the_sites(
    before_first: str, between: str, after: str
) -> None:
    """An affiliate disclosure, a question to the reader about the story and a form's
    error message are the site's lines, wherever they are set: none is read, so none
    alerts as it comes and goes."""
    html = seed_page("v2", after=after, before_first=before_first)
    html = html.replace("</p>", "</p>" + between, 2)
    assert lines(html) == lines(seed_page("v2"))


# Two sites' calls to follow them, as their pages have them (the open pages at seed 23:
# each came or went at a chrome-only reload): BBC Newsbeat's under its stories, and
# Breitbart's over its comments (here without their wrapper, as a build-hash page, or
# a page whose comment section is not marked, would give it).
NEWSBEAT = (
    '<p><i>Follow Newsbeat on </i><a href="https://www.instagram.com/bbcnewsbeat/" '
    'class="story-body__link-external">Instagram</a><i>, </i><a href="https://www.'
    'facebook.com/bbcnewsbeat/" class="story-body__link-external">Facebook</a><i>, </i>'
    '<a href="https://twitter.com/BBCNewsbeat" class="story-body__link-external">Twitter</a>'
    '<i> and </i><a href="https://www.youtube.com/bbcnewsbeat" class="story-body__link-'
    'external">YouTube</a><i>.</i></p>'
)
BREITBART_COMMENTS = (
    "<p><br />Comment count on this article reflects comments made on Breitbart.com and "
    'Facebook. Visit <a href="https://www.facebook.com/Breitbart" target="_blank" '
    'rel="noopener" class=" x5l">Breitbart\'s Facebook Page</a>.</p>'
)


@pytest.mark.parametrize(
    ("between", "after"),
    [(NEWSBEAT, ""), ("", BREITBART_COMMENTS), (NEWSBEAT, BREITBART_COMMENTS)],
    ids=["newsbeat", "breitbart", "both"],
)
def test_a_call_to_follow_the_site_on_a_social_network_is_the_sites(
    between: str, after: str
) -> None:
    """A line that tells the reader to follow or visit the site on a social network,
    set between the paragraphs or after the last one, is not read: it comes and goes
    with the site's templates, not with the story."""
    html = seed_page("v2", after=after).replace("</p>", "</p>" + between, 2)
    assert lines(html) == lines(seed_page("v2"))


# Rolling Stone's tour dates under a story (2019): one <p>, a date and a venue a line.
TOUR = (
    "<p><strong>The Doobie Brothers Tour Dates</strong></p>"
    "<p>June 9 – West Palm Beach, FL @ Coral Sky Amphitheatre<br>\n"
    "June 10 – Tampa, FL @ MIDFLORIDA Credit Union Amphitheatre<br>\n"
    "June 14 – Alpharetta, GA @ Ameris Bank Amphitheatre<br>\n"
    "June 17 – Nashville, TN @ Bridgestone Arena</p>"
)


def test_a_schedule_in_the_text_is_read_though_its_lines_carry_numbers() -> None:
    """A list of tour dates carries numbers on every line, as a box of counters does;
    but each line is a day and what happens on it: the story's data, read, so that a
    date moved is an edit."""
    read = lines(seed_page("v2", after=TOUR))
    assert "June 10 – Tampa, FL @ MIDFLORIDA Credit Union Amphitheatre" in read
    moved = lines(seed_page("v2", after=TOUR.replace("June 10", "June 11")))
    assert "June 11 – Tampa, FL @ MIDFLORIDA Credit Union Amphitheatre" in moved


# PolitiFact's list of sources (2019), one of its entries set among another story's lines.
SOURCE = (
    "<p>The Intelligencer/Wheeling News-Register, &quot;Rep. David McKinley Calls for "
    "Increase in Border Patrol Agent Ranks,&quot; Oct. {day}, 2019</p>"
)


def test_a_source_lists_entry_among_the_paragraphs_is_not_read() -> None:
    """An entry of another page's list of sources, set between two paragraphs, is not the
    story's text, whatever date it carries at this load."""
    plain = lines(seed_page("v2"))
    for day in (22, 29):
        html = seed_page("v2").replace("</p>", "</p>" + SOURCE.format(day=day), 3)
        assert lines(html) == plain


# A poll as sites set one after a story: its question (another story's headline), then
# the votes.
POLL = (
    "<div><p>Poll: The Artist and His Muse: Mario Dedivanovic, Kim Kardashian Talk Second "
    "Beauty Collab Posted on: WWD Posted {hours} hours ago?</p><p>Yes {yes}% · No "
    "{no}% · {votes} votes</p></div>"
)


def test_a_poll_after_paragraphs_each_in_a_div_is_not_read() -> None:
    """Reuters sets each paragraph in a <div> of its own, so a poll's <div> after them has
    their shape. Its question runs long, but a question over a counter line is a poll's
    box: neither line is read, whatever the votes say."""
    divided = seed_page("v2").replace("<p>", "<div><p>").replace("</p>", "</p></div>")
    plain = lines(divided)
    for hours, yes, votes in ((4, 57, "31,896"), (9, 78, "38,487")):
        poll = POLL.format(hours=hours, yes=yes, no=100 - yes, votes=votes)
        assert lines(divided.replace("</article>", poll + "</article>", 1)) == plain


EMBED = (
    "<blockquote class='sc-ouqx9 CUvfCm'><p>Does anyone know if this applies outside the "
    "city too?</p><p>— James O'Connor (@plainspoken) <a href='https://x.com/p/1'>12:58 PM · "
    "Nov 16, 2023</a></p><p>1.5M Likes · 2.0M Retweets · 283 Replies</p></blockquote>"
)
PLAYER = (
    "<figure><video controls></video><figcaption><strong>Watch:</strong> The week in "
    "review <span>6:49</span> · <span>1.9M views</span></figcaption></figure>"
)


@pytest.mark.parametrize(
    ("heading", "chrome"),
    [
        ("<h2>Most Read</h2>", EMBED),  # over an embedded post and its likes
        ("<h4>Summary</h4>", PLAYER),  # over a video and its views
        ("<h3>sustainability</h3>", ""),  # over nothing: the container's last line
    ],
)
def test_a_heading_over_chrome_is_the_chromes_label(heading: str, chrome: str) -> None:
    """A heading heads what follows it: over an embedded post, a player, or nothing, it
    is that chrome's label, not a heading of the article (the open pages at seed 17:
    "Most Read" and "sustainability" over tweets, "Summary" over a player, each read as
    the article's line and alerting as it came and went)."""
    plain = lines(seed_page("v2"))
    assert lines(seed_page("v2", after=heading + chrome)) == plain


def test_a_heading_over_the_articles_own_lines_is_read() -> None:
    """A heading followed by a paragraph, or by a quotation, is the article's."""
    section = "<h3>What the ministry said</h3><p>The ministry declined to comment further.</p>"
    assert "What the ministry said" in lines(seed_page("v2", after=section))
    quoted = "<h3>In his words</h3><blockquote><p>We will not comment on this.</p></blockquote>"
    assert "In his words" in lines(seed_page("v2", after=quoted))


# Twitter's embedding markup as wccftech.com printed it (an AEB tuning page): the post,
# then who wrote it and when; no counts.
QUOTED_POST = (
    '<div><blockquote data-width="550" data-dnt="true"><p lang="en" dir="ltr">Interesting '
    "to see Stadia RDR2 capture out there running at an unstable 60fps, while Chrome "
    'browser output seem to be aiming for 60. <a href="https://t.co/4p7SXk7JPW">'
    "pic.twitter.com/4p7SXk7JPW</a></p><p>— Digital Foundry (@digitalfoundry) "
    '<a href="https://twitter.com/digitalfoundry/status/1196551514896162816">November '
    "18, 2019</a></p></blockquote></div>"
)


def test_a_post_the_story_quotes_is_read_as_its_quotation() -> None:
    """An embedded post signed and dated, with no likes counted, is the story's
    quotation, wrapper and all: an edit to it is an edit (seed 19's open pages: the
    number in Digital Foundry's post was edited, and missed)."""
    read = lines(seed_page("v2", after=QUOTED_POST))
    assert read[: len(lines(seed_page("v2")))] == lines(seed_page("v2"))
    assert read[-2].startswith("Interesting to see Stadia RDR2")
    assert read[-1] == "— Digital Foundry (@digitalfoundry) November 18, 2019"


@pytest.mark.parametrize(
    ("counted", "day"),
    [
        ("<p>1.9M Likes · 3.8M Retweets · 694 Replies</p>", "November 18, 2019"),
        ("", "12:16 AM · Nov 18, 2019"),  # its time of day: a feed's
        ("", "3 hours ago"),
    ],
    ids=["its-likes-counted", "its-time-of-day", "its-age"],
)
def test_a_post_with_its_likes_or_a_clock_is_still_a_widget(counted: str, day: str) -> None:
    """The same post with its likes counted, or timed as a feed times its posts, is a
    widget (see test_a_unit_with_a_player_or_a_counter_line_is_not_read)."""
    post = QUOTED_POST.replace("</blockquote>", counted + "</blockquote>")
    post = post.replace("November 18, 2019", day)
    assert lines(seed_page("v2", after=post)) == lines(seed_page("v2"))


def test_labels_repeated_in_a_row_are_no_list() -> None:
    """Three fragments alike in a row are a list, kept; the same two labels over and
    over ("Advertisement", "Sponsored": ad slots in a row) are not (seed 19's open pages:
    one slot gone at a reload alerted "1 sentence removed: Advertisement")."""
    slots = "".join(f"<p>{label}</p>" for label in ("Advertisement", "Sponsored") * 2)
    assert lines(seed_page("v2", after=slots)) == lines(seed_page("v2"))
    one_less = "".join(
        f"<p>{label}</p>" for label in ("Advertisement", "Sponsored", "Advertisement")
    )
    assert lines(seed_page("v2", after=one_less)) == lines(seed_page("v2"))


ELEMENTOR = Path(__file__).parent / "fixtures" / "mercury" / "blisterreview.html"


def _elementor(extra: str = "") -> bytes:
    html = ELEMENTOR.read_text(encoding="utf-8")
    at = html.index('<footer class="site-footer">')
    return (html[:at] + extra + html[at:]).encode()


def test_a_page_builders_every_block_named_widget_is_still_the_article() -> None:
    """Elementor sets each paragraph block in an ``elementor-widget``, a word of
    trafilatura's boilerplate vocabulary: pruned, the review would be one widget's
    paragraphs or none. As trafilatura's guard does, pruning that would leave a seventh of
    the text or less is undone, and every text widget of the review is read."""
    article = extract(_elementor(), "https://blisterreview.com/gear-reviews/line-outline").article
    assert article is not None
    lines = article.paragraphs
    assert lines[0].startswith("When it comes to playful powder skis, Eric Pollard")
    assert any(line.startswith("This year we tested a lot of pow skis") for line in lines)
    assert lines[-1].startswith("Don’t buy the Outline if your favorite part")


def test_undoing_the_pruning_still_leaves_a_comment_section_out() -> None:
    """With the pruning undone, a comment thread set in the review's section is still
    no part of it: the review is its run of paragraphs, and the thread's items are not."""
    html = ELEMENTOR.read_text(encoding="utf-8")
    comment = (
        '<li class="comment"><article class="comment-body"><p>I have the same question. '
        "I am 195 lbs and love the look of this ski but wish it came in a 190 length, "
        "so I wonder if a 186 is enough ski for me this season.</p></article></li>"
    )
    thread = f'<div id="comments" class="comments-area"><ol>{comment * 3}</ol></div>'
    at = html.index("</section>")
    page = (html[:at] + thread + html[at:]).encode()
    article = extract(page, "https://blisterreview.com/gear-reviews/line-outline").article
    assert article is not None
    assert any(
        line.startswith("This year we tested a lot of pow skis") for line in article.paragraphs
    )
    assert not any("I have the same question" in line for line in article.paragraphs)


SLATE = Path(__file__).parent / "fixtures" / "mercury" / "slate.html"


def _slate_with_clock(time: str) -> bytes:
    """Slate's column with a theme's date box (Newspaper's ``td-post-date``) slipped into
    the wrapper of one paragraph, after it."""
    html = SLATE.read_text(encoding="utf-8")
    at = html.index("</p>", html.index("The picture for cities is as bleak.")) + len("</p>")
    clock = (
        '<div class="td-post-date"><time class="entry-date updated td-module-date timeago" '
        f'datetime="2019-03-14T05:33:00-04:00">{time}</time></div>'
    )
    return (html[:at] + clock + html[at:]).encode()


def test_a_clock_slipped_into_a_paragraphs_own_wrapper_takes_only_itself_away() -> None:
    """Slate wraps each paragraph in an element of its own whose classes differ only by
    a number (``text parbase text-7 section``). A clock slipped in beside one paragraph
    made that wrapper a box of lines with a clock, dropped whole: the paragraph went
    unread, and an edit in it unseen. The wrapper is the article's, and the clock is
    judged as a line."""
    url = "https://www.slate.com/articles/news_and_politics/politics/2017/03/trumpcare.html"
    one = extract(_slate_with_clock("3/14/19 5:33 AM"), url).article
    two = extract(_slate_with_clock("3/14/19 9:07 PM"), url).article
    assert one is not None and two is not None
    assert one.paragraphs == two.paragraphs
    assert any(line.startswith("The picture for cities is as bleak.") for line in one.paragraphs)
    assert not any("5:33" in line for line in one.paragraphs)
