"""The values the pipeline passes around (``monitor.models``)."""

from __future__ import annotations

import pickle
from dataclasses import asdict, replace

from monitor.models import Article


def test_an_articles_content_hash_is_worked_out_once_and_travels_with_it() -> None:
    """An extraction worker works the hash out; the article, pickled back to the daemon,
    brings it along, equal to the article's and to a fresh one's, and a copy with other
    text gets its own."""
    article = Article(title="Death toll rises", byline="Jane Doe", paragraphs=("It rose to 15.",))
    known = article.content_hash()
    back = pickle.loads(pickle.dumps(article))
    assert back.__dict__.get("_content_hash") == known  # no second working-out
    assert back == article and hash(back) == hash(article)
    assert back.content_hash() == Article(**asdict(article)).content_hash() == known
    edited = replace(back, paragraphs=("It rose to 16.",))
    assert edited.content_hash() != known
    assert "_content_hash" not in repr(back)
