"""The shape of a line: a sentence, a counter or clock, a notice."""

from __future__ import annotations

import pytest

from monitor.extract.shapes import (
    is_citation,
    is_counters,
    is_date,
    is_entry,
    is_meta,
    is_notice,
    is_sentence,
    is_site_prompt,
    is_teaser,
    more_words_than,
)


@pytest.mark.parametrize(
    ("line", "meta"),
    [
        ("56200 views", True),
        ("Jane Doe · 22h", True),
        ("— Ben Carter (@ben) 12:16 AM · Mar 13, 2022", True),
        ("Updated 43 minutes ago", True),
        ("The death toll rose to 15.", False),
        ("An S-400 battery in Ankara", False),
        ("1. Finland", False),
        ("Turkey will send home the Russian experts", False),
    ],
)
def test_a_counter_clock_or_byline_line_is_told_from_a_sentence(line: str, meta: bool) -> None:
    """Short, unpunctuated, with a standalone number or a relative time: page metadata."""
    assert is_meta(line) is meta


@pytest.mark.parametrize(
    ("line", "counters"),
    [
        ("1,419 comments · 71,294 views · 3 min read", True),
        ("3.4M Likes · 3.9M Retweets · 674 Replies", True),
        ("Last updated: 8 hours ago", True),
        ("Updated 9:46 AM ET", True),
        ("56200 views", True),
        ("1,349 people are reading this", True),
        ("2.3K people watching this video now", True),
        ("* Max render distance has been increased to 32 chunks (512 blocks)", False),
        ("+ Added a spectator game mode (game mode 3)", False),
        ("The death toll rose to 15.", False),
        ("12 people were hurt when the roof of the station gave way", False),
    ],
)
def test_a_counters_line_stands_apart_from_a_list_item_with_a_figure(
    line: str, counters: bool
) -> None:
    """Counts set apart by separators, a relative time, or a few words: a line of the
    page's counters, cut out wherever the extractor ran it (Tumblr's changelog items,
    meta by their shape, are the post's)."""
    assert is_counters(line) is counters


def test_a_copyright_notice_is_chrome_but_a_paragraph_opening_with_a_credit_is_not() -> None:
    """A short © line is a footer; a long paragraph that opens with a photo credit is prose."""
    assert is_notice("© 2021 The Moscow Times. All rights reserved.")
    assert not is_notice("© Provided by AP " + "Nintendo shocked the world this week. " * 8)


@pytest.mark.parametrize(
    ("line", "notice"),
    [
        # A blog's disclosure above its post (theantijunecleaver.com, in the AEB pages).
        (
            "This post may contain affiliate and/or referral links. Please see my disclosure page.",
            True,
        ),
        ("We may earn a commission from links on this page.", True),
        ("As an Amazon Associate I earn from qualifying purchases.", True),
        ("The company uses affiliate links to sell its products, analysts said.", False),
        ("He said we may earn a commission if the deal closes, the broker told investors.", False),
    ],
)
def test_an_affiliate_disclosure_is_the_sites_notice(line: str, notice: bool) -> None:
    """A seller's site discloses its affiliate links as a legal notice, however it is
    placed; a sentence about affiliate links or commissions is the story's."""
    assert is_notice(line) is notice


@pytest.mark.parametrize(
    ("line", "notice"),
    [
        # A cookie banner's two lines, as an AEB page prints them (the probe of the open
        # pages' chrome: placed before another story, it was read as the story's).
        (
            "We use cookies and other tracking technologies to improve your browsing "
            "experience on our site, show personalized content and targeted ads, analyze "
            "site traffic, and understand where our audience is coming from. To find out "
            "more or to opt-out, please read our Cookie Policy. In addition, please read our "
            "Privacy Policy, which has also been updated and became effective May 23rd, 2018.",
            True,
        ),
        (
            "By choosing I Accept, you consent to our use of cookies and other tracking "
            "technologies.",
            True,
        ),
        ("Ce site utilise des cookies pour améliorer votre expérience.", True),
        ("Wir verwenden Cookies, um unsere Website zu verbessern.", True),
        # The story's sentences about cookies.
        ("The regulator found the site uses cookies to track readers without consent.", False),
        ("Users who agree to the use of cookies see fewer prompts, the study found.", False),
    ],
)
def test_a_cookie_banners_notice_is_the_sites(line: str, notice: bool) -> None:
    """Data-protection law makes every site print its cookie notice in much the same
    words: a notice, whatever markup holds it; a sentence about cookies is the story's."""
    assert is_notice(line) is notice


def test_a_licence_or_rights_notice_is_chrome_wherever_it_opens() -> None:
    """A site's licence line (a wiki's, a blog's footer) is a notice, whatever it opens
    with; a sentence of the story that mentions a licence is not."""
    assert is_notice(
        "This website and all documents on it are licensed under a Creative Commons "
        "Attribution-Share Alike 3.0 United States License ."
    )
    assert is_notice("Text and photos: The Moscow Times, 2021. All rights reserved.")
    assert not is_notice("The code is licensed under the GPL, the company said on Monday.")


@pytest.mark.parametrize(
    ("line", "sentence"),
    [
        ("The death toll rose to 15.", True),
        ("The release history tells a different story:", True),
        ("Advertisement", False),
        ("Photo: Sergei Malgavko / TASS", False),
        ("You may also like...", False),  # a label trailing off (a box under Quanta's story)
        ("Loading…", False),
        ("Many people don't invest because it seems overly complicated. But if you …", True),
        ("俄罗斯联邦军事技术合作局周四否认土耳其将遣返俄罗斯S-400专家并表示将按计划执行", True),
    ],
)
def test_a_sentence_ends_as_one_or_runs_long_enough(line: str, sentence: bool) -> None:
    """Prose ends with its punctuation or a colon, or is long; a label is neither, and a
    short line that trails off ("…") is a label or a cut teaser."""
    assert is_sentence(line) is sentence


def test_a_label_is_short_and_ends_no_sentence() -> None:
    from monitor.extract.shapes import is_label

    assert is_label("Explore the BBC")
    assert is_label("Let’s resynchronize:")
    assert is_label("Elsewhere on pv magazine...")
    assert not is_label("Ready to publish?")
    assert not is_label("The death toll rose to 15.")
    assert not is_label("警察によると、地震による死者は十五人に増え、行方不明者の捜索が続いている")


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("Sunday, May 3, 2016", True),  # a blog's date header
        ("3 juin 2021 à 14h05", True),
        ("2016-05-03", True),
        ("12:16 AM · Mar 13, 2022", True),
        ("April 2014", False),  # a month may head a part of the text (LWN's timeline)
        ("1947", False),  # a year in a list of films
        ("Le 15 Mai", False),  # a film's title
        ("Updated at 2:15 p.m. on June 3", False),  # a declaration, not a date
        ("The Moscow Times · June 2, 2021", False),
        # PolitiFact's dateline (2019), and others under their label
        ("Published: Monday, November 18th, 2019 at 11:04 a.m.", True),
        ("Posted on March 3, 2019", True),
        ("Publié le 3 juin 2021 à 14h05", True),
        ("Published by Penguin in 2019", False),
        ("Updated: March 3, 2019", False),  # an update line is the newsroom's, kept
        # NBC's dateline gives both dates: the page's, as the lines above are
        ("Published Nov 18, 2019 at 4:07 PM | Updated at 5:36 PM CST on Nov 18, 2019", True),
        ("Posted on June 3, 2021 · Updated June 4, 2021 at 10:02 am", True),
        ("Published Nov 18, 2019 | Jane Doe", False),
        ("Updated at 5:36 PM CST on Nov 18, 2019", False),
        # A wiki's footer, which its software rewrites at each edit (the corpus's
        # wikipedia pages; the probe of the open pages' chrome: set in another story,
        # its re-rolled date alerted).
        ("This page was last modified on 28 October 2016, at 06:56.", True),
        ("This page was last edited on 26 September 2019, at 11:35 (UTC).", True),
        ("This page was last edited on 2 April 2024, at 13:18", True),
        ("This page was last edited on 2 April 2024 by a bot fixing references.", False),
        ("This article was last updated on June 3, 2021 at 2:15 p.m.", False),
    ],
)
def test_a_line_that_is_only_a_day_is_a_date(line: str, date: bool) -> None:
    """A day with or without its time, in words or in numbers, and nothing else."""
    assert is_date(line) is date


@pytest.mark.parametrize(
    ("line", "teaser"),
    [
        # Lifehacker's related-post card (2019): the excerpt, then its link.
        (
            "Many people don't invest because it seems overly complicated. But if you want "
            "to build wealth, … Read more twocents.lifehacker.com",
            True,
        ),
        ("The minister said the talks would go on... Continue reading", True),
        ("Le gouvernement a annoncé une réforme… Lire la suite", True),
        ("He paused... and said people should read more books.", False),
        ("Read more: the full report is on the agency's site.", False),
        ("Some say it will take years… more than anyone expected.", False),
    ],
)
def test_an_excerpt_cut_short_before_its_link_is_a_teaser(line: str, teaser: bool) -> None:
    """Another story's excerpt trails off into "Read more"; an article's own sentences
    are never cut off to send the reader elsewhere."""
    assert is_teaser(line) is teaser


@pytest.mark.parametrize(
    ("line", "meta"),
    [
        # PolitiFact's byline line: its last period is the clock's.
        ("By Louis Jacobson on Monday, November 4th, 2019 at 9:48 a.m.", True),
        ("By Jane Doe, June 3, 2021, 10:15 a.m.", True),
        ("By The Associated Press, 4 hours ago.", True),
        ("By Matthew Digby , Minh Do on Monday, November 4th, 2019 at 9:47 a.m.", True),
        # A sentence that opens with "By" and a time it starts from.
        ("By Christmas Day, 300 people had died.", False),
        ("By Tuesday, 40 people had died.", False),
        ("By 2030 the plan calls for 12 new sites.", False),
        ("The fire started at 3 a.m.", False),
        ("By Jane Doe and John Roe, who saw it at 3 p.m.", False),
    ],
)
def test_a_byline_line_with_its_date_is_meta_though_it_ends_with_a_period(
    line: str, meta: bool
) -> None:
    """A dated byline line ends with "a.m." or "ago." and is still the page's metadata; a
    sentence opening with "By" and a date is not."""
    assert is_meta(line) is meta


@pytest.mark.parametrize(
    ("line", "prompt"),
    [
        # A magazine's promo set among a story's paragraphs (morebikes.co.uk).
        (
            "Get Motor Cycle Monthly delivered through your letterbox every month. "
            "12 issues for £11.99. Click here for more information.",
            True,
        ),
        ("Click here for the second half of this epic story.", True),
        ("Pour en savoir plus, cliquez ici.", True),
        # space.com's and GitLab's closing lines, set among other pages' paragraphs.
        (
            "Email Tariq Malik at tmalik@space.com or follow him @tariqjmalik. Follow us "
            "on Twitter @Spacedotcom and on Facebook.",
            True,
        ),
        (
            "Enjoyed reading this blog post or have questions or feedback? Share your "
            "thoughts by creating a new topic in the GitLab community forum.",
            True,
        ),
        ("Sign up for our Morning Briefing newsletter.", True),
        # Calls to share (the open pages at seed 19: both came and went between paragraphs).
        ("Like this story? Share it with a friend!", True),
        ("Sharing is caring!", True),
        ("She did not share it with a friend until the vote was over.", False),
        (  # Sputnik's notice, and a reporter's address
            "Users can initiate the recovery of their account / unlock access by contacting "
            "the moderators at moderator@sputniknews.com",
            True,
        ),
        ("Contact the reporter at jdoe@example.com.", True),
        ("@nytimes said nothing about the leak on Monday.", False),
        ("She told followers to follow her lead on the vote.", False),
        ("The paper said it would subscribe to the newsletter's findings.", False),
        # WordPress's notices under a post.
        ("Comments are closed.", True),
        ("Commenting has been disabled for this article.", True),
        ("Leave a Reply", True),
        ("Be the first to comment!", True),
        # MSN's promo, and a sharing form's error message (the open pages at seed 21: each
        # came and went at a chrome-only reload).
        ("Found the story interesting?", True),
        ("Like us on Facebook to see similar stories", True),
        ("An error has occurred, please try again later.", True),
        ("Something went wrong. Please try again.", True),
        # Calls to follow or visit the site on a social network (the open pages at seed
        # 23: BBC Newsbeat's line and Breitbart's, each came or went at a chrome-only
        # reload).
        ("Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.", True),
        (
            "Comment count on this article reflects comments made on Breitbart.com and "
            "Facebook. Visit Breitbart's Facebook Page.",
            True,
        ),
        ("Follow BBC News on X for the latest updates.", True),
        # BBC Newsbeat's schedule, set under its stories (an AEB page's; the probe of the
        # open pages' chrome: placed in another story, its re-rolled times alerted).
        ("Listen to Newsbeat live at 12:45 and 17:45 weekdays - or listen back here.", True),
        ("Tune in to Radio 4 live every weekday at 6am.", True),
        ("You can listen again on BBC Sounds.", True),
        ("Residents could listen to the mayor live on the radio, officials said.", False),
        ("Listen to what the witnesses said, the judge told the jury.", False),
        ("Visit our YouTube channel", True),
        ("Residents can visit Trump's Facebook page to see the post, officials said.", False),
        ("Officers did not follow the suspect on Twitter, police said.", False),
        ("Follow-on effects on Facebook's advertising revenue were small.", False),
        ("Investigators found the story interesting? Hardly.", False),
        ("People like us on the front line were never consulted.", False),
        ("An error occurred in the plant's control system on Monday, officials said.", False),
        # The story's own sentences.
        ("Leave a comment and let us know what your favorite gadget of 2019 was.", False),
        ("Comments from the minister are closed to the press, her office said.", False),
        ("The officials said the comments were closed to the public on Monday.", False),
        (
            "Residents were told to click here and there on a government site that "
            "kept crashing, and most gave up before the deadline, which fell on a "
            "Sunday when the help line was shut, the report into the failed rollout "
            "found after months of complaints from users in every part of the region.",
            False,
        ),
    ],
)
def test_the_site_speaking_to_its_reader_is_a_prompt_not_the_story(line: str, prompt: bool) -> None:
    """A call to click through, or the comment section's notice, is the site's voice."""
    assert is_site_prompt(line) is prompt


@pytest.mark.parametrize(
    ("line", "entry"),
    [
        ("June 9 – West Palm Beach, FL @ Coral Sky Amphitheatre", True),
        ("June 10 -- MIDFLORIDA Credit Union Amphitheatre, Tampa, FL", True),
        ("Nov. 3: Final in Lyon", True),
        ("2019-11-03 – Release 1.2 ships", True),
        ("November 2019 (12)", False),  # an archive's month and its count
        ("Yuki Tanaka · 22 hours ago", False),
        ("Reply · 143 likes", False),
        ("Monday - Closed", False),
    ],
)
def test_a_day_and_what_happens_on_it_is_an_entry_of_a_schedule(line: str, entry: bool) -> None:
    """A schedule's line opens with a day and says what happens on it; an archive's
    month with its count, a comment's age and a like count do not."""
    assert is_entry(line) is entry


@pytest.mark.parametrize(
    ("line", "citation"),
    [
        # PolitiFact's sources, set beside other stories' bylines
        (
            "Marijuana Policy Group and the Leeds School of Business at the University of "
            'Colorado-Boulder, "Market Size and Demand for Marijuana in Colorado," 2017 '
            "market update",
            True,
        ),
        (
            'The Intelligencer/Wheeling News-Register, "Rep. David McKinley Calls for '
            'Increase in Border Patrol Agent Ranks," Oct. 22, 2019',
            True,
        ),
        ("The Washington Post, “Trump signs order,” Nov. 3, 2019", True),
        # The story's sentences quoting a title or a person
        ('He said, "We will win," and walked away.', False),
        ('The report, "Market Size and Demand," found that sales rose.', False),
        (
            'On the bright side, the second review said, "Go ahead and publish once you fix '
            'that." So Bob immediately publishes his t',
            False,
        ),
    ],
)
def test_a_source_lists_entry_is_a_citation_not_a_sentence(line: str, citation: bool) -> None:
    """A publisher, a title in quotes closed by its comma, a date: an entry of a list of
    sources, which a story's own sentences, quoting a title, are not."""
    assert is_citation(line) is citation


@pytest.mark.parametrize(
    "line",
    ["", "one", "one two", " a  b\tc\nd ", "x " * 16, "x " * 17, "word " * 400, "· | ·"],
)
@pytest.mark.parametrize("count", [0, 1, 3, 16, 17])
def test_more_words_than_counts_as_a_full_split_does(line: str, count: int) -> None:
    assert more_words_than(line, count) == (len(line.split()) > count)


def test_a_paragraph_is_no_date_however_it_opens() -> None:
    # Read without splitting it: the length alone says it is no date.
    paragraph = "Published June 3, 2021 " + "and the council met again that week " * 20
    assert not is_date(paragraph)
    assert is_date("Published June 3, 2021")
