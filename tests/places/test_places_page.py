"""The site page "Tra cứu xã, phường, đặc khu mới": 102 units, each with an anchor, folded former names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.handbook.render import render_handbooks
from assistant.handbook.site import navigation
from assistant.kb.load import load_kb
from assistant.kb.models import KnowledgeBase
from assistant.places.models import UNITS_PAGE
from assistant.text import fold

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb(ROOT / "kb")


@pytest.fixture(scope="module")
def pages(kb: KnowledgeBase) -> dict[str, str]:
    return {p.path: p.text for p in render_handbooks(kb)}


def test_the_page_lists_the_102_units_grouped_by_type(kb: KnowledgeBase, pages: dict[str, str]) -> None:
    text = pages[UNITS_PAGE]
    assert text.startswith("# Tra cứu xã, phường, đặc khu mới\n")
    units = re.findall(r"^### (.+) \{#([a-z0-9-]+)\}$", text, flags=re.M)
    assert len(units) == 102 and len({a for _, a in units}) == 102
    groups = re.findall(r"^## (Đặc khu|Phường|Xã) \((\d+)\) \{#", text, flags=re.M)
    assert groups == [("Đặc khu", "3"), ("Phường", "14"), ("Xã", "85")]
    assert {name for name, _ in units} == {u.name for u in kb.units}


def test_each_unit_has_its_former_units_and_centre(pages: dict[str, str]) -> None:
    text = pages[UNITS_PAGE]
    section = text.split("### Phường Rạch Giá {#phuong-rach-gia}")[1].split("###")[0]
    assert "phường Vĩnh Thanh Vân" in section and "(thành phố Rạch Giá, tỉnh Kiên Giang cũ)" in section
    assert "Trung tâm Phục vụ hành chính công phường Rạch Giá" in section
    assert "**Địa chỉ:** *chưa cập nhật*" in section
    split = text.split("### Xã Phú Hữu {#xa-phu-huu}")[1].split("###")[0]
    assert "xã Phước Hưng (một phần)" in split


def test_former_names_are_searchable_without_marks(kb: KnowledgeBase, pages: dict[str, str]) -> None:
    text = pages[UNITS_PAGE]
    hidden = re.findall(r'<p class="tt-search" hidden><sub><sup>([^<]*)</sup></sub></p>', text)
    assert len(hidden) == 102
    words = set(" ".join(hidden).split())
    for unit in kb.units:
        for former in unit.former:
            assert set(fold(former.short_name).split()) <= words, former.name
    rach_gia = next(h for h in hidden if h.startswith("phuong rach gia "))
    assert {"vinh", "thanh", "van"} <= set(rach_gia.split())


def test_old_names_table_lists_every_former_unit(kb: KnowledgeBase, pages: dict[str, str]) -> None:
    table = pages[UNITS_PAGE].split("{#ten-cu}")[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    formers = {(f.name, f.district, f.province) for u in kb.units for f in u.former}
    assert len(rows) == len(formers) == 298
    assert "| phường Vĩnh Thanh Vân | thành phố Rạch Giá | Kiên Giang | [Phường Rạch Giá](#phuong-rach-gia) |" in table


def test_linked_from_province_page_home_and_nav(kb: KnowledgeBase, pages: dict[str, str]) -> None:
    assert f"]({UNITS_PAGE})" in pages["tinh.md"]
    assert f"]({UNITS_PAGE})" in pages["index.md"]
    assert {"Tra cứu xã, phường, đặc khu mới": UNITS_PAGE} in navigation(kb)


def test_the_committed_page_is_fresh(pages: dict[str, str]) -> None:
    assert (ROOT / "handbooks" / UNITS_PAGE).read_text(encoding="utf-8") == pages[UNITS_PAGE]
