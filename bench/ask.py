"""Answer benchmark: on Zalo-style questions, the answer rate with the right procedure first, the refusal
rate on out-of-scope questions and a threshold sweep for calibration; on key-fact questions (story +
one precise question, judged by ../shared/eval/keyfacts.py), the share of key facts stated; then
/api/ask latency over real HTTP.

    .venv/bin/python bench/ask.py                      # builds kb/ into build/bench/kb first
    .venv/bin/python bench/ask.py --reuse --questions ../shared/eval/zalo-dev.jsonl
    .venv/bin/python bench/ask.py --reuse --requests 0 --verbose   # key facts per question, no latency run
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from assistant.answer.confidence import ConfidenceModel, procedure_confidence  # noqa: E402
from assistant.answer.service import Assistant  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.query import analyse  # noqa: E402
from assistant.runtime import load_runtime  # noqa: E402
from bench.search import SHARED  # noqa: E402


def load_questions(paths: list[Path]) -> list[dict]:
    """Every question of the sets, out-of-scope ones (no gold code) included."""
    return [
        json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


KEYFACT_SETS = [SHARED / "eval" / "keyfacts-dev.jsonl", *sorted((ROOT / "bench" / "eval").glob("keyfacts-*.jsonl"))]


def _keyfacts_module():
    """The shared scorer (../shared/eval/keyfacts.py), loaded as a module: the same folding and rules."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("keyfacts", SHARED / "eval" / "keyfacts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def keyfacts_report(assistant: Assistant, sets: list[Path], *, verbose: bool = False) -> None:
    """Ask every key-fact question in-process and score the answers as keyfacts.py does over HTTP."""
    if not sets:
        return
    kf = _keyfacts_module()
    print("\nKey facts stated (../shared/eval/keyfacts.py rules; answers asked in-process):\n")
    print("| set | questions | facts | stated | share | contradicted | right procedure | negatives stated |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    total = [0, 0, 0, 0]
    for path in sets:
        items = kf.load_set(str(path))
        facts = stated = contradicted = right = neg_n = neg_ok = 0
        for it in items:
            a = assistant.ask(it["question"])
            status = kf.score_item(it, a.text, a.answered)
            facts += len(status)
            stated += status.count("stated")
            contradicted += status.count("contradicted")
            right += bool(a.procedure and a.procedure.code in it["gold"])
            if it.get("negative"):
                neg_n += 1
                neg_ok += all(s == "stated" for s in status)
            if verbose:
                code = a.procedure.code if a.procedure else None
                print(
                    f"  {it['id']}: {status.count('stated')}/{len(status)} {'' if code in it['gold'] else 'WRONG ' + str(code)} {status}"
                )
                if verbose and status.count("stated") < len(status):
                    print("    Q: " + it["question"])
                    print("    A: " + a.text.replace("\n", " ⏎ ")[:700])
        total = [total[0] + len(items), total[1] + facts, total[2] + stated, total[3] + contradicted]
        print(
            f"| {path.name} | {len(items)} | {facts} | {stated} | {stated / max(facts, 1):.2f} | {contradicted} | {right}/{len(items)} | {neg_ok}/{neg_n} |"
        )
    print(f"| all | {total[0]} | {total[1]} | {total[2]} | {total[2] / max(total[1], 1):.2f} | {total[3]} | | |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", default="kb", type=Path)
    ap.add_argument("--out", default=ROOT / "build" / "bench" / "kb", type=Path)
    ap.add_argument("--questions", nargs="*", type=Path, default=[SHARED / "eval" / "zalo-dev.jsonl"])
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--keyfacts", nargs="*", type=Path, default=KEYFACT_SETS, help="key-fact question sets")
    ap.add_argument("--requests", type=int, default=200, help="HTTP requests for the latency run (0: none)")
    ap.add_argument("--verbose", action="store_true", help="key facts per question")
    args = ap.parse_args()

    if not args.reuse:
        from assistant.pipeline import build

        t0 = time.perf_counter()
        build(args.kb, args.out, embedder_spec="e5-small")
        print(f"- build: {time.perf_counter() - t0:.1f} s")
    # The assistant as the server and the CLI assemble it (assistant/runtime.py); its database a temporary file.
    workdir = tempfile.TemporaryDirectory()
    settings = Settings(embedder="e5-small", db_url=f"sqlite:///{workdir.name}/bench.db", rate_limit_per_minute=0)
    runtime = load_runtime(settings, args.out / "index")
    searcher, assistant = runtime.searcher, runtime.assistant
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
    print(
        f"# Ask benchmark: {', '.join(p.name for p in args.questions)} ({len(inside)} in scope, {len(outside)} out of scope)"
    )
    print()
    print("| measure | value | target |")
    print("| --- | --- | --- |")
    print(
        f"| in-scope answered with the right procedure first | {right / len(inside):.3f} ({right}/{len(inside)}) | ≥ 0.95 |"
    )
    print(f"| in-scope answered (any procedure) | {answered / len(inside):.3f} | |")
    if outside:
        print(f"| out-of-scope refused | {refused / len(outside):.3f} ({refused}/{len(outside)}) | ≥ 0.90 |")

    print("\nThreshold sweep (confidence of the top procedure):\n")
    print("| threshold | in-scope right & answered | out-of-scope refused |")
    print("| --- | --- | --- |")
    model = ConfidenceModel()
    tops = []
    for q in questions:
        hits = searcher.search(q["question"], k=1)
        conf = procedure_confidence(searcher, analyse(q["question"]), hits[0], model) if hits else 0.0
        tops.append((q, hits, conf))
    for th in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        ok = sum(1 for q, h, c in tops if q["gold"] and h and c >= th and h[0].code in q["gold"])
        ref = sum(1 for q, h, c in tops if not q["gold"] and (not h or c < th))
        print(f"| {th:.2f} | {ok / len(inside):.3f} | {ref / max(len(outside), 1):.3f} |")
    if wrong:
        print("\nMisses:")
        for row in wrong:
            print(f"- {row}")

    keyfacts_report(assistant, [p for p in args.keyfacts if p.exists()], verbose=args.verbose)
    if args.requests <= 0:
        return

    # Latency over real HTTP on loopback, one client, no LLM.
    import threading

    import uvicorn

    from assistant.api.app import create_app
    from assistant.api.state import AppState
    from tests.conftest import free_port

    with workdir:
        app = create_app(AppState.of(runtime, None, channels=[]))
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
        print(
            f"| /api/{route} | {statistics.median(values):.1f} | {p95:.1f} | {'≤ 250' if route == 'ask' else '≤ 150'} |"
        )


if __name__ == "__main__":
    main()
