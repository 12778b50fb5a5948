"""The typed objects of the staff side: accounts, signed-in sessions, conversations, proposals."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StaffAccount:
    username: str
    display_name: str
    disabled: bool


@dataclass(frozen=True)
class StaffSession:
    username: str
    display_name: str
    csrf_token: str
    expires_at: int  # epoch seconds


class Role(str, enum.Enum):
    citizen = "citizen"
    assistant = "assistant"
    staff = "staff"
    system = "system"  # e.g. "the conversation was closed"


class Delivery(str, enum.Enum):
    web = "web"  # the web chat fetches it
    queued = "queued"  # in the Zalo outbox (see `ZaloDelivery` for how far it got)
    undeliverable = "undeliverable"  # outside Zalo's reply window: never sent


@dataclass(frozen=True)
class Message:
    role: Role
    text: str
    at: str  # ISO-8601, UTC
    author: str | None = None  # staff username for staff messages
    id: int | None = None  # conversation_messages.id for staff/system messages
    delivery: Delivery | None = None
    delivery_status: str | None = None  # Zalo outbox: pending | sent | failed
    delivery_error: str | None = None
    answered: bool | None = None  # for the assistant's answers


@dataclass(frozen=True)
class ConversationSummary:
    session_id: str
    channel: str
    handoff_at: str | None
    open: bool
    assigned_to: str | None
    assigned_sector: str | None
    closed_at: str | None
    closed_by: str | None
    last_question: str | None
    last_code: str | None
    waiting_since: str | None  # the citizen's oldest message not yet followed by a staff reply
    staff_replies: int


@dataclass
class Conversation:
    summary: ConversationSummary
    messages: list[Message] = field(default_factory=list)


class ProposalKind(str, enum.Enum):
    faq = "faq"
    alias = "alias"
    rule = "rule"


class ProposalStatus(str, enum.Enum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


@dataclass(frozen=True)
class Proposal:
    id: str
    created_at: str
    code: str
    kind: ProposalKind
    payload: dict[str, str]
    proposer: str
    status: ProposalStatus
    source_session: str | None = None
    source_question: str | None = None
    reviewer: str | None = None
    reviewed_at: str | None = None
    review_note: str | None = None
    written_to: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    at: str
    username: str
    action: str
    target: str | None
    detail: str | None
