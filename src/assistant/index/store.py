"""Write and read the index folder: manifest, chunks, knowledge base, FAISS and BM25 files."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.errors import UserError
from assistant.index.chunks import Chunk
from assistant.kb.models import KnowledgeBase

FORMAT_VERSION = 2  # 2: fact vectors (facts.npy, facts.json)
LEXICAL_FIELDS = ("card_folded", "card_toned", "body_folded", "body_toned")


class IndexLoadError(UserError):
    """The index folder is missing, corrupt, or was built with another embedder."""


@dataclass
class IndexData:
    """Everything search needs, in memory."""

    folder: Path
    manifest: dict[str, object]
    kb: KnowledgeBase
    chunks: list[Chunk]
    dense: object  # faiss.Index over dense rows
    dense_codes: list[str]  # row → procedure code
    lexical: dict[str, object]  # field → bm25s.BM25
    card_codes: list[str]  # card document → procedure code
    # Dense vectors of the facts worth one (rules, special cases, FAQ…), row → FactKey.
    fact_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    fact_keys: list[FactKey] = field(default_factory=list)


@dataclass(frozen=True)
class FactKey:
    """Which fact a row of facts.npy is: procedure code, fact kind, position within that kind."""

    code: str
    kind: str
    index: int


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
    lexical: dict[str, object],
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
        manifest = {
            "format": FORMAT_VERSION,
            "embedder": embedder_id,
            "dim": dim,
            "kb_fingerprint": kb_fingerprint,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "procedures": len(kb.procedures),
            "chunks": len(chunks),
            "dense_vectors": int(len(vectors)),
            "files": files,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_manifest(folder: Path) -> dict[str, object] | None:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_index(folder: Path, embedder_id: str, *, verify: bool = True) -> IndexData:
    """Load an index; raise IndexLoadError with a clear Vietnamese message when it cannot be used."""
    import bm25s
    import faiss

    folder = Path(folder)
    hint = "hãy chạy `assistant build` để dựng lại chỉ mục"
    if not (folder / "manifest.json").exists():
        raise IndexLoadError(f"Không tìm thấy chỉ mục tìm kiếm tại {folder} (thiếu manifest.json); {hint}")
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexLoadError(f"Tệp {folder / 'manifest.json'} bị hỏng; {hint}")
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexLoadError(f"Chỉ mục tại {folder} thuộc phiên bản định dạng khác; {hint}")
    if manifest.get("embedder") != embedder_id:
        raise IndexLoadError(
            f"Chỉ mục tại {folder} được dựng với mô hình nhúng '{manifest.get('embedder')}', "
            f"nhưng ASSISTANT_EMBEDDER đang là '{embedder_id}'; dựng lại chỉ mục hoặc đổi biến môi trường"
        )
    files = manifest.get("files", {})
    assert isinstance(files, dict)
    for name, digest in sorted(files.items()):
        path = folder / name
        if not path.exists():
            raise IndexLoadError(f"Chỉ mục tại {folder} thiếu tệp {name}; {hint}")
        if verify and _sha(path) != digest:
            raise IndexLoadError(f"Tệp {name} của chỉ mục tại {folder} bị hỏng (sai mã băm); {hint}")
    try:
        kb = KnowledgeBase.model_validate_json((folder / "kb.json").read_text(encoding="utf-8"))
        chunks = [Chunk(**json.loads(line)) for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        dense = faiss.read_index(str(folder / "dense.faiss"))
        dense_codes = json.loads((folder / "dense_codes.json").read_text(encoding="utf-8"))
        card_codes = json.loads((folder / "card_codes.json").read_text(encoding="utf-8"))
        lexical = {name: bm25s.BM25.load(str(folder / "lexical" / name)) for name in LEXICAL_FIELDS}
        fact_vectors = np.load(folder / "facts.npy", allow_pickle=False)
        fact_keys = [FactKey(c, k, i) for c, k, i in json.loads((folder / "facts.json").read_text(encoding="utf-8"))]
    except Exception as exc:  # any parse error of a file we wrote means corruption
        raise IndexLoadError(f"Không đọc được chỉ mục tại {folder}: {exc}; {hint}") from exc
    if dense.d != manifest.get("dim") or dense.ntotal != len(dense_codes) or len(fact_vectors) != len(fact_keys):
        raise IndexLoadError(f"Chỉ mục tại {folder} không nhất quán (số chiều hoặc số vectơ); {hint}")
    return IndexData(folder, manifest, kb, chunks, dense, dense_codes, lexical, card_codes, fact_vectors, fact_keys)
