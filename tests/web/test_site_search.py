"""The handbook site's own search box, in a real browser, on the built site served as static files (Python's
http.server on loopback, no API): everyday searches, accented or not, with the shorthand people type, find
the right procedure among the first three results. With the API up, the assistant's suggestions come first."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.test_chat import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
WAIT = 15_000

# Everyday searches, each with the procedures that answer it (any of them counts).
QUERIES: list[tuple[str, tuple[str, ...]]] = [
    ("khai sinh", ("1.001193",)),
    ("khai tử", ("1.000656",)),
    ("ho ngheo", ("1.011606", "1.011607")),
    ("bao mat ho chieu", ("1.010386",)),
    ("cap so do lan dau", ("1.013978",)),
    ("the chap so do", ("1.011441",)),
    ("chung thuc chu ky", ("2.000884",)),
    ("dang ky tam tru", ("1.004194",)),
    ("doi the can cuoc", ("1.014063",)),
    ("cccd", ("1.014061", "1.014062", "1.014063", "1.014064")),
    ("dk ket hon", ("1.000894",)),
    ("đăng ký kết hôn", ("1.000894",)),
    ("dang ky thuong tru", ("1.004222",)),
    ("nhập hộ khẩu", ("1.004222",)),
    ("xoa hk", ("1.003197",)),
    ("khai bao tam vang", ("1.003677",)),
    ("sao y ban chinh", ("2.000815",)),
    ("di chúc", ("2.001019",)),
    ("giấy phép xây dựng", ("1.013225",)),
    ("gpxd", ("1.013225", "1.013227", "1.013228", "1.013229")),
    ("mua bhyt ho gia dinh", ("1.001939",)),
    ("mat the bhyt", ("1.002759",)),
    ("dk hkd", ("1.001612",)),
    ("tam ngung kinh doanh", ("1.001570",)),
    ("sang ten xe", ("1.013076",)),
    ("dang ky xe moi mua", ("1.013067",)),
    ("giay xac nhan doc than", ("1.004873",)),
    ("nhan con nuoi", ("2.001263",)),
    ("trích lục khai sinh", ("2.000635",)),
    ("lãnh lương hưu thay", ("1.001601",)),
    ("bhxh tu nguyen", ("1.002179",)),
    ("1.001193", ("1.001193",)),
    ("mất căn cước", ("1.014064",)),
    ("cai nghien", ("3.000527",)),
    ("hoa giai tranh chap dat", ("1.012812",)),
    ("vneid muc 2", ("3.000228",)),
    ("nhà ở xã hội", ("1.014632",)),
    ("dang ky giam ho", ("1.004837",)),
    ("cai chinh ho tich", ("1.004859",)),
    ("xin giay phep sua nha", ("1.013229",)),
]

# Every link the search dialog shows, in the order a person sees them (hidden boxes left out).
VISIBLE_RESULTS = """() => Array.from(document.querySelectorAll('.md-search__scrollwrap a[href]'))
    .filter(a => a.offsetParent !== null).map(a => a.getAttribute('href'))"""


@pytest.fixture(scope="module")
def static_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site alone (no index), built from the project's kb/ into a temporary folder."""
    from assistant.handbook.render import render_handbooks, write_pages
    from assistant.handbook.site import build_site
    from assistant.kb.load import load_kb

    out = tmp_path_factory.mktemp("static")
    kb = load_kb(ROOT / "kb")
    write_pages(render_handbooks(kb), out / "handbooks")
    build_site(kb, out / "handbooks", out / "site")
    return out / "site"


@pytest.fixture(scope="module")
def static_url(static_site: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(static_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def open_page(chromium, url: str):
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    context.set_default_timeout(WAIT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    return page, errors


def search(page, query: str) -> list[str]:
    """Put `query` in the site's search box (pasted but its last letter, which is typed, so both
    Material's search and the procedure box see it); the links shown, in order."""
    box = page.locator(".md-search__input")
    box.click()
    box.fill(query[:-1])
    box.press_sequentially(query[-1:])
    page.locator(f'.ag-site-search[data-query="{query}"]').wait_for(state="visible")
    return page.evaluate(VISIBLE_RESULTS)


def found(links: list[str], codes: tuple[str, ...]) -> bool:
    return any(f"#tt-{code.replace('.', '-')}" in link for link in links[:3] for code in codes)


def test_static_site_search_finds_everyday_procedures(chromium, static_url: str) -> None:
    assert len(QUERIES) >= 28
    page, errors = open_page(chromium, static_url + "/ho-tich/")
    misses = []
    for query, codes in QUERIES:
        links = search(page, query)
        if not found(links, codes):
            misses.append((query, codes, links[:3]))
    page.context.close()
    assert not misses, misses
    assert not errors, errors


def test_procedures_rank_above_pages_and_links_work(chromium, static_url: str) -> None:
    page, errors = open_page(chromium, static_url + "/")
    links = search(page, "ho tich")  # also a sector's name: its procedures still come first
    assert "#tt-" in links[0], links
    box = page.locator(".ag-site-search")
    assert box.locator(".ag-site-search__meta").first.inner_text().startswith("Mã ")
    box.locator("a").first.click()
    page.wait_for_function("location.hash.startsWith('#tt-')")
    assert page.evaluate("document.getElementById('__search').checked") is False  # the dialog closed
    page.context.close()
    assert not errors, errors


def test_enter_opens_the_first_procedure(chromium, static_url: str) -> None:
    page, errors = open_page(chromium, static_url + "/tinh/")
    search(page, "khai tử")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ho-tich/#tt-1-000656")
    page.context.close()
    assert not errors, errors


def test_with_the_api_up_the_assistant_suggestions_come_first(chromium, server) -> None:
    page, errors = open_page(chromium, server.url + "/ho-tich/")
    box = page.locator(".md-search__input")
    box.click()
    box.press_sequentially("dk ket hon", delay=20)
    page.locator(".ag-search-assist[data-query='dk ket hon'] .ag-search-assist__link").first.wait_for()
    links = page.evaluate(VISIBLE_RESULTS)
    first = page.locator(".md-search__scrollwrap a[href]:visible").first
    assert "ag-search-assist__link" in first.get_attribute("class")
    assert links[0].endswith("/ho-tich/#tt-1-000894"), links
    assert page.locator(".ag-site-search").is_hidden()  # one list of procedures, the assistant's
    page.context.close()
    assert not errors, errors
