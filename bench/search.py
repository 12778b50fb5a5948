"""Search benchmark: hit@1/3/10 and MRR@10 per channel mix, with and without diacritics, build time
and latency. Usage (from the project root):

    .venv/bin/python bench/search.py --kb national          # import ../shared national records, build, evaluate
    .venv/bin/python bench/search.py --kb kb --questions ../shared/eval/zalo-dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from assistant.index.embedders import get_embedder  # noqa: E402
from assistant.index.store import load_index  # noqa: E402
from assistant.query import analyse  # noqa: E402
from assistant.search import HybridSearcher, SearchConfig  # noqa: E402
from assistant.text import fold  # noqa: E402

SHARED = ROOT.parent / "shared"
LEXICAL = ("card_folded", "card_toned", "body_folded", "body_toned")
MIXES = {
    "lexical only": SearchConfig(channels=LEXICAL),
    "dense only": SearchConfig(channels=("dense",)),
    "hybrid (fused)": SearchConfig(),
}


def load_questions(paths: list[Path]) -> list[dict]:
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
    return out


def evaluate(searcher: HybridSearcher, questions: list[dict], strip: bool = False) -> dict:
    per_style: dict[str, list[tuple[int, float]]] = defaultdict(list)
    latencies = []
    for q in questions:
        if not q.get("gold"):
            continue
        text = fold(q["question"]) if strip else q["question"]
        t0 = time.perf_counter()
        question = analyse(text)
        hits = searcher.search(text, k=10, asked=question.asked if question.has_story else "")
        latencies.append((time.perf_counter() - t0) * 1000)
        codes = [h.code for h in hits]
        rank = next((i + 1 for i, c in enumerate(codes) if c in q["gold"]), 0)
        row = (rank, 1.0 / rank if rank else 0.0)
        per_style["all"].append(row)
        per_style[q.get("style", "-")].append(row)
    table = {}
    for style, rows in per_style.items():
        n = len(rows)
        table[style] = {
            "n": n,
            "hit@1": sum(1 for r, _ in rows if r == 1) / n,
            "hit@3": sum(1 for r, _ in rows if 1 <= r <= 3) / n,
            "hit@10": sum(1 for r, _ in rows if 1 <= r <= 10) / n,
            "mrr@10": sum(m for _, m in rows) / n,
        }
    latencies.sort()
    table["_latency"] = {
        "p50": statistics.median(latencies) if latencies else 0,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0,
    }
    return table


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
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", default="national", help="'national' or a KB folder")
    ap.add_argument("--out", default=str(ROOT / "build" / "bench"), type=Path)
    ap.add_argument("--questions", nargs="*", type=Path)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--reuse", action="store_true", help="evaluate an existing index without rebuilding")
    args = ap.parse_args()

    out: Path = args.out / ("national" if args.kb == "national" else Path(args.kb).name)
    times: dict[str, float] = {}
    if not args.reuse:
        if args.kb == "national":
            times = build_national(out, args.embedder)
        else:
            from assistant.pipeline import build

            t0 = time.perf_counter()
            build(Path(args.kb), out, embedder_spec=args.embedder, site=False)
            times["build"] = time.perf_counter() - t0
    questions_files = args.questions or [
        SHARED / "eval" / ("national-dev.jsonl" if args.kb == "national" else "zalo-dev.jsonl")
    ]
    questions = load_questions(questions_files)
    embedder = get_embedder(args.embedder)
    index = load_index(out / "index", embedder.id)
    print(f"# Search benchmark: {', '.join(p.name for p in questions_files)} on {args.kb} "
          f"({len(index.kb.procedures)} procedures, {len(index.chunks)} chunks)")
    for k, v in times.items():
        print(f"- {k}: {v:.1f}" + ("" if "embedded" in k else " s"))
    print()
    print("| mix | questions | style | n | hit@1 | hit@3 | hit@10 | MRR@10 | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, config in MIXES.items():
        searcher = HybridSearcher(index, embedder, config)
        for strip in (False, True):
            table = evaluate(searcher, questions, strip)
            lat = table.pop("_latency")
            for style, row in sorted(table.items(), key=lambda kv: (kv[0] != "all", kv[0])):
                if strip and style != "all":
                    continue
                print(
                    f"| {name} | {'no diacritics' if strip else 'as asked'} | {style} | {row['n']} | "
                    f"{row['hit@1']:.3f} | {row['hit@3']:.3f} | {row['hit@10']:.3f} | {row['mrr@10']:.3f} | "
                    + (f"{lat['p50']:.1f} | {lat['p95']:.1f} |" if style == "all" else " | |")
                )


if __name__ == "__main__":
    main()
