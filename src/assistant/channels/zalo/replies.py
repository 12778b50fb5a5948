"""What the OA says: the assistant's answer to a question, or a short fixed text for other events."""

from __future__ import annotations

from assistant.answer import Assistant
from assistant.channels.zalo.events import EventKind
from assistant.channels.zalo.store import StoredEvent

CHANNEL = "zalo"

APOLOGY = "Xin lỗi, hệ thống đang gặp sự cố nên chưa trả lời được câu hỏi của bạn. Bạn vui lòng hỏi lại sau ít phút."


def session_id(user_id: str) -> str:
    """One conversation per Zalo user, so follow-up questions keep their context."""
    return f"{CHANNEL}:{user_id}"


class Responder:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        name = assistant.kb.province.name
        self.province = name[:1].lower() + name[1:]  # "Tỉnh An Giang" → "tỉnh An Giang" mid-sentence

    def reply(self, event: StoredEvent) -> str:
        """The plain-text reply to one stored event (blocking: the assistant searches and records)."""
        if event.kind is EventKind.question:
            answer = self.assistant.ask(event.text, session_id=session_id(event.user_id), channel=CHANNEL)
            return self.assistant.render_plain(answer)
        if event.kind is EventKind.welcome:
            return self.welcome()
        return self.please_type()

    def welcome(self) -> str:
        return (
            f"Cảm ơn bạn đã quan tâm! Tôi là trợ lý thủ tục hành chính {self.province}. "
            'Hãy nhắn câu hỏi bằng lời của bạn, ví dụ: "làm giấy khai sinh cho con cần gì", '
            '"đăng ký tạm trú ở đâu".\n\n'
            'Muốn nói chuyện với cán bộ, hãy nhắn "gặp cán bộ".'
        )

    @staticmethod
    def please_type() -> str:
        return (
            "Hiện tôi chỉ đọc được tin nhắn chữ. Bạn vui lòng gõ câu hỏi về thủ tục hành chính, "
            'ví dụ: "đăng ký khai sinh cần giấy tờ gì".\n\n'
            'Muốn nói chuyện với cán bộ, hãy nhắn "gặp cán bộ".'
        )
