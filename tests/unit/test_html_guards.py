"""The cheap checks that keep HTML a parser would be slow on away from the parsers."""

from __future__ import annotations

from newsfeed_schemas.html_depth import nesting_depth
from newsfeed_schemas.html_references import REFERENCE_WORK, references_allowed, too_many_references


def test_a_comment_ends_at_its_first_closing_of_either_kind() -> None:
    # Inside a comment an end tag closes nothing; after it, end tags close again.
    assert nesting_depth("<div><!-- </div> --></div><div></div>") == 1
    assert nesting_depth("<div><!-- </div> --!></div><div></div>") == 1
    assert nesting_depth("<div><!--></div><div></div>") == 1  # `<!-->` is an empty comment
    assert nesting_depth("<div><!-- </div> <div></div>") == 2  # never closed: the rest is comment


def test_many_comments_are_each_ended_by_their_own_closing() -> None:
    html = "<!-- a --><div></div>" * 5_000 + "<!-- b --!><p></p>" * 5_000
    assert nesting_depth(html) == 1


def test_references_are_bounded_by_the_length_of_the_body() -> None:
    short = "&amp;" * 60_000  # 300,000 characters: any number of references passes
    assert len(short) ** 2 <= REFERENCE_WORK and too_many_references(short) is None
    length = 1_000_000
    allowed = references_allowed(length)
    at_bound = "&" * allowed + "x" * (length - allowed)
    assert too_many_references(at_bound) is None
    over = "&" * (allowed + 1) + "x" * (length - allowed - 1)
    assert too_many_references(over) == allowed + 1
    paragraphs = "<p>Tom &amp; Jerry&rsquo;s</p>" * 30_000  # 900,000 characters, 60,000 references
    assert too_many_references(paragraphs) is None
