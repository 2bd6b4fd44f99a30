"""The cheap checks that keep HTML a parser would be slow on away from the parsers."""

from __future__ import annotations

import re

import html5lib
import pytest
from html5lib.treebuilders import getTreeBuilder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed_schemas.html_depth import (
    MAX_ATTRIBUTES,
    UNREADABLE,
    copy_allowance,
    exceeds,
    markup_cost,
    most_attributes,
    nesting_depth,
)
from newsfeed_schemas.html_references import REFERENCE_WORK, references_allowed, too_many_references
from newsfeed_schemas.html_tables import MAX_FOSTERED, fostered


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
    # attributes: quoted values holding `>` and tags, a quote that starts no value, `/` in a value
    *('<span title="></span></div>">', "<b title='</b>'>", '<a ="x>', "<path d=a/>", '<i x=">', "'", '"'),
    *("<td>", "<th>", "<applet>", "</td>", "<em>", "</em>", "<strong x=1>", "<b class=c>"),
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
        '<div><span title="x></span></div>">' * 3,  # a quoted value holds what looks like end tags
        "<svg><path d=a/><path d=a/>",  # `/` in an unquoted value does not close the element
    ],
)
def test_corners_where_the_estimate_once_came_out_below_the_parser(html: str) -> None:
    assert nesting_depth(html) >= _parsed_depth(html) > 1


_FORMATTING = ("a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u")


def _copied_by_parser(html: str) -> int:
    """At least the characters of the formatting elements an HTML5 parser made of `html` beyond
    those its start tags wrote (the copies), each counted as its bare tag, `<b>`."""
    fragment = html5lib.parseFragment(html, container="div", treebuilder="etree", namespaceHTMLElements=False)
    built = {tag: 0 for tag in _FORMATTING}
    for element in fragment.iter():
        if element.tag in built:
            built[element.tag] += 1
    lowered = html.lower()
    written = {tag: len(re.findall(rf"<{tag}[\t\n\f\r />]", lowered)) for tag in _FORMATTING}
    return sum(max(0, built[tag] - written[tag]) * (len(tag) + 2) for tag in _FORMATTING)


@given(st.lists(st.sampled_from(_PIECES), max_size=30))
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_copies_counted_are_never_fewer_than_a_parser_makes(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert markup_cost(html).copied >= _copied_by_parser(html)


def test_a_body_made_to_be_copied_is_refused_and_sloppy_articles_pass() -> None:
    # 200 distinct unclosed <b>s, then paragraph after paragraph: a parser copies all 200 into each
    # (51 KB that made a 25 MB document).
    made_to_copy = "<p>" + "".join(f'<b class="c{i}">' for i in range(200)) + "</p><p>x" * 6000
    assert exceeds(made_to_copy, 256) == "copies"
    assert _copied_by_parser(made_to_copy[:8_000]) > 10 * 8_000  # what the estimate stands for
    # An unclosed link at the top of a long article is copied into every paragraph: accepted.
    unclosed_link = '<p><a href="https://example.com/' + "x" * 80 + '">'
    unclosed_link += "".join(f"<p>Paragraph {i} of the story.</p>" for i in range(3000))
    assert exceeds(unclosed_link, 256) is None
    assert markup_cost(unclosed_link).copied <= copy_allowance(len(unclosed_link))
    # Links and emphasis closed where they open copy nothing; the estimate, from above, stays near the length.
    tidy = "".join(
        f'<p>Text <a href="https://example.com/{i}"><em>link</em></a> and <b>bold</b>.</p>' for i in range(500)
    )
    assert markup_cost(tidy).copied < 2 * len(tidy) and exceeds(tidy, 256) is None


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


_ATTRIBUTE_PIECES = [
    *(" a", " b", ' c="x"', " d='y'", " e=f", "/", " ", '"', "'", "=", ">", "<p", "<b", "</p", "<!--", "-->"),
    *("<style>", "</style>", ' t="</style>', " u='>'", ' v=">"', "<p a b c", "<i x=1 y=2>", "x"),
]


@given(st.lists(st.sampled_from(_ATTRIBUTE_PIECES), max_size=40))
@settings(max_examples=600, deadline=None)
def test_no_tag_a_parser_builds_holds_more_attributes_than_are_counted(pieces: list[str]) -> None:
    html = "".join(pieces)
    fragment = html5lib.parseFragment(html, container="div", treebuilder="etree", namespaceHTMLElements=False)
    for element in fragment.iter():
        held = len(element.attrib)
        if held:
            assert most_attributes(html, limit=held - 1) is not None, (element.tag, element.attrib)


def test_a_tag_of_too_many_attributes_is_found_wherever_its_attributes_are() -> None:
    names = [f"a{i}" for i in range(MAX_ATTRIBUTES + 1)]
    assert most_attributes("<p " + " ".join(names[:-1]) + ">x</p>") is None
    assert most_attributes("<p " + " ".join(names) + ">x</p>") == MAX_ATTRIBUTES + 1
    # after a quoted `>`, in an end tag, after a `</style>` inside what reads as a quoted value
    assert most_attributes('<p title="a>b" ' + " ".join(names) + ">") == MAX_ATTRIBUTES + 2
    assert most_attributes("<p>x</p " + " ".join(names) + ">") == MAX_ATTRIBUTES + 1
    assert most_attributes('<style><p title="</style><b ' + " ".join(names) + '>">') == MAX_ATTRIBUTES + 1
    # what a real article has: many tags of a few attributes each
    links = '<p class="x"><a href="https://example.com/a?b=c" rel="noopener" target="_blank">a</a></p>' * 10_000
    assert most_attributes(links) is None


def test_a_body_whose_tags_take_more_reading_than_the_budget_is_unreadable() -> None:
    # the check reads tags in linear time (by default at most eight times the body's length):
    # past its budget it stops and calls the body unreadable rather than read on
    tag = '<p title="' + "x" * 3_000 + '">'
    assert most_attributes(tag * 10, budget=10 * len(tag)) is None  # each tag read once
    assert most_attributes(tag * 10, budget=10 * len(tag) - 1) == UNREADABLE


class _CountingMoves(getTreeBuilder("etree")):  # type: ignore[misc]
    """html5lib's tree builder, counting what it moves out of a table (as html5ever does too)."""

    moved = 0

    def getTableMisnestedNodePosition(self) -> object:  # noqa: N802 (html5lib's name)
        type(self).moved += 1
        return super().getTableMisnestedNodePosition()


def _moved_by_parser(html: str) -> int:
    _CountingMoves.moved = 0
    parser = html5lib.HTMLParser(tree=_CountingMoves, namespaceHTMLElements=False)
    parser.parseFragment(html, container="div", scripting=True)  # as the sanitiser's html5ever parses
    return _CountingMoves.moved


_TABLE_PIECES = [
    *("<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>", "<caption>", "</caption>", "<tbody>"),
    *("<colgroup>", "<col>", "<thead>", "</tbody>", "x", " ", "&amp;", "<b>", "</b>", "<br>", "<p>", "<svg>"),
    *("</svg>", "<math>", "<template>", "</template>", "<noscript>", "<style>", "</style>", "<textarea>"),
    *("</textarea>", "<!--", "-->", "</ ", "<select>", "<option>", "<input>", "<form>", '<b title="<td>">'),
    *("<plaintext>", "<!doctype html>", "</td >", "<TD>", "<table/>", "\r", "<", ">"),
    *("<desc>", "</desc>", "<foreignObject>", "<title>", "</title>", "<div>", "<font color=red>", "</p>"),
    *("</br>", "<mi>", "<![CDATA[", "]]>", "<svg/>", "<svg a=b/>", "</svg>", "</math>", "</select>"),
]


@given(st.lists(st.sampled_from(_TABLE_PIECES), max_size=40))
@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_count_of_nodes_moved_out_of_tables_is_never_below_a_parsers(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert fostered(html, limit=10**9) >= _moved_by_parser(html)


def test_text_and_tags_outside_table_cells_are_refused_past_the_bound() -> None:
    assert fostered("<table>" + "x<br>" * 199_000) > MAX_FOSTERED  # 43 s of the sanitiser's time
    assert fostered("<table><tr>" + "<i>x</i>" * 80_000) > MAX_FOSTERED
    # a large real table holds everything in cells and its caption; white space between is no text
    rows = "".join(
        f"<tr>\n  <td>{i}</td>\n  <td><a href='/a/{i}'>Tom &amp; Jerry</a></td>\n</tr>\n" for i in range(5000)
    )
    table = f"<table>\n<caption>Results</caption>\n<thead><tr><th>#</th><th>Story</th></tr></thead>\n<tbody>\n{rows}"
    assert fostered(table + "</tbody></table>" + "<p>After the table.</p>" * 1000) == 0
    # a stray word between cells is moved; so is all that a table holds after an <svg> outside its cells
    assert fostered("<table><tr><td>a</td> | <td>b</td></tr></table>") == 1
    assert fostered("<table><svg><td></svg>" + "x<br>" * 10) == 21
