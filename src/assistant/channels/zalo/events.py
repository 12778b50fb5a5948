"""Zalo webhook events: the typed shape of what Zalo posts, and what the assistant should do with it."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# Events a citizen sends that carry no text we can answer: we ask them to type their question.
MEDIA_EVENTS = frozenset(
    {
        "user_send_image",
        "user_send_gif",
        "user_send_sticker",
        "user_send_location",
        "user_send_link",
        "user_send_audio",
        "user_send_video",
        "user_send_file",
        "user_send_business_card",
    }
)
TEXT_EVENT = "user_send_text"
FOLLOW_EVENT = "follow"
ECHO_PREFIX = "oa_send_"  # Zalo echoes the OA's own messages back; never answer them


class EventError(ValueError):
    """The body is not a Zalo event we can read; `detail` is the Vietnamese message for the caller."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class _Model(BaseModel):
    # IDs are 19-digit numbers sent as strings; keep them strings even if a number slips through.
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore")


class Party(_Model):
    id: str = Field(min_length=1, max_length=64)


class Message(_Model):
    msg_id: str | None = Field(None, max_length=128)
    mid: str | None = Field(None, max_length=128)  # some integrations send `mid`
    text: str | None = None

    @property
    def key(self) -> str | None:
        return self.msg_id or self.mid or None


class ZaloEvent(_Model):
    app_id: str = ""
    event_name: str = Field(min_length=1, max_length=64)
    timestamp: str  # milliseconds since the epoch, as Zalo sends it
    user_id_by_app: str | None = None
    sender: Party | None = None
    recipient: Party | None = None
    follower: Party | None = None  # `follow` / `unfollow` name the user here
    message: Message | None = None

    @field_validator("timestamp")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not (value.isascii() and value.isdigit()):
            raise ValueError("timestamp must be milliseconds")
        return value

    @property
    def time_ms(self) -> int:
        return int(self.timestamp)


class EventKind(str, enum.Enum):
    question = "question"  # text to answer with the assistant
    welcome = "welcome"  # a new follower
    media = "media"  # image, sticker, location...: ask for a typed question


@dataclass(frozen=True)
class Inbound:
    """One event worth a reply, as stored in the inbox."""

    key: str  # Zalo's msg_id, or a stable key for events without one; unique in the inbox
    kind: EventKind
    event_name: str
    user_id: str
    text: str
    time_ms: int


def parse_event(body: bytes) -> ZaloEvent:
    """Read the body as a Zalo event, or raise EventError with a Vietnamese explanation."""
    try:
        data = json.loads(body)
    except ValueError:
        raise EventError("Dữ liệu gửi lên không phải JSON hợp lệ.") from None
    if not isinstance(data, dict):
        raise EventError("Sự kiện Zalo phải là một đối tượng JSON.")
    try:
        return ZaloEvent.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(x) for x in err["loc"]) for err in exc.errors()})
        raise EventError(
            f"Sự kiện Zalo không đúng định dạng: trường {', '.join(fields)} thiếu hoặc sai kiểu."
        ) from None


def to_inbound(event: ZaloEvent) -> Inbound | None:
    """What to do with an event: an Inbound to answer, or None when it needs no reply."""
    name = event.event_name
    if name.startswith(ECHO_PREFIX):
        return None
    if name == FOLLOW_EVENT:
        user = event.follower or event.sender
        if user is None:
            raise EventError("Sự kiện follow thiếu follower.id.")
        key = event.message.key if event.message and event.message.key else f"follow:{user.id}:{event.timestamp}"
        return Inbound(key, EventKind.welcome, name, user.id, "", event.time_ms)
    if name != TEXT_EVENT and name not in MEDIA_EVENTS:
        return None  # unfollow, seen/received receipts, reactions, shop events...: nothing to say
    if event.sender is None:
        raise EventError(f"Sự kiện {name} thiếu sender.id.")
    if event.message is None:
        raise EventError(f"Sự kiện {name} thiếu message.")
    # Retries of one delivery repeat its timestamp, so (event, user, time) is stable when msg_id is absent.
    key = event.message.key or f"{name}:{event.sender.id}:{event.timestamp}"
    text = (event.message.text or "").strip()
    if name == TEXT_EVENT and text:
        return Inbound(key, EventKind.question, name, event.sender.id, text, event.time_ms)
    return Inbound(key, EventKind.media, name, event.sender.id, "", event.time_ms)
