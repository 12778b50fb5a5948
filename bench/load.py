"""Load benchmark: 1 vs 2 server processes on PostgreSQL (+ Redis for the shared rate limiter) with 64
concurrent clients asking and searching, a steady stream of signed Zalo events, and a liveness probe.

    bash scripts/services.sh                      # PostgreSQL and Redis on loopback
    .venv/bin/assistant build                     # the index, once (build/index)
    .venv/bin/python bench/load.py                # 1 and 2 processes, 64 clients, 30 s each
    .venv/bin/python bench/load.py --processes 2 --clients 64 --duration 60 --index build/index

Everything runs on this machine (loopback only): the servers (`assistant serve --workers N`), a fake Zalo
speaking Zalo's send API, and the clients, which share the same cores. Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.search import SHARED, load_questions  # noqa: E402
from tests.channels.test_zalo import APP_ID, APP_SECRET, OA_SECRET, FakeZalo, reference_mac  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.services import REDIS_URL, postgres_database  # noqa: E402


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def start_server(index: Path, workers: int, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "serve",
            "--index",
            str(index),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    ready = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited; see {log}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                ready += 1
                if ready >= 3 * workers:  # several answers in a row: every worker is up
                    return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


async def run_load(url: str, questions: list[str], clients: int, duration: float, zalo_rate: float) -> dict:
    stats: dict[str, list[float]] = defaultdict(list)
    codes: Counter[tuple[str, int]] = Counter()
    zalo_keys: list[str] = []
    stop_at = time.monotonic() + duration
    limits = httpx.Limits(max_connections=clients + 16, max_keepalive_connections=clients + 16)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def citizen(n: int) -> None:
            rng = random.Random(n)
            while time.monotonic() < stop_at:
                question = rng.choice(questions)
                started = time.perf_counter()
                if rng.random() < 0.6:
                    kind = "ask"
                    response = await http.post("/api/ask", json={"question": question, "session_id": f"bench-{n}"})
                else:
                    kind = "search"
                    response = await http.get("/api/search", params={"q": question, "k": 10})
                stats[kind].append(time.perf_counter() - started)
                codes[(kind, response.status_code)] += 1

        async def zalo() -> None:
            while time.monotonic() < stop_at:
                key, user = uuid.uuid4().hex, str(uuid.uuid4().int)[:19]
                event = {
                    "app_id": APP_ID,
                    "event_name": "user_send_text",
                    "timestamp": str(int(time.time() * 1000)),
                    "sender": {"id": user},
                    "recipient": {"id": "1"},
                    "message": {"msg_id": key, "text": random.choice(questions)},
                }
                body = json.dumps(event, ensure_ascii=False).encode()
                headers = {
                    "Content-Type": "application/json",
                    "X-ZEvent-Signature": "mac=" + reference_mac(body, event["timestamp"]),
                }
                started = time.perf_counter()
                response = await http.post("/webhooks/zalo", content=body, headers=headers)
                stats["zalo ack"].append(time.perf_counter() - started)
                codes[("zalo ack", response.status_code)] += 1
                zalo_keys.append(user)  # one event per citizen: their user id is the event's key here
                await asyncio.sleep(1 / zalo_rate)

        async def probe() -> None:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                response = await http.get("/healthz")
                stats["healthz"].append(time.perf_counter() - started)
                codes[("healthz", response.status_code)] += 1
                await asyncio.sleep(0.25)

        began = time.monotonic()
        await asyncio.gather(*(citizen(n) for n in range(clients)), zalo(), probe())
        elapsed = time.monotonic() - began
    return {"stats": stats, "codes": codes, "elapsed": elapsed, "zalo_keys": zalo_keys}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=ROOT / "build" / "index")
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--zalo-rate", type=float, default=4.0, help="Zalo events per second")
    ap.add_argument("--questions", type=Path, default=SHARED / "eval" / "zalo-dev.jsonl")
    args = ap.parse_args()
    questions = [q["question"] for q in load_questions([args.questions])]
    rows = []
    for workers in args.processes:
        fake = FakeZalo()
        fake.start()
        with postgres_database("assistant_bench") as db_url:
            env = {
                "ASSISTANT_DB_URL": db_url,
                "ASSISTANT_RATE_LIMIT_PER_MINUTE": "100000",
                "ASSISTANT_RATE_LIMIT_STORAGE": REDIS_URL,
                "ASSISTANT_ADMIN_TOKEN": "bench",
                "ASSISTANT_ZALO_APP_ID": APP_ID,
                "ASSISTANT_ZALO_OA_SECRET_KEY": OA_SECRET,
                "ASSISTANT_ZALO_APP_SECRET": APP_SECRET,
                "ASSISTANT_ZALO_ACCESS_TOKEN": "access-0",
                "ASSISTANT_ZALO_REFRESH_TOKEN": "refresh-0",
                "ASSISTANT_ZALO_API_BASE": fake.url,
                "ASSISTANT_ZALO_OAUTH_BASE": fake.url,
                "ASSISTANT_ZALO_POLL_INTERVAL": "0.5",
            }
            log = ROOT / "build" / f"bench-load-{workers}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            proc, url = start_server(args.index, workers, env, log)
            try:
                asyncio.run(run_load(url, questions, 4, 3, 1))  # warm-up
                result = asyncio.run(run_load(url, questions, args.clients, args.duration, args.zalo_rate))
                # Every Zalo event of the timed run answered (replies keep arriving after the load stops).
                keys = set(result["zalo_keys"])
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    users = keys & {c.body["recipient"]["user_id"] for c in fake.delivered()}
                    if len(users) >= len(keys):
                        break
                    time.sleep(0.5)
                users = keys & {c.body["recipient"]["user_id"] for c in fake.delivered()}
            finally:
                proc.terminate()
                proc.wait(30)
        fake.stop()
        stats, codes = result["stats"], result["codes"]
        answered = len(stats["ask"]) + len(stats["search"])
        five = sum(n for (kind, code), n in codes.items() if code >= 500)
        rows.append((workers, answered / result["elapsed"], five, dict(codes), stats, len(keys), len(users)))

    print(f"\n{args.clients} clients, {args.duration:.0f} s, PostgreSQL + Redis, index {args.index}\n")
    print(
        "| processes | requests/s (ask+search) | 5xx | ask p50 / p95 / p99 ms | search p50 / p95 / p99 ms | "
        "Zalo ack p50 / p95 / p99 ms | healthz p95 ms | Zalo events / answered |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")

    def cell(values: list[float]) -> str:
        return " / ".join(f"{pct(values, p) * 1000:.0f}" for p in (50, 95, 99))

    for workers, rps, five, _, stats, events, answered in rows:
        print(
            f"| {workers} | {rps:.1f} | {five} | {cell(stats['ask'])} | {cell(stats['search'])} | {cell(stats['zalo ack'])} | "
            f"{pct(stats['healthz'], 95) * 1000:.0f} | {events} / {answered} |"
        )
    for workers, _, _, codes, _, _, _ in rows:
        print(
            f"\nstatus codes, {workers} process(es): "
            + ", ".join(f"{k} {c}: {n}" for (k, c), n in sorted(codes.items()))
        )


if __name__ == "__main__":
    main()
