"""JSON for the staff side: what the web chat polls for staff replies, and the conversations and proposals for
scripts (Bearer $ASSISTANT_ADMIN_TOKEN) or a signed-in browser (cookie + X-CSRF-Token on POST)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from assistant.api.deps import State
from assistant.api.errors import ErrorBody
from assistant.api.routes.staff_pages import ref_of, session_of, short_of
from assistant.api.staff_deps import Services, StaffOnly, check_csrf
from assistant.staff.models import Conversation, Message, ProposalStatus

router = APIRouter()

CHANNEL = "web"
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "Thiếu mã chống giả mạo (CSRF) khi dùng phiên đăng nhập"},
    404: {"model": ErrorBody, "description": "Không tìm thấy"},
}


class ChatMessage(BaseModel):
    id: int
    role: Literal["staff", "system"]
    text: str
    author: str | None = None  # the staff member's display name
    at: str


class ChatMessages(BaseModel):
    handoff: bool  # a staff member is (still) expected to answer
    messages: list[ChatMessage]


@router.get("/api/chat/messages", response_model=ChatMessages)
async def chat_messages(
    request: Request,
    state: State,
    services: Services,
    session_id: str = Query(min_length=1, max_length=128),
    after: int = Query(0, ge=0, le=2**62),
) -> ChatMessages:
    """Staff replies (and the closing notice) in the web chat's conversation after message `after`."""
    if not await state.limiter.allow_async("search", state.clients.key(request)):
        raise HTTPException(
            429,
            "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi một phút rồi thử lại.",
            headers={"Retry-After": "60"},
        )
    session = f"{CHANNEL}:{session_id}"  # a web client can only ever read a web conversation

    def read() -> ChatMessages:
        messages = services.store.messages_after(session, after)
        return ChatMessages(
            handoff=services.store.is_open(session),
            messages=[
                ChatMessage(id=m.id or 0, role=m.role.value, text=m.text, author=m.author, at=m.at)  # type: ignore[arg-type]
                for m in messages
                if m.role.value in ("staff", "system")
            ],
        )

    return await run_in_threadpool(read)


class ConversationMessage(BaseModel):
    role: Literal["citizen", "assistant", "staff", "system"]
    text: str
    at: str
    author: str | None = None
    delivery: str | None = None  # web | queued | undeliverable
    delivery_status: str | None = None  # Zalo: pending | sent | failed


class ConversationOut(BaseModel):
    ref: str  # the conversation's reference in URLs
    short: str  # the short code shown to staff
    channel: str
    open: bool
    handoff_at: str | None
    waiting_since: str | None
    assigned_to: str | None
    assigned_sector: str | None
    closed_at: str | None
    last_question: str | None
    messages: list[ConversationMessage] = Field(default_factory=list)


def _message(m: Message) -> ConversationMessage:
    return ConversationMessage(
        role=m.role.value,
        text=m.text,
        at=m.at,
        author=m.author,
        delivery=m.delivery.value if m.delivery else None,
        delivery_status=m.delivery_status,
    )


def _conversation(c: Conversation) -> ConversationOut:
    s = c.summary
    return ConversationOut(
        ref=ref_of(s.session_id),
        short=short_of(s.session_id),
        channel=s.channel,
        open=s.open,
        handoff_at=s.handoff_at,
        waiting_since=s.waiting_since,
        assigned_to=s.assigned_to,
        assigned_sector=s.assigned_sector,
        closed_at=s.closed_at,
        last_question=s.last_question,
        messages=[_message(m) for m in c.messages],
    )


class ConversationList(BaseModel):
    conversations: list[ConversationOut]


@router.get("/api/admin/conversations", response_model=ConversationList)
def conversations(staff: StaffOnly, services: Services) -> ConversationList:
    out = []
    for summary in services.store.conversations():
        conv = services.store.conversation(summary.session_id)
        if conv is not None:
            out.append(_conversation(conv))
    return ConversationList(conversations=out)


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class ReplyOut(BaseModel):
    delivered: bool  # false: outside Zalo's reply window, it will not reach the citizen
    note: str
    message: ConversationMessage


@router.post("/api/admin/conversations/{ref}/reply", response_model=ReplyOut, responses=ERRORS)
async def reply(ref: str, body: ReplyIn, request: Request, staff: StaffOnly, services: Services) -> ReplyOut:
    check_csrf(staff, request.headers.get("x-csrf-token"))
    session_id = session_of(ref)
    text = body.text.strip()
    if not text:
        raise HTTPException(422, "Hãy nhập nội dung trả lời.")
    if not await run_in_threadpool(services.store.exists, session_id):
        raise HTTPException(404, "Không tìm thấy cuộc trò chuyện này.")
    outcome = await run_in_threadpool(services.delivery.reply, session_id, staff.username, staff.display_name, text)
    if outcome.message.delivery is not None and outcome.message.delivery.value == "queued":
        services.wake_zalo()
    return ReplyOut(delivered=outcome.delivered, note=outcome.note, message=_message(outcome.message))


class Closed(BaseModel):
    closed: bool  # false: it was not open


@router.post("/api/admin/conversations/{ref}/close", response_model=Closed, responses=ERRORS)
async def close(ref: str, request: Request, staff: StaffOnly, services: Services) -> Closed:
    check_csrf(staff, request.headers.get("x-csrf-token"))
    session_id = session_of(ref)
    outcome = await run_in_threadpool(services.delivery.close, session_id, staff.username)
    if outcome is not None and outcome.message.delivery is not None and outcome.message.delivery.value == "queued":
        services.wake_zalo()
    return Closed(closed=outcome is not None)


class ProposalOut(BaseModel):
    id: str
    created_at: str
    code: str
    kind: Literal["faq", "alias", "rule"]
    payload: dict[str, str | list[str]]
    proposer: str
    status: Literal["pending", "accepted", "rejected"]
    reviewer: str | None
    reviewed_at: str | None
    written_to: str | None


class ProposalList(BaseModel):
    proposals: list[ProposalOut]


@router.get("/api/admin/proposals", response_model=ProposalList)
def proposals(
    staff: StaffOnly, services: Services, status: Literal["pending", "accepted", "rejected"] | None = None
) -> ProposalList:
    found = services.store.proposals(ProposalStatus(status) if status else None)
    return ProposalList(
        proposals=[
            ProposalOut(
                id=p.id,
                created_at=p.created_at,
                code=p.code,
                kind=p.kind.value,
                payload=dict(p.payload),
                proposer=p.proposer,
                status=p.status.value,
                reviewer=p.reviewer,
                reviewed_at=p.reviewed_at,
                written_to=p.written_to,
            )
            for p in found
        ]
    )
