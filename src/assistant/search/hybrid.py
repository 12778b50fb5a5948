"""Hybrid search: the retrievers (folded and toned BM25 over title cards and chunks, e5 over names, names said
as a phrase) score every procedure, the fusion makes one ranking of them, and each hit gets its snippet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.handbook.anchors import procedure_url
from assistant.index.embedders import Embedder, RememberedQueries
from assistant.index.store import IndexData
from assistant.kb.models import Procedure, Tier
from assistant.search.fusion import SearchConfig, fused_scores
from assistant.search.names import ProcedureNames
from assistant.search.retrievers import (
    DENSE_UNKNOWN,
    DenseRetriever,
    LexicalRetriever,
    NamesRetriever,
    QueryText,
    Retriever,
)
from assistant.search.snippets import Snippeter
from assistant.text import tokens

MAX_QUERY_CHARS = 1000


@dataclass(frozen=True)
class Hit:
    """One procedure found for a query."""

    code: str
    title: str
    sector: str
    url: str
    score: float  # fused score, higher is better
    snippet: str
    section: str  # handbook section the snippet comes from
    dense: float  # best cosine similarity of the query to the procedure's dense passages

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "sector": self.sector,
            "url": self.url,
            "score": round(self.score, 4),
            "snippet": self.snippet,
        }


class HybridSearcher:
    """Configured once with a loaded index and an embedder; `search()` per query."""

    def __init__(self, index: IndexData, embedder: Embedder, config: SearchConfig | None = None) -> None:
        if embedder.id != index.manifest.embedder:
            raise ValueError("embedder does not match the index")
        self.index = index
        self.embedder = RememberedQueries(embedder)  # search and fact ranking embed one question once
        self.config = config or SearchConfig()
        self.procedures: dict[str, Procedure] = {p.code: p for p in index.kb.procedures}
        self._rows = {code: i for i, code in enumerate(index.card_codes)}
        self.names = ProcedureNames([self.procedures[c] for c in index.card_codes])
        # Which procedures are curated (the rest: national-tier records), for `curated_boost`.
        self._curated = np.array([self.procedures[c].tier is Tier.curated for c in index.card_codes], dtype=bool)
        self._snippets = Snippeter(index.chunks)
        self._retrievers(index)

    def _retrievers(self, index: IndexData) -> None:
        n = len(index.card_codes)
        chunk_rows = np.array([self._rows.get(c.code, -1) for c in index.chunks], dtype=np.int64)
        self.lexical = [
            LexicalRetriever(
                name,
                bm25,
                folded=name.endswith("folded"),
                chunk_rows=None if name.startswith("card") else chunk_rows,
                n=n,
            )
            for name, bm25 in index.lexical.items()
        ]
        self.names_channel = NamesRetriever(self.names)
        dense_rows = np.array([self._rows[c] for c in index.dense_codes], dtype=np.int64)
        self.dense = DenseRetriever(index.dense, dense_rows, self.embedder, n, self.config.depth)

    def sharing(self, index: IndexData) -> HybridSearcher:
        """A searcher over another index of the same procedures (other dense passages or lexical fields),
        sharing this one's names and snippets (bench/search.py compares such variants)."""
        other = object.__new__(HybridSearcher)
        other.__dict__.update(self.__dict__)
        other.index = index
        other._retrievers(index)
        return other

    def channel_scores(self, query: str) -> dict[str, np.ndarray]:
        """Per channel of the configuration, a score for every procedure (0, or -1 for dense, where the channel
        says nothing); channels that cannot read the query are left out."""
        q = QueryText.of(query)
        retrievers: list[Retriever] = [*self.lexical, self.names_channel, self.dense]
        scores = {}
        for retriever in retrievers:
            if retriever.name in self.config.channels:
                s = retriever.scores(q)
                if s is not None:
                    scores[retriever.name] = s
        return scores

    def fused_scores(
        self,
        scores: dict[str, np.ndarray],
        accented: bool,
        asked_scores: dict[str, np.ndarray] | None = None,
        asked_accented: bool = True,
    ) -> np.ndarray:
        """One score per procedure (see `fusion.fused_scores`)."""
        return fused_scores(scores, self.config, self._curated, accented, asked_scores, asked_accented)

    def search(self, query: str, k: int = 10, *, asked: str = "") -> list[Hit]:
        """Procedures for `query`, best first. `asked` is the question's asked part when the message also
        tells a story: its ranking is fused in too, so story words ("tranh chấp" in "đất đang tranh chấp,
        có cấp sổ đỏ lần đầu được không?") do not choose the procedure alone."""
        query = query.strip()[:MAX_QUERY_CHARS]
        if not query or not self.index.card_codes:
            return []
        q = QueryText.of(query)
        if not tokens(q.text, folded=True):  # punctuation only: nothing to match ("?")
            return []
        scores = self.channel_scores(query)
        asked = asked.strip()
        asked_scores = self.channel_scores(asked) if asked and asked != query and self.config.asked_weight else None
        fused = self.fused_scores(scores, q.accented, asked_scores, QueryText.of(asked).accented)
        hits = []
        for i in np.argsort(-fused, kind="stable")[:k]:
            if fused[i] <= 0:
                break
            code = self.index.card_codes[i]
            snippet, section = self._snippets.best(code, q.text)
            p = self.procedures[code]
            dense = 0.0
            if "dense" in scores:
                dense = float(scores["dense"][i])
                if dense <= DENSE_UNKNOWN:
                    dense = self.dense.similarity(q, int(i))
            hits.append(
                Hit(code, p.title, p.sector, procedure_url(p.sector, code), float(fused[i]), snippet, section, dense)
            )
        return hits

    def with_config(self, config: SearchConfig) -> HybridSearcher:
        """The same searcher with another fusion configuration (the retrievers are shared)."""
        other = object.__new__(HybridSearcher)
        other.__dict__.update(self.__dict__, config=config)
        return other
