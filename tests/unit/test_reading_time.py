from __future__ import annotations

import pytest

from newsfeed_readmodel.content import prepare, sanitize_body, text_of
from newsfeed_readmodel.reading_time import count_words, image_seconds, reading_time_minutes


@pytest.mark.parametrize(
    ("images", "seconds"),
    [(0, 0), (1, 12), (2, 23), (3, 33), (10, 75), (11, 78), (12, 81)],
)
def test_image_time_decreases_from_12_seconds_to_a_floor_of_3(images: int, seconds: int) -> None:
    assert image_seconds(images) == seconds


@pytest.mark.parametrize(
    ("words", "feature_image", "minutes"),
    [
        (0, False, 1),  # never shown as 0 min
        (100, False, 1),
        (412, False, 1),  # 1.498 min rounds down
        (413, False, 2),  # 1.502 min rounds up
        (550, False, 2),
        (1100, False, 4),
        (2750, False, 10),
        (2700, True, 10),  # 9.82 min + 12 s
    ],
)
def test_minutes_like_ghost(words: int, feature_image: bool, minutes: int) -> None:
    assert reading_time_minutes(words=words, images=1 if feature_image else 0) == minutes


def test_html_words_and_inline_images_count() -> None:
    html = "<p>" + "word " * 2600 + "</p>" + '<img src="a.jpg"><img src="b.jpg">' + "<script>var x = 1;</script>"
    body = prepare(html, None)
    assert (body.words, body.images) == (2600, 2)
    # 2600 words = 9.45 min, + 23 s of images = 9.84 min -> 10
    assert reading_time_minutes(words=body.words, images=body.images) == 10


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hello <b>world</b></p>", "Hello world"),
        ("<p>Fish &amp; chips</p><p>Tea</p>", "Fish & chips Tea"),
        ('<figure><img src="x" alt="a > b"><figcaption>Caption</figcaption></figure>', "Caption"),
        ("<style>p{color:red}</style><p>Text</p><SCRIPT>alert(1)</SCRIPT>", "Text"),
        ("", ""),
    ],
)
def test_plain_text(html: str, text: str) -> None:
    assert text_of(sanitize_body(html)) == text


def test_text_is_used_when_there_is_no_html() -> None:
    assert prepare(None, "  one two\nthree ")[1:4] == ("one two three", 3, 0)
    assert prepare(None, None)[1:4] == ("", 0, 0)


def test_chinese_and_japanese_count_each_character_as_a_word() -> None:
    chinese = "欧洲央行周四维持利率不变。" * 500  # 6,000 Han characters, no spaces
    assert count_words(chinese) == 6000
    assert prepare(None, chinese).words == 6000
    assert reading_time_minutes(words=count_words(chinese), images=0) == 22  # not "1 min read"
    # kana count too; Latin words and numbers between them count once; punctuation alone not at all
    assert count_words("東京で GDP が 2.5% 伸びた。") == 3 + 1 + 1 + 1 + 3
    assert count_words("The ECB held rates — again.") == 6  # white space separates words elsewhere


def test_a_srcset_of_another_scheme_is_removed() -> None:
    assert sanitize_body('<img src="a.png" srcset="javascript:alert(1) 1x">') == '<img src="a.png">'
    kept = '<img src="a.png" srcset="a.png 1x, https://cdn.example/b.png 2x">'
    assert sanitize_body(kept) == kept
    # a browser leaves tabs and line breaks out of a URL before it reads the scheme
    assert sanitize_body('<img src="a.png" srcset="java&#9;script:alert(1) 1x">') == '<img src="a.png">'
    assert sanitize_body('<img src="a.png" srcset="da&#10;ta:image/svg+xml,x 1x">') == '<img src="a.png">'


def test_a_srcset_of_more_candidates_than_any_image_offers_is_removed() -> None:
    sizes = ", ".join(f"https://cdn.example/b-{w}.png {w}w" for w in range(100, 6400, 100))  # 63
    assert sanitize_body(f'<img src="a.png" srcset="{sizes}">') == f'<img src="a.png" srcset="{sizes}">'
    assert sanitize_body('<img src="a.png" srcset="' + "," * 999_000 + '">') == '<img src="a.png">'


def test_a_quotation_source_of_another_scheme_is_removed() -> None:
    assert sanitize_body('<blockquote cite="javascript:alert(1)">q</blockquote>') == "<blockquote>q</blockquote>"
    assert sanitize_body('<q cite="java&#9;script:x">q</q>') == "<q>q</q>"
    for kept in ('<q cite="https://news.example/a">q</q>', '<del cite="/changes/1">x</del>'):
        assert sanitize_body(kept) == kept


def test_an_embedded_frame_leaves_a_link_to_what_it_showed() -> None:
    ghost_embed = (
        '<figure class="kg-card kg-embed-card"><iframe width="560" src="https://www.youtube.com/embed/x?a=1&amp;b=2">'
        "</iframe><figcaption>Watch the storm</figcaption></figure>"
    )
    assert sanitize_body(ghost_embed) == (
        '<figure class="kg-card kg-embed-card"><p><a href="https://www.youtube.com/embed/x?a=1&amp;b=2" '
        'rel="noopener noreferrer">View the embedded media on www.youtube.com</a></p>'
        "<figcaption>Watch the storm</figcaption></figure>"
    )
    # no link for what is no http(s) URL; text before the frame is kept as it was
    frames = ('<iframe src="javascript:alert(1)"></iframe>', "<IFRAME SRC='http://[::1'></IFRAME>", "<iframe></iframe>")
    for frame in frames:
        assert sanitize_body("İstanbul" + frame + "<p>after</p>") == "İstanbul<p>after</p>"


def test_a_body_keeps_only_its_own_classes() -> None:
    # the site's own class names would hide a paragraph (`skip`) or dress it as the page's controls
    body = (
        '<p class="skip">hidden</p><div class="live-bar more">fake controls</div>'
        '<figure class="kg-card kg-image-card card"><img src="/a.jpg"></figure>'
        '<pre><code class="language-python">x = 1</code></pre><p class="wp-block-paragraph">wp</p>'
    )
    assert sanitize_body(body) == (
        "<p>hidden</p><div>fake controls</div>"
        '<figure class="kg-card kg-image-card"><img src="/a.jpg"></figure>'
        '<pre><code class="language-python">x = 1</code></pre><p class="wp-block-paragraph">wp</p>'
    )


@pytest.mark.parametrize(
    "body",
    [
        '<iframe src="https://www.youtube.com/embed/x"></iframe><p>Real words here.</p>',
        '<p><em><iframe src="https://www.youtube.com/embed/x"></iframe></em> Real words here.</p>',
        '<p><strong><iframe src="https://www.youtube.com/embed/x"></iframe>Real</strong> words here.</p>',
    ],
)
def test_the_link_left_for_a_frame_is_not_read_as_words(body: str) -> None:
    content = prepare(body, None)
    assert "View the embedded media" in (content.html or "")  # the reader keeps the link
    assert content.text == "Real words here." and content.words == 3
