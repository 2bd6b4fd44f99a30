"""The pages in a real browser (Debian's Chromium, headless, driven by Playwright): what a reader on a
desktop and on a phone sees and does. Screenshots are saved under `test-artifacts/screenshots/`."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import System
from tests.factories import BASE_TIME, published, unpublished, updated
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-articles.ndjson"
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
VISIBILITY = """state => {
    Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
    document.dispatchEvent(new Event("visibilitychange"));
}"""  # a tab sent to the background (or brought to the front), as the page sees it
DESKTOP = {"width": 1280, "height": 900}
# As a root process in a sandboxed machine, without the network: no sandbox, no background fetches.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        await launched.close()


async def _publish_samples(system: System) -> list[str]:
    """The sample articles, as a CMS at this host would send them (their images are served here)."""
    body = SAMPLE.read_bytes().replace(b"http://127.0.0.1:8000", str(system.http.base_url).rstrip("/").encode())
    response = await system.http.post(
        "/v1/events/batch", content=body, headers={"content-type": "application/x-ndjson"}
    )
    assert response.json()["accepted"] == 6
    await system.caught_up()
    return await system.feed_ids()


async def _page(browser: Browser, system: System, viewport: dict[str, int]) -> Page:
    context = await browser.new_context(viewport=viewport, base_url=str(system.http.base_url))
    page = await context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    return page


async def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


async def _no_horizontal_scroll(page: Page) -> None:
    wide: Any = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"the page scrolls sideways by {wide}px"


async def test_the_feed_shows_the_articles_in_order_with_thumbnails(browser: Browser, system: System) -> None:
    order = await _publish_samples(system)
    for name, viewport in (("feed-desktop", DESKTOP), ("feed-phone", PHONE)):
        page = await _page(browser, system, viewport)
        await page.goto("/")
        await page.wait_for_load_state("networkidle")
        ids = await page.eval_on_selector_all("ol.feed li.card", "cards => cards.map(c => c.dataset.id)")
        assert ids == order
        loaded = await page.eval_on_selector_all(
            "ol.feed li.card img", "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length"
        )
        assert loaded == len(order)
        assert await page.locator("header.masthead .brand").inner_text() == "News Feed"
        assert await page.locator("time[datetime]").count() >= len(order)
        await _no_horizontal_scroll(page)
        await _shot(page, name)
        await page.context.close()


async def test_the_article_shows_related_cards_and_the_author_card(browser: Browser, system: System) -> None:
    await _publish_samples(system)
    for name, viewport in (("article-desktop", DESKTOP), ("article-phone", PHONE)):
        page = await _page(browser, system, viewport)
        await page.goto("/articles/lavrov-rules-out-territorial-concessions")
        await page.wait_for_load_state("networkidle")
        assert await page.locator("h1").inner_text() == "Lavrov rules out territorial concessions ahead of Riyadh talks"
        assert "Illustration" in await page.locator("figure.feature figcaption").inner_text()
        author = page.locator("aside.author-card")
        assert "Anna Petrova" in await author.inner_text()
        assert await author.locator("img.avatar").evaluate("img => img.naturalWidth > 0")
        assert await page.locator("a.author-more").get_attribute("href") == "/author/anna-petrova"
        related = await page.eval_on_selector_all(".related .mini-card h3 a", "links => links.map(a => a.textContent)")
        assert related and any("Riyadh" in title or "Ukraine" in title for title in related)
        assert await page.locator(".related .mini-card img").count() == len(related)
        assert await page.locator(".kg-bookmark-card a.kg-bookmark-container").count() == 1
        await _no_horizontal_scroll(page)
        await _shot(page, name)
        await page.context.close()


async def test_pages_load_without_a_console_error_or_a_failed_request(browser: Browser, system: System) -> None:
    await _publish_samples(system)
    page = await _page(browser, system, PHONE)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: problems.append(response.url) if response.status >= 400 else None)
    for path in ("/", "/articles/lavrov-rules-out-territorial-concessions", "/tag/ukraine"):
        await page.goto(path)
        await page.wait_for_load_state("networkidle")
    assert problems == []  # a favicon 404 was one on every page
    await page.context.close()


async def test_a_right_to_left_article_reads_right_to_left(browser: Browser, system: System) -> None:
    # A Hebrew headline that opens with a Latin word is still a right-to-left line; an unclosed
    # right-to-left override in a name reverses that name only, never the rest of the tab's title.
    title = "Apple מודיעה על iPhone 17 ב-2025"
    authors = [{"slug": "mallory", "name": "\u202eMallory"}]
    await system.publish(published("rtl", title=title, language="he", text="טקסט " * 50, authors=authors))
    await system.caught_up()
    page = await _page(browser, system, PHONE)
    await page.goto("/articles/rtl")
    heading = page.locator("h1")
    assert await heading.get_attribute("dir") == "rtl" and await heading.get_attribute("lang") == "he"
    assert await heading.evaluate("h => getComputedStyle(h).direction") == "rtl"
    assert await page.title() == f"\u2068{title}\u2069 · News Feed"
    await page.goto("/author/mallory")
    assert await page.title() == "\u2068Mallory\u2069 · News Feed"  # no override reaches the site name
    await page.context.close()


async def test_show_more_appends_the_next_page_without_repeats(browser: Browser, system: System) -> None:
    for n in range(45):
        await system.publish(published(f"n{n:02d}", minutes=n, title=f"Bulletin number {n}"))
    await system.caught_up()
    page = await _page(browser, system, DESKTOP)
    await page.goto("/")
    assert await page.locator("ol.feed li.card").count() == 20
    await page.click("a.more")
    await eventually(lambda: page.locator("ol.feed li.card").count(), until=lambda n: n == 40)
    assert page.url.rstrip("/").endswith(str(system.http.base_url.port)), "Show more appended in place"
    await page.click("a.more")
    await eventually(lambda: page.locator("ol.feed li.card").count(), until=lambda n: n == 45)
    ids = await page.eval_on_selector_all("ol.feed li.card", "cards => cards.map(c => c.dataset.id)")
    assert ids == [f"n{n:02d}" for n in range(44, -1, -1)]
    assert await page.locator("a.more").count() == 0
    await page.context.close()


async def test_a_new_article_is_announced_and_inserted_on_click(browser: Browser, system: System) -> None:
    await _publish_samples(system)
    page = await _page(browser, system, PHONE)
    await page.goto("/")
    await page.wait_for_load_state("networkidle")
    button = page.locator(".live-button")
    assert await button.is_hidden()
    five_minutes_ago = int((datetime.now(UTC) - BASE_TIME).total_seconds() // 60) - 5
    await system.publish(published("breaking", minutes=five_minutes_ago, title="Breaking: ceasefire talks resume"))
    await button.wait_for(state="visible", timeout=10_000)
    assert await button.inner_text() == "1 new article"
    await button.click()
    first = page.locator("ol.feed li.card").first
    await eventually(lambda: first.get_attribute("data-id"), until=lambda got: got == "breaking")
    assert "Breaking: ceasefire talks resume" in await first.inner_text()
    # the server sends the date (a cached page must not go stale); the script shows its age
    assert re.fullmatch(r"[4-6] min ago", await first.locator("time").inner_text())
    assert await button.is_hidden()
    await _no_horizontal_scroll(page)
    await page.context.close()


async def test_live_inserts_keep_the_feed_order_and_follow_every_change(browser: Browser, system: System) -> None:
    order = await _publish_samples(system)
    page = await _page(browser, system, DESKTOP)
    await page.goto("/")
    await page.wait_for_load_state("networkidle")
    button = page.locator(".live-button")
    cards = page.locator("ol.feed li.card")

    async def shown_ids() -> list[str | None]:
        return [await card.get_attribute("data-id") for card in await cards.all()]

    async def insert(article_id: str, **fields: Any) -> None:
        await system.publish(published(article_id, **fields))
        await button.wait_for(state="visible", timeout=10_000)
        await button.click()
        await eventually(shown_ids, until=lambda ids: article_id in ids)

    # two inserts in a row: the second is not answered from the first's cached fragment
    await insert("first-new", minutes=60 * 24 * 400)
    await insert("second-new", minutes=60 * 24 * 401)
    # an article dated between two shown ones goes where the feed has it, not on top
    await insert("backdated", minutes=0)  # 17 Feb 2025 12:00, between two sample articles
    assert await shown_ids() == await system.feed_ids(limit=len(await shown_ids()))
    assert await page.locator("li.card-lead").count() == 0  # no half-empty lead row among new cards
    # a corrected headline reaches the open page
    await system.publish(updated("first-new", revision=2, minutes=60 * 24 * 400, title="Corrected headline"))
    await eventually(lambda: page.locator('li[data-id="first-new"] .card-title').inner_text(),
                     until=lambda title: title == "Corrected headline")  # fmt: skip
    # an announced article pulled before the click is no longer announced
    await system.publish(published("pulled", minutes=60 * 24 * 402))
    await button.wait_for(state="visible", timeout=10_000)
    await system.publish(unpublished("pulled", revision=2))
    await button.wait_for(state="hidden", timeout=10_000)
    assert len(order) == 6
    await page.context.close()


async def test_a_correction_that_moves_a_card_shows_it_corrected_where_it_now_belongs(
    browser: Browser, system: System
) -> None:
    order = await _publish_samples(system)
    page = await _page(browser, system, DESKTOP)
    await page.goto("/")
    await page.wait_for_load_state("networkidle")
    cards = page.locator("ol.feed li.card")
    target = order[3]
    # a new date (now the newest) and a new headline in one edit: the feed says "moved"
    await system.publish(updated(target, revision=10**12, minutes=60 * 24 * 500, title="CORRECTED: moved and retitled"))

    async def first_card() -> tuple[str | None, str]:
        return await cards.first.get_attribute("data-id"), await cards.first.locator(".card-title").inner_text()

    assert await eventually(first_card, until=lambda got: got[0] == target, timeout=10) == (
        target,
        "CORRECTED: moved and retitled",
    )
    assert [await card.get_attribute("data-id") for card in await cards.all()] == await system.feed_ids()
    await page.context.close()


async def test_new_articles_announced_on_a_later_page_lead_to_the_first(browser: Browser, system: System) -> None:
    order = await _publish_samples(system)
    later = (await system.http.get("/v1/feed", params={"limit": 3})).json()["next_cursor"]
    page = await _page(browser, system, PHONE)
    await page.goto(f"/?cursor={later}")
    await page.wait_for_load_state("networkidle")
    assert await page.locator("ol.feed li.card").first.get_attribute("data-id") == order[3]
    for state in ("hidden", "visible"):  # back in front, a later page announces nothing that is not new
        await page.evaluate(VISIBILITY, state)
    await page.wait_for_load_state("networkidle")
    assert await page.locator(".live-button").is_hidden()
    await system.publish(published("breaking", minutes=60 * 24 * 500, title="Breaking: talks resume"))
    button = page.locator(".live-button")
    await button.wait_for(state="visible", timeout=10_000)
    async with page.expect_navigation():
        await button.click()
    assert "cursor" not in page.url
    assert await page.locator("ol.feed li.card").first.get_attribute("data-id") == "breaking"
    await page.context.close()


@pytest.mark.parametrize(
    ("hours_before", "shown"),
    [(20, "20 hours ago"), (25, "yesterday"), (43, "2 days ago"), (24 * 6, "6 days ago")],
)
async def test_a_cards_age_counts_the_readers_calendar_days(
    browser: Browser, system: System, hours_before: int, shown: str
) -> None:
    # read at 01:00 (UTC, the reader's zone): 25 hours before is yesterday at midnight, 43 hours
    # before is the morning of the day before yesterday, which said "yesterday" when days were 24 hours
    now = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    minutes = int((now - BASE_TIME).total_seconds() // 60) - hours_before * 60
    await system.publish(published("dated", minutes=minutes))
    await system.caught_up()
    context = await browser.new_context(viewport=PHONE, base_url=str(system.http.base_url), timezone_id="UTC")
    page = await context.new_page()
    await page.clock.set_fixed_time(now)
    await page.goto("/")
    assert await page.locator('li[data-id="dated"] time').inner_text() == shown
    await context.close()


async def test_a_page_refused_its_live_stream_opens_it_again(browser: Browser, system: System) -> None:
    # A 503 (Redis away) makes the browser give up on a stream for good; the page tries again,
    # and announces what was published before its new stream opened.
    await _publish_samples(system)
    page = await _page(browser, system, PHONE)
    asked: list[str] = []

    async def refuse_the_first(route: Any) -> None:
        asked.append(route.request.url)
        if len(asked) == 1:
            await route.fulfill(status=503, headers={"retry-after": "2"}, body="unavailable")
            return
        if len(asked) == 2:  # published while the page had no stream
            await system.publish(published("during", minutes=60 * 24 * 500, title="During the outage"))
            await system.caught_up()
        await route.continue_()

    await page.route("**/v1/feed/events*", refuse_the_first)
    await page.goto("/")
    button = page.locator(".live-button")
    await button.wait_for(state="visible", timeout=15_000)
    assert await button.inner_text() == "1 new article"
    await system.publish(published("after-outage", minutes=60 * 24 * 501, title="After the outage"))
    await eventually(button.inner_text, until=lambda text: text == "2 new articles", timeout=10)
    await page.context.close()


async def test_a_tab_in_the_background_lets_its_stream_go_and_catches_up_in_front(
    browser: Browser, system: System
) -> None:
    # Each open stream holds one of the six connections a browser keeps to a site (HTTP/1.1).
    await _publish_samples(system)
    page = await _page(browser, system, PHONE)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/v1/feed/events" in request.url else None)
    await page.goto("/")
    await page.wait_for_load_state("networkidle")
    assert len(asked) == 1
    await page.evaluate(VISIBILITY, "hidden")
    await system.publish(published("while-away", minutes=60 * 24 * 500, title="Published while away"))
    await system.caught_up()
    button = page.locator(".live-button")
    assert await button.is_hidden()  # no stream: nothing arrived
    await page.evaluate(VISIBILITY, "visible")
    await button.wait_for(state="visible", timeout=10_000)
    assert await button.inner_text() == "1 new article"
    assert len(asked) == 2  # one stream again
    await button.click()
    first = page.locator("ol.feed li.card").first
    await eventually(lambda: first.get_attribute("data-id"), until=lambda got: got == "while-away")
    await page.context.close()


async def test_a_page_that_missed_changes_offers_a_reload(browser: Browser, system: System) -> None:
    """The server's side (when it sends `feed.reload`) is tested in tests/system; here the page's."""
    await _publish_samples(system)
    page = await _page(browser, system, PHONE)
    reload = 'event: feed.reload\ndata: {"feed": "all", "reload": true}\n\n'
    await page.route("**/v1/feed/events*", lambda route: route.fulfill(content_type="text/event-stream", body=reload))
    await page.goto("/")
    await system.publish(published("later", minutes=60 * 24 * 401, title="Later: talks end"))
    await system.caught_up()
    button = page.locator(".live-button")
    await button.wait_for(state="visible", timeout=10_000)
    assert await button.inner_text() == "Newer articles: reload"
    async with page.expect_navigation():
        await button.click()
    assert await page.locator("ol.feed li.card").first.get_attribute("data-id") == "later"
    await page.context.close()


async def test_cms_html_with_scripts_runs_nothing(browser: Browser, system: System) -> None:
    hostile = (
        "<p>Before</p><script>window.__ran = 'script'</script><img src=x onerror=\"window.__ran='onerror'\">"
        "<svg onload=\"window.__ran='svg'\"><circle r=1 /></svg><a id=js href=\"javascript:window.__ran='link'\">x</a>"
        "<iframe srcdoc=\"<script>parent.__ran='iframe'</script>\"></iframe>"
        "<object data=\"javascript:window.__ran='object'\"></object><p>After</p>"
    )
    caption = "<span onmouseover=\"window.__ran='caption'\">Hover</span><script>window.__ran='caption-script'</script>"
    event = published("xss", html=hostile, feature_image={"url": "https://img.example/a.jpg", "caption": caption})
    event["data"]["title"] = "<script>window.__ran='title'</script>Title"
    assert (await system.publish(event)).status_code == 202
    await system.caught_up()
    page = await _page(browser, system, DESKTOP)
    await page.goto("/articles/xss")
    await page.hover("figcaption span")
    if await page.locator("a#js").count():
        await page.click("a#js")
    await page.goto("/")
    await page.goto("/articles/xss")
    assert await page.evaluate("window.__ran === undefined")
    assert "Before" in await page.locator(".content").inner_text()
    assert "<script>" in await page.locator("h1").inner_text()  # the title is shown as text
    await page.context.close()
