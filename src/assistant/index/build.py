"""Build the search index from the knowledge base and its rendered handbook pages."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from assistant.handbook.render import Page
from assistant.index.chunks import chunk_pages
from assistant.index.embedders import CachedEmbedder, Embedder
from assistant.index.model import Chunk, FactKey
from assistant.index.store import write_index
from assistant.kb.card import card_text
from assistant.kb.facts import DENSE_FACT_KINDS, fact_passage, facts_of
from assistant.kb.models import KnowledgeBase, Procedure, Tier
from assistant.progress import Progress, Stage
from assistant.text import expand_abbreviations, tokens


@dataclass(frozen=True)
class IndexReport:
    chunks: int
    dense_vectors: int
    embedded: int  # passages actually sent to the model (the rest came from the cache)


def dense_passages(p: Procedure) -> list[str]:
    """Short passages worth a dense vector: the names, each alias and each FAQ question. Long text is
    left to the lexical channels: embedding cost grows with length, and names carry the meaning."""
    return [dense_names(p), *p.aliases, *(f.question for f in p.faq)]


def dense_names(p: Procedure) -> str:
    """The title, and the official name when it says more than "Thủ tục " + the title (as 1,534 national records
    do: embedding the title twice costs time and tells the model nothing)."""
    official = p.official_name.removeprefix("Thủ tục ").strip()
    names = p.title if official.lower() in ("", p.title.lower()) else f"{p.title}. {p.official_name}"
    return names[:400]


class ContentCache:
    """Values (JSON) computed from a text, kept by the text's hash in a SQLite file: a rebuild after
    editing one procedure recomputes only what changed (chunks of one page, tokens of its chunks)."""

    def __init__(self, path: Path, kind: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS cache (kind TEXT, hash TEXT, value TEXT, PRIMARY KEY (kind, hash))"
        )
        self.kind = kind

    def compute(self, texts: list[str], fn: Callable[[str], Any], stage: Stage | None = None) -> list[Any]:
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        known: dict[str, Any] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            rows = self._db.execute(
                f"SELECT hash, value FROM cache WHERE kind = ? AND hash IN ({','.join('?' * len(part))})",
                [self.kind, *part],
            )
            known.update({h: json.loads(v) for h, v in rows})
        new = []
        for key, text in zip(keys, texts, strict=True):
            if key not in known:
                known[key] = fn(text)
                new.append((self.kind, key, json.dumps(known[key], ensure_ascii=False)))
            if stage is not None:
                stage.advance()
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO cache VALUES (?, ?, ?)", new)
        return [known[k] for k in keys]


def _token_forms(text: str) -> list[str]:
    """Lexical tokens, abbreviations written out on the index side too ("mất thẻ bhyt" meets "bảo hiểm y tế"):
    folded and toned, each as one space-separated string (tokens hold no space; a string decodes from the cache
    many times faster than a list: 24,000 chunks with the national tier)."""
    expanded = expand_abbreviations(text)
    return [" ".join(tokens(expanded, folded=True)), " ".join(tokens(expanded, folded=False))]


def _page_chunks(key: str) -> list[dict[str, Any]]:
    path, text = key.split("\n", 1)
    return [c.to_json() for c in chunk_pages([Page(path, text)])]


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index([doc or [""] for doc in corpus], show_progress=False)
    return retriever


def build_index(
    kb: KnowledgeBase,
    pages: list[Page],
    folder: Path,
    embedder: Embedder,
    kb_fingerprint: str,
    cache: Path,
    progress: Progress | None = None,
) -> IndexReport:
    progress = progress or Progress()
    cache_file = cache.with_name("content.sqlite")
    with progress.stage("Chỉ mục: chia đoạn", total=len(pages)) as stage:
        per_page = ContentCache(cache_file, "chunks").compute(
            [f"{p.path}\n{p.text}" for p in pages], _page_chunks, stage
        )
    found = [Chunk(**c) for page_chunks in per_page for c in page_chunks if c["code"]]
    chunks: list[Chunk] = [replace(c, id=i) for i, c in enumerate(found)]
    cached = CachedEmbedder(embedder, cache)
    texts: list[str] = []
    dense_codes: list[str] = []
    for p in kb.procedures:
        for passage in dense_passages(p):
            texts.append(passage)
            dense_codes.append(p.code)
    fact_keys, fact_texts = [], []
    for p in kb.procedures:
        if p.tier is not Tier.curated:
            continue  # national records carry no rules or FAQ; their words are enough (and 1,600 are many)
        for fact in facts_of(p):
            if fact.kind in DENSE_FACT_KINDS:
                fact_keys.append(FactKey(p.code, fact.kind.value, fact.index))
                fact_texts.append(fact_passage(fact))
    with progress.stage("Chỉ mục: tính vectơ", total=len(texts) + len(fact_texts)) as stage:
        vectors = cached.embed_passages(texts, stage) if texts else np.zeros((0, embedder.dim), np.float32)
        fact_vectors = (
            cached.embed_passages(fact_texts, stage) if fact_texts else np.zeros((0, embedder.dim), np.float32)
        )
    # Abbreviations are written out on both sides: "mất thẻ bhyt" in an alias meets "bảo hiểm y tế" in a query.
    token_cache = ContentCache(cache_file, "token-strings")
    with progress.stage("Chỉ mục: tách từ", total=len(kb.procedures) + len(chunks)) as stage:
        cards = [
            (f.split(), t.split())
            for f, t in token_cache.compute([card_text(p) for p in kb.procedures], _token_forms, stage)
        ]
        bodies = [(f.split(), t.split()) for f, t in token_cache.compute([c.text for c in chunks], _token_forms, stage)]
    with progress.stage("Chỉ mục: BM25 và ghi tệp"):
        lexical = {
            "card_folded": _bm25([folded for folded, _ in cards]),
            "card_toned": _bm25([toned for _, toned in cards]),
            "body_folded": _bm25([folded for folded, _ in bodies]),
            "body_toned": _bm25([toned for _, toned in bodies]),
        }
        write_index(
            folder,
            kb=kb,
            kb_fingerprint=kb_fingerprint,
            chunks=chunks,
            embedder_id=embedder.id,
            dim=embedder.dim,
            vectors=vectors,
            dense_codes=dense_codes,
            lexical=lexical,
            card_codes=[p.code for p in kb.procedures],
            fact_vectors=fact_vectors,
            fact_keys=fact_keys,
        )
    return IndexReport(len(chunks), len(texts) + len(fact_texts), cached.misses)
