"""The Zalo OA channel end to end: real servers on loopback (ours, and a fake Zalo speaking the real
send-API and OAuth shapes, tests/channels/fake_zalo.py), a real SQLite file, no patched functions. A test that
expects nothing to be sent first waits for the worker to finish with the input, then counts."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from assistant.answer.render import markdown_to_plain
from assistant.channels.zalo.events import EventKind, Inbound
from assistant.channels.zalo.store import ZaloStore
from assistant.channels.zalo.text import split_message
from assistant.store import Database
from tests.channels.fake_zalo import (
    APP_ID,
    APP_SECRET,
    OA_ID,
    OA_SECRET,
    FakeZalo,
    all_sent,
    hmac_sha256,
    inbox_count,
    new_user,
    now_ms,
    post,
    reference_mac,
    sends_except,
    sent_texts,
    sentinel,
    text_event,
    wait_handled,
    wait_until,
)
from tests.conftest import LiveServer, assert_vietnamese_error, free_port


# --- the happy path -------------------------------------------------------------------------------
def test_text_event_gets_exactly_one_reply(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server(public_url="https://sotay.angiang.example")
    user, msg_id = new_user(), "a6f3c2d19e8b7a65"
    response = post(server, text_event(user, "làm giấy khai sinh cho con cần gì", msg_id))
    assert response.status_code == 200, response.text

    store = ZaloStore(server.state.db)
    wait_handled(store, msg_id)
    assert store.event_status(msg_id) == "answered" and all_sent(store, msg_id)
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
        assert session is not None and session.channel == "zalo" and session.last_code == code


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
def test_missing_or_wrong_signature_is_401_and_nothing_is_sent(
    zalo_server: Callable[..., LiveServer], fake: FakeZalo
) -> None:
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
    # The signed event is the only one stored; once the worker is done with it, its reply is all that was sent.
    assert inbox_count(server) == 1
    wait_handled(ZaloStore(server.state.db), event["message"]["msg_id"])
    assert len(fake.sends) == 1 and fake.sends[0].body["recipient"]["user_id"] == event["sender"]["id"]


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
    assert inbox_count(server) == 0
    user = sentinel(server, fake)  # the worker has handled everything stored before this question
    assert sends_except(fake, user) == []


def test_old_or_future_timestamp_is_rejected(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server(zalo_max_event_age=300)
    user = new_user()
    assert_vietnamese_error(post(server, text_event(user, "xin chào", ts=now_ms() - 3600_000)), 401)
    assert_vietnamese_error(post(server, text_event(user, "xin chào", ts=now_ms() + 3600_000)), 401)
    fresh = text_event(user, "xin chào", ts=now_ms() - 60_000)
    assert post(server, fresh).status_code == 200  # within 300 s
    assert inbox_count(server) == 1
    wait_handled(ZaloStore(server.state.db), fresh["message"]["msg_id"])
    assert len(fake.sends) == 1


# --- duplicates and echoes ------------------------------------------------------------------------
def test_duplicate_msg_id_sequential_is_answered_once(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    event = text_event(new_user(), "xin chào")
    statuses = [post(server, event).json()["status"] for _ in range(3)]
    assert statuses == ["accepted", "duplicate", "duplicate"]
    store = ZaloStore(server.state.db)
    wait_handled(store, event["message"]["msg_id"])
    assert len(fake.sends) == 1
    assert post(server, event).json()["status"] == "duplicate"  # also after it was answered
    assert inbox_count(server) == 1
    user = sentinel(server, fake)
    assert len(sends_except(fake, user)) == 1


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
    assert inbox_count(server) == 1
    wait_handled(ZaloStore(server.state.db), event["message"]["mid"])
    assert len(fake.sends) == 1


def test_oa_echo_and_unfollow_are_ignored(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    user = new_user()
    echo = text_event(OA_ID, "Đăng ký khai sinh (mã 1.001193)", name="oa_send_text")
    echo["recipient"] = {"id": user}
    assert post(server, echo).json()["status"] == "ignored"
    unfollow = {
        "app_id": APP_ID,
        "oa_id": OA_ID,
        "user_id_by_app": "1",
        "event_name": "unfollow",
        "timestamp": str(now_ms()),
        "source": "oa_profile",
        "follower": {"id": user},
    }
    assert post(server, unfollow).json()["status"] == "ignored"
    assert inbox_count(server) == 0
    sentinel_user = sentinel(server, fake)
    assert sends_except(fake, sentinel_user) == []


# --- other events ---------------------------------------------------------------------------------
def test_follow_gets_a_welcome(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    user = new_user()
    follow = {
        "app_id": APP_ID,
        "oa_id": OA_ID,
        "user_id_by_app": "1",
        "event_name": "follow",
        "timestamp": str(now_ms()),
        "source": "oa_profile",
        "follower": {"id": user},
    }
    assert post(server, follow).status_code == 200
    assert post(server, follow).json()["status"] == "duplicate"  # Zalo's retry of the same follow
    wait_handled(ZaloStore(server.state.db), f"follow:{user}:{follow['timestamp']}")
    (welcome,) = sent_texts(fake, user)
    assert "trợ lý thủ tục hành chính tỉnh An Giang" in welcome and "gặp cán bộ" in welcome


def test_image_gets_please_type(zalo_server: Callable[..., LiveServer], fake: FakeZalo) -> None:
    server = zalo_server()
    user = new_user()
    image = text_event(user, "", name="user_send_image")
    image["message"] = {
        "msg_id": uuid.uuid4().hex,
        "attachments": [{"type": "image", "payload": {"url": "https://zalo.example/a.jpg"}}],
    }
    sticker = text_event(user, "", name="user_send_sticker")
    sticker["message"] = {"msg_id": uuid.uuid4().hex, "attachments": [{"type": "sticker", "payload": {"id": "9"}}]}
    assert post(server, image).status_code == 200
    assert post(server, sticker).status_code == 200
    wait_handled(ZaloStore(server.state.db), image["message"]["msg_id"], sticker["message"]["msg_id"])
    assert len(sent_texts(fake, user)) == 2
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
    wait_handled(store, msg_id)  # given up for good: a part still to be retried would be pending
    assert len(fake.sends) == 1
    (part,) = store.parts_of(msg_id)
    assert part.status == "failed" and part.attempts == 1
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
    wait_handled(ZaloStore(up.state.db), msg_id)
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
    wait_handled(store, msg_id)
    assert store.event_status(msg_id) == "answered"
    assert "1.001193" in sent_texts(fake, user)[0]


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
def test_channel_is_off_without_app_id_and_secret(
    make_server: Callable[..., LiveServer], caplog: pytest.LogCaptureFixture
) -> None:
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
