"""Write and read the index folder: manifest, chunks, knowledge base, FAISS and BM25 files."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from assistant.errors import UserError
from assistant.index.model import FORMAT_VERSION, LEXICAL_FIELDS, Chunk, FactKey, IndexData, Manifest
from assistant.kb.models import KnowledgeBase

__all__ = [
    "FORMAT_VERSION",
    "LEXICAL_FIELDS",
    "FactKey",
    "IndexData",
    "IndexLoadError",
    "Manifest",
    "load_index",
    "read_manifest",
    "write_index",
]


class IndexLoadError(UserError):
    """The index folder is missing, corrupt, or was built with another embedder."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_index(
    folder: Path,
    *,
    kb: KnowledgeBase,
    kb_fingerprint: str,
    chunks: list[Chunk],
    embedder_id: str,
    dim: int,
    vectors: np.ndarray,
    dense_codes: list[str],
    lexical: dict[str, Any],  # field → bm25s.BM25
    card_codes: list[str],
    fact_vectors: np.ndarray | None = None,
    fact_keys: list[FactKey] | None = None,
) -> None:
    """Write into a temporary folder beside `folder`, then swap it in (readers never see half an index)."""
    import faiss

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    try:
        (tmp / "kb.json").write_text(kb.model_dump_json(), encoding="utf-8")
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
        dense = faiss.IndexFlatIP(dim)
        if len(vectors):
            dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(dense, str(tmp / "dense.faiss"))
        (tmp / "dense_codes.json").write_text(json.dumps(dense_codes), encoding="utf-8")
        (tmp / "card_codes.json").write_text(json.dumps(card_codes), encoding="utf-8")
        keys = fact_keys or []
        fv = fact_vectors if fact_vectors is not None and len(keys) else np.zeros((0, dim), np.float32)
        np.save(tmp / "facts.npy", np.ascontiguousarray(fv, dtype=np.float32), allow_pickle=False)
        (tmp / "facts.json").write_text(json.dumps([[k.code, k.kind, k.index] for k in keys]), encoding="utf-8")
        for name, retriever in lexical.items():
            retriever.save(str(tmp / "lexical" / name))
        files = {p.relative_to(tmp).as_posix(): _sha(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
        manifest = Manifest(
            format=FORMAT_VERSION,
            embedder=embedder_id,
            dim=dim,
            kb_fingerprint=kb_fingerprint,
            built_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            procedures=len(kb.procedures),
            chunks=len(chunks),
            dense_vectors=int(len(vectors)),
            files=files,
        )
        (tmp / "manifest.json").write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """manifest.json as JSON, whatever its version (None when missing or not JSON)."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def load_index(folder: Path, embedder_id: str, *, verify: bool = True) -> IndexData:
    """Load an index; raise IndexLoadError with a clear Vietnamese message when it cannot be used."""
    import bm25s
    import faiss

    folder = Path(folder)
    hint = "hãy chạy `assistant build` để dựng lại chỉ mục"
    if not (folder / "manifest.json").exists():
        raise IndexLoadError(f"Không tìm thấy chỉ mục tìm kiếm tại {folder} (thiếu manifest.json); {hint}")
    raw = read_manifest(folder)
    if raw is None:
        raise IndexLoadError(f"Tệp {folder / 'manifest.json'} bị hỏng; {hint}")
    if raw.get("format") != FORMAT_VERSION:
        raise IndexLoadError(f"Chỉ mục tại {folder} thuộc phiên bản định dạng khác; {hint}")
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        raise IndexLoadError(
            f"Tệp {folder / 'manifest.json'} bị hỏng ({exc.error_count()} trường sai); {hint}"
        ) from None
    if manifest.embedder != embedder_id:
        raise IndexLoadError(
            f"Chỉ mục tại {folder} được dựng với mô hình nhúng '{manifest.embedder}', "
            f"nhưng ASSISTANT_EMBEDDER đang là '{embedder_id}'; dựng lại chỉ mục hoặc đổi biến môi trường"
        )
    for name, digest in sorted(manifest.files.items()):
        path = folder / name
        if not path.exists():
            raise IndexLoadError(f"Chỉ mục tại {folder} thiếu tệp {name}; {hint}")
        if verify and _sha(path) != digest:
            raise IndexLoadError(f"Tệp {name} của chỉ mục tại {folder} bị hỏng (sai mã băm); {hint}")
    try:
        kb = KnowledgeBase.model_validate_json((folder / "kb.json").read_text(encoding="utf-8"))
        chunks = [
            Chunk(**json.loads(line)) for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        dense = faiss.read_index(str(folder / "dense.faiss"))
        dense_codes = json.loads((folder / "dense_codes.json").read_text(encoding="utf-8"))
        card_codes = json.loads((folder / "card_codes.json").read_text(encoding="utf-8"))
        lexical = {name: bm25s.BM25.load(str(folder / "lexical" / name)) for name in LEXICAL_FIELDS}
        fact_vectors = np.load(folder / "facts.npy", allow_pickle=False)
        fact_keys = [FactKey(c, k, i) for c, k, i in json.loads((folder / "facts.json").read_text(encoding="utf-8"))]
    except Exception as exc:  # any parse error of a file we wrote means corruption
        raise IndexLoadError(f"Không đọc được chỉ mục tại {folder}: {exc}; {hint}") from exc
    if dense.d != manifest.dim or dense.ntotal != len(dense_codes) or len(fact_vectors) != len(fact_keys):
        raise IndexLoadError(f"Chỉ mục tại {folder} không nhất quán (số chiều hoặc số vectơ); {hint}")
    return IndexData(folder, manifest, kb, chunks, dense, dense_codes, lexical, card_codes, fact_vectors, fact_keys)
