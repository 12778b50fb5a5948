"""The assistant: search, decide (answer, clarify, follow up, or refuse), compose, record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.compose import compose
from assistant.answer.guides import GuideMatcher
from assistant.answer.intent import Intent, detect_intents, looks_like_follow_up, topic_words
from assistant.answer.llm import LlmPolisher
from assistant.errors import UserError
from assistant.kb.models import KnowledgeBase, Procedure
from assistant.search import Hit, HybridSearcher
from assistant.store.db import Database
from assistant.store.pii import scrub
from assistant.text import fold, tidy

MAX_QUESTION_CHARS = 1000
NAMED_FLOOR = 0.7


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on ../shared/eval/zalo-dev.jsonl (see bench/ask.py and BENCHMARKS.md)."""

    answer: float = 0.53  # below: refuse
    staff: float = 0.65  # below: listed for staff as low confidence
    clarify_gap: float = 0.06  # top two confidences closer than this (and both answerable): ask which one


@dataclass
class Answer:
    answered: bool
    text: str
    confidence: float
    procedure: Procedure | None = None
    sources: list[Hit] = field(default_factory=list)
    intent: Intent | None = None
    clarify: bool = False
    handoff: bool = False
    question_id: str = ""


_HANDOFF = re.compile(r"\b(gap|noi chuyen voi|goi|can|xin gap|muon gap) (can bo|nhan vien|nguoi that|tong dai vien)\b|\bgap nguoi\b")
_GREETING = re.compile(r"^(xin chao|chao|hello|hi|alo|chao ad|chao ban|chao anh|chao chi)\b[\s!.,a-z]*$")


def checked_question(text: str) -> str:
    """The question tidied, or a UserError with the Vietnamese message every channel shows."""
    question = tidy(text)
    if not question:
        raise UserError(f"Vui lòng nhập câu hỏi (câu hỏi phải có từ 1 đến {MAX_QUESTION_CHARS} ký tự).")
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(f"Câu hỏi quá dài: câu hỏi phải có từ 1 đến {MAX_QUESTION_CHARS} ký tự. Hãy hỏi ngắn gọn hơn.")
    return question


def confidence(searcher: HybridSearcher, question: str, hit: Hit) -> float:
    """How sure we are that `hit` is what was asked, from three signals: the dense similarity (scaled for
    e5-small, where unrelated Vietnamese text still scores about 0.8), how much of the question's topic
    words the procedure's card contains, and how much of one of its names the question contains.
    Calibrated with bench/ask.py."""
    dense = min(max((hit.dense - 0.80) / 0.12, 0.0), 1.0)
    score = (
        0.4 * dense
        + 0.3 * searcher.coverage(topic_words(question), hit.code)
        + 0.3 * searcher.name_coverage(question, hit.code)
    )
    # A long, chatty message that still names the procedure word for word ("… muốn đăng ký kết hôn …")
    # is about it, however many other words it carries.
    if searcher.names_in(question, hit.code) >= 3:
        score = max(score, NAMED_FLOOR)
    return round(score, 3)


class Assistant:
    def __init__(
        self,
        searcher: HybridSearcher,
        db: Database | None = None,
        *,
        thresholds: Thresholds | None = None,
        polisher: LlmPolisher | None = None,
        public_url: str = "",
    ) -> None:
        self.searcher = searcher
        self.kb: KnowledgeBase = searcher.index.kb
        self.db = db
        self.thresholds = thresholds or Thresholds()
        self.polisher = polisher
        self.public_url = public_url
        self.guides = GuideMatcher(self.kb.guides)

    # --- public ------------------------------------------------------------------------------
    def ask(self, question: str, session_id: str | None = None, channel: str = "web") -> Answer:
        question = tidy(question)[:MAX_QUESTION_CHARS]
        answer = self._decide(question, session_id, channel)
        if answer.answered and answer.procedure and self.polisher:
            polished = self.polisher.polish(question, answer.text)
            if polished:
                answer.text = polished
        if self.db is not None:
            answer.question_id = self.db.record_question(
                channel=channel,
                session_id=session_id,
                question=scrub(question),
                answered=answer.answered,
                clarify=answer.clarify,
                confidence=answer.confidence,
                code=answer.procedure.code if answer.procedure else None,
                intent=answer.intent.value if answer.intent else None,
                answer=answer.text,
            )
            if session_id and answer.procedure:
                self.db.remember(session_id, channel, answer.procedure.code)
        return answer

    # --- decisions ---------------------------------------------------------------------------
    def _decide(self, question: str, session_id: str | None, channel: str) -> Answer:
        folded = fold(question)
        if _HANDOFF.search(folded):
            return self._handoff(session_id, channel)
        if _GREETING.match(folded):
            return Answer(True, self._welcome(), 1.0)
        intents = detect_intents(question)
        hits = self.searcher.search(question, k=5)
        scored = [(confidence(self.searcher, question, h), h) for h in hits[:3]]  # the top and its rivals
        best = scored[0][0] if scored else 0.0

        topics = topic_words(question)  # words that name a procedure; none in "còn lệ phí thì sao?"
        previous = self._previous_procedure(session_id)
        if previous and (
            not topics
            or (looks_like_follow_up(question) and (best < self.thresholds.staff or scored[0][1].code == previous.code))
        ):
            return self._answer(previous, intents, hits, max(best, self.thresholds.staff))
        if not topics:
            best = min(best, self.thresholds.answer - 0.01)  # "còn lệ phí thì sao?" alone names nothing to answer
        # A general guide answers questions about how things work ("nộp online trên VNeID thế nào")
        # when no procedure is clearly named (at most one topic word) or none matches well enough.
        if best < self.thresholds.answer or len(topics) <= 1:
            guide = self.guides.match(question)
            if guide is not None:
                return Answer(True, self.guides.compose(guide, self.public_url), round(guide.score, 3), intent=intents[0])
        if best < self.thresholds.answer:
            return self._refuse(best)
        top_conf, top = scored[0]
        close = [h for c, h in scored[1:3] if c >= self.thresholds.answer and top_conf - c < self.thresholds.clarify_gap]
        if close and intents == [Intent.overview] and len(question.split()) <= 6 and not self.searcher.is_named(question, top.code):
            return self._clarify([top, *close], top_conf)
        procedure = self.searcher.procedures[top.code]
        return self._answer(procedure, intents, hits, top_conf)

    def _previous_procedure(self, session_id: str | None) -> Procedure | None:
        if not session_id or self.db is None:
            return None
        state = self.db.session(session_id)
        return self.kb.procedure(state["last_code"]) if state and state.get("last_code") else None

    def _answer(self, p: Procedure, intents: list[Intent], hits: list[Hit], conf: float) -> Answer:
        text = compose(p, self.kb.sector(p.sector), intents, self.public_url)
        sources = [h for h in hits if h.code == p.code] or []
        if not sources:
            sources = [h for h in self.searcher.search(p.title, k=3) if h.code == p.code]
        return Answer(True, text, conf, p, sources + [h for h in hits if h.code != p.code][:2], intents[0])

    def _clarify(self, options: list[Hit], conf: float) -> Answer:
        lines = ["Bạn muốn hỏi thủ tục nào dưới đây? Hãy trả lời bằng tên thủ tục (hoặc mã số):", ""]
        lines += [f"{i}. **{h.title}** (mã {h.code})" for i, h in enumerate(options, 1)]
        return Answer(True, "\n".join(lines), conf, None, options, Intent.overview, clarify=True)

    def _refuse(self, conf: float) -> Answer:
        lines = [
            "Xin lỗi, tôi chưa tìm thấy thông tin phù hợp trong sổ tay thủ tục hành chính để trả lời câu hỏi này.",
            "",
            "Bạn có thể:",
            "- Hỏi lại, nêu rõ việc cần làm (ví dụ: \"đăng ký khai sinh cần giấy tờ gì\").",
            *self._help_lines(),
            "",
            "Câu hỏi của bạn đã được ghi lại để cán bộ bổ sung sổ tay.",
        ]
        return Answer(False, "\n".join(lines), conf, None, [])

    def _help_lines(self) -> list[str]:
        out = []
        for c in self.kb.province.contacts:
            details = "; ".join(x for x in (c.phone and f"điện thoại {c.phone}", c.address, c.url) if x)
            out.append(f"- Liên hệ {c.name}" + (f": {details}" if details else "."))
        return out

    def _handoff(self, session_id: str | None, channel: str) -> Answer:
        if session_id and self.db is not None:
            self.db.mark_handoff(session_id, channel)
        text = (
            "Đã chuyển cuộc trò chuyện của bạn tới cán bộ. Cán bộ Trung tâm Phục vụ hành chính công sẽ trả lời "
            "bạn trong giờ làm việc của Trung tâm. Trong lúc chờ, bạn vẫn có thể hỏi "
            "tôi về thủ tục."
        )
        return Answer(True, text, 1.0, handoff=True)

    def _welcome(self) -> str:
        return (
            f"Xin chào! Tôi là trợ lý thủ tục hành chính {self.kb.province.name}. Hãy hỏi tôi bằng lời của bạn, "
            "ví dụ: \"làm giấy khai sinh cho con cần gì\", \"đăng ký tạm trú ở đâu\", \"sang tên xe máy\". "
            "Muốn nói chuyện với cán bộ, hãy nhắn \"gặp cán bộ\"."
        )
