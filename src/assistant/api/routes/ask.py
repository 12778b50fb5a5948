from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from assistant.answer.service import checked_question
from assistant.errors import UserError
from assistant.api.deps import RateLimited, State
from assistant.kb.models import CHANNEL_NAMES, Procedure
from assistant.handbook.anchors import procedure_url
from assistant.store.pii import scrub
from assistant.text import tidy

router = APIRouter(prefix="/api")

CHANNEL = "web"


class AskRequest(BaseModel):
    question: str = Field(max_length=20_000)
    session_id: str | None = Field(default=None, max_length=128)


class FeedbackRequest(BaseModel):
    question_id: str = Field(min_length=1, max_length=64)
    helpful: bool
    comment: str | None = Field(default=None, max_length=2000)


def procedure_json(p: Procedure) -> dict[str, object]:
    return {
        "code": p.code,
        "title": p.title,
        "sector": p.sector,
        "url": procedure_url(p.sector, p.code),
        "online_url": p.online_url or None,
        "processing_time": p.processing_time or None,
        "fee": p.fee_text or None,
        "submit_at": p.submit_at or None,
        "channels": [CHANNEL_NAMES[c.kind] for c in p.channels],
    }


@router.post("/ask", dependencies=[RateLimited])
async def ask(body: AskRequest, state: State) -> dict[str, object]:
    try:
        question = checked_question(body.question)
    except UserError as err:
        raise HTTPException(422, err.message) from err
    # Sessions are namespaced per channel: a web client can only ever address a web conversation.
    session = f"{CHANNEL}:{body.session_id}" if body.session_id else None
    async with state.gate.slot():
        answer = await run_in_threadpool(state.assistant.ask, question, session, CHANNEL)
    return {
        "question_id": answer.question_id,
        "answered": answer.answered,
        "answer": answer.text,
        "procedure": procedure_json(answer.procedure) if answer.procedure else None,
        "sources": [
            {"code": h.code, "title": h.title, "sector": h.sector, "url": h.url, "score": round(h.score, 4)}
            for h in answer.sources
        ],
        "confidence": answer.confidence,
        "clarify": answer.clarify,
        "handoff": answer.handoff,
    }


@router.post("/feedback", status_code=204, dependencies=[RateLimited])
def feedback(body: FeedbackRequest, state: State) -> Response:
    if not state.db.question_exists(body.question_id):
        raise HTTPException(404, "Không tìm thấy câu hỏi này để ghi nhận đánh giá.")
    comment = tidy(body.comment or "")
    state.db.record_feedback(body.question_id, body.helpful, scrub(comment) if comment else None)
    return Response(status_code=204)
