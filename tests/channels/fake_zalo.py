"""A fake Zalo for the channel tests: a real server on loopback speaking the send API and the OAuth token
endpoint as Zalo does, and the helpers the tests post events and wait with."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

import httpx
import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import text

from assistant.channels.zalo.store import ZaloStore
from tests.conftest import LiveServer, free_port

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
            return {
                "data": {"message_id": uuid.uuid4().hex, "user_id": body["recipient"]["user_id"]},
                "error": 0,
                "message": "Success",
            }

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
                    return {
                        "error": -14014,
                        "error_name": "Invalid refresh token",
                        "error_description": "used or expired",
                    }
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


def text_event(
    user: str, message: str, msg_id: str | None = None, *, ts: int | None = None, name: str = "user_send_text"
) -> dict:
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


def sent_texts(fake: FakeZalo, user: str) -> list[str]:
    return [c.body["message"]["text"] for c in fake.delivered() if c.body["recipient"]["user_id"] == user]


def new_user() -> str:
    return str(uuid.uuid4().int)[:19]


def all_sent(store: ZaloStore, msg_id: str) -> bool:
    parts = store.parts_of(msg_id)
    return bool(parts) and all(p.status == "sent" for p in parts)


def handled(store: ZaloStore, key: str) -> bool:
    """The worker is done with this event: its reply composed (or none needed) and every part of the reply
    delivered or given up for good. Nothing about it can be sent after that."""
    return store.event_status(key) in ("answered", "skipped") and all(
        p.status != "pending" for p in store.parts_of(key)
    )


def wait_handled(store: ZaloStore, *keys: str, timeout: float = 15.0) -> None:
    wait_until(lambda: all(handled(store, k) for k in keys), timeout, what=f"the worker to finish {', '.join(keys)}")


def idle(store: ZaloStore) -> bool:
    """No event waits for its reply and no part (of an answer or of a staff reply) waits to be sent: the
    workers have nothing left to do, so nothing more can reach Zalo."""
    with store.db.engine.connect() as conn:
        events = conn.execute(text("SELECT COUNT(*) FROM zalo_inbox WHERE status = 'pending'")).scalar()
        parts = conn.execute(text("SELECT COUNT(*) FROM zalo_outbox WHERE status = 'pending'")).scalar()
    return events == 0 and parts == 0


def sentinel(server: LiveServer, fake: FakeZalo) -> str:
    """Post a question from a new citizen and wait until its reply is delivered. The worker takes events
    oldest first and sends parts in that order, so anything stored before it has been handled by then;
    returns the sentinel's user id, whose reply the caller leaves out of its count."""
    user, key = new_user(), uuid.uuid4().hex
    assert post(server, text_event(user, "xin chào", key)).json()["status"] == "accepted"
    wait_handled(ZaloStore(server.state.db), key)
    assert sent_texts(fake, user), "the sentinel's reply was not delivered"
    return user


def sends_except(fake: FakeZalo, user: str) -> list[Call]:
    return [c for c in fake.sends if c.body["recipient"]["user_id"] != user]


def inbox_count(server: LiveServer) -> int:
    with server.state.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM zalo_inbox")).scalar() or 0)
