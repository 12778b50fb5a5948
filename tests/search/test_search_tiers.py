"""Search across the two tiers on the built test KB (kb/ + a slice of the national tier, tests/conftest.py):
national-only questions find the national record; when a written procedure and a record fit about as well,
the written one comes first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.index.embedders import get_embedder
from assistant.index.store import load_index
from assistant.kb.models import Tier
from assistant.search import HybridSearcher, SearchConfig
from tests.conftest import index_embedder


def searcher_over(out: Path) -> HybridSearcher:
    embedder = get_embedder(index_embedder(out))
    return HybridSearcher(load_index(out / "index", embedder.id), embedder)


@pytest.fixture(scope="module")
def searcher(built: Path) -> HybridSearcher:
    return searcher_over(built)


@pytest.fixture(scope="module")
def e5_searcher(built_e5: Path) -> HybridSearcher:
    """Passport issuance against the lost-passport procedure is decided by the model ("làm hộ chiếu")."""
    return searcher_over(built_e5)


@pytest.mark.parametrize(
    ("question", "code", "url"),
    [
        ("cấp giấy phép khai thác thủy sản", "1.004359", "/nong-nghiep/#tt-1-004359"),
        ("cap giay phep khai thac thuy san", "1.004359", "/nong-nghiep/#tt-1-004359"),
        ("làm hộ chiếu phổ thông", "1.001456", "/quan-ly-xuat-nhap-canh/#tt-1-001456"),
        ("lam ho chieu pho thong o dau", "1.001456", "/quan-ly-xuat-nhap-canh/#tt-1-001456"),
    ],
)
def test_a_national_only_question_finds_the_national_record(
    e5_searcher: HybridSearcher, question: str, code: str, url: str
) -> None:
    hit = e5_searcher.search(question, k=5)[0]
    assert (hit.code, hit.url) == (code, url)
    assert e5_searcher.procedures[hit.code].tier is Tier.national


def test_the_written_procedure_wins_over_its_national_neighbours(searcher: HybridSearcher) -> None:
    # 1.010386 (written, commune level) against the records 1.001445 and 1.010385 (provincial, former district)
    hits = searcher.search("báo mất hộ chiếu", k=5)
    assert hits[0].code == "1.010386"
    assert {"1.001445", "1.010385"} & {h.code for h in hits[1:]}


def test_the_curated_tier_is_boosted_on_fused_scores(searcher: HybridSearcher) -> None:
    codes = searcher.index.card_codes
    curated, national = codes.index("1.010386"), codes.index("1.001445")
    scores = {"card_folded": np.zeros(len(codes), np.float32), "body_folded": np.zeros(len(codes), np.float32)}
    scores["card_folded"][[national, curated]] = [2.0, 1.0]  # the record first on the names…
    scores["body_folded"][[national, curated]] = [1.0, 2.0]  # …the written procedure first on the text
    plain = searcher.with_config(SearchConfig(curated_boost=1.0)).fused_scores(scores, True)
    boosted = searcher.fused_scores(scores, True)
    boost = searcher.config.curated_boost
    assert boost > 1
    assert boosted[curated] == pytest.approx(plain[curated] * boost) and boosted[national] == plain[national]
    if plain[national] < plain[curated] * boost:  # a near tie: the written one comes first
        assert boosted[curated] > boosted[national]
