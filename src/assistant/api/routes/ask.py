from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from assistant.answer.service import checked_question
from assistant.api.deps import RateLimited, State
from assistant.errors import UserError
from assistant.handbook.anchors import procedure_url
from assistant.kb.models import CHANNEL_NAMES, Procedure
from assistant.store.pii import scrub
from assistant.text import tidy

router = APIRouter(prefix="/api", tags=["hỏi đáp"])

CHANNEL = "web"


class AskRequest(BaseModel):
    question: str = Field(max_length=20_000)
    session_id: str | None = Field(default=None, max_length=128)


class FeedbackRequest(BaseModel):
    question_id: str = Field(min_length=1, max_length=64)
    helpful: bool
    comment: str | None = Field(default=None, max_length=2000)


class ProcedureCard(BaseModel):
    """The chosen procedure in brief (the answer itself is in `answer`)."""

    code: str
    title: str
    sector: str
    url: str  # its section in the handbook
    online_url: str | None  # where to apply online
    processing_time: str | None
    fee: str | None
    submit_at: str | None  # where to hand in the file
    channels: list[str]  # ways to apply, in words ("Trực tuyến", "Trực tiếp"…)

    @classmethod
    def of(cls, p: Procedure) -> ProcedureCard:
        return cls(
            code=p.code,
            title=p.title,
            sector=p.sector,
            url=procedure_url(p.sector, p.code),
            online_url=p.online_url or None,
            processing_time=p.processing_time or None,
            fee=p.fee_text or None,
            submit_at=p.submit_at or None,
            channels=[CHANNEL_NAMES[c.kind] for c in p.channels],
        )


class Source(BaseModel):
    """A procedure the answer drew on or considered, best first."""

    code: str
    title: str
    sector: str
    url: str
    score: float


class AskResponse(BaseModel):
    question_id: str  # for POST /api/feedback
    answered: bool  # false: a polite refusal pointing to the centre (the question is logged for staff)
    answer: str  # Markdown
    procedure: ProcedureCard | None
    sources: list[Source]
    confidence: float  # 0..1
    clarify: bool  # the answer asks which of a few procedures is meant
    handoff: bool  # passed to a staff member


@router.post("/ask", dependencies=[RateLimited], response_model=AskResponse)
async def ask(body: AskRequest, state: State) -> AskResponse:
    try:
        question = checked_question(body.question)
    except UserError as err:
        raise HTTPException(422, err.message) from err
    # Sessions are namespaced per channel: a web client can only ever address a web conversation.
    session = f"{CHANNEL}:{body.session_id}" if body.session_id else None
    async with state.gate.slot():
        answer = await run_in_threadpool(state.assistant.ask, question, session, CHANNEL)
    return AskResponse(
        question_id=answer.question_id,
        answered=answer.answered,
        answer=answer.text,
        procedure=ProcedureCard.of(answer.procedure) if answer.procedure else None,
        sources=[
            Source(code=h.code, title=h.title, sector=h.sector, url=h.url, score=round(h.score, 4))
            for h in answer.sources
        ],
        confidence=answer.confidence,
        clarify=answer.clarify,
        handoff=answer.handoff,
    )


@router.post(
    "/feedback",
    status_code=204,
    dependencies=[RateLimited],
    response_class=Response,
    responses={204: {"description": "Đã ghi nhận đánh giá"}},
)
def feedback(body: FeedbackRequest, state: State) -> Response:
    if not state.db.question_exists(body.question_id):
        raise HTTPException(404, "Không tìm thấy câu hỏi này để ghi nhận đánh giá.")
    comment = tidy(body.comment or "")
    state.db.record_feedback(body.question_id, body.helpful, scrub(comment) if comment else None)
    return Response(status_code=204)
