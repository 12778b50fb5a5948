"""The Zalo channel at province scale: several servers on one PostgreSQL database, crashes, floods and
inputs it cannot read. Real servers on loopback, the fake Zalo of test_zalo.py speaking Zalo's wire format."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from assistant.channels.zalo.store import ZaloStore
from assistant.store import Database
from tests.channels.fake_zalo import (
    APP_ID,
    APP_SECRET,
    OA_SECRET,
    FakeZalo,
    all_sent,
    idle,
    new_user,
    post,
    reference_mac,
    sent_texts,
    text_event,
    wait_until,
)
from tests.conftest import ROOT, LiveServer, assert_vietnamese_error, free_port, index_embedder


def image_event(user: str) -> dict:
    event = text_event(user, "", name="user_send_image")
    event["message"] = {
        "msg_id": uuid.uuid4().hex,
        "attachments": [{"type": "image", "payload": {"url": "https://z.example/a.jpg"}}],
    }
    return event


def test_questions_without_letters_or_digits_get_a_helpful_reply(
    zalo_server: Callable[..., LiveServer], fake: FakeZalo
) -> None:
    server = zalo_server()
    users = {new_user(): q for q in ("?", "...", "🙂🙂", "???!!!")}
    for user, question in users.items():
        assert post(server, text_event(user, question)).status_code == 200
    store = ZaloStore(server.state.db)
    wait_until(lambda: idle(store), what="the worker to finish every event")
    for user in users:
        (reply,) = sent_texts(fake, user)
        assert "chữ hoặc số" in reply and "sự cố" not in reply
    with server.state.db.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT COUNT(*) FROM zalo_inbox WHERE status = 'answered' AND attempts = 1")).scalar()
            == 4
        )


def test_deeply_nested_bodies_are_refused_before_parsing(
    zalo_server: Callable[..., LiveServer], fake: FakeZalo
) -> None:
    server = zalo_server()
    for body in (b"[" * 30_000 + b"]" * 30_000, b'{"a":' * 6_000 + b"1" + b"}" * 6_000, b"[" * 60_000):
        assert_vietnamese_error(post(server, body, signature=None), 400)
        assert_vietnamese_error(post(server, body, signature="mac=" + "0" * 64), 400)
    # A deep body inside a string is just text, and an honest event still goes through.
    event = text_event(new_user(), "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ xin chào")
    assert post(server, event).status_code == 200
    assert_vietnamese_error(post(server, b'{"x": ' + b'"' + b"a" * 70_000 + b'"}', signature=None), 413)


def test_a_flooding_zalo_user_is_limited_alone(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server(rate_limit_per_minute=3)
    flooder, other = new_user(), new_user()
    statuses = [post(server, text_event(flooder, "xin chào")).json()["status"] for _ in range(5)]
    assert statuses == ["accepted"] * 3 + ["rate_limited"] * 2  # Zalo still gets its 200
    assert post(server, text_event(other, "xin chào")).json()["status"] == "accepted"
    store = ZaloStore(server.state.db)
    wait_until(lambda: idle(store), what="the worker to finish every event")
    assert len(sent_texts(fake, flooder)) == 3 and len(sent_texts(fake, other)) == 1


def test_two_servers_on_one_postgres_answer_each_event_once_in_order(
    pg_url: str, zalo_server: Callable[..., LiveServer], fake: FakeZalo
) -> None:
    servers = [zalo_server(pg_url), zalo_server(pg_url)]
    users = [new_user() for _ in range(6)]
    # Each citizen writes three messages whose replies differ, alternately to either server.
    script = [("text", "xin chào"), ("image", ""), ("text", "gap can bo")]
    sent: list[str] = []
    for step, (kind, message) in enumerate(script):
        for i, user in enumerate(users):
            event = image_event(user) if kind == "image" else text_event(user, message)
            event["timestamp"] = str(int(event["timestamp"]) + step)  # the order the citizen wrote them
            response = post(servers[(i + step) % 2], event)
            assert response.json()["status"] == "accepted"
            sent.append(event["message"]["msg_id"])
    store = ZaloStore(servers[0].state.db)
    # Every reply sent, and nothing left pending on either server: no later send can change the counts.
    wait_until(lambda: all(all_sent(store, m) for m in sent) and idle(store), timeout=60, what="every reply")
    for user in users:
        replies = sent_texts(fake, user)
        assert len(replies) == 3, replies
        assert "xin chào" in replies[0].lower()
        assert "gõ câu hỏi" in replies[1]
        assert "cán bộ" in replies[2]
    with servers[0].state.db.engine.connect() as conn:
        owners = conn.execute(text("SELECT COUNT(*) FROM zalo_inbox WHERE status = 'answered'")).scalar()
    assert owners == len(sent)


# --- crashes ---------------------------------------------------------------------------------------
class ServerProcess:
    """`assistant serve` in its own process, so it can be killed like a real one."""

    def __init__(self, index: Path, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assistant.cli",
                "serve",
                "--index",
                str(index),
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env={**os.environ, "ASSISTANT_EMBEDDER": index_embedder(index.parent), **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("server did not start")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            self.proc.wait(30)
        self.log.close()


@pytest.fixture
def processes() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for p in started:
        p.kill()


def test_killed_server_loses_nothing_and_repeats_at_most_one_message_per_crash(
    pg_url: str, built: Path, fake: FakeZalo, tmp_path: Path, processes: list[ServerProcess]
) -> None:
    fake.delay = 0.15  # each send is in flight for a while: kills land mid-send
    env = {
        "ASSISTANT_DB_URL": pg_url,
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
        "ASSISTANT_ADMIN_TOKEN": "x",
        "ASSISTANT_ZALO_APP_ID": APP_ID,
        "ASSISTANT_ZALO_OA_SECRET_KEY": OA_SECRET,
        "ASSISTANT_ZALO_APP_SECRET": APP_SECRET,
        "ASSISTANT_ZALO_ACCESS_TOKEN": "access-0",
        "ASSISTANT_ZALO_REFRESH_TOKEN": "refresh-0",
        "ASSISTANT_ZALO_API_BASE": fake.url,
        "ASSISTANT_ZALO_OAUTH_BASE": fake.url,
        "ASSISTANT_ZALO_LEASE_SECONDS": "1.5",
        "ASSISTANT_ZALO_POLL_INTERVAL": "0.2",
        "ASSISTANT_ZALO_RETRY_DELAY": "0.1",
        "ASSISTANT_ZALO_RETRY_MAX_DELAY": "0.5",
    }

    def start() -> ServerProcess:
        processes.append(ServerProcess(built / "index", env, tmp_path / "server.log"))
        return processes[-1]

    server = start()
    users = [new_user() for _ in range(24)]
    events = []
    for i, user in enumerate(users):
        event = text_event(user, "đăng ký khai tử cần gì") if i % 6 == 0 else image_event(user)
        events.append(event)
        body = json.dumps(event).encode()
        response = httpx.post(
            server.url + "/webhooks/zalo",
            content=body,
            timeout=10,
            headers={
                "Content-Type": "application/json",
                "X-ZEvent-Signature": "mac=" + reference_mac(body, event["timestamp"]),
            },
        )
        assert response.json()["status"] == "accepted"

    crashes = 0
    for target in (5, 12):  # kill twice, mid-delivery
        wait_until(lambda n=target: len(fake.delivered()) >= n, timeout=60, what=f"{target} deliveries")
        server.kill()
        crashes += 1
        server = start()

    store = ZaloStore(Database(pg_url))
    keys = [e["message"]["msg_id"] for e in events]
    # Every reply sent and nothing pending: a part repeated after a crash is resent before it is marked sent.
    wait_until(
        lambda: all(all_sent(store, k) for k in keys) and idle(store), timeout=90, what="every reply after the crashes"
    )
    expected = {e["sender"]["id"]: len(store.parts_of(e["message"]["msg_id"])) for e in events}
    delivered = Counter(c.body["recipient"]["user_id"] for c in fake.delivered())
    missing = {u: n for u, n in expected.items() if delivered[u] < n}
    extra = {u: delivered[u] - n for u, n in expected.items() if delivered[u] > n}
    assert missing == {}, missing  # none lost
    assert sum(extra.values()) <= crashes, (extra, crashes)  # at most one repeat per crash
    assert all(store.event_status(k) == "answered" for k in keys)
