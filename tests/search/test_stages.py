"""Each stage of search alone, on small hand-made data (no model, no built index): the retrievers, the
fusion and its configuration, the procedures' names, the snippets."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from assistant.index.build import _bm25
from assistant.index.embedders import get_embedder
from assistant.index.model import Chunk
from assistant.kb.load import load_kb
from assistant.kb.models import Procedure, Tier
from assistant.search import CHANNELS, SearchConfig
from assistant.search.fusion import fuse, fused_scores
from assistant.search.names import ProcedureNames
from assistant.search.retrievers import DENSE_UNKNOWN, DenseRetriever, LexicalRetriever, QueryText
from assistant.search.snippets import SNIPPET_CHARS, Snippeter
from assistant.text import tokens

ROOT = Path(__file__).resolve().parents[2]


# --- fusion -----------------------------------------------------------------------------------------------


def test_a_misspelled_channel_is_refused_when_the_configuration_is_made() -> None:
    with pytest.raises(ValueError, match="body_foldded"):
        SearchConfig(weights={"body_foldded": 1.0})
    with pytest.raises(ValueError, match="bm25"):
        SearchConfig(channels=("bm25",))
    with pytest.raises(ValueError):
        SearchConfig(weights={"dense": -1.0})
    assert set(SearchConfig().weights) == set(CHANNELS)


def test_fusion_adds_weight_over_rank_plus_k_per_channel() -> None:
    config = SearchConfig(rrf_k=10, weights={"card_folded": 1.0, "body_folded": 0.5})
    scores = {"card_folded": np.array([3.0, 1.0, 0.0]), "body_folded": np.array([0.0, 2.0, 1.0])}
    fused = fuse(scores, config)
    assert fused == pytest.approx([1 / 11, 1 / 12 + 0.5 / 11, 0.5 / 12])  # a 0 score ranks nowhere


def test_unaccented_queries_cap_the_dense_weight() -> None:
    config = SearchConfig(rrf_k=0, weights={"dense": 1.0}, dense_weight_unaccented=0.2)
    scores = {"dense": np.array([0.9, DENSE_UNKNOWN])}
    assert fuse(scores, config, accented=True) == pytest.approx([1.0, 0.0])
    assert fuse(scores, config, accented=False) == pytest.approx([0.2, 0.0])


def test_the_asked_part_and_the_curated_boost_enter_the_fused_score() -> None:
    config = SearchConfig(rrf_k=0, weights={"names": 1.0}, asked_weight=0.5, curated_boost=1.5)
    whole = {"names": np.array([2.0, 3.0])}
    asked = {"names": np.array([3.0, 0.0])}
    curated = np.array([True, False])
    assert fused_scores(whole, config, curated, True) == pytest.approx([0.5 * 1.5, 1.0])
    assert fused_scores(whole, config, curated, True, asked) == pytest.approx([(0.5 + 0.5) * 1.5, 1.0])


# --- retrievers ---------------------------------------------------------------------------------------------


def test_a_toned_channel_says_nothing_of_a_query_typed_without_marks() -> None:
    docs = ["đăng ký khai sinh", "đăng ký kết hôn"]
    toned = LexicalRetriever(
        "card_toned", _bm25([tokens(d, folded=False) for d in docs]), folded=False, chunk_rows=None, n=2
    )
    folded = LexicalRetriever(
        "card_folded", _bm25([tokens(d, folded=True) for d in docs]), folded=True, chunk_rows=None, n=2
    )
    assert toned.scores(QueryText.of("dang ky ket hon")) is None
    scores = folded.scores(QueryText.of("dang ky ket hon"))
    assert scores is not None and scores[1] > scores[0]
    assert QueryText.of("dk kết hôn").text == "đăng ký kết hôn"  # abbreviations written out first


def test_a_body_channel_scores_a_procedure_by_its_best_chunk() -> None:
    chunks = ["lệ phí khai sinh miễn", "hồ sơ khai sinh tờ khai", "kết hôn hai bên nam nữ", "giấy tờ chung"]
    rows = np.array([0, 0, 1, -1])  # the last chunk belongs to no procedure (a guide)
    body = LexicalRetriever(
        "body_folded", _bm25([tokens(c, folded=True) for c in chunks]), folded=True, chunk_rows=rows, n=2
    )
    scores = body.scores(QueryText.of("lệ phí khai sinh"))
    assert scores is not None and scores.shape == (2,) and scores[0] > 0 and scores[1] == 0


def test_the_dense_retriever_keeps_each_procedures_best_passage_and_can_measure_a_missed_one() -> None:
    embedder = get_embedder("hash")
    passages = ["đăng ký khai sinh", "làm giấy khai sinh cho con", "đăng ký kết hôn"]
    vectors = embedder.embed_passages(passages)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, np.float32))
    dense = DenseRetriever(index, np.array([0, 0, 1]), embedder, n=3, depth=1)
    q = QueryText.of("giấy khai sinh cho con")
    scores = dense.scores(q)
    assert scores is not None
    qv = embedder.embed_queries([q.text])[0]
    assert scores[0] == pytest.approx(float(max(vectors[0] @ qv, vectors[1] @ qv)), abs=1e-5)
    assert scores[2] == DENSE_UNKNOWN  # procedure 2 has no passage
    assert dense.similarity(q, 1) == pytest.approx(float(vectors[2] @ qv), abs=1e-5)


# --- names ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def procedures() -> list[Procedure]:
    return [p for p in load_kb(ROOT / "kb").procedures if p.tier is Tier.curated]


def test_names_said_as_a_phrase_and_how_much_of_them_a_question_says(procedures: list[Procedure]) -> None:
    names = ProcedureNames(procedures)
    row = [p.code for p in procedures].index("1.000894")
    assert names.scores("muốn đăng ký kết hôn thì sao")[row] >= 3
    assert names.is_named("đăng ký kết hôn", "1.000894")
    assert names.title_coverage("đăng ký kết hôn cần gì", "1.000894") == 1.0
    assert names.words_in_names("đăng ký lại kết hôn", "1.000894") < names.words_in_names(
        "đăng ký lại kết hôn", "1.004746"
    )
    assert names.coverage(["ket", "hon"], "1.000894") == 1.0 and names.coverage([], "1.000894") == 0.0


# --- snippets -------------------------------------------------------------------------------------------------


def test_the_snippet_is_the_chunk_sharing_most_words_cut_for_a_phone() -> None:
    def chunk(i: int, text: str, section: str) -> Chunk:
        return Chunk(i, "ho-tich.md", f"ho-tich/#c{i}", "", text, "1.001193", section)

    long = "Lệ phí đăng ký khai sinh: miễn lệ phí khi đăng ký đúng hạn. " * 10
    snippets = Snippeter(
        [
            chunk(0, "Đăng ký khai sinh cho trẻ em.", ""),
            chunk(1, long, "le-phi"),
            chunk(2, "Hồ sơ gồm tờ khai.", "ho-so"),
        ]
    )
    text, section = snippets.best("1.001193", "lệ phí khai sinh bao nhiêu")
    assert section == "le-phi" and text.endswith("…") and len(text) == SNIPPET_CHARS + 1
    assert snippets.best("1.001193", "xin chào")[1] == ""  # nothing shared: the procedure's opening
    assert snippets.best("9.999999", "lệ phí") == ("", "")
