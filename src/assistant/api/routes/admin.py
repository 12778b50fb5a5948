"""Staff-only JSON: the unanswered questions grouped, the least helpful answers, daily figures, handoffs."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from assistant.api.deps import State
from assistant.api.errors import ErrorBody
from assistant.api.staff import group_questions
from assistant.api.staff_deps import require_staff

# Bearer $ASSISTANT_ADMIN_TOKEN (scripts) or a signed-in staff member (browser); the /admin pages are in
# staff_pages.py.
router = APIRouter(
    dependencies=[Depends(require_staff)],
    responses={401: {"model": ErrorBody, "description": "Cần đăng nhập hoặc mã quản trị (Bearer)"}},
)


class QuestionGroupOut(BaseModel):
    """Similar questions grouped, the largest group first."""

    example: str
    count: int
    unanswered: int
    last_seen: str  # ISO time (UTC) of the latest question
    questions: list[str]  # up to ten distinct wordings
    suggested_codes: list[str]  # procedures the assistant leaned to


class Unanswered(BaseModel):
    groups: list[QuestionGroupOut]
    total: int


class ProcedureFeedbackOut(BaseModel):
    code: str | None  # None: answers that named no procedure
    votes: int
    unhelpful: int
    example: str
    comment: str | None


class FeedbackOut(BaseModel):
    procedures: list[ProcedureFeedbackOut]


class DayOut(BaseModel):
    day: str  # YYYY-MM-DD (UTC)
    questions: int
    answered: int
    helpful: int
    not_helpful: int


class DailyOut(BaseModel):
    days: list[DayOut]


class HandoffOut(BaseModel):
    session_id: str
    channel: str
    since: str | None
    last_code: str | None
    last_question: str | None


class HandoffsOut(BaseModel):
    conversations: list[HandoffOut]


@router.get("/api/admin/unanswered", response_model=Unanswered)
def unanswered(state: State) -> Unanswered:
    questions = state.db.questions_needing_staff(state.assistant.thresholds.staff)
    groups = [QuestionGroupOut.model_validate(g.to_json()) for g in group_questions(questions)]
    return Unanswered(groups=groups, total=sum(g.count for g in groups))


@router.get("/api/admin/feedback", response_model=FeedbackOut)
def least_helpful(state: State) -> FeedbackOut:
    return FeedbackOut(procedures=[ProcedureFeedbackOut(**asdict(p)) for p in state.db.least_helpful()])


@router.get("/api/admin/daily", response_model=DailyOut)
def daily(state: State) -> DailyOut:
    return DailyOut(days=[DayOut(**asdict(d)) for d in state.db.daily_figures()])


@router.get("/api/admin/handoffs", response_model=HandoffsOut)
def handoffs(state: State) -> HandoffsOut:
    return HandoffsOut(conversations=[HandoffOut(**asdict(h)) for h in state.db.handoffs()])
