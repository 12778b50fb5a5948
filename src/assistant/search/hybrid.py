"""Hybrid search: lexical (folded and toned BM25, title card and body) and dense channels, fused by
weighted reciprocal rank, aggregated to one entry per procedure with its best snippet."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.handbook.anchors import procedure_url
from assistant.index.embedders import Embedder, RememberedQueries
from assistant.index.store import IndexData
from assistant.kb.models import Procedure, Tier
import math

from assistant.index.build import card_text
from assistant.index.chunks import Chunk
from assistant.text import content_words, expand_abbreviations, has_marks, tokens

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


@dataclass(frozen=True)
class SearchConfig:
    """Weighted reciprocal-rank fusion. Weights tuned with bench/search.py on national-dev and zalo-dev
    together (see BENCHMARKS.md); a query typed without marks leans on the folded channels, since
    e5 reads unaccented Vietnamese poorly."""

    rrf_k: int = 10
    depth: int = 100  # how many ranked procedures each channel contributes
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "card_folded": 1.0,
            "card_toned": 0.5,
            "body_folded": 1.0,
            "body_toned": 1.0,
            "dense": 0.6,
            "names": 0.5,
        }
    )
    dense_weight_unaccented: float = 0.2
    # Weight of the asked part's own ranking, fused with the whole message's (see `search`).
    asked_weight: float = 0.5  # national-dev: neutral on short questions (hit@1 0.739 with or without)
    # Fused score multiplier of a curated procedure (written for the province) over a national-tier record:
    # when both fit about as well, the written one comes first. bench/search.py: neutral on zalo-dev and
    # national-dev up to 1.3; on the near-tie probes 1.05 wins "cấp lại thẻ bảo hiểm y tế" for the written
    # procedure and loses "dang ky ket hon luu dong" to it, 1.2 and more lose national probes (BENCHMARKS.md).
    curated_boost: float = 1.05
    channels: tuple[str, ...] = ("card_folded", "card_toned", "body_folded", "body_toned", "dense", "names")


class HybridSearcher:
    """Configured once with a loaded index and an embedder; `search()` per query."""

    def __init__(self, index: IndexData, embedder: Embedder, config: SearchConfig | None = None) -> None:
        if embedder.id != index.manifest.get("embedder"):
            raise ValueError("embedder does not match the index")
        self.index = index
        self.embedder = RememberedQueries(embedder)  # search and fact ranking embed one question once
        self.config = config or SearchConfig()
        self.procedures: dict[str, Procedure] = {p.code: p for p in index.kb.procedures}
        self._code_ids = {code: i for i, code in enumerate(index.card_codes)}
        self._chunk_proc = np.array([self._code_ids.get(c.code, -1) for c in index.chunks])
        self._dense_proc = np.array([self._code_ids[c] for c in index.dense_codes], dtype=np.int64)
        # Words of each procedure's card, folded and toned, and their IDF over cards, for `coverage`.
        cards = [expand_abbreviations(card_text(p)) for p in index.kb.procedures]
        self._card_words = [
            set(tokens(c, folded=True, bigrams=False)) | set(tokens(c, folded=False, bigrams=False)) for c in cards
        ]
        df: dict[str, int] = {}
        for words in self._card_words:
            for w in words:
                df[w] = df.get(w, 0) + 1
        n = max(len(self._card_words), 1)
        self._idf = {w: math.log(1 + n / d) for w, d in df.items()}
        self._idf_unseen = math.log(1 + n)
        # Each procedure's names (title, official name, aliases): as folded phrases for the "names"
        # channel, and as sets of content words for `name_coverage`.
        names = [[n for n in (p.title, p.official_name.removeprefix("Thủ tục "), *p.aliases) if n] for p in index.kb.procedures]
        self._names = [
            sorted({" ".join(tokens(expand_abbreviations(n), folded=True, bigrams=False)) for n in ns} - {""}) for ns in names
        ]
        self._name_words = [[w for w in (set(content_words(n)) for n in ns) if w] for ns in names]
        # Which procedures are curated (the rest: national-tier records), for `curated_boost`.
        self._curated = np.array([self.procedures[c].tier is Tier.curated for c in index.card_codes], dtype=bool)
        self._chunks_by_code: dict[str, list[Chunk]] = {}
        for chunk in index.chunks:
            self._chunks_by_code.setdefault(chunk.code, []).append(chunk)

    def name_coverage(self, query: str, code: str) -> float:
        """The other side of `coverage`: the largest share of one of the procedure's names or aliases
        whose content words the query contains ("làm hộ chiếu" covers half of "báo mất hộ chiếu")."""
        words = set(content_words(query))
        return max((len(words & name) / len(name) for name in self._name_words[self._code_ids[code]]), default=0.0)

    def title_coverage(self, query: str, code: str) -> float:
        """Share of the title's content words the query contains: among procedures that all say "khai sinh",
        "làm khai sinh cho con" means the plain "Đăng ký khai sinh", not the one "… với công dân Campuchia ở
        khu vực biên giới" whose distinguishing words it never says."""
        title = self._name_words[self._code_ids[code]][:1]
        if not title:
            return 0.0
        return len(set(content_words(query)) & title[0]) / len(title[0])

    def names_in(self, query: str, code: str) -> int:
        """Length in words of the longest name or alias of the procedure that the query contains."""
        folded = self._phrase(expand_abbreviations(query))
        return max((len(n.split()) for n in self._names[self._code_ids[code]] if f" {n} " in folded), default=0)

    @staticmethod
    def _phrase(text: str) -> str:
        return " " + " ".join(tokens(text, folded=True, bigrams=False)) + " "

    def is_named(self, query: str, code: str) -> bool:
        """Whether the query contains the procedure's title or one of its aliases word for word, and no
        other procedure's name as long: "đăng ký kết hôn" names 1.000894 and needs no clarifying question."""
        scores = self.names_scores(expand_abbreviations(query))
        mine = scores[self._code_ids[code]]
        return mine > 0 and int((scores >= mine).sum()) == 1

    def names_scores(self, text: str) -> np.ndarray:
        """How many words of a procedure's name (or alias) the question contains as one phrase."""
        query = self._phrase(text)
        scores = np.zeros(len(self._names), np.float32)
        for i, names in enumerate(self._names):
            best = max((len(name.split()) for name in names if f" {name} " in query), default=0)
            if best >= 2:  # one word ("hôn") names nothing
                scores[i] = best
        return scores

    def coverage(self, words: list[str], code: str) -> float:
        """IDF-weighted share of `words` (a question's content words, folded or toned) in the procedure's card."""
        if not words:
            return 0.0
        card = self._card_words[self._code_ids[code]]
        weights = [(w in card, self._idf.get(w, self._idf_unseen)) for w in words]
        return sum(w for hit, w in weights if hit) / sum(w for _, w in weights)

    def channel_scores(self, query: str) -> dict[str, np.ndarray]:
        """Per channel, a score for every procedure (0, or -1 for dense, where the channel says nothing)."""
        n = len(self.index.card_codes)
        text = expand_abbreviations(query)
        accented = has_marks(query)  # as typed: written-out abbreviations add marks the user did not
        scores: dict[str, np.ndarray] = {}
        for channel in self.config.channels:
            if channel == "names":
                scores[channel] = self.names_scores(text)
                continue
            if channel == "dense":
                continue
            folded = channel.endswith("folded")
            if not folded and not accented:
                continue  # a toned channel cannot read a query typed without marks
            q = tokens(text, folded=folded)
            raw = np.asarray(self.index.lexical[channel].get_scores(q), dtype=np.float32)
            if channel.startswith("card"):
                scores[channel] = raw
            else:
                per_proc = np.zeros(n, np.float32)
                np.maximum.at(per_proc, self._chunk_proc, raw)
                scores[channel] = per_proc
        if "dense" in self.config.channels and self.index.dense.ntotal:
            qv = self.embedder.embed_queries([text])
            sims = np.full(n, -1.0, np.float32)
            top = min(self.index.dense.ntotal, max(200, self.config.depth * 4))
            d, ids = self.index.dense.search(np.ascontiguousarray(qv, np.float32), top)
            for sim, row in zip(d[0], ids[0]):
                if row >= 0:
                    proc = self._dense_proc[row]
                    if sim > sims[proc]:
                        sims[proc] = sim
            scores["dense"] = sims
        return scores

    def search(self, query: str, k: int = 10, *, asked: str = "") -> list[Hit]:
        """Procedures for `query`, best first. `asked` is the question's asked part when the message also
        tells a story: its ranking is fused in too, so story words ("tranh chấp" in "đất đang tranh chấp,
        có cấp sổ đỏ lần đầu được không?") do not choose the procedure alone."""
        query = query.strip()[:MAX_QUERY_CHARS]
        if not query or not self.index.card_codes:
            return []
        scores = self.channel_scores(query)
        asked = asked.strip()
        asked_scores = self.channel_scores(asked) if asked and asked != query and self.config.asked_weight else None
        fused = self.fused_scores(scores, has_marks(query), asked_scores, has_marks(asked))
        order = np.argsort(-fused, kind="stable")[:k]
        text = expand_abbreviations(query)
        hits = []
        for i in order:
            if fused[i] <= 0:
                break
            code = self.index.card_codes[i]
            snippet, section = self._snippet(code, text)
            p = self.procedures[code]
            hits.append(
                Hit(
                    code=code,
                    title=p.title,
                    sector=p.sector,
                    url=procedure_url(p.sector, code),
                    score=float(fused[i]),
                    snippet=snippet,
                    section=section,
                    dense=float(scores["dense"][i]) if "dense" in scores else 0.0,
                )
            )
        return hits

    def fused_scores(
        self,
        scores: dict[str, np.ndarray],
        accented: bool,
        asked_scores: dict[str, np.ndarray] | None = None,
        asked_accented: bool = True,
    ) -> np.ndarray:
        """One score per procedure from the channels' scores (the whole message's, and the asked part's when
        given): weighted reciprocal-rank fusion, then the curated tier's boost."""
        fused = self.fuse(scores, accented)
        if asked_scores is not None:
            fused = fused + self.config.asked_weight * self.fuse(asked_scores, asked_accented)
        if self.config.curated_boost != 1.0 and self._curated.any():
            fused = np.where(self._curated, fused * self.config.curated_boost, fused)
        return fused

    def fuse(self, scores: dict[str, np.ndarray], accented: bool = True) -> np.ndarray:
        n = len(self.index.card_codes)
        fused = np.zeros(n, np.float64)
        for channel, s in scores.items():
            weight = self.config.weights.get(channel, 0.0)
            if channel == "dense" and not accented:
                weight = min(weight, self.config.dense_weight_unaccented)
            if weight == 0:
                continue
            floor = -1.0 if channel == "dense" else 0.0
            depth = min(self.config.depth, n)
            top = np.argpartition(-s, depth - 1)[:depth] if depth < n else np.arange(n)
            top = top[np.argsort(-s[top], kind="stable")]
            top = top[s[top] > floor]
            fused[top] += weight / (self.config.rrf_k + 1 + np.arange(len(top)))
        return fused

    def _snippet(self, code: str, text: str) -> tuple[str, str]:
        """The chunk of this procedure that shares most query words, cut to a phone-sized length."""
        q = set(tokens(text, folded=True))
        best, best_overlap = None, -1.0
        for chunk in self._chunks_by_code.get(code, []):
            overlap = len(q & set(tokens(chunk.text, folded=True))) - (0.5 if chunk.section else 0.0)
            if overlap > best_overlap:
                best, best_overlap = chunk, overlap
        if best is None:
            return "", ""
        body = " ".join(best.text.split())
        return (body[:240] + "…" if len(body) > 240 else body), best.section

