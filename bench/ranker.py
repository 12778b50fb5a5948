"""Measured, not used: a small learned ranker over the fused candidates: a linear score of per-candidate features (each
channel's share of its best score, dense similarity, how much of the procedure's names and card the
question covers, the tier), softmax-trained so the gold procedure of a question gets the largest share.

Reciprocal-rank fusion throws the channels' score gaps away (a card that matches three rare words and
one that matches a common one can sit one rank apart); the ranker keeps them. It re-orders only the top
`RERANK_DEPTH` of the fusion, so a query never costs more than that many feature rows.

bench/search.py learns its weights on national-dev folds and scores it on the held-out procedures. It did not
generalise (BENCHMARKS.md: +0.004 hit@1 as asked, -0.03 unaccented, cross-validated), so search does not use it;
it stays here so the next signal can be measured the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.kb.models import Tier
from assistant.search import HybridSearcher
from assistant.text import content_words, expand_abbreviations, has_marks

# How many fused candidates the ranker re-orders (national-dev: the gold is in the fusion's top 20 for
# 97% of the questions whose gold is in its top 100).
RERANK_DEPTH = 20

FEATURES = (
    "fused",  # fused score / the best fused score
    "fused_rank",  # 1 / (1 + rank in the fusion)
    "card_folded",  # each lexical channel: score / the channel's best score for this query
    "card_toned",
    "body_folded",
    "body_toned",
    "names",
    "dense",  # cosine similarity of the question to the procedure's best dense passage
    "dense_gap",  # that similarity minus the best one among the candidates
    "dense_unaccented",  # dense_gap when the question has no marks (e5 reads those poorly)
    "title_coverage",  # share of the title's content words in the question
    "name_coverage",  # the same, best over the title, official name and aliases
    "card_coverage",  # IDF-weighted share of the question's words found in the procedure's card
    "named",  # the question says one of its names word for word
    "curated",  # written for the province (else a national-tier record)
)


@dataclass(frozen=True)
class CandidateSignals:
    """What the searcher knows of one query's candidates, row i = candidate i (fusion order)."""

    fused: np.ndarray
    channels: dict[str, np.ndarray]  # channel → score of each candidate (dense: -1 where unknown)
    channel_best: dict[str, float]  # channel → the best score over every procedure
    title_coverage: np.ndarray
    name_coverage: np.ndarray
    card_coverage: np.ndarray
    named: np.ndarray
    curated: np.ndarray
    accented: bool


def features(s: CandidateSignals) -> np.ndarray:
    """The feature matrix (candidates × FEATURES) of one query."""
    n = len(s.fused)
    x = np.zeros((n, len(FEATURES)), np.float64)
    col = {name: i for i, name in enumerate(FEATURES)}
    top = float(s.fused.max()) if n else 1.0
    x[:, col["fused"]] = s.fused / (top or 1.0)
    x[:, col["fused_rank"]] = 1.0 / (1.0 + np.arange(n))
    for channel in ("card_folded", "card_toned", "body_folded", "body_toned", "names"):
        best = s.channel_best.get(channel, 0.0)
        if best > 0 and channel in s.channels:
            x[:, col[channel]] = s.channels[channel] / best
    if "dense" in s.channels:
        dense = np.maximum(s.channels["dense"], 0.0)
        gap = dense - (dense.max() if n else 0.0)
        x[:, col["dense"]] = dense
        x[:, col["dense_gap" if s.accented else "dense_unaccented"]] = gap
    x[:, col["title_coverage"]] = s.title_coverage
    x[:, col["name_coverage"]] = s.name_coverage
    x[:, col["card_coverage"]] = s.card_coverage
    x[:, col["named"]] = s.named
    x[:, col["curated"]] = s.curated
    return x


@dataclass(frozen=True)
class LearnedRanker:
    """A linear score over FEATURES; higher is better."""

    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"the ranker needs {len(FEATURES)} weights, got {len(self.weights)}")

    def scores(self, x: np.ndarray) -> np.ndarray:
        return x @ np.asarray(self.weights)

    def order(self, x: np.ndarray) -> np.ndarray:
        """Candidate positions, best first (ties keep the fusion's order)."""
        return np.argsort(-self.scores(x), kind="stable")

    @classmethod
    def fit(cls, queries: Sequence[tuple[np.ndarray, np.ndarray]], l2: float = 0.05) -> LearnedRanker:
        """Weights maximising the softmax share of the gold candidates, with an L2 penalty.

        `queries`: per question, its feature matrix and a boolean mask of its gold candidates; questions
        with no gold among their candidates teach nothing and are skipped."""
        from scipy.optimize import minimize

        data = [(x, gold) for x, gold in queries if gold.any() and len(x) > 1]
        if not data:
            raise ValueError("no question has its gold procedure among the candidates")

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            total, grad = l2 * float(w @ w), 2 * l2 * w
            for x, gold in data:
                z = x @ w
                z = z - z.max()
                p = np.exp(z)
                p /= p.sum()
                p_gold = p[gold].sum()
                total -= float(np.log(max(p_gold, 1e-12)))
                # d(-log Σ_gold p)/dw = E_p[x] - E_{p | gold}[x]
                q = np.where(gold, p, 0.0) / max(p_gold, 1e-12)
                grad += x.T @ p - x.T @ q
            return total / len(data), grad / len(data)

        result = minimize(loss, np.zeros(len(FEATURES)), jac=True, method="L-BFGS-B")
        return cls(tuple(round(float(v), 4) for v in result.x))


def signals(
    searcher: HybridSearcher, query: str, scores: dict[str, np.ndarray], fused: np.ndarray, top: np.ndarray
) -> CandidateSignals:
    """What the ranker reads of the candidates `top` (procedure rows, fusion order)."""
    codes = [searcher.index.card_codes[i] for i in top]
    words = content_words(query)
    names = scores["names"] if "names" in scores else searcher.names.scores(expand_abbreviations(query))
    curated = np.array([searcher.procedures[c].tier is Tier.curated for c in codes], np.float64)
    return CandidateSignals(
        fused=fused[top],
        channels={c: s[top] for c, s in scores.items()},
        channel_best={c: float(s.max()) for c, s in scores.items() if len(s)},
        title_coverage=np.array([searcher.names.title_coverage(query, c) for c in codes]),
        name_coverage=np.array([searcher.names.name_coverage(query, c) for c in codes]),
        card_coverage=np.array([searcher.names.coverage(words, c) for c in codes]),
        named=(names[top] >= 2).astype(np.float64),
        curated=curated,
        accented=has_marks(query),
    )
