"""Fusion: one score per procedure from the channels' scores, by weighted reciprocal rank, with the
asked part's own ranking and the curated tier's boost. The configuration is validated when made."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CHANNELS = ("card_folded", "card_toned", "body_folded", "body_toned", "dense", "names")
# Score at or below which a channel says nothing of a procedure (dense: no passage among the nearest).
_FLOOR = {"dense": -1.0}


def _default_weights() -> dict[str, float]:
    return {"card_folded": 1.0, "card_toned": 0.5, "body_folded": 1.0, "body_toned": 1.0, "dense": 0.6, "names": 0.5}


@dataclass(frozen=True)
class SearchConfig:
    """Weighted reciprocal-rank fusion. Chosen with bench/search.py by cross-validation on national-dev, checked
    on zalo-dev (BENCHMARKS.md). A query typed without marks leans on the folded channels, since e5 reads
    unaccented Vietnamese poorly."""

    # RRF constant: a channel's r-th procedure adds weight / (rrf_k + r). Small: the first ranks count most.
    rrf_k: int = 10
    depth: int = 100  # how many ranked procedures each channel contributes
    # Per channel (CHANNELS): the title card's and the chunks' BM25, folded and toned; e5 on the names; the
    # names said as a phrase.
    weights: dict[str, float] = field(default_factory=_default_weights)
    dense_weight_unaccented: float = 0.2  # the dense weight's cap for a query typed without marks
    # Weight of the asked part's own ranking, fused with the whole message's (see HybridSearcher.search).
    asked_weight: float = 0.5  # national-dev: neutral on short questions (hit@1 0.739 with or without)
    # Fused score multiplier of a curated procedure (written for the province) over a national-tier record:
    # when both fit about as well, the written one comes first. bench/search.py: neutral on zalo-dev and
    # national-dev up to 1.3; on the near-tie probes 1.05 wins "cấp lại thẻ bảo hiểm y tế" for the written
    # procedure and loses "dang ky ket hon luu dong" to it, 1.2 and more lose national probes (BENCHMARKS.md).
    curated_boost: float = 1.05
    channels: tuple[str, ...] = CHANNELS

    def __post_init__(self) -> None:
        unknown = sorted((set(self.channels) | set(self.weights)) - set(CHANNELS))
        if unknown:
            raise ValueError(f"unknown search channel(s): {', '.join(unknown)} (known: {', '.join(CHANNELS)})")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("search channel weights must not be negative")
        if self.rrf_k < 0 or self.depth < 1 or self.curated_boost <= 0:
            raise ValueError("rrf_k must be >= 0, depth >= 1 and curated_boost > 0")


def fuse(scores: dict[str, np.ndarray], config: SearchConfig, accented: bool = True) -> np.ndarray:
    """Weighted reciprocal-rank fusion of the channels' scores (each: one per procedure)."""
    n = len(next(iter(scores.values()))) if scores else 0
    fused = np.zeros(n, np.float64)
    depth = min(config.depth, n)
    for channel, s in scores.items():
        weight = config.weights.get(channel, 0.0)
        if channel == "dense" and not accented:
            weight = min(weight, config.dense_weight_unaccented)
        if weight == 0:
            continue
        top = np.argpartition(-s, depth - 1)[:depth] if depth < n else np.arange(n)
        top = top[np.argsort(-s[top], kind="stable")]
        top = top[s[top] > _FLOOR.get(channel, 0.0)]
        fused[top] += weight / (config.rrf_k + 1 + np.arange(len(top)))
    return fused


def fused_scores(
    scores: dict[str, np.ndarray],
    config: SearchConfig,
    curated: np.ndarray,
    accented: bool,
    asked_scores: dict[str, np.ndarray] | None = None,
    asked_accented: bool = True,
) -> np.ndarray:
    """One score per procedure from the whole message's channel scores (and the asked part's, when given),
    then the curated tier's boost (`curated`: a boolean per procedure)."""
    fused = fuse(scores, config, accented)
    if asked_scores is not None:
        fused = fused + config.asked_weight * fuse(asked_scores, config, asked_accented)
    if config.curated_boost != 1.0 and curated.any():
        fused = np.where(curated, fused * config.curated_boost, fused)
    return fused
