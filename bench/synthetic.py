"""Chrome real pages carry that the corpus pages may lack, written from how sites look.

Counter lines ("479 comments · 8,814 views · 5 min read"), comment sections and
comment teasers, embedded social posts with like and repost counts, "N people are
reading this", video players with view counts, author bio boxes, newsletter inserts,
live timestamps ("Updated 43 minutes ago"), poll widgets, audio players, ad slots,
trending lists, and a view counter inside the byline line. Each comes in three
markup styles: class names like real sites use, build hashes (``css-1q2w3e``,
``sc-a4b7 kXyZab``, CSS modules ``Teaser_wrap__3xYz``), and no class at all.

``synthetic_block(kind, style, stable, roll, headlines)`` returns one block's markup:
``stable`` draws what a page keeps between fetches (its author, its newsletter's
name), ``roll`` what changes on every fetch (counts, times, names and texts of
commenters, headline lists). None of it comes from the monitor's code.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence

STYLES = ("site", "hashed", "none")
INLINE_KIND = "byline-counter"
"""The one kind that goes inside the byline line (an inline ``<span>``)."""
SYNTHETIC_KINDS: tuple[str, ...] = (
    "counters",
    "comments",
    "comment-teaser",
    "social-post",
    "reading-now",
    "video",
    "author-bio",
    "newsletter",
    "live-timestamp",
    "poll",
    "audio",
    "ad",
    "trending",
)

# Class names as real sites spell them, per role (one is drawn per block).
_SITE_CLASSES: dict[str, tuple[str, ...]] = {
    "counters": ("article-stats", "post-meta", "entry-meta", "c-meta-counts", "story-meta"),
    "count": ("count", "stat", "meta-item", "c-count__value", "views"),
    "comments": ("comments", "comments-section", "c-comments", "comment-list", "vf-comments"),
    "comment": ("comment", "comment-item", "c-comment", "js-comment", "fyre-comment"),
    "author": ("comment-author", "username", "c-comment__name", "fn"),
    "time": ("timestamp", "time-ago", "relative-time", "c-timestamp", "date"),
    "teaser": ("comments-teaser", "top-comment", "comment-preview", "c-conversation-promo"),
    "social": ("twitter-tweet", "instagram-media", "fb-post", "social-embed", "embed-tweet"),
    "reading": ("live-readers", "readers-now", "chartbeat-concurrents", "c-reading-now"),
    "video": ("video-player", "video-js vjs-default-skin", "jw-player", "c-video-embed"),
    "bio": ("author-bio", "author-card", "c-byline__bio", "contributor-box", "about-author"),
    "newsletter": ("newsletter-signup", "nl-promo", "subscribe-box", "c-newsletter-inline"),
    "updated": ("updated", "last-updated", "live-time", "c-timestamp--live", "dateline"),
    "poll": ("poll", "poll-widget", "c-poll", "opinary-widget"),
    "audio": ("audio-player", "listen-article", "c-audio", "speechkit-wrapper"),
    "ad": ("ad-slot", "advert", "dfp-ad", "ad-container inline-ad", "c-ad"),
    "trending": ("trending", "most-popular", "popular-list", "c-trending-list"),
    "views": ("views", "view-count", "article__views", "pageviews", "c-byline__views"),
}
_MODULE_NAMES = {
    "counters": "ArticleMeta",
    "count": "ArticleMeta",
    "comments": "Comments",
    "comment": "Comment",
    "author": "Comment",
    "time": "Timestamp",
    "teaser": "Teaser",
    "social": "Embed",
    "reading": "Readers",
    "video": "VideoPlayer",
    "bio": "AuthorCard",
    "newsletter": "Newsletter",
    "updated": "Timestamp",
    "poll": "Poll",
    "audio": "Listen",
    "ad": "Slot",
    "trending": "List",
    "views": "Byline",
}
_MODULE_PARTS = ("wrap", "root", "item", "inner", "body", "meta", "container", "title")

NAMES = (
    "Maria Gonzalez", "James O'Connor", "Aisha Bello", "Kenji Watanabe", "Sophie Martin",
    "Rahul Mehta", "Olga Petrova", "Liam Murphy", "Chen Wei", "Fatima Zahra",
    "Lucas Silva", "Emma Johansson", "David Cohen", "Grace Adeyemi", "Tom Becker",
    "Ana Popescu", "Marco Rossi", "Yuki Tanaka", "Hannah Schmidt", "Carlos Ruiz",
    "Nadia Haddad", "Peter Novak", "Sara Lindqvist", "Omar Farouk", "Julia Kowalski",
    "Ben Carter", "Ines Moreau", "Arjun Nair", "Chloe Dubois", "Mateo Fernandez",
)  # fmt: skip
HANDLES = (
    "skeptic_dave", "nightowl42", "jen_reads", "old_hand", "greenthumb", "mapmaker",
    "quietriot", "coffeefirst", "b_rex", "lurker2009", "northwind", "plainspoken",
)  # fmt: skip
COMMENTS = (
    "This is exactly what I have been saying for years, nobody listens.",
    "Great reporting, thank you for covering this.",
    "Does anyone know if this applies outside the city too?",
    "I live two streets away and nobody told us anything.",
    "The headline is misleading, read the whole thing before commenting.",
    "Not surprised at all. Same thing happened last year.",
    "Can we get a follow-up on what happens next?",
    "My neighbour works there and says the real story is different.",
    "Finally some good news this week.",
    "Who is paying for all of this? That is the real question.",
    "I disagree with the premise but the numbers are interesting.",
    "Subscribed just to say: more articles like this please.",
    "The comments here are better than the article, as usual.",
    "Sources? I would like to see the actual report.",
    "This will be forgotten in a week, mark my words.",
    "Thanks for explaining it without the jargon.",
    "We tried this in our town and it did not work.",
    "Interesting that nobody from the company would comment.",
    "Shared this with my whole family.",
    "Wake me up when something actually changes.",
)
HEADLINES = (
    "Council votes to extend late-night bus service",
    "What the new tax rules mean for renters",
    "Five takeaways from last night's debate",
    "Inside the lab racing to build a better battery",
    "Why the price of coffee keeps rising",
    "The quiet comeback of the neighbourhood cinema",
    "Opinion: We need to talk about school lunches",
    "Photos: A week of storms across the coast",
    "How one village saved its last shop",
    "Readers share their best commuting hacks",
    "The streaming shows everyone is talking about",
    "Analysis: Markets brace for a turbulent month",
    "Meet the volunteers mapping every tree in town",
    "Explainer: How the new voting system works",
    "A chef's guide to cooking on a budget",
    "Live: Transport strike updates as talks resume",
)
_NEWSLETTERS = ("The Morning", "Daily Briefing", "Tech Digest", "Weekend Reads", "Politics Today")
_TOPICS = ("politics", "technology", "climate", "health", "city hall", "business", "science")


class Style:
    """Class attributes for one block in one markup style."""

    def __init__(self, style: str, stable: random.Random, roll: random.Random) -> None:
        self.style = style
        # One draw each: what else a block draws from ``stable`` must not shift with them.
        self.key = stable.random()
        self.flavour = ("emotion", "styled", "modules")[int(stable.random() * 3)]
        self.roll = roll

    def attr(self, role: str) -> str:
        """`` class="..."`` for the role, or nothing in the no-class style."""
        if self.style == "none":
            return ""
        if self.style == "site":
            return f' class="{random.Random(f"{self.key}:{role}").choice(_SITE_CLASSES[role])}"'
        letters = string.ascii_letters
        if self.flavour == "emotion":
            suffix = "".join(self.roll.choices(string.ascii_lowercase + string.digits, k=6))
            return f' class="css-{suffix}"'
        if self.flavour == "styled":
            short = "".join(self.roll.choices(string.ascii_lowercase + string.digits, k=5))
            return f' class="sc-{short} {"".join(self.roll.choices(letters, k=6))}"'
        part = self.roll.choice(_MODULE_PARTS)
        suffix = "".join(self.roll.choices(string.ascii_letters + string.digits, k=5))
        return f' class="{_MODULE_NAMES[role]}_{part}__{suffix}"'


def _count(roll: random.Random, low: int, high: int) -> str:
    return f"{roll.randrange(low, high):,}"


def _compact(roll: random.Random) -> str:
    """A count as social sites print it: 847, 1.2K, 3.4M."""
    value = roll.randrange(100, 5_000_000)
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 1_000:
        return f"{value / 1_000:.1f}K"
    return str(value)


def _ago(roll: random.Random) -> str:
    unit = roll.choice(("minutes", "hours", "h", "m", "days"))
    n = roll.randrange(2, 59)
    return f"{n}{unit}" if len(unit) == 1 else f"{n} {unit} ago"


def _clock(roll: random.Random) -> str:
    return f"{roll.randrange(1, 13)}:{roll.randrange(60):02d} {roll.choice(('AM', 'PM'))}"


def synthetic_block(
    kind: str,
    style: str,
    stable: random.Random,
    roll: random.Random,
    headlines: Sequence[str] = HEADLINES,
) -> str:
    """One block of ``kind`` in ``style`` ('site', 'hashed', 'none'); see the module doc."""
    s = Style(style, stable, roll)
    pool = list(headlines) or list(HEADLINES)
    if kind == INLINE_KIND:
        what = stable.choice(("views", "comments", "read", "shares"))
        value = {
            "views": f"{roll.randrange(800, 90_000)} views",
            "comments": f"{_count(roll, 3, 2_000)} comments",
            "read": f"Updated {roll.randrange(2, 59)} minutes ago",
            "shares": f"{_compact(roll)} shares",
        }[what]
        return f"<span{s.attr('views')}>{value}</span>"
    if kind == "counters":
        parts = [
            f"{_count(roll, 3, 2_000)} comments",
            f"{_count(roll, 500, 90_000)} views",
            f"{roll.randrange(2, 15)} min read",
        ]
        inner = stable.choice(("spans", "plain"))
        if inner == "plain":
            return f"<div{s.attr('counters')}>{' · '.join(parts)}</div>"
        spans = " · ".join(f"<span{s.attr('count')}>{p}</span>" for p in parts)
        return f"<div{s.attr('counters')}>{spans}</div>"
    if kind == "comments":
        items = []
        for _ in range(roll.randrange(2, 5)):
            items.append(
                f"<li{s.attr('comment')}><p><strong{s.attr('author')}>{roll.choice(NAMES)}</strong>"
                f" <span{s.attr('time')}>{_ago(roll)}</span></p>"
                f"<p>{roll.choice(COMMENTS)}</p>"
                f'<p><a href="#reply">Reply</a> · {roll.randrange(0, 300)} likes</p></li>'
            )
        heading = f"Comments ({_count(roll, 5, 1_500)})"
        return (
            f'<section{s.attr("comments")} id="c{roll.randrange(10**5)}"><h3>{heading}</h3>'
            f'<ul>{"".join(items)}</ul><a href="#comments">Load more comments</a></section>'
        )
    if kind == "comment-teaser":
        return (
            f"<div{s.attr('teaser')}><p><strong>{roll.choice(NAMES)}</strong> · {_ago(roll)}</p>"
            f"<p>{roll.choice(COMMENTS)}</p>"
            f'<p><a href="#comments">See all {_count(roll, 20, 3_000)} comments</a></p></div>'
        )
    if kind == "social-post":
        reposts = stable.choice(("Reposts", "Retweets"))
        name = roll.choice(NAMES)
        handle = roll.choice(HANDLES)
        return (
            f"<blockquote{s.attr('social')}><p>{roll.choice(COMMENTS)}</p>"
            f'<p>— {name} (@{handle}) <a href="https://x.com/{handle}/status/'
            f'{roll.randrange(10**17, 10**18)}">{_clock(roll)} · '
            f"{roll.choice(('Mar', 'Jun', 'Sep', 'Nov'))} {roll.randrange(1, 29)}, "
            f"{roll.randrange(2019, 2026)}</a></p>"
            f"<p>{_compact(roll)} Likes · {_compact(roll)} {reposts} · "
            f"{_count(roll, 2, 900)} Replies</p></blockquote>"
        )
    if kind == "reading-now":
        text = roll.choice(
            (
                f"{_count(roll, 40, 9_000)} people are reading this",
                f"{_count(roll, 40, 9_000)} readers right now",
                f"Trending: {_count(roll, 40, 9_000)} people are reading this now",
            )
        )
        return f"<div{s.attr('reading')}>{text}</div>"
    if kind == "video":
        title = roll.choice(pool)
        return (
            f"<figure{s.attr('video')}><video controls></video>"
            f"<figcaption><strong>Watch:</strong> {title} "
            f"<span>{roll.randrange(0, 12)}:{roll.randrange(60):02d}</span> · "
            f"<span>{_compact(roll)} views</span></figcaption></figure>"
        )
    if kind == "author-bio":
        name = stable.choice(NAMES)
        topic = stable.choice(_TOPICS)
        return (
            f"<div{s.attr('bio')}><p><strong>{name}</strong> is a staff writer covering "
            f"{topic}. Follow on X @{name.split()[0].lower()}_{topic.split()[0]}.</p>"
            f"<p>{_count(roll, 200, 80_000)} followers · "
            f'<a href="/author/{name.split()[-1].lower()}">More by {name}</a></p></div>'
        )
    if kind == "newsletter":
        letter = stable.choice(_NEWSLETTERS)
        return (
            f"<aside{s.attr('newsletter')}><h4>Sign up for {letter}</h4>"
            f"<p>Join {_count(roll, 10_000, 900_000)} readers who get it every weekday.</p>"
            '<form><input type="email" placeholder="Email address">'
            "<button>Sign up</button></form></aside>"
        )
    if kind == "live-timestamp":
        text = roll.choice(
            (
                f"Updated {roll.randrange(2, 59)} minutes ago",
                f"Last updated: {roll.randrange(1, 23)} hours ago",
                f"Updated {_clock(roll)} ET",
            )
        )
        return (
            f'<div{s.attr("updated")}><time datetime="PT{roll.randrange(99)}M">{text}</time></div>'
        )
    if kind == "poll":
        yes = roll.randrange(5, 95)
        return (
            f"<div{s.attr('poll')}><p>Poll: {roll.choice(pool)}?</p>"
            f"<p>Yes {yes}% · No {100 - yes}% · {_count(roll, 100, 40_000)} votes</p></div>"
        )
    if kind == "audio":
        return (
            f"<div{s.attr('audio')}><button>Listen to this article</button> "
            f"<span>{roll.randrange(2, 25)}:{roll.randrange(60):02d}</span></div>"
        )
    if kind == "ad":
        return (
            f'<div{s.attr("ad")} id="ad-{roll.randrange(10**6)}" '
            f'data-slot="{roll.randrange(10**4)}"><p>Advertisement</p>'
            f"<p>{roll.choice(('Story continues below advertisement', 'Sponsored'))}</p></div>"
        )
    if kind == "trending":
        picked = roll.sample(pool, min(5, len(pool)))
        items = "".join(
            f'<li><a href="/s/{roll.randrange(10**6)}">{h}</a> '
            f"<span>{_count(roll, 100, 50_000)} reads</span></li>"
            for h in picked
        )
        return f"<aside{s.attr('trending')}><h4>Trending now</h4><ol>{items}</ol></aside>"
    raise ValueError(f"unknown synthetic chrome kind {kind!r}")
