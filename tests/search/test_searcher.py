"""The searcher on its own, over the test KB built with the hash embedder (the model is not the subject here):
one hit per procedure, best first, with the link a citizen follows; questions typed without diacritics, with
chat abbreviations or as a bare procedure code find the same procedure."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.handbook.anchors import procedure_url
from assistant.index.embedders import get_embedder
from assistant.index.store import load_index
from assistant.search import HybridSearcher
from tests.conftest import index_embedder


@pytest.fixture(scope="module")
def searcher(built: Path) -> HybridSearcher:
    embedder = get_embedder(index_embedder(built))
    assert embedder.id == "hash"
    return HybridSearcher(load_index(built / "index", embedder.id), embedder)


def test_hits_are_procedures_best_first_with_their_links(searcher: HybridSearcher) -> None:
    hits = searcher.search("đăng ký khai sinh cho con", k=5)
    assert 1 < len(hits) <= 5
    assert len({h.code for h in hits}) == len(hits)  # one entry per procedure
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    top = hits[0]
    assert top.code == "1.001193"
    procedure = searcher.procedures[top.code]
    assert (top.title, top.sector) == (procedure.title, procedure.sector)
    assert top.url == procedure_url(procedure.sector, top.code) == "/ho-tich/#tt-1-001193"
    assert top.snippet.strip()
    assert set(top.to_json()) == {"code", "title", "sector", "url", "score", "snippet"}  # the API's shape


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("đăng ký khai sinh", "1.001193"),
        ("dang ky khai sinh", "1.001193"),  # no diacritics
        ("DANG KY KHAI SINH", "1.001193"),
        ("dk kết hôn", "1.000894"),  # chat abbreviation
        ("cccd bị mất", "1.014064"),
        ("lam lai cccd", "1.014064"),
        ("1.001193", "1.001193"),  # the national code, as staff search
    ],
)
def test_everyday_ways_of_asking_find_the_procedure(searcher: HybridSearcher, question: str, code: str) -> None:
    assert searcher.search(question, k=3)[0].code == code


def test_k_bounds_the_hits_and_an_empty_query_finds_nothing(searcher: HybridSearcher) -> None:
    assert len(searcher.search("giấy tờ", k=1)) == 1
    assert len(searcher.search("giấy tờ", k=7)) == 7
    assert searcher.search("") == [] and searcher.search("   \n ") == []


def test_a_very_long_question_is_searched_not_refused(searcher: HybridSearcher) -> None:
    story = "Nhà tôi ở xa, đi lại khó khăn, con còn nhỏ. " * 60 + "Làm giấy khai sinh cho con cần gì?"
    hits = searcher.search(story, k=3)
    assert hits and all(h.code in searcher.procedures for h in hits)


def test_the_asked_part_steers_the_choice_over_the_story(searcher: HybridSearcher) -> None:
    message = "Đất nhà tôi đang có tranh chấp với hàng xóm. Tôi muốn làm giấy khai sinh cho con thì cần gì?"
    assert searcher.search(message, k=1, asked="làm giấy khai sinh cho con cần gì")[0].code == "1.001193"


@pytest.mark.parametrize("query", ["?", "  ", "!!! ...", ""])
def test_a_query_with_nothing_to_match_finds_nothing(searcher: HybridSearcher, query: str) -> None:
    assert searcher.search(query) == []
