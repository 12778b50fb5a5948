"""The queue of unanswered questions as staff read it: topics with counts and their nearest procedures, off-topic
questions apart, local times, Vietnamese, no horizontal scrolling needed at 360 px (checked in the browser test)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from assistant.api.staff_deps import local_time, waited
from tests.conftest import LiveServer
from tests.staff.conftest import sign_in


def test_groups_counts_nearest_procedures_and_off_topic_apart(staff_server_e5: Callable[..., LiveServer]) -> None:
    server = staff_server_e5()
    for q in [
        "xin giấy phép nuôi chim yến",
        "xin giay phep nuoi chim yen",
        "giấy phép nuôi chim yến ở đâu",
        "giá vàng hôm nay bao nhiêu",
        "gia vang hom nay bao nhieu",
        "thời tiết An Giang ngày mai",
    ]:
        assert httpx.post(server.url + "/api/ask", json={"question": q}, timeout=60).status_code == 200
    page = sign_in(server, "lan").get("/admin/questions").text
    main, off = page.split("Câu hỏi ngoài phạm vi thủ tục hành chính")
    assert "chim yến" in main and "3 lần hỏi" in main
    assert "Thủ tục gần nhất" in main and "đề xuất bổ sung" in main
    assert "giá vàng" not in main.lower() and "thời tiết" not in main.lower()
    assert "giá vàng hôm nay bao nhiêu" in off and "2 lần hỏi" in off and "thời tiết An Giang ngày mai" in off


def test_times_read_as_in_the_province() -> None:
    now = datetime(2026, 12, 20, 7, 30, tzinfo=UTC)
    assert waited("2026-12-20T07:18:00+00:00", now) == "chờ 12 phút"
    assert waited("2026-12-20T05:25:00+00:00", now) == "chờ 2 giờ 5 phút"
    assert waited("2026-12-17T07:30:00+00:00", now) == "chờ 3 ngày"
    assert local_time("2026-01-02T07:05:00+00:00") == "14:05 02/01/2026"  # UTC+7
