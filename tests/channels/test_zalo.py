"""The Zalo OA channel end to end: real servers on loopback (ours, and a fake Zalo speaking the real
send-API and OAuth shapes), a real SQLite file, no patched functions."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import text

from assistant.channels.zalo.events import EventKind, Inbound
from assistant.channels.zalo.store import ZaloStore
from assistant.answer.render import markdown_to_plain
from assistant.channels.zalo.text import split_message
from assistant.store import Database
from tests.conftest import LiveServer, assert_vietnamese_error, free_port

APP_ID = "4305620950713829472"
OA_SECRET = "oa-secret-key"
APP_SECRET = "app-secret"
OA_ID = "579745863508352884"


# --- a fake Zalo: the send API and the OAuth token endpoint ---------------------------------------
@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: dict
    at: float
    error: int | None = None  # the `error` code the fake answered with


class FakeZalo:
    """Tokens behave like Zalo's: an access token is valid until expired, a refresh token works once."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.valid_access = {"access-0"}
        self.refresh_tokens = {"refresh-0"}
        self.script: list[int] = []  # error codes for the next sends, before they succeed again
        self.delay = 0.0
        self._issued = 0
        self._lock = threading.Lock()
        app = FastAPI()

        @app.get("/ping")
        async def ping() -> dict:
            return {"ok": True}

        @app.post("/v3.0/oa/message/cs")
        async def send(request: Request) -> dict:
            body = await request.json()
            call = self._record(request, body)
            if self.delay:
                await asyncio.sleep(self.delay)
            if request.headers.get("access_token") not in self.valid_access:
                call.error = -216
                return {"error": -216, "message": "Access token is invalid"}
            with self._lock:
                call.error = self.script.pop(0) if self.script else 0
            if call.error:
                return {"error": call.error, "message": "scripted error"}
            return {"data": {"message_id": uuid.uuid4().hex, "user_id": body["recipient"]["user_id"]}, "error": 0, "message": "Success"}

        @app.post("/v4/oa/access_token")
        async def token(request: Request) -> dict:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            self._record(request, form)
            if request.headers.get("secret_key") != APP_SECRET:
                return {"error": -14001, "error_name": "Invalid secret key", "error_description": "secret_key is wrong"}
            if form.get("grant_type") != "refresh_token" or form.get("app_id") != APP_ID:
                return {"error": -14002, "error_name": "Invalid parameter", "error_description": "bad grant or app"}
            with self._lock:
                if form.get("refresh_token") not in self.refresh_tokens:
                    return {"error": -14014, "error_name": "Invalid refresh token", "error_description": "used or expired"}
                self.refresh_tokens.discard(form["refresh_token"])
                self._issued += 1
                access, refresh = f"access-{self._issued}", f"refresh-{self._issued}"
                self.valid_access.add(access)
                self.refresh_tokens.add(refresh)
            return {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def _record(self, request: Request, body: dict) -> Call:
        call = Call(request.url.path, dict(request.headers), body, time.monotonic())
        with self._lock:
            self.calls.append(call)
        return call

    @property
    def sends(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/v3.0/oa/message/cs"]

    @property
    def refreshes(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/v4/oa/access_token"]

    def delivered(self) -> list[Call]:
        """Sends the fake answered with success."""
        return [c for c in self.sends if c.error == 0]

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/ping", timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("fake Zalo did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


# --- helpers --------------------------------------------------------------------------------------
def now_ms() -> int:
    return int(time.time() * 1000)


def reference_mac(body: bytes, timestamp: str, app_id: str = APP_ID, secret: str = OA_SECRET) -> str:
    """Zalo's documented formula, written independently of the code under test."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


def hmac_sha256(body: bytes, timestamp: str) -> str:
    """What Zalo does NOT send: an HMAC keyed with the secret."""
    return hmac.new(OA_SECRET.encode(), APP_ID.encode() + body + timestamp.encode(), hashlib.sha256).hexdigest()


def text_event(user: str, message: str, msg_id: str | None = None, *, ts: int | None = None, name: str = "user_send_text") -> dict:
    return {
        "app_id": APP_ID,
        "user_id_by_app": "552177279717587730",
        "event_name": name,
        "timestamp": str(ts if ts is not None else now_ms()),
        "sender": {"id": user},
        "recipient": {"id": OA_ID},
        "message": {"msg_id": msg_id or uuid.uuid4().hex, "text": message},
    }


def post(server: LiveServer, payload: dict | bytes, *, signature: str | None = "auto") -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        ts = str(payload["timestamp"]) if isinstance(payload, dict) else ""
        signature = "mac=" + reference_mac(body, ts)
    if signature is not None:
        headers["X-ZEvent-Signature"] = signature
    return httpx.post(server.url + "/webhooks/zalo", content=body, headers=headers, timeout=10)


def wait_until(predicate: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def settle(seconds: float = 0.6) -> None:
    """Give the worker time to do something it should not do."""
    time.sleep(seconds)


def sent_texts(fake: FakeZalo, user: str) -> list[str]:
    return [c.body["message"]["text"] for c in fake.delivered() if c.body["recipient"]["user_id"] == user]


def new_user() -> str:
    return str(uuid.uuid4().int)[:19]


def all_sent(store: ZaloStore, msg_id: str) -> bool:
    parts = store.parts_of(msg_id)
    return bool(parts) and all(p.status == "sent" for p in parts)


def inbox_count(server: LiveServer) -> int:
    with server.state.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM zalo_inbox")).scalar() or 0)


# --- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def fast_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short back-off and polling so retries happen within the test's patience."""
    monkeypatch.setenv("ASSISTANT_ZALO_RETRY_DELAY", "0.1")
    monkeypatch.setenv("ASSISTANT_ZALO_RETRY_MAX_DELAY", "0.5")
    monkeypatch.setenv("ASSISTANT_ZALO_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("ASSISTANT_ZALO_POLL_INTERVAL", "0.2")


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    zalo = FakeZalo()
    zalo.start()
    yield zalo
    zalo.stop()


@pytest.fixture
def zalo_server(make_server: Callable[..., LiveServer], fake: FakeZalo) -> Callable[..., LiveServer]:
    def start(db_path: Path | None = None, **overrides: object) -> LiveServer:
        settings = {
            "zalo_app_id": APP_ID,
            "zalo_oa_secret_key": OA_SECRET,
            "zalo_app_secret": APP_SECRET,
            "zalo_access_token": "access-0",
            "zalo_refresh_token": "refresh-0",
            "zalo_api_base": fake.url,
            "zalo_oauth_base": fake.url,
            **overrides,
        }
        return make_server(db_path, **settings)

    return start


# --- the happy path -------------------------------------------------------------------------------
def test_text_event_gets_exactly_one_reply(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server(public_url="https://sotay.angiang.example")
    user, msg_id = new_user(), "a6f3c2d19e8b7a65"
    response = post(server, text_event(user, "làm giấy khai sinh cho con cần gì", msg_id))
    assert response.status_code == 200, response.text

    wait_until(lambda: fake.sends, what="a reply")
    settle()
    assert len(fake.sends) == 1
    call = fake.sends[0]
    assert call.headers["access_token"] == "access-0"
    assert "authorization" not in call.headers
    assert set(call.body) == {"recipient", "message"}
    assert call.body["recipient"] == {"user_id": user}
    reply = call.body["message"]["text"]
    assert "Đăng ký khai sinh" in reply and "1.001193" in reply
    assert "**" not in reply and "](" not in reply  # Markdown became plain text
    assert "https://sotay.angiang.example/ho-tich/#tt-1-001193" in reply  # site link made absolute
    assert len(reply) <= 2000

    store = ZaloStore(server.state.db)
    wait_until(lambda: all_sent(store, msg_id), what="status sent")
    assert store.event_status(msg_id) == "answered"
    # The question is recorded like any other, under the Zalo user's session.
    with server.state.db.engine.connect() as conn:
        row = conn.execute(text("SELECT channel, session_id FROM questions")).one()
    assert tuple(row) == ("zalo", f"zalo:{user}")


def test_each_zalo_user_has_their_own_conversation(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    alice, bob = new_user(), new_user()
    assert post(server, text_event(alice, "đăng ký tạm trú ở đâu")).status_code == 200
    assert post(server, text_event(bob, "làm giấy khai sinh cho con cần gì")).status_code == 200
    wait_until(lambda: sent_texts(fake, alice) and sent_texts(fake, bob), what="both answers")
    assert "1.004194" in sent_texts(fake, alice)[0] and "1.001193" in sent_texts(fake, bob)[0]
    # The assistant remembers each citizen's last procedure, for their follow-up questions.
    for user, code in ((alice, "1.004194"), (bob, "1.001193")):
        session = server.state.db.session(f"zalo:{user}")
        assert session is not None and session["channel"] == "zalo" and session["last_code"] == code


def test_long_answer_is_split_on_paragraphs(
    zalo_server: Callable[..., LiveServer], fake: FakeZalo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Composed answers stay under Zalo's 2,000 characters, so ask the worker for shorter messages to see
    # a real answer split on its way out; split_message's own test covers the 2,000 limit itself.
    monkeypatch.setenv("ASSISTANT_ZALO_MESSAGE_CHARS", "400")
    server = zalo_server()
    user, msg_id = new_user(), uuid.uuid4().hex
    assert post(server, text_event(user, "đăng ký khai sinh cần giấy tờ gì", msg_id)).status_code == 200
    store = ZaloStore(server.state.db)
    wait_until(lambda: all_sent(store, msg_id), what="all parts sent")

    parts = sent_texts(fake, user)
    assert len(parts) >= 3
    assert all(len(p) <= 400 for p in parts)
    assert parts == [p.text for p in store.parts_of(msg_id)]  # sent in order
    joined = "\n".join(parts)
    assert "Đăng ký khai sinh (mã 1.001193)" in joined and "Hồ sơ cần chuẩn bị:" in joined
    assert "**" not in joined and "](" not in joined  # rendered as plain text, not Markdown taken apart
    assert all(not p.startswith(("\n", " ")) for p in parts)


def test_split_message_keeps_paragraphs_under_2000() -> None:
    paragraphs = [f"Đoạn {i}: " + " ".join(["thủ tục hành chính"] * (20 + 15 * i)) for i in range(12)]
    parts = split_message("\n\n".join(paragraphs))
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts)
    # Paragraphs short enough to fit are never cut: each lies whole in one message.
    for para in paragraphs:
        if len(para) <= 2000:
            assert any(para in p for p in parts)
    huge = "x" * 4500
    assert [len(p) for p in split_message(huge)] == [2000, 2000, 500]


def test_markdown_to_plain_text() -> None:
    md = "**Lệ phí:** _chưa cập nhật_\n\nXem chi tiết: [Sổ tay Hộ tịch › Lệ phí](/ho-tich/#tt-1-001193-le-phi)\nNộp: [Cổng](https://dichvucong.gov.vn)"
    assert markdown_to_plain(md, "https://sotay.example/") == (
        "Lệ phí: chưa cập nhật\n\nXem chi tiết: Sổ tay Hộ tịch › Lệ phí: https://sotay.example/ho-tich/#tt-1-001193-le-phi\n"
        "Nộp: Cổng: https://dichvucong.gov.vn"
    )
    assert "Xem chi tiết: Sổ tay Hộ tịch › Lệ phí\n" in markdown_to_plain(md)  # no public URL: no useless relative link


# --- signatures, replays, bad input ---------------------------------------------------------------
def test_missing_or_wrong_signature_is_401_and_nothing_is_sent(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    event = text_event(new_user(), "xin chào")
    body = json.dumps(event).encode()
    ts = event["timestamp"]
    tampered = json.dumps({**event, "message": {**event["message"], "text": "khác"}}).encode()
    for signature in (
        None,
        "",
        "mac=" + "0" * 64,
        "mac=" + reference_mac(body, ts, secret="another-secret"),
        "mac=" + reference_mac(body, ts, app_id="1111111111111111111"),
        "mac=" + hmac_sha256(body, ts),  # an HMAC is not what Zalo sends
    ):
        assert_vietnamese_error(post(server, body, signature=signature), 401)
    assert_vietnamese_error(post(server, tampered, signature="mac=" + reference_mac(body, ts)), 401)
    assert post(server, body, signature="mac=" + reference_mac(body, ts)).status_code == 200  # the same body, signed
    wait_until(lambda: fake.sends, what="the signed event's reply")
    settle()
    assert len(fake.sends) == 1 and inbox_count(server) == 1


def test_bad_json_or_shape_is_400_but_only_when_signed(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    broken = b'{"event_name": "user_send_text", "timestamp": "1718000100000", '
    assert_vietnamese_error(post(server, broken, signature=None), 401)
    assert_vietnamese_error(post(server, broken, signature="mac=" + reference_mac(broken, "1718000100000")), 400)
    not_object = b'["user_send_text"]'
    assert_vietnamese_error(post(server, not_object, signature="mac=" + reference_mac(not_object, "")), 400)

    no_sender = text_event(new_user(), "xin chào")
    del no_sender["sender"]
    assert_vietnamese_error(post(server, no_sender), 400)
    no_name = text_event(new_user(), "xin chào")
    del no_name["event_name"]
    assert_vietnamese_error(post(server, no_name), 400)
    bad_time = text_event(new_user(), "xin chào")
    bad_time["timestamp"] = "hôm qua"
    assert_vietnamese_error(post(server, bad_time), 400)
    settle(0.3)
    assert inbox_count(server) == 0 and fake.sends == []


def test_old_or_future_timestamp_is_rejected(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server(zalo_max_event_age=300)
    user = new_user()
    assert_vietnamese_error(post(server, text_event(user, "xin chào", ts=now_ms() - 3600_000)), 401)
    assert_vietnamese_error(post(server, text_event(user, "xin chào", ts=now_ms() + 3600_000)), 401)
    assert post(server, text_event(user, "xin chào", ts=now_ms() - 60_000)).status_code == 200  # within 300 s
    wait_until(lambda: fake.sends, what="the fresh event's reply")
    settle(0.3)
    assert len(fake.sends) == 1 and inbox_count(server) == 1


# --- duplicates and echoes ------------------------------------------------------------------------
def test_duplicate_msg_id_sequential_is_answered_once(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    event = text_event(new_user(), "xin chào")
    statuses = [post(server, event).json()["status"] for _ in range(3)]
    assert statuses == ["accepted", "duplicate", "duplicate"]
    wait_until(lambda: fake.sends, what="a reply")
    settle()
    assert post(server, event).json()["status"] == "duplicate"  # also after it was answered
    settle(0.3)
    assert len(fake.sends) == 1


def test_duplicate_msg_id_concurrent_is_answered_once(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    event = text_event(new_user(), "xin chào")
    event["message"] = {"mid": event["message"]["msg_id"], "text": event["message"]["text"]}  # the `mid` spelling
    barrier = threading.Barrier(5)
    results: list[httpx.Response] = []

    def send() -> None:
        barrier.wait()
        results.append(post(server, event))

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200] * 5
    assert sorted(r.json()["status"] for r in results) == ["accepted"] + ["duplicate"] * 4
    wait_until(lambda: fake.sends, what="a reply")
    settle()
    assert len(fake.sends) == 1 and inbox_count(server) == 1


def test_oa_echo_and_unfollow_are_ignored(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    user = new_user()
    echo = text_event(OA_ID, "Đăng ký khai sinh (mã 1.001193)", name="oa_send_text")
    echo["recipient"] = {"id": user}
    assert post(server, echo).json()["status"] == "ignored"
    unfollow = {"app_id": APP_ID, "oa_id": OA_ID, "user_id_by_app": "1", "event_name": "unfollow",
                "timestamp": str(now_ms()), "source": "oa_profile", "follower": {"id": user}}
    assert post(server, unfollow).json()["status"] == "ignored"
    settle()
    assert fake.sends == [] and inbox_count(server) == 0


# --- other events ---------------------------------------------------------------------------------
def test_follow_gets_a_welcome(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    user = new_user()
    follow = {"app_id": APP_ID, "oa_id": OA_ID, "user_id_by_app": "1", "event_name": "follow",
              "timestamp": str(now_ms()), "source": "oa_profile", "follower": {"id": user}}
    assert post(server, follow).status_code == 200
    assert post(server, follow).json()["status"] == "duplicate"  # Zalo's retry of the same follow
    wait_until(lambda: sent_texts(fake, user), what="the welcome")
    settle(0.3)
    (welcome,) = sent_texts(fake, user)
    assert "trợ lý thủ tục hành chính tỉnh An Giang" in welcome and "gặp cán bộ" in welcome


def test_image_gets_please_type(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    user = new_user()
    image = text_event(user, "", name="user_send_image")
    image["message"] = {"msg_id": uuid.uuid4().hex, "attachments": [{"type": "image", "payload": {"url": "https://zalo.example/a.jpg"}}]}
    sticker = text_event(user, "", name="user_send_sticker")
    sticker["message"] = {"msg_id": uuid.uuid4().hex, "attachments": [{"type": "sticker", "payload": {"id": "9"}}]}
    assert post(server, image).status_code == 200
    assert post(server, sticker).status_code == 200
    wait_until(lambda: len(sent_texts(fake, user)) == 2, what="two replies")
    assert all("gõ câu hỏi" in t for t in sent_texts(fake, user))
    with server.state.db.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM questions")).scalar() == 0  # nothing was asked


# --- delivery: tokens, rate limits, permanent errors ----------------------------------------------
def test_expired_token_is_refreshed_persisted_and_the_message_resent(
    zalo_server: Callable[..., LiveServer], fake: FakeZalo, tmp_path: Path
) -> None:
    fake.valid_access.clear()  # access-0 has expired
    db_path = tmp_path / "tokens.db"
    server = zalo_server(db_path)
    user = new_user()
    assert post(server, text_event(user, "xin chào")).status_code == 200
    wait_until(lambda: sent_texts(fake, user), what="the resent reply")

    first, refresh, resend = fake.calls[:3]
    assert first.path == "/v3.0/oa/message/cs" and first.headers["access_token"] == "access-0" and first.error == -216
    assert refresh.path == "/v4/oa/access_token"
    assert refresh.headers["secret_key"] == APP_SECRET
    assert refresh.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert refresh.body == {"refresh_token": "refresh-0", "app_id": APP_ID, "grant_type": "refresh_token"}
    assert resend.path == "/v3.0/oa/message/cs" and resend.headers["access_token"] == "access-1" and resend.error == 0
    assert resend.body == first.body
    tokens = ZaloStore(server.state.db).load_tokens()
    assert tokens is not None and (tokens.access_token, tokens.refresh_token) == ("access-1", "refresh-1")
    assert tokens.expires_at and tokens.expires_at > now_ms() + 24 * 3600_000

    # A restart with the same environment: the database's tokens win over the seed.
    server.stop()
    again = zalo_server(db_path)
    assert post(again, text_event(user, "chào bạn")).status_code == 200
    wait_until(lambda: len(sent_texts(fake, user)) == 2, what="the second reply")
    assert fake.sends[-1].headers["access_token"] == "access-1"
    assert len(fake.refreshes) == 1


def test_rate_limit_backs_off_then_succeeds(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    fake.script = [-32, -32]
    server = zalo_server()
    user, msg_id = new_user(), uuid.uuid4().hex
    assert post(server, text_event(user, "xin chào", msg_id)).status_code == 200
    store = ZaloStore(server.state.db)
    wait_until(lambda: all_sent(store, msg_id), what="the reply sent")
    sends = fake.sends
    assert [c.error for c in sends] == [-32, -32, 0] and sends[0].body == sends[2].body
    assert sends[1].at - sends[0].at >= 0.09  # back-off 0.1 s, then 0.2 s
    assert sends[2].at - sends[1].at >= 0.19
    (part,) = store.parts_of(msg_id)
    assert part.attempts == 3 and part.last_error is None


def test_permanent_error_is_recorded_and_not_retried(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    fake.script = [-230]  # the citizen has not written in the last 7 days
    server = zalo_server()
    msg_id = uuid.uuid4().hex
    assert post(server, text_event(new_user(), "xin chào", msg_id)).status_code == 200
    store = ZaloStore(server.state.db)
    wait_until(lambda: store.parts_of(msg_id) and store.parts_of(msg_id)[0].status == "failed", what="failed status")
    settle()
    assert len(fake.sends) == 1
    (part,) = store.parts_of(msg_id)
    assert part.error_code == -230 and "-230" in (part.last_error or "")


# --- durability and speed -------------------------------------------------------------------------
def test_pending_reply_is_sent_after_a_restart(
    zalo_server: Callable[..., LiveServer], fake: FakeZalo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_ZALO_MAX_ATTEMPTS", "1000")
    db_path = tmp_path / "restart.db"
    down = zalo_server(db_path, zalo_api_base=f"http://127.0.0.1:{free_port()}")  # Zalo unreachable
    user, msg_id = new_user(), uuid.uuid4().hex
    assert post(down, text_event(user, "xin chào", msg_id)).status_code == 200
    store = ZaloStore(down.state.db)
    wait_until(lambda: store.parts_of(msg_id) and store.parts_of(msg_id)[0].attempts >= 1, what="a failed attempt")
    down.stop()
    (part,) = store.parts_of(msg_id)
    assert part.status == "pending" and "network" in (part.last_error or "")

    up = zalo_server(db_path)
    wait_until(lambda: sent_texts(fake, user), what="the reply after restart")
    settle()
    assert len(sent_texts(fake, user)) == 1
    assert ZaloStore(up.state.db).parts_of(msg_id)[0].status == "sent"


def test_stored_but_unanswered_event_is_answered_after_a_restart(
    zalo_server: Callable[..., LiveServer], fake: FakeZalo, tmp_path: Path
) -> None:
    # The state a crash right after the webhook's 200 leaves behind: the event in the inbox, nothing else.
    db_path = tmp_path / "crash.db"
    user, msg_id = new_user(), uuid.uuid4().hex
    store = ZaloStore(Database(f"sqlite:///{db_path}"))
    assert store.add_event(Inbound(msg_id, EventKind.question, "user_send_text", user, "đăng ký khai sinh", now_ms()))

    zalo_server(db_path)
    wait_until(lambda: sent_texts(fake, user), what="the reply")
    assert "1.001193" in sent_texts(fake, user)[0]
    assert store.event_status(msg_id) == "answered"


def test_webhook_acknowledges_fast_while_zalo_is_slow(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    fake.delay = 3.0  # each send takes 3 s: longer than Zalo's 2-second limit for our 200
    server = zalo_server()
    post(server, text_event(new_user(), "xin chào"))  # warm-up: the first request of a server pays imports
    asked = {new_user(): ("đăng ký khai sinh cần gì", "1.001193"), new_user(): ("đăng ký tạm trú ở đâu", "1.004194")}
    msg_ids = []
    for user, (question, _) in asked.items():
        msg_ids.append(uuid.uuid4().hex)
        started = time.monotonic()
        response = post(server, text_event(user, question, msg_ids[-1]))
        assert response.status_code == 200
        assert time.monotonic() - started < 1.0
    store = ZaloStore(server.state.db)
    wait_until(lambda: all(all_sent(store, m) for m in msg_ids), timeout=20, what="the slow replies")
    for user, (_, code) in asked.items():
        assert code in sent_texts(fake, user)[0]


# --- the way out to a human -----------------------------------------------------------------------
def test_handoff_reaches_the_citizen_and_the_staff_view(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    user = new_user()
    assert post(server, text_event(user, "gap can bo")).status_code == 200
    wait_until(lambda: sent_texts(fake, user), what="the handoff reply")
    (reply,) = sent_texts(fake, user)
    assert "chuyển cuộc trò chuyện của bạn tới cán bộ" in reply
    assert not re.search(r"\d{6,}", reply)  # no invented phone numbers

    assert_vietnamese_error(httpx.get(server.url + "/api/admin/handoffs"), 401)
    listed = httpx.get(server.url + "/api/admin/handoffs", headers={"Authorization": "Bearer staff-secret"}).json()
    (conversation,) = [c for c in listed["conversations"] if c["session_id"] == f"zalo:{user}"]
    assert conversation["channel"] == "zalo" and conversation["last_question"] == "gap can bo"


# --- configuration --------------------------------------------------------------------------------
def test_channel_is_off_without_app_id_and_secret(make_server: Callable[..., LiveServer], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="assistant.zalo")
    server = make_server(zalo_oa_secret_key=OA_SECRET)  # secret alone is not enough
    assert_vietnamese_error(httpx.post(server.url + "/webhooks/zalo", json=text_event("1", "xin chào")), 404)
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.zalo"]
    assert len(lines) == 1
    assert "ASSISTANT_ZALO_APP_ID" in lines[0] and "ASSISTANT_ZALO_OA_SECRET_KEY" in lines[0]


def test_domain_verification_file(make_server: Callable[..., LiveServer], tmp_path: Path) -> None:
    server = make_server(zalo_verifier_code="Ij6Y8RV3Cn9Yk_5")
    page = httpx.get(server.url + "/zalo_verifierIj6Y8RV3Cn9Yk_5.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<meta name="zalo-platform-site-verification" content="Ij6Y8RV3Cn9Yk_5" />' in page.text
    assert httpx.get(server.url + "/zalo_verifierWRONG.html").status_code == 404
    plain = make_server(tmp_path / "other.db")
    assert httpx.get(plain.url + "/zalo_verifierIj6Y8RV3Cn9Yk_5.html").status_code == 404
