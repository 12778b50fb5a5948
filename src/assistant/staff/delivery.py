"""Getting a staff member's reply to the citizen, on the channel the citizen used.

- Web chat: the reply is stored; the chat panel polls `/api/chat/messages` and shows it (now, or on the
  citizen's next visit from the same browser).
- Zalo: the reply goes into the Zalo outbox (split into parts of at most 2,000 characters, sent in order with
  the worker's retries and back-off), but only inside Zalo's reply window: an OA may send a consultation
  ("tư vấn") message to a user only within `zalo_reply_window_hours` of that user's last message to the OA
  (7 days in Zalo's current policy; older documents said 48 hours). Outside it Zalo refuses the message
  (error -230), so it is not queued and the staff member is told it cannot be delivered.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from assistant.channels.zalo.options import ZALO_TEXT_LIMIT
from assistant.channels.zalo.store import outbox_rows
from assistant.channels.zalo.text import split_message
from assistant.staff.models import Delivery, Message, Role
from assistant.staff.store import StaffStore, _audit, insert_message
from assistant.store import Database
from assistant.store.db import now_iso
from assistant.store.schema import zalo_inbox, zalo_outbox

STAFF_EVENT = "staff"  # zalo_inbox.kind of the rows carrying staff messages (never answered by the worker)
CLOSING_TEXT = (
    "Cán bộ đã kết thúc cuộc trò chuyện. Từ bây giờ trợ lý tự động tiếp tục trả lời bạn về thủ tục hành chính; "
    'muốn gặp lại cán bộ, hãy nhắn "gặp cán bộ".'
)


@dataclass(frozen=True)
class ReplyOutcome:
    message: Message
    delivered: bool  # False: stored for the record, but it will not reach the citizen
    note: str  # what to tell the staff member, in Vietnamese


def zalo_user(session_id: str) -> str | None:
    return session_id.split(":", 1)[1] if session_id.startswith("zalo:") else None


class ReplyDelivery:
    def __init__(
        self, db: Database, store: StaffStore, *, zalo_window_hours: float, message_chars: int = ZALO_TEXT_LIMIT
    ) -> None:
        self.db = db
        self.store = store
        self.window_ms = int(zalo_window_hours * 3600 * 1000)
        self.window_hours = zalo_window_hours
        self.message_chars = message_chars

    def reply(self, session_id: str, author: str, author_name: str, text: str) -> ReplyOutcome:
        user = zalo_user(session_id)
        if user is None:
            message = self.store.add_message(session_id, Role.staff, author, text, Delivery.web)
            return ReplyOutcome(
                message, True, "Đã gửi. Người dân thấy câu trả lời trong khung hỏi đáp trên trang sổ tay."
            )
        return self._to_zalo(session_id, user, Role.staff, author, text, f"Cán bộ {author_name} trả lời:\n\n{text}")

    def close(self, session_id: str, by: str) -> ReplyOutcome | None:
        """Close an open conversation: the notice first, then the state, so that a web chat polling in between
        never sees it closed without its notice. None when it was not open."""
        if not self.store.is_open(session_id):
            return None
        outcome = self.closing(session_id, by)
        self.store.close(session_id, by=by)
        return outcome

    def closing(self, session_id: str, by: str) -> ReplyOutcome:
        """Tell the citizen the conversation is closed (after `StaffStore.close`)."""
        user = zalo_user(session_id)
        if user is None:
            message = self.store.add_message(session_id, Role.system, by, CLOSING_TEXT, Delivery.web)
            return ReplyOutcome(message, True, "Đã đóng cuộc trò chuyện; người dân được báo trong khung hỏi đáp.")
        return self._to_zalo(session_id, user, Role.system, by, CLOSING_TEXT, CLOSING_TEXT)

    def in_window(self, user_id: str) -> bool:
        last = self.last_zalo_message_ms(user_id)
        return last is not None and time.time() * 1000 - last <= self.window_ms

    def last_zalo_message_ms(self, user_id: str) -> int | None:
        """When the citizen last wrote to the OA (epoch ms), from the inbox."""
        inbox = zalo_inbox.c
        query = select(func.max(inbox.event_time)).where(inbox.user_id == user_id, inbox.kind != STAFF_EVENT)
        value = self.db.read(lambda conn: conn.execute(query).scalar())
        return int(value) if value is not None else None

    def _to_zalo(self, session_id: str, user: str, role: Role, author: str, text: str, sent_text: str) -> ReplyOutcome:
        if not self.in_window(user):
            message = self.store.add_message(session_id, role, author, text, Delivery.undeliverable)
            days = self.window_hours / 24
            span = f"{days:g} ngày" if self.window_hours >= 24 else f"{self.window_hours:g} giờ"
            return ReplyOutcome(
                message,
                False,
                f"Không gửi được qua Zalo: người dân không nhắn Zalo OA trong {span} qua, Zalo chỉ cho OA "
                "trả lời trong khoảng thời gian đó. Hãy liên hệ người dân bằng cách khác (điện thoại, "
                "thư) nếu có.",
            )
        parts = split_message(sent_text, self.message_chars)
        key = f"staff:{uuid.uuid4()}"
        at = now_iso()

        def work(conn: Connection) -> int:
            conn.execute(
                insert(zalo_inbox).values(
                    msg_id=key,
                    kind=STAFF_EVENT,
                    event_name="staff_reply",
                    user_id=user,
                    text=None,
                    event_time=int(time.time() * 1000),
                    received_at=at,
                    status="answered",
                    attempts=0,
                    answered_at=at,
                )
            )
            conn.execute(zalo_outbox.insert(), outbox_rows(key, user, parts, at))
            mid = insert_message(conn, session_id, role, author, text, at, Delivery.queued, key)
            _audit(conn, author, "reply" if role is Role.staff else "close_notice", session_id, f"zalo: {text[:200]}")
            return mid

        mid = self.db.write(work)
        message = Message(role, text, at, author=author, id=mid, delivery=Delivery.queued, delivery_status="pending")
        note = (
            "Đã xếp vào hàng gửi Zalo"
            + (f" ({len(parts)} tin nhắn, mỗi tin tối đa {self.message_chars} ký tự)" if len(parts) > 1 else "")
            + "; trạng thái gửi hiện bên dưới."
        )
        return ReplyOutcome(message, True, note)
