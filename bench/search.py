"""Search benchmark. Usage (from the project root):

    .venv/bin/python bench/search.py --kb national   # the 2,642 national records and the default KB (both tiers)
    .venv/bin/python bench/search.py --kb kb         # the An Giang handbooks with ../shared/eval/zalo-dev.jsonl

`--kb national` imports ../shared/data/national-procedures.jsonl.gz, builds it (times the build and a rebuild
after editing one procedure), then chooses the search configuration by cross-validation that holds out whole
procedures: the questions of ../shared/eval/national-dev.jsonl are split in k folds by gold code, the
configuration (dense passages, channel weights, RRF constant, weight of the dense channel for unaccented
queries) is chosen on k-1 folds among seeded random candidates, and evaluated on the held-out fold. It reports
the cross-validated and the in-sample figures (hit@1, hit@3, MRR@10 as asked; hit@1 and MRR@10 with every
diacritic stripped), the configuration in use, and the plain fused BM25+e5 baseline, in the same run.

Then it builds a copy of the default KB (67 curated procedures + the national tier), measures the curated
tier's boost on both tiers (zalo-dev: curated golds; national-dev: golds in the KB) and the in-process search
latency with the full national tier. Embeddings are cached under --out, so a second run mostly re-ranks.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ranker import FEATURES, RERANK_DEPTH, LearnedRanker, features, signals  # noqa: E402

from assistant.index.embedders import CachedEmbedder, get_embedder  # noqa: E402
from assistant.index.store import IndexData, load_index  # noqa: E402
from assistant.kb.models import Procedure  # noqa: E402
from assistant.query import analyse  # noqa: E402
from assistant.search import HybridSearcher, SearchConfig  # noqa: E402
from assistant.text import fold, has_marks  # noqa: E402

SHARED = ROOT.parent / "shared"
# Hand-written near ties between the tiers (a written procedure and national records about the same thing), with
# the procedure a citizen means: a sanity check of the curated boost, not a tuning set.
PROBES = ROOT / "bench" / "eval" / "tiers-probe.jsonl"
LEXICAL = ("card_folded", "card_toned", "body_folded", "body_toned")
CHANNELS = (*LEXICAL, "dense", "names")
# The plain fusion of DESIGN.md: one BM25 over the full text (folded: it also reads unaccented queries) and e5 on
# the procedures' names, reciprocal-rank fusion with the usual constant and equal weights.
BASELINE = SearchConfig(
    rrf_k=60, weights={"body_folded": 1.0, "dense": 1.0}, dense_weight_unaccented=1.0, channels=("body_folded", "dense")
)
WEIGHT_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
RRF_STEPS = (5, 10, 20, 40, 60)
UNACCENTED_DENSE_STEPS = (0.0, 0.1, 0.2, 0.4)


# ---------------------------------------------------------------------------------------------
# Questions and per-question channel scores


@dataclasses.dataclass
class Query:
    qid: str
    gold: set[str]
    group: str  # whole procedures are held out together: the question's gold code(s)
    text: str
    unaccented: bool  # the question with every diacritic stripped
    scores: dict[str, dict[str, np.ndarray]] = dataclasses.field(default_factory=dict)  # variant → channel → scores
    asked: dict[str, dict[str, np.ndarray]] | None = None  # the same for the asked part, when the message tells a story
    asked_accented: bool = True


def load_questions(paths: list[Path]) -> list[dict]:
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
    return [q for q in out if q.get("gold")]


def queries(questions: list[dict], codes: set[str]) -> list[Query]:
    """Each question as asked and unaccented, keeping those whose gold is in the index."""
    out = []
    for q in questions:
        gold = set(q["gold"]) & codes
        if not gold:
            continue
        for unaccented in (False, True):
            text = fold(q["question"]) if unaccented else q["question"]
            out.append(Query(q["id"], gold, ",".join(sorted(q["gold"])), text, unaccented))
    return out


def score_queries(searchers: dict[str, HybridSearcher], qs: list[Query]) -> None:
    """Channel scores of every query (and asked part) under each dense variant; the lexical ones once."""
    first = next(iter(searchers.values()))
    for q in qs:
        question = analyse(q.text)
        asked = question.asked.strip() if question.has_story else ""
        asked = asked if asked and asked != q.text.strip() else ""
        lexical = first.channel_scores(q.text)
        lexical_asked = first.channel_scores(asked) if asked else None
        q.asked_accented = has_marks(asked)
        for name, searcher in searchers.items():
            own = searcher.index.lexical is not first.index.lexical  # a lexical variant: its own channels
            q.scores[name] = {
                **(searcher.channel_scores(q.text) if own else lexical),
                "dense": dense_scores(searcher, q.text),
            }
            if lexical_asked is not None:
                q.asked = q.asked or {}
                q.asked[name] = {
                    **(searcher.channel_scores(asked) if own else lexical_asked),
                    "dense": dense_scores(searcher, asked),
                }


def dense_scores(searcher: HybridSearcher, text: str) -> np.ndarray:
    config = searcher.config
    searcher.config = dataclasses.replace(config, channels=("dense",))
    try:
        return searcher.channel_scores(text)["dense"]
    finally:
        searcher.config = config


def ranks(searcher: HybridSearcher, qs: list[Query], variant: str, config: SearchConfig) -> np.ndarray:
    """Rank (1-based, 0 = not in the top 10) of the first gold procedure for each query, with `config` fusing the
    cached channel scores through the searcher's own fusion."""
    saved = searcher.config
    searcher.config = config
    codes = searcher.index.card_codes
    out = np.zeros(len(qs), np.int32)
    try:
        for i, q in enumerate(qs):
            scores = {c: s for c, s in q.scores[variant].items() if c in config.channels}
            asked = None
            if q.asked is not None and config.asked_weight:
                asked = {c: s for c, s in q.asked[variant].items() if c in config.channels}
            fused = searcher.fused_scores(scores, not q.unaccented, asked, q.asked_accented)
            top = np.argsort(-fused, kind="stable")[:10]
            out[i] = next((r + 1 for r, j in enumerate(top) if fused[j] > 0 and codes[j] in q.gold), 0)
    finally:
        searcher.config = saved
    return out


def metrics(r: np.ndarray, qs: list[Query], mask: np.ndarray | None = None) -> dict[str, float]:
    mask = np.ones(len(qs), bool) if mask is None else mask
    unacc = np.array([q.unaccented for q in qs])
    out = {}
    for label, sel in (("", mask & ~unacc), ("unaccented ", mask & unacc)):
        rr = r[sel]
        n = max(len(rr), 1)
        out[label + "hit@1"] = float((rr == 1).sum() / n)
        out[label + "hit@3"] = float(((rr >= 1) & (rr <= 3)).sum() / n)
        out[label + "mrr@10"] = float(np.where(rr > 0, 1.0 / np.maximum(rr, 1), 0.0).sum() / n)
        out[label + "n"] = int(len(rr))
    return out


def objective(r: np.ndarray, qs: list[Query], mask: np.ndarray) -> float:
    m = metrics(r, qs, mask)
    return (m["mrr@10"] + m["unaccented mrr@10"]) / 2


# ---------------------------------------------------------------------------------------------
# Candidates and cross-validation


def candidates(n: int, seed: int) -> list[SearchConfig]:
    """The configuration in use, then `n` seeded random ones over weights and constants."""
    rng = random.Random(seed)
    out = [SearchConfig()]
    for _ in range(n):
        weights = {c: rng.choice(WEIGHT_STEPS) for c in CHANNELS}
        if not any(weights.values()):
            continue
        out.append(
            SearchConfig(
                rrf_k=rng.choice(RRF_STEPS),
                weights=weights,
                dense_weight_unaccented=min(rng.choice(UNACCENTED_DENSE_STEPS), weights["dense"]),
            )
        )
    return out


def folds_by_procedure(qs: list[Query], k: int, seed: int) -> np.ndarray:
    """Fold of each query: all questions about one procedure (and both spellings of a question) share a fold."""
    groups = sorted({q.group for q in qs})
    random.Random(seed).shuffle(groups)
    fold_of = {g: i % k for i, g in enumerate(groups)}
    return np.array([fold_of[q.group] for q in qs])


def describe(variant: str, config: SearchConfig) -> str:
    weights = ", ".join(f"{c} {config.weights.get(c, 0):g}" for c in CHANNELS if c in config.channels)
    return f"dense on {variant}; {weights}; rrf_k {config.rrf_k}; dense unaccented {config.dense_weight_unaccented:g}"


# ---------------------------------------------------------------------------------------------
# Dense passage variants


def card_passage(p: Procedure) -> str:
    """A procedure's card for the dense channel: its names, what it is (the summary's first line: level, sector,
    deciding agency) and who asks for it."""
    first = p.summary.strip().splitlines()[0] if p.summary.strip() else ""
    names = (
        p.title
        if p.official_name.removeprefix("Thủ tục ").lower() in ("", p.title.lower())
        else f"{p.title}. {p.official_name}"
    )
    return " ".join(x for x in (names + ".", first, f"Người thực hiện: {p.applicants}." if p.applicants else "") if x)[
        :600
    ]


def dense_variant(index: IndexData, embedder: CachedEmbedder, passages: dict[str, list[str]]) -> IndexData:
    import faiss

    texts, codes = [], []
    for code, ps in passages.items():
        texts += ps
        codes += [code] * len(ps)
    vectors = embedder.embed_passages(texts)
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(np.ascontiguousarray(vectors, np.float32))
    return dataclasses.replace(index, dense=dense, dense_codes=codes)


def searchers_for(index: IndexData, embedder, cache: Path, variants: tuple[str, ...]) -> dict[str, HybridSearcher]:
    cached = CachedEmbedder(embedder, cache)
    out: dict[str, HybridSearcher] = {}
    first: HybridSearcher | None = None
    for variant in variants:
        if variant == "names":
            data = index
        elif variant == "card":
            data = dense_variant(index, cached, {p.code: [card_passage(p)] for p in index.kb.procedures})
        elif variant == "names+card":  # the best of both per procedure
            data = _with_extra_rows(index, cached, {p.code: card_passage(p) for p in index.kb.procedures})
        elif variant == "names (card BM25 without linh_vuc)":  # the card's BM25 without the record's sector name
            data = _without_linh_vuc(index)
        else:
            raise SystemExit(f"unknown variant {variant}")
        t0 = time.perf_counter()
        searcher = HybridSearcher(data, embedder) if first is None else first.sharing(data)
        first = first or searcher
        out[variant] = searcher
        print(
            f"- dense variant '{variant}': {data.dense.ntotal} vectors (searcher ready in {time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
    return out


def _without_linh_vuc(index: IndexData) -> IndexData:
    """The title cards' BM25 (folded and toned) with ", lĩnh vực X" taken out of the summaries."""
    from assistant.index.build import _bm25, _token_forms, card_text

    cards = [_token_forms(re.sub(r",? lĩnh vực [^;.\n]*", "", card_text(p))) for p in index.kb.procedures]
    lexical = dict(index.lexical)
    lexical["card_folded"] = _bm25([f.split() for f, _ in cards])
    lexical["card_toned"] = _bm25([t.split() for _, t in cards])
    return dataclasses.replace(index, lexical=lexical)


def _with_extra_rows(index: IndexData, cached: CachedEmbedder, extra: dict[str, str]) -> IndexData:
    import faiss

    codes = list(extra)
    vectors = cached.embed_passages([extra[c] for c in codes])
    base = index.dense.reconstruct_n(0, index.dense.ntotal)
    dense = faiss.IndexFlatIP(base.shape[1])
    dense.add(np.ascontiguousarray(np.vstack([base, vectors]), np.float32))
    return dataclasses.replace(index, dense=dense, dense_codes=[*index.dense_codes, *codes])


# ---------------------------------------------------------------------------------------------
# Builds


def build_national(out: Path, embedder: str) -> dict[str, float]:
    from assistant.kb.national import import_national
    from assistant.pipeline import build

    times = {}
    t0 = time.perf_counter()
    import_national(SHARED / "data" / "national-procedures.jsonl.gz", out / "kb")
    times["import"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = build(out / "kb", out, embedder_spec=embedder)
    times["build"] = time.perf_counter() - t0
    times.update({f"build.{k}": v for k, v in report.seconds.items()})
    times["embedded"] = report.embedded
    # Rebuild after editing one procedure: what a maintainer waits for after fixing one file.
    path = sorted((out / "kb" / "procedures").glob("*/*.yaml"))[0]
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("\ntitle: ", "\ntitle: (sửa) ", 1), encoding="utf-8")
    t0 = time.perf_counter()
    again = build(out / "kb", out, embedder_spec=embedder)
    times["rebuild after editing one procedure"] = time.perf_counter() - t0
    times.update({f"rebuild.{k}": v for k, v in again.seconds.items()})
    times["rebuild embedded"] = again.embedded
    path.write_text(original, encoding="utf-8")
    build(out / "kb", out, embedder_spec=embedder, site=False)  # the index as imported, for the evaluation
    return times


def build_default(out: Path, embedder: str, cache_from: Path) -> float:
    """A copy of kb/ (so the committed handbooks are not rewritten), sharing the national build's embeddings."""
    from assistant.pipeline import build

    if (out / "kb").exists():
        shutil.rmtree(out / "kb")
    shutil.copytree(ROOT / "kb", out / "kb")
    (out / "cache").mkdir(parents=True, exist_ok=True)
    src = cache_from / "cache" / "embeddings.sqlite"
    if src.exists() and not (out / "cache" / "embeddings.sqlite").exists():
        shutil.copy(src, out / "cache" / "embeddings.sqlite")
    t0 = time.perf_counter()
    build(out / "kb", out, embedder_spec=embedder, site=False)
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# Reports


def row(label: str, m: dict[str, float]) -> str:
    return (
        f"| {label} | {m['hit@1']:.3f} | {m['hit@3']:.3f} | {m['mrr@10']:.3f} | {m['unaccented hit@1']:.3f} | "
        f"{m['unaccented mrr@10']:.3f} |"
    )


def latency(searcher: HybridSearcher, texts: list[str]) -> tuple[float, float]:
    times = []
    for text in texts:
        t0 = time.perf_counter()
        question = analyse(text)
        searcher.search(text, k=10, asked=question.asked if question.has_story else "")
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def tune(
    searchers: dict[str, HybridSearcher], qs: list[Query], configs: list[SearchConfig], k: int, seed: int
) -> tuple[np.ndarray, list[tuple[str, int]], np.ndarray]:
    first = next(iter(searchers.values()))
    t0 = time.perf_counter()
    table = {(v, i): ranks(first, qs, v, c) for v in searchers for i, c in enumerate(configs)}
    print(f"- {len(table)} configurations ranked in {time.perf_counter() - t0:.0f} s", flush=True)
    folds = folds_by_procedure(qs, k, seed)
    everything = np.ones(len(qs), bool)

    def cross_validated(keys: list[tuple[str, int]]) -> tuple[np.ndarray, list[tuple[str, int]]]:
        held_out = np.zeros(len(qs), np.int32)
        chosen = []
        for f in range(k):
            train, test = folds != f, folds == f
            best = max(keys, key=lambda key: (objective(table[key], qs, train), -key[1]))
            chosen.append(best)
            held_out[test] = table[best][test]
        return held_out, chosen

    all_keys = list(table)
    cv, chosen = cross_validated(all_keys)
    for variant in searchers:  # in-sample choice within each variant
        keys = [key for key in all_keys if key[0] == variant]
        best_v = max(keys, key=lambda key: (objective(table[key], qs, everything), -key[1]))
        print(
            f"- best in-sample with {variant}: {describe(best_v[0], configs[best_v[1]])} "
            f"(objective {objective(table[best_v], qs, everything):.3f}; in use: {objective(table[(variant, 0)], qs, everything):.3f})"
        )
    best = max(all_keys, key=lambda key: (objective(table[key], qs, everything), -key[1]))
    print()
    print(
        f"Questions: {len(qs) // 2} of national-dev (gold in the index), each as asked and unaccented; "
        f"{k} folds by gold procedure ({len({q.group for q in qs})} procedures); {len(configs)} configurations "
        f"× {len(searchers)} dense variants; objective: mean of MRR@10 as asked and unaccented."
    )
    print()
    print("| search | hit@1 | hit@3 | MRR@10 | unaccented hit@1 | unaccented MRR@10 |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        row(
            "baseline: BM25 (full text, folded) + e5 on names, RRF k=60, equal weights (no tuning)",
            metrics(ranks(first, qs, "names", BASELINE), qs),
        )
    )
    print(row("configuration in use before this run (SearchConfig defaults)", metrics(table[("names", 0)], qs)))
    print(row(f"**cross-validated** ({k} folds, chosen on the other folds)", metrics(cv, qs)))
    print(row("in-sample (chosen and scored on all questions)", metrics(table[best], qs)))
    for variant in searchers:
        cv_v, _ = cross_validated([key for key in all_keys if key[0] == variant])
        print(row(f"cross-validated, dense on {variant} only", metrics(cv_v, qs)))
    print()
    print(f"In-sample choice: {describe(best[0], configs[best[1]])}")
    for f, key in enumerate(chosen):
        print(f"- fold {f + 1} chose: {describe(key[0], configs[key[1]])}")
    return cv, chosen, folds


# ---------------------------------------------------------------------------------------------
# The learned ranker over the fused candidates


def ranker_data(
    searcher: HybridSearcher, qs: list[Query], variant: str, config: SearchConfig
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per query: the ranker's features of the fusion's top RERANK_DEPTH, the gold mask, and the fused order."""
    saved = searcher.config
    searcher.config = config
    codes = searcher.index.card_codes
    out = []
    try:
        for q in qs:
            scores = q.scores[variant]
            use = {c: s for c, s in scores.items() if c in config.channels}
            asked = None
            if q.asked is not None and config.asked_weight:
                asked = {c: s for c, s in q.asked[variant].items() if c in config.channels}
            fused = searcher.fused_scores(use, not q.unaccented, asked, q.asked_accented)
            order = np.argsort(-fused, kind="stable")[: 10 * 10]
            order = order[fused[order] > 0]
            top = order[:RERANK_DEPTH]
            x = features(signals(searcher, q.text, scores, fused, top))
            gold = np.array([codes[j] in q.gold for j in top], bool)
            out.append((x, gold, order))
    finally:
        searcher.config = saved
    return out


def reranked(
    data: list[tuple[np.ndarray, np.ndarray, np.ndarray]], ranker: LearnedRanker, codes: list[str], qs: list[Query]
) -> np.ndarray:
    """Rank (1-based, 0 = not in the top 10) of the first gold procedure after the ranker re-orders the top."""
    out = np.zeros(len(data), np.int32)
    for i, ((x, _, order), q) in enumerate(zip(data, qs, strict=True)):
        top = order[:RERANK_DEPTH][ranker.order(x)] if len(x) else order[:0]
        final = np.concatenate([top, order[RERANK_DEPTH:]])[:10]
        out[i] = next((r + 1 for r, j in enumerate(final) if codes[j] in q.gold), 0)
    return out


def ranker_report(
    searchers: dict[str, HybridSearcher],
    qs: list[Query],
    configs: list[SearchConfig],
    chosen: list[tuple[str, int]],
    folds: np.ndarray,
    cv_fusion: np.ndarray,
) -> None:
    """The learned ranker (bench/ranker.py) cross-validated by held-out procedures (each fold's fusion configuration
    and ranker weights chosen on the other folds), and in-sample."""
    first = next(iter(searchers.values()))
    codes = first.index.card_codes
    held_out = np.zeros(len(qs), np.int32)
    for f, key in enumerate(chosen):
        data = ranker_data(first, qs, key[0], configs[key[1]])
        train = [(x, g) for (x, g, _), fold in zip(data, folds, strict=True) if fold != f]
        ranker = LearnedRanker.fit(train)
        test = folds == f
        held_out[test] = reranked(data, ranker, codes, qs)[test]
    data = ranker_data(first, qs, "names", SearchConfig())
    trained = LearnedRanker.fit([(x, g) for x, g, _ in data])
    print()
    print("| search | hit@1 | hit@3 | MRR@10 | unaccented hit@1 | unaccented MRR@10 |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(row("cross-validated fusion (as above)", metrics(cv_fusion, qs)))
    print(
        row(
            f"**cross-validated fusion + learned ranker** (top {RERANK_DEPTH} re-ordered, weights from the other folds)",
            metrics(held_out, qs),
        )
    )
    print(
        row(
            "in-sample: SearchConfig defaults + ranker learned on all questions",
            metrics(reranked(data, trained, codes, qs), qs),
        )
    )
    print(f"\nWeights learned on every question: {dict(zip(FEATURES, trained.weights, strict=True))}")


def tiers_report(out: Path, embedder_spec: str, variant_config: SearchConfig, boosts: list[float]) -> None:
    embedder = get_embedder(embedder_spec)
    index = load_index(out / "index", embedder.id)
    searcher = HybridSearcher(index, embedder, variant_config)
    codes = set(index.card_codes)
    tier = {p.code: p.tier.value for p in index.kb.procedures}
    zalo = queries(load_questions([SHARED / "eval" / "zalo-dev.jsonl"]), codes)
    national = queries(load_questions([SHARED / "eval" / "national-dev.jsonl"]), codes)
    probes = queries(load_questions([PROBES]), codes)
    print(
        f"\n## Both tiers: the default KB ({len(index.kb.procedures)} procedures, "
        f"{sum(1 for t in tier.values() if t == 'curated')} curated, {len(index.chunks)} chunks)\n"
    )
    score_queries({"names": searcher}, zalo + national + probes)
    national_only = np.array([all(tier[c] == "national" for c in q.gold) for q in national])
    probe_national = np.array([all(tier[c] == "national" for c in q.gold) for q in probes])
    print(
        "| curated boost | zalo-dev hit@1 (as asked / unaccented) | national-dev hit@1, gold in KB | national-dev MRR@10 | "
        "tier probes hit@1: curated gold / national gold (as asked) | unaccented |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for boost in boosts:
        config = dataclasses.replace(variant_config, curated_boost=boost)
        z = metrics(ranks(searcher, zalo, "names", config), zalo)
        rn = ranks(searcher, national, "names", config)
        n = metrics(rn, national)
        nn = metrics(rn, national, national_only)
        rp = ranks(searcher, probes, "names", config)
        pc, pn = metrics(rp, probes, ~probe_national), metrics(rp, probes, probe_national)
        print(
            f"| {boost:g} | {z['hit@1']:.3f} / {z['unaccented hit@1']:.3f} | {n['hit@1']:.3f} ({n['n']}; national-tier "
            f"gold {nn['hit@1']:.3f}) | {n['mrr@10']:.3f} | {pc['hit@1']:.2f} / {pn['hit@1']:.2f} "
            f"| {pc['unaccented hit@1']:.2f} / {pn['unaccented hit@1']:.2f} |"
        )
    wrong = [
        q
        for q, r in zip(probes, ranks(searcher, probes, "names", variant_config), strict=True)
        if r != 1 and not q.unaccented
    ]
    print(f"\nTier probes missed with the configuration in use: {', '.join(q.text for q in wrong) or 'none'}")
    texts = [q.text for q in zalo + national]
    p50, p95 = latency(HybridSearcher(index, embedder), texts)
    print(
        f"\nIn-process search latency with the full national tier (SearchConfig defaults, {len(texts)} queries, "
        f"query embedding included): p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", default="national", help="'national' or a KB folder")
    ap.add_argument("--out", default=str(ROOT / "build" / "bench"), type=Path)
    ap.add_argument("--questions", nargs="*", type=Path)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--reuse", action="store_true", help="evaluate existing indexes without rebuilding")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--candidates", type=int, default=300, help="random configurations besides the one in use")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument(
        "--variants",
        default="names,card,names+card,names (card BM25 without linh_vuc)",
        help="dense passages (names, card, names+card) and the card's BM25 without linh_vuc, to compare",
    )
    ap.add_argument("--boosts", default="1,1.05,1.1,1.2,1.3,1.5")
    args = ap.parse_args()

    if args.kb != "national":
        return evaluate_kb(args)
    out: Path = args.out / "national"
    times: dict[str, float] = {}
    if not args.reuse:
        times = build_national(out, args.embedder)
    embedder = get_embedder(args.embedder)
    index = load_index(out / "index", embedder.id)
    print(
        f"# Search benchmark: national-dev.jsonl on {len(index.kb.procedures)} national records "
        f"({len(index.chunks)} chunks)\n"
    )
    for key, value in times.items():
        print(f"- {key}: {value:.1f}" + ("" if "embedded" in key else " s"))
    searchers = searchers_for(index, embedder, out / "cache" / "embeddings.sqlite", tuple(args.variants.split(",")))
    qs = queries(load_questions(args.questions or [SHARED / "eval" / "national-dev.jsonl"]), set(index.card_codes))
    t0 = time.perf_counter()
    score_queries(searchers, qs)
    print(f"- channel scores of {len(qs)} queries in {time.perf_counter() - t0:.0f} s", flush=True)
    configs = candidates(args.candidates, args.seed)
    cv_fusion, chosen, folds = tune(searchers, qs, configs, args.folds, args.seed)
    ranker_report(searchers, qs, configs, chosen, folds, cv_fusion)
    p50, p95 = latency(HybridSearcher(index, embedder), [q.text for q in qs])  # a fresh one: no remembered query
    print(
        f"\nIn-process search latency on the {len(index.kb.procedures)} records (SearchConfig defaults): "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )

    default_out = args.out / "default"
    if not args.reuse:
        print(f"\n- default KB build (copy of kb/, no site): {build_default(default_out, args.embedder, out):.1f} s")
    tiers_report(default_out, args.embedder, SearchConfig(), [float(b) for b in args.boosts.split(",")])


def evaluate_kb(args: argparse.Namespace) -> None:
    """A hand-written KB (default: kb/) with Zalo-style questions: channel mixes, as asked and unaccented."""
    from assistant.pipeline import build

    out: Path = args.out / Path(args.kb).name
    if not args.reuse:
        t0 = time.perf_counter()
        build(Path(args.kb), out, embedder_spec=args.embedder, site=False)
        print(f"- build: {time.perf_counter() - t0:.1f} s")
    embedder = get_embedder(args.embedder)
    index = load_index(out / "index", embedder.id)
    searcher = HybridSearcher(index, embedder)
    qs = queries(load_questions(args.questions or [SHARED / "eval" / "zalo-dev.jsonl"]), set(index.card_codes))
    score_queries({"names": searcher}, qs)
    print(f"# Search benchmark on {args.kb} ({len(index.kb.procedures)} procedures), {len(qs) // 2} questions\n")
    print("| search | hit@1 | hit@3 | MRR@10 | unaccented hit@1 | unaccented MRR@10 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, config in {
        "lexical only": SearchConfig(channels=LEXICAL),
        "dense only": SearchConfig(channels=("dense",)),
        "hybrid (SearchConfig defaults)": SearchConfig(),
        "baseline": BASELINE,
    }.items():
        print(row(name, metrics(ranks(searcher, qs, "names", config), qs)))
    p50, p95 = latency(searcher, [q.text for q in qs])
    print(f"\nIn-process search latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
