"""Answer benchmark on Zalo-style questions: answer rate with the right procedure first, refusal rate
on out-of-scope questions, a threshold sweep for calibration, and /api/ask latency over real HTTP.

    .venv/bin/python bench/ask.py                      # builds kb/ into build/bench/kb first
    .venv/bin/python bench/ask.py --reuse --questions ../shared/eval/zalo-dev.jsonl
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from assistant.answer.service import Assistant, confidence  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.index.embedders import get_embedder  # noqa: E402
from assistant.index.store import load_index  # noqa: E402
from assistant.search import HybridSearcher  # noqa: E402
from bench.search import SHARED, load_questions  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", default="kb", type=Path)
    ap.add_argument("--out", default=ROOT / "build" / "bench" / "kb", type=Path)
    ap.add_argument("--questions", nargs="*", type=Path, default=[SHARED / "eval" / "zalo-dev.jsonl"])
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--requests", type=int, default=200, help="HTTP requests for the latency run")
    args = ap.parse_args()

    if not args.reuse:
        from assistant.pipeline import build

        t0 = time.perf_counter()
        build(args.kb, args.out, embedder_spec="e5-small")
        print(f"- build: {time.perf_counter() - t0:.1f} s")
    embedder = get_embedder("e5-small")
    index = load_index(args.out / "index", embedder.id)
    searcher = HybridSearcher(index, embedder)
    assistant = Assistant(searcher)
    questions = load_questions(args.questions)
    inside = [q for q in questions if q["gold"]]
    outside = [q for q in questions if not q["gold"]]

    right, answered, refused, wrong = 0, 0, 0, []
    for q in inside:
        a = assistant.ask(q["question"])
        first = a.procedure.code if a.procedure else (a.sources[0].code if a.sources else None)
        answered += a.answered
        if a.answered and first in q["gold"]:
            right += 1
        else:
            wrong.append((q["id"], q["question"], first, round(a.confidence, 3)))
    for q in outside:
        a = assistant.ask(q["question"])
        refused += not a.answered
        if a.answered:
            wrong.append((q["id"], q["question"], a.procedure.code if a.procedure else None, round(a.confidence, 3)))
    print(f"# Ask benchmark: {', '.join(p.name for p in args.questions)} ({len(inside)} in scope, {len(outside)} out of scope)")
    print()
    print("| measure | value | target |")
    print("| --- | --- | --- |")
    print(f"| in-scope answered with the right procedure first | {right / len(inside):.3f} ({right}/{len(inside)}) | ≥ 0.95 |")
    print(f"| in-scope answered (any procedure) | {answered / len(inside):.3f} | |")
    if outside:
        print(f"| out-of-scope refused | {refused / len(outside):.3f} ({refused}/{len(outside)}) | ≥ 0.90 |")

    print("\nThreshold sweep (confidence of the top procedure):\n")
    print("| threshold | in-scope right & answered | out-of-scope refused |")
    print("| --- | --- | --- |")
    tops = [(q, searcher.search(q["question"], k=1)) for q in questions]
    for th in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        ok = sum(1 for q, h in tops if q["gold"] and h and confidence(searcher, q['question'], h[0]) >= th and h[0].code in q["gold"])
        ref = sum(1 for q, h in tops if not q["gold"] and (not h or confidence(searcher, q['question'], h[0]) < th))
        print(f"| {th:.2f} | {ok / len(inside):.3f} | {ref / max(len(outside), 1):.3f} |")
    if wrong:
        print("\nMisses:")
        for row in wrong:
            print(f"- {row}")

    # Latency over real HTTP on loopback, one client, no LLM.
    import threading

    import uvicorn

    from assistant.api.app import build_state, create_app
    from tests.conftest import free_port

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_url=f"sqlite:///{tmp}/bench.db", rate_limit_per_minute=0)
        app = create_app(build_state(settings, args.out / "index"))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        timings = {"ask": [], "search": []}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for i in range(args.requests):
                q = questions[i % len(questions)]["question"]
                t0 = time.perf_counter()
                client.post("/api/ask", json={"question": q}).raise_for_status()
                timings["ask"].append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                client.get("/api/search", params={"q": q, "k": 10}).raise_for_status()
                timings["search"].append((time.perf_counter() - t0) * 1000)
        server.should_exit = True
        thread.join()
    print(f"\nLatency over HTTP on loopback ({args.requests} requests each, one client):\n")
    print("| route | p50 ms | p95 ms | target p95 |")
    print("| --- | --- | --- | --- |")
    for route, values in timings.items():
        values.sort()
        p95 = values[int(0.95 * (len(values) - 1))]
        print(f"| /api/{route} | {statistics.median(values):.1f} | {p95:.1f} | {'≤ 250' if route == 'ask' else '≤ 150'} |")


if __name__ == "__main__":
    main()
