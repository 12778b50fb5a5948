"""The search channels. Each retriever scores every procedure (row i = the index's card_codes[i]) for one
query, or says nothing (None): a toned channel cannot read a query typed without marks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from assistant.index.embedders import Embedder
from assistant.search.names import ProcedureNames
from assistant.text import expand_abbreviations, has_marks, tokens

# The dense channel reads at least this many nearest passages (more when a channel contributes a deeper ranking),
# so that most procedures a lexical channel finds also get their similarity.
DENSE_MIN_NEIGHBOURS = 200
DENSE_UNKNOWN = -1.0  # a procedure none of whose passages is among the nearest


@dataclass(frozen=True)
class QueryText:
    """A query as the retrievers read it: abbreviations written out, and whether it was typed with marks
    (written-out abbreviations add marks the user did not type)."""

    text: str
    accented: bool

    @classmethod
    def of(cls, query: str) -> QueryText:
        return cls(expand_abbreviations(query), has_marks(query))


class Retriever(Protocol):
    name: str

    def scores(self, query: QueryText) -> np.ndarray | None: ...


class LexicalRetriever:
    """BM25 over the procedures' cards (one document per procedure) or their chunks (a procedure scores its
    best chunk), on folded or toned syllables and bigrams."""

    def __init__(self, name: str, bm25: Any, *, folded: bool, chunk_rows: np.ndarray | None, n: int) -> None:
        self.name = name
        self.bm25 = bm25
        self.folded = folded
        self.chunk_rows = chunk_rows  # chunk → procedure row (-1: none); None for card channels
        self.n = n

    def scores(self, query: QueryText) -> np.ndarray | None:
        if not self.folded and not query.accented:
            return None
        raw = np.asarray(self.bm25.get_scores(tokens(query.text, folded=self.folded)), dtype=np.float32)
        if self.chunk_rows is None:
            return raw
        per_proc = np.zeros(self.n, np.float32)
        np.maximum.at(per_proc, self.chunk_rows, raw)
        return per_proc


class NamesRetriever:
    """How many words of a procedure's name or alias the query says as one phrase."""

    name = "names"

    def __init__(self, names: ProcedureNames) -> None:
        self.names = names

    def scores(self, query: QueryText) -> np.ndarray | None:
        return self.names.scores(query.text)


class DenseRetriever:
    """Cosine similarity of the query's e5 vector to each procedure's best dense passage (its names)."""

    name = "dense"

    def __init__(self, dense: Any, rows: np.ndarray, embedder: Embedder, n: int, depth: int) -> None:
        self.dense = dense  # faiss index over the passages
        self.rows = rows  # passage → procedure row
        self.embedder = embedder
        self.n = n
        self.neighbours = min(dense.ntotal, max(DENSE_MIN_NEIGHBOURS, depth * 4))

    def scores(self, query: QueryText) -> np.ndarray | None:
        if not self.dense.ntotal:
            return None
        qv = self.embedder.embed_queries([query.text])
        sims = np.full(self.n, DENSE_UNKNOWN, np.float32)
        d, ids = self.dense.search(np.ascontiguousarray(qv, np.float32), self.neighbours)
        for sim, passage in zip(d[0], ids[0], strict=True):
            if passage >= 0:
                proc = self.rows[passage]
                sims[proc] = max(sims[proc], sim)
        return sims

    def similarity(self, query: QueryText, proc: int) -> float:
        """The exact best similarity to one procedure's passages, for a procedure the nearest ones missed:
        confidence must not read "unknown" as "unrelated" (queries typed without marks, mostly)."""
        passages = np.flatnonzero(self.rows == proc)
        if not len(passages):
            return DENSE_UNKNOWN
        qv = self.embedder.embed_queries([query.text])[0]
        vectors = np.vstack([self.dense.reconstruct(int(p)) for p in passages])
        return float((vectors @ qv).max())
