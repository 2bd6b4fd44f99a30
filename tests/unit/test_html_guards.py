"""The cheap checks that keep HTML a parser would be slow on away from the parsers."""

from __future__ import annotations

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed_schemas.html_depth import nesting_depth
from newsfeed_schemas.html_references import REFERENCE_WORK, references_allowed, too_many_references


def test_a_comment_ends_at_its_first_closing_of_either_kind() -> None:
    # Inside a comment an end tag closes nothing; after it, end tags close again.
    assert nesting_depth("<div><!-- </div> --></div><div></div>") == 1
    assert nesting_depth("<div><!-- </div> --!></div><div></div>") == 1
    assert nesting_depth("<div><!--></div><div></div>") == 1  # `<!-->` is an empty comment
    assert nesting_depth("<div><!-- </div> <div></div>") == 2  # never closed: the rest is comment


def _parsed_depth(html: str) -> int:
    """The depth of the tree an HTML5 parser builds of `html` as a fragment (html5lib follows the
    same tree-construction rules as html5ever, behind the sanitiser)."""
    fragment = html5lib.parseFragment(html, container="div", treebuilder="etree", namespaceHTMLElements=False)

    def depth(element: object) -> int:
        return 1 + max((depth(child) for child in element if isinstance(child.tag, str)), default=0)  # type: ignore[attr-defined]

    return max((depth(child) for child in fragment if isinstance(child.tag, str)), default=0)


# Pieces that exercise each rule of the estimate, and the tokenizer's corners around them.
_PIECES = [
    *("<div>", "</div>", "<p>", "</p>", "<P>", "</P >", "<li>", "</li>", "<ul>", "<dl>", "<dt>", "<dd>"),
    *("<table>", "</table>", "<tr>", "<td>", "</td>", "<caption>", "<colgroup>", "<col>", "<select>"),
    *("<option>", "<svg>", "</svg>", "<math>", "</math>", "<path/>", "<path>", "</path>", "<circle />"),
    *("<foreignObject>", "<mi>", "<font color=red>", "<br>", "</br>", "<img>", "<img/>", "<hr>", "<wbr>"),
    *("<!--", "-->", "--!>", "<!-->", "<!--->", "<!--!>", "x", "<span>", "</span>", "<b>", "</b>"),
    *("<a title='/'>", "<a>", "</a>", "<p", "<h1>", "<button>", "<form>", "</form>", "<nobr>", "<template>"),
    *("<textarea>", "<style>", "<title>", "<xmp>", "<plaintext>", "<ruby>", "<rt>", "<image>", "<html>"),
    *("<body>", "<frameset>", "<trac\u212a>", "<k\u212aygen>", "<object>", "<marquee>", "<i>", "</i>"),
]


@given(st.lists(st.sampled_from(_PIECES), max_size=30))
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_estimate_is_never_below_the_depth_a_parser_builds(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert nesting_depth(html) >= _parsed_depth(html)


@pytest.mark.parametrize(
    "html",
    [
        "<p</li></p>",  # a tag name runs to a space, `/` or `>`: this opens a `p<`, which `<ul>` does not end
        "<p<h1><dl>",
        "<b><!--!></b>--><b>",  # `--!>` right after `<!--` ends nothing: the comment runs to `-->`
        "<i><trac\u212a><b>",  # no `<track>` (a void element): a Kelvin sign is not lowered to `k`
    ],
)
def test_corners_where_the_estimate_once_came_out_below_the_parser(html: str) -> None:
    assert nesting_depth(html) >= _parsed_depth(html) > 1


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
