"""In a real browser (Debian's chromium): a citizen asks for a person in the web chat, a staff member signs in
at /admin on a phone-sized screen, answers, and the reply appears in the citizen's chat panel; a reply sent
after the citizen left shows on their next visit; closing hands the citizen back to the assistant."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import LiveServer
from tests.staff.conftest import PASSWORDS
from tests.web.test_chat import ask, browser, new_page, open_panel  # noqa: F401  (fixtures)

POLL = "window.agChatPollMs = 250;"


def no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide at {page.viewport_size['width']}px"


def staff_signs_in(page, server: LiveServer, user: str = "lan") -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/admin")
    assert "/admin/login" in page.url
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(PASSWORDS[user])
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Người dân cần gặp cán bộ").wait_for()


def staff_replies(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Trả lời người dân").fill(text)
    page.get_by_role("button", name="Gửi trả lời").click()
    page.get_by_text("Đã gửi. Người dân thấy câu trả lời").wait_for()


def test_staff_reply_reaches_the_web_chat(staff_server: Callable[..., LiveServer], new_page) -> None:  # noqa: F811
    server = staff_server()
    citizen = new_page(width=390, height=800)
    citizen.context.add_init_script(POLL)
    citizen.goto(server.url + "/ho-tich/")
    open_panel(citizen)
    first = ask(citizen, "làm giấy khai sinh cho con cần giấy tờ gì", 1)
    assert "Giấy chứng sinh" in first.inner_text()
    handed = ask(citizen, "gặp cán bộ", 2)
    assert "chuyển cuộc trò chuyện của bạn tới cán bộ" in handed.inner_text()

    staff = new_page(width=360, height=740)
    staff_signs_in(staff, server)
    no_horizontal_scroll(staff)
    card = staff.locator("article.card").filter(has_text="Người dân trên trang web")
    assert "chờ" in card.inner_text() and "Trang web" in card.inner_text()
    session = citizen.evaluate("sessionStorage.getItem('ag-chat-session')")
    assert session and session not in staff.content()  # no raw session ids
    card.get_by_role("link").click()
    # the conversation as the citizen had it: their questions and the assistant's answers
    staff.get_by_text("làm giấy khai sinh cho con cần giấy tờ gì").first.wait_for()
    assert staff.locator(".msg.assistant").count() == 2
    no_horizontal_scroll(staff)
    staff_replies(staff, "Chào bạn, tôi là cán bộ Trung tâm. Bạn cần hỏi thêm gì về khai sinh?")

    reply = citizen.locator(".ag-chat-msg--staff").filter(has_text="tôi là cán bộ Trung tâm")
    reply.wait_for()
    assert "Cán bộ Nguyễn Thị Lan trả lời" in reply.inner_text()

    # the citizen leaves; a reply sent meanwhile is there on their next visit from the same browser
    context = citizen.context
    citizen.close()
    staff_replies(staff, "Bạn nhớ mang Giấy chứng sinh bản chính nhé.")
    back = context.new_page()
    back.goto(server.url + "/")
    fab = back.get_by_role("button", name="Cán bộ đã trả lời")
    fab.wait_for()
    fab.click()
    back.locator(".ag-chat-msg--staff").filter(has_text="Giấy chứng sinh bản chính").wait_for()

    # closing: the citizen is told, and is back with the assistant alone
    staff.get_by_role("button", name="Đóng cuộc trò chuyện").click()
    staff.get_by_text("Đã đóng cuộc trò chuyện").wait_for()
    back.locator(".ag-chat-msg--system").filter(has_text="trợ lý tự động tiếp tục trả lời").wait_for()
    back.wait_for_function("() => localStorage.getItem('ag-chat-handoff') === null")
    staff.goto(server.url + "/admin")
    assert "Hiện không có ai chờ cán bộ" in staff.content()
