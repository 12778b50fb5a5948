"""The chat panel and the site search in a real browser (Playwright, Debian's chromium) against the real
app on loopback: API and built site from one origin."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT = ROOT / "test-artifacts" / "chat-answer.png"
HELP = "Vui lòng thử lại sau hoặc liên hệ Trung tâm Phục vụ hành chính công cấp xã nơi bạn ở"
QUESTION = "làm giấy khai sinh cho con cần giấy tờ gì"
WAIT = 15_000  # ms; the first question also warms up the embedder


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(apt-get update && apt-get install -y chromium; .ci/run does this)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser) -> Iterator[Callable[..., object]]:
    """Pages in fresh contexts (own sessionStorage); fails the test on any JavaScript error."""
    contexts, errors = [], []

    def make(width: int = 1280, height: int = 800, scale: float = 1):
        context = browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=scale, locale="vi-VN"
        )
        context.set_default_timeout(WAIT)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, errors


def open_panel(page) -> None:
    page.get_by_role("button", name="Hỏi trợ lý").click()
    dialog = page.get_by_role("dialog", name="Trợ lý thủ tục hành chính")
    dialog.wait_for()
    assert page.evaluate("document.activeElement.id") == "ag-chat-input"


def ask(page, question: str, n: int):
    """Type a question, send it with Enter, wait for the n-th answer (1-based) and return it."""
    page.get_by_label("Câu hỏi của bạn").fill(question)
    page.keyboard.press("Enter")
    answer = page.locator(".ag-chat-log .ag-chat-answer").nth(n - 1)
    answer.wait_for()
    assert page.locator(".ag-chat-typing").count() == 0
    return answer


def test_ask_follow_up_open_the_handbook_and_give_feedback(server, new_page) -> None:
    page = new_page()
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/api/ask") else None)
    page.goto(server.url + "/ho-tich/")
    assert page.locator('meta[name="assistant-api"]').get_attribute("content") == ""
    assert page.locator('meta[name="zalo-platform-site-verification"]').count() == 0  # no code configured

    # keyboard: the button is reachable, the dialog takes focus, Escape closes and gives focus back
    fab = page.locator("button.ag-chat-fab")
    assert fab.inner_text() == "Hỏi trợ lý"
    fab.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "ag-chat-input"
    assert fab.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert page.locator("#ag-chat-panel").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('ag-chat-fab')")
    open_panel(page)
    assert page.locator(".ag-chat-log").get_attribute("aria-live") == "polite"

    first = ask(page, QUESTION, 1)
    assert "Đăng ký khai sinh" in first.inner_text()
    assert "Tờ khai đăng ký khai sinh" in first.inner_text() and "Giấy chứng sinh" in first.inner_text()
    cite = first.locator("a.ag-chat-cite")
    assert "/ho-tich/#tt-1-001193" in cite.get_attribute("href")
    online = first.locator("a.ag-chat-online")
    assert online.get_attribute("href").startswith("https://") and online.get_attribute("target") == "_blank"

    second = ask(page, "còn lệ phí thì sao?", 2)
    assert "Đăng ký khai sinh" in second.inner_text() and "1.001193" in second.inner_text()
    assert "Miễn lệ phí" in second.inner_text()
    assert len(sent) == 2 and sent[0]["session_id"] and sent[0]["session_id"] == sent[1]["session_id"]

    # "Có hữu ích không?" → stored
    feedback = page.locator(".ag-chat-feedback").first
    assert "Có hữu ích không?" in feedback.inner_text()
    feedback.get_by_role("button", name="Có", exact=True).click()
    page.get_by_text("Cảm ơn bạn đã góp ý!").wait_for()
    with server.state.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT question_id, helpful FROM feedback")).all()
    assert len(rows) == 1 and bool(rows[0].helpful) is True
    assert rows[0].question_id  # the first answer's id, sent by the panel

    # the cited section is one click away, on the right anchor
    first.locator("a.ag-chat-cite").click()
    page.wait_for_function("location.hash.startsWith('#tt-1-001193')")
    anchor = page.evaluate("location.hash.slice(1)")
    assert anchor == "tt-1-001193-ho-so"
    assert page.locator(f"[id='{anchor}']").count() == 1

    # the conversation survives a page change (same session)
    page.goto(server.url + "/tinh/")
    open_panel(page)
    assert page.locator(".ag-chat-log .ag-chat-answer").count() == 2


def test_phone_screen(server, new_page) -> None:
    page = new_page(360, 740, scale=2)
    page.goto(server.url + "/ho-tich/")
    open_panel(page)
    box = page.locator("#ag-chat-panel").bounding_box()
    assert box["x"] == 0 and box["width"] == 360 and box["height"] <= 740
    answer = ask(page, QUESTION, 1)
    assert answer.locator("a.ag-chat-cite").count() == 1
    overflow = page.evaluate("""() => ({
        page: document.documentElement.scrollWidth,
        log: [document.querySelector('.ag-chat-log').scrollWidth, document.querySelector('.ag-chat-log').clientWidth],
    })""")
    assert overflow["page"] <= 360, overflow
    assert overflow["log"][0] <= overflow["log"][1], overflow
    input_box = page.get_by_label("Câu hỏi của bạn").bounding_box()
    assert input_box["x"] >= 0 and input_box["x"] + input_box["width"] <= 360
    assert input_box["y"] >= 0 and input_box["y"] + input_box["height"] <= 740

    ask(page, "còn lệ phí thì sao?", 2)  # the screenshot: a follow-up, its handbook link and the feedback
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size < 300_000  # docs/chat-screenshot.png in the README is a copy of it


def test_api_down_errors_and_timeout(server, new_page) -> None:
    page = new_page()
    page.add_init_script("window.agChatTimeoutMs = 1500")
    page.goto(server.url + "/ho-tich/")
    open_panel(page)
    log = page.locator(".ag-chat-log")

    page.route("**/api/ask", lambda route: route.abort())
    page.get_by_label("Câu hỏi của bạn").fill(QUESTION)
    page.keyboard.press("Enter")
    error = page.locator(".ag-chat-error").nth(0)
    error.wait_for()
    assert HELP in error.inner_text()
    assert error.locator("a").first.get_attribute("href").endswith("/tinh/#lien-he")
    assert page.locator(".ag-chat-typing").count() == 0 and page.locator(".ag-chat-send").is_enabled()

    page.unroute("**/api/ask")
    page.route(
        "**/api/ask",
        lambda route: route.fulfill(
            status=429,
            content_type="application/json",
            body=json.dumps(
                {"detail": "Bạn gửi quá nhiều câu hỏi trong thời gian ngắn. Vui lòng đợi một phút rồi hỏi lại."}
            ),
        ),
    )
    page.get_by_label("Câu hỏi của bạn").fill("hỏi lần nữa")
    page.keyboard.press("Enter")
    page.locator(".ag-chat-error").nth(1).wait_for()
    assert "Vui lòng đợi một phút" in page.locator(".ag-chat-error").nth(1).inner_text()

    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: None)  # never answers
    page.get_by_label("Câu hỏi của bạn").fill("có ai không")
    page.keyboard.press("Enter")
    page.locator(".ag-chat-error").nth(2).wait_for(timeout=5000)
    assert "chưa trả lời" in page.locator(".ag-chat-error").nth(2).inner_text()
    assert page.locator(".ag-chat-typing").count() == 0
    assert log.locator(".ag-chat-msg--user").count() == 3


def test_questions_and_answers_render_as_text(server, new_page) -> None:
    page = new_page()
    page.goto(server.url + "/ho-tich/")
    open_panel(page)
    evil = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'
    ask(page, f"{evil} khai sinh", 1)  # the real API
    user = page.locator(".ag-chat-msg--user .ag-chat-bubble").first
    assert evil in user.inner_text()

    page.route(
        "**/api/ask",
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(
                {
                    "question_id": "x",
                    "answered": True,
                    "procedure": None,
                    "sources": [],
                    "confidence": 1,
                    "clarify": False,
                    "handoff": False,
                    "answer": f"**Đậm** {evil}\n- [bấm](javascript:window.__xss=3) và [ngoài](//evil.example/) "
                    '[đúng](/ho-tich/#tt-1-001193)\n- <a href="javascript:1">a</a>',
                }
            ),
        ),
    )
    answer = ask(page, "câu hỏi khác", 2)
    assert evil in answer.inner_text()
    assert page.locator("#ag-chat-root img, #ag-chat-root script").count() == 0
    hrefs = answer.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [server.url + "/ho-tich/#tt-1-001193"], hrefs
    assert answer.locator("strong").first.inner_text() == "Đậm"
    assert page.evaluate("window.__xss") is None


@pytest.mark.parametrize("query", ["dang ky khai sinh", "1.001193", "1001193", "dk khai sinh"])
def test_site_search_finds_the_procedure(server, new_page, query: str) -> None:
    page = new_page()
    page.goto(server.url + "/ho-tich/")
    search = page.locator(".md-search__input")
    search.click()
    search.press_sequentially(query, delay=20)
    # the handbook's own search (lunr, static): the procedure is among the results
    page.locator(".md-search-result__list a[href*='#tt-1-001193']").first.wait_for(state="attached")
    # the assistant's search in the same dialog (a code typed without its dot is read as a code): first
    asked = "1.001193" if query == "1001193" else query
    hint = page.locator(f".ag-search-assist[data-query='{asked}'] .ag-search-assist__link").first
    hint.wait_for()
    assert hint.get_attribute("href").endswith("/ho-tich/#tt-1-001193")
    assert "Đăng ký khai sinh" in hint.inner_text()


def test_site_template_points_the_panel_at_the_api_and_verifies_zalo(built: Path, tmp_path: Path) -> None:
    """A separately deployed site: config.extra reaches every page as meta tags (escaped)."""
    from assistant.handbook.site import build_site
    from assistant.kb.load import load_kb

    site = tmp_path / "site"
    build_site(
        load_kb(built / "kb"),
        built / "handbooks",
        site,
        {"api_url": "https://tro-ly.example.vn", "zalo_verification": 'AbC"<x>'},
    )
    for page in ("index.html", "ho-tich/index.html", "tinh/index.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert '<meta name="assistant-api" content="https://tro-ly.example.vn">' in html, page
        assert '<meta name="zalo-platform-site-verification" content="AbC&#34;&lt;x&gt;">' in html, page
        assert "assets/chat.js" in html and "assets/chat.css" in html, page
    assert (site / "assets" / "chat.js").is_file() and (site / "assets" / "chat.css").is_file()
