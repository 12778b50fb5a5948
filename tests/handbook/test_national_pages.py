"""The national tier in the handbooks and the site: a part of its sector's page or a page per sector of its own,
each record marked and linked to the national database; the committed handbooks keep the curated procedures;
the site's search index has the records by name; the page cache changes nothing in the output."""

from __future__ import annotations

import filecmp
import json
import re
from pathlib import Path

import pytest

from assistant.handbook.anchors import national_mark
from assistant.handbook.render import NATIONAL_PAGE, render_handbooks
from assistant.kb.load import load_kb
from assistant.kb.models import KnowledgeBase, Tier

ROOT = Path(__file__).resolve().parents[2]
NATIONAL_MARK = national_mark("An Giang")  # the default KB's province


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb(ROOT / "kb")


@pytest.fixture(scope="module")
def site_pages(kb: KnowledgeBase) -> dict[str, str]:
    return {p.path: p.text for p in render_handbooks(kb)}


@pytest.fixture(scope="module")
def committed_pages(kb: KnowledgeBase) -> dict[str, str]:
    return {p.path: p.text for p in render_handbooks(kb, national=False)}


def block(text: str, anchor: str) -> str:
    """The Markdown of one procedure on its page."""
    start = text.index("{#" + anchor + "}")
    end = text.find("\n## ", start)
    return text[start : end if end > 0 else None]


def test_national_records_follow_the_written_ones_in_their_sector(
    kb: KnowledgeBase, site_pages: dict[str, str]
) -> None:
    text = site_pages["nong-nghiep.md"]
    part = text.index("## Thủ tục khác (từ Cơ sở dữ liệu quốc gia) {#quoc-gia}")
    for p in kb.procedures_of("nong-nghiep"):
        assert (text.index("{#" + p.anchor + "}") > part) is (p.tier is Tier.national), p.code
    fishing = block(text, "tt-1-004359")
    assert NATIONAL_MARK in fishing
    assert f"[Xem bản ghi trên Cơ sở dữ liệu quốc gia]({kb.procedure('1.004359').national_url})" in fishing
    assert "{#tt-1-004359-ho-so}" in fishing and "{#tt-1-004359-can-cu}" in fishing  # section anchors as always
    # the short list at the top of the part, by level, links each record
    listing = text[part : text.index("\n## ", part + 10)]
    assert "**Thực hiện tại cấp tỉnh**" in listing and "(#tt-1-004359)" in listing
    curated = block(text, "tt-1-005412")
    assert NATIONAL_MARK not in curated and "Cập nhật lần cuối" in curated


def test_sectors_of_their_own_get_a_page_and_an_overview(kb: KnowledgeBase, site_pages: dict[str, str]) -> None:
    text = site_pages["quan-ly-xuat-nhap-canh.md"]
    assert text.startswith("# Quản lý xuất nhập cảnh\n")
    assert (
        "## Danh mục thủ tục {#danh-muc}" in text and "chưa được biên soạn lại cho An Giang" in text.split("**Thực")[0]
    )
    assert "| `1.001456` | [Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)](#tt-1-001456) |" in text
    assert NATIONAL_MARK in block(text, "tt-1-001456")
    overview = site_pages[NATIONAL_PAGE]
    assert "[Quản lý xuất nhập cảnh](quan-ly-xuat-nhap-canh.md)" in overview
    assert "[Nông nghiệp và thủy sản](nong-nghiep.md#quoc-gia)" in overview
    national = [p for p in kb.procedures if p.tier is Tier.national]
    assert f"**{len(national)}**" in overview
    assert f"[xem theo lĩnh vực]({NATIONAL_PAGE})" in site_pages["index.md"]
    # every national record is on its sector's page, once
    anchors = re.findall(r"\{#(tt-\d-\d{6})\}", "".join(site_pages.values()))
    assert sorted(anchors) == sorted(p.anchor for p in kb.procedures)


def test_committed_handbooks_keep_the_written_procedures(kb: KnowledgeBase, committed_pages: dict[str, str]) -> None:
    assert "quan-ly-xuat-nhap-canh.md" not in committed_pages and NATIONAL_PAGE not in committed_pages
    text = "".join(committed_pages.values())
    assert NATIONAL_MARK not in text and "{#tt-1-004359}" not in text
    assert "Trang sổ tay trên web có thêm 106 thủ tục của lĩnh vực này" in committed_pages["nong-nghiep.md"]
    for p in kb.procedures:
        if p.tier is Tier.curated:
            assert "{#" + p.anchor + "}" in committed_pages[f"{p.sector}.md"]


def test_the_built_site_has_the_national_pages_and_searches_them(built: Path) -> None:
    kb = load_kb(built / "kb")
    site = built / "site"
    html = (site / "nong-nghiep" / "index.html").read_text(encoding="utf-8")
    fishing = kb.procedure("1.004359")
    assert 'id="tt-1-004359"' in html and 'id="tt-1-004359-ho-so"' in html
    assert NATIONAL_MARK in html and f'href="{fishing.national_url}"' in html
    html = (site / "quan-ly-xuat-nhap-canh" / "index.html").read_text(encoding="utf-8")
    assert 'id="tt-1-001456"' in html and NATIONAL_MARK in html
    assert (site / "quoc-gia" / "index.html").is_file()
    nav = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="quan-ly-xuat-nhap-canh/"' in nav and 'href="quoc-gia/"' in nav
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {d["location"]: d for d in index["docs"]}
    assert "nong-nghiep/#tt-1-004359" in locations and "quan-ly-xuat-nhap-canh/#tt-1-001456" in locations
    assert "hộ chiếu" in locations["quan-ly-xuat-nhap-canh/#tt-1-001456"]["title"]
    assert "nong-nghiep/#tt-1-004359-ho-so" not in locations  # national records: by name, not every section
    assert "ho-tich/#tt-1-001193-ho-so" in locations  # curated procedures: every section


def test_the_page_cache_changes_nothing(built: Path, tmp_path: Path) -> None:
    from assistant.handbook.site import build_site

    kb = load_kb(built / "kb")
    build_site(kb, built / "handbooks", tmp_path / "first", cache=tmp_path / "cache")
    build_site(kb, built / "handbooks", tmp_path / "second", cache=tmp_path / "cache")
    compared = filecmp.dircmp(tmp_path / "first", tmp_path / "second")
    differing: list[str] = []

    def walk(cmp: filecmp.dircmp) -> None:
        differing.extend(cmp.diff_files + cmp.left_only + cmp.right_only)
        for sub in cmp.subdirs.values():
            walk(sub)

    walk(compared)
    assert not [f for f in differing if f != "sitemap.xml.gz"], differing
    assert (tmp_path / "cache" / "site-pages.sqlite").stat().st_size > 0
