"""A Zalo handoff answered from /admin: the reply goes through the Zalo outbox to the fake Zalo API (real
HTTP, Zalo's wire format) exactly once, split at 2,000 characters; outside Zalo's reply window nothing is sent
and the staff member is told so."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text

from assistant.channels.zalo.store import ZaloStore
from assistant.channels.zalo.text import split_message
from tests.channels.conftest import fake, fast_worker  # noqa: F401  (the Zalo tests' fixtures)
from tests.channels.fake_zalo import (
    APP_ID,
    APP_SECRET,
    OA_SECRET,
    FakeZalo,
    idle,
    new_user,
    post,
    sent_texts,
    text_event,
    wait_until,
)
from tests.conftest import LiveServer
from tests.staff.conftest import csrf_in, sign_in


@pytest.fixture
def zalo_staff_server(staff_server: Callable[..., LiveServer], fake: FakeZalo) -> Callable[..., LiveServer]:  # noqa: F811
    def start(**overrides: object) -> LiveServer:
        return staff_server(
            None,
            zalo_app_id=APP_ID,
            zalo_oa_secret_key=OA_SECRET,
            zalo_app_secret=APP_SECRET,
            zalo_access_token="access-0",
            zalo_refresh_token="refresh-0",
            zalo_api_base=fake.url,
            zalo_oauth_base=fake.url,
            **overrides,
        )

    return start


def open_conversation(client: httpx.Client) -> tuple[str, str]:
    page = client.get("/admin")
    assert "Người dân qua Zalo" in page.text and "zalo:" not in page.text
    ref = re.search(r'/admin/conversations/([A-Za-z0-9_-]+)"', page.text)[1]
    return ref, csrf_in(client.get(f"/admin/conversations/{ref}").text)


def test_zalo_handoff_answered_from_admin_reaches_zalo_once(zalo_staff_server, fake: FakeZalo) -> None:  # noqa: F811
    server = zalo_staff_server()
    user = new_user()
    assert post(server, text_event(user, "gap can bo")).status_code == 200
    wait_until(lambda: sent_texts(fake, user), what="the handoff notice")
    before = len(fake.delivered())

    lan = sign_in(server, "lan")
    ref, token = open_conversation(lan)
    long_reply = "Chào anh/chị, hồ sơ đăng ký khai sinh gồm tờ khai và Giấy chứng sinh.\n\n" + ("Lưu ý thêm. " * 250)
    response = lan.post(f"/admin/conversations/{ref}/reply", data={"text": long_reply, "csrf": token})
    assert response.status_code == 303 and "note=queued_zalo" in response.headers["location"]

    expected = split_message("Cán bộ Nguyễn Thị Lan trả lời:\n\n" + long_reply.strip())
    assert len(expected) >= 2 and all(len(t) <= 2000 for t in expected)
    wait_until(lambda: len(fake.delivered()) >= before + len(expected), what="the staff reply's parts")
    texts = sent_texts(fake, user)[1:]
    assert texts == expected  # every part, in order, once
    for call in fake.delivered()[before:]:  # Zalo's wire format: recipient.user_id, message.text, access_token header
        assert call.body["recipient"] == {"user_id": user} and call.headers["access_token"] == "access-0"
    page = lan.get(f"/admin/conversations/{ref}").text
    assert "đã gửi qua Zalo" in page
    # closing tells the citizen on Zalo too; nothing is sent twice
    lan.post(f"/admin/conversations/{ref}/close", data={"csrf": token})
    wait_until(lambda: any("kết thúc cuộc trò chuyện" in t for t in sent_texts(fake, user)), what="the closing notice")
    wait_until(lambda: idle(ZaloStore(server.state.db)), what="the worker to have nothing left to send")
    assert len(sent_texts(fake, user)) == 1 + len(expected) + 1
    assert sum(1 for t in sent_texts(fake, user) if t.startswith("Cán bộ Nguyễn Thị Lan")) == 1


def test_reply_outside_zalos_window_is_not_sent_and_staff_are_told(zalo_staff_server, fake: FakeZalo) -> None:  # noqa: F811
    server = zalo_staff_server()
    user = new_user()
    assert post(server, text_event(user, "gap can bo")).status_code == 200
    wait_until(lambda: sent_texts(fake, user), what="the handoff notice")
    # the citizen's last message to the OA was 8 days ago (past the 7-day consultation window)
    with server.state.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE zalo_inbox SET event_time = event_time - :d WHERE user_id = :u"),
            {"d": 8 * 24 * 3600 * 1000, "u": user},
        )
    lan = sign_in(server, "lan")
    ref, token = open_conversation(lan)
    page = lan.get(f"/admin/conversations/{ref}").text
    assert "trả lời lúc này sẽ không gửi được" in page
    response = lan.post(
        f"/admin/conversations/{ref}/reply", data={"text": "Chào bạn", "csrf": token}, follow_redirects=True
    )
    assert "Không gửi được qua Zalo" in response.text and "không gửi được" in response.text
    api = lan.post(
        f"/api/admin/conversations/{ref}/reply", json={"text": "Chào bạn lần nữa"}, headers={"X-CSRF-Token": token}
    )
    assert api.status_code == 200 and api.json()["delivered"] is False and "7 ngày" in api.json()["note"]
    wait_until(lambda: idle(ZaloStore(server.state.db)), what="the worker to have nothing left to send")
    assert len(sent_texts(fake, user)) == 1
