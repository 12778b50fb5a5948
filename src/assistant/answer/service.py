"""The assistant: analyse the question, search, decide (answer, clarify, follow up, or refuse), compose, record."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from assistant.answer.compose import FactChoice, compose_procedure
from assistant.answer.confidence import ConfidenceModel, answer_confidence, procedure_confidence
from assistant.answer.facts import FactRanker, FactVectors
from assistant.answer.guides import GuideMatch, GuideMatcher
from assistant.answer.intent import looks_like_follow_up, topic_words
from assistant.answer.llm import LlmPolisher
from assistant.answer.model import Answer, AnswerKind, Block, Link
from assistant.answer.render import to_markdown, to_plain
from assistant.errors import UserError
from assistant.handbook.anchors import national_mark
from assistant.kb.models import KnowledgeBase, Level, Procedure, Tier
from assistant.places import PlaceAnswerer, centre_line
from assistant.query import Intent, Question, Situation, analyse, detect_situations
from assistant.search import Hit, HybridSearcher
from assistant.store.db import Database
from assistant.store.pii import scrub
from assistant.text import expand_abbreviations, fold, tidy

MAX_QUESTION_CHARS = 1000
MAX_ANSWER_CHARS = 1900  # a phone screen or two; Zalo's limit is 2,000 a message
RERANK_DEPTH = 3  # search hits whose confidence is compared before choosing the procedure
RANK_TRUST = 3.0  # how much the search order counts against confidence (bench/ask.py, key-fact sets)
TITLE_WEIGHT = 1.0  # how much saying a procedure's own title words counts in that order (plain over special)
# The procedure written for the province wins near ties in that order over a national record, as it does in the
# fusion (SearchConfig.curated_boost): "cap lai the bhyt bi mat" means the written 1.002759.
CURATED_BONUS = 0.1
# A guide whose names say this share of a question's words and word pairs answers it, unless the question
# says a procedure's name ("nop ho so online the nao" is about submitting online, not about a birth).
GUIDE_SURE = 0.75
# A short overview question ("làm khai sinh", at most CLARIFY_WORDS words) between close procedures, none of
# them named word for word, gets "which one do you mean?" rather than a guess.
CLARIFY_WORDS = 6
# Situations whose title marks a variant of a plainer procedure ("Báo mất hộ chiếu" beside "Cấp hộ chiếu"):
# a question that does not raise them means the plain one (see `_unasked_variants`).
VARIANT_SITUATIONS = frozenset({Situation.lost, Situation.damaged, Situation.foreigner, Situation.abroad})
_GLOSS = re.compile(r"\([^)]*\)")
_PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_ASK_THE_CENTRE = "hãy hỏi Trung tâm Phục vụ hành chính công để biết cách làm ở địa phương."
_OFFER_OFFICER = 'Nếu câu trả lời chưa đúng điều bạn hỏi, hãy nhắn "gặp cán bộ" để được cán bộ hỗ trợ.'


def today_in_province() -> dt.date:
    """Today's date in Vietnam: facts expire at the end of a Vietnamese day."""
    return dt.datetime.now(_PROVINCE_TZ).date()


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on ../shared/eval/zalo-dev.jsonl (see bench/ask.py and BENCHMARKS.md)."""

    answer: float = 0.53  # below: refuse
    staff: float = 0.65  # below: listed for staff as low confidence, and an officer is offered
    clarify_gap: float = 0.06  # top two confidences closer than this (and both answerable): ask which one


_HANDOFF = re.compile(
    r"\b(gap|noi chuyen voi|goi|can|xin gap|muon gap) (can bo|nhan vien|nguoi that|tong dai vien)\b|\bgap nguoi\b"
)
_GREETING = re.compile(r"^(xin chao|chao|hello|hi|alo|chao ad|chao ban|chao anh|chao chi)\b[\s!.,a-z]*$")


def checked_question(text: str) -> str:
    """The question tidied, or a UserError with the Vietnamese message every channel shows."""
    question = tidy(text)
    if not question:
        raise UserError(f"Vui lòng nhập câu hỏi (câu hỏi phải có từ 1 đến {MAX_QUESTION_CHARS} ký tự).")
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(f"Câu hỏi quá dài: câu hỏi phải có từ 1 đến {MAX_QUESTION_CHARS} ký tự. Hãy hỏi ngắn gọn hơn.")
    if not any(ch.isalnum() for ch in question):  # "?", "...", an emoji: nothing to search for
        raise UserError(
            "Tôi chưa đọc được câu hỏi: câu hỏi cần có chữ hoặc số. Bạn hãy gõ việc cần làm, "
            'ví dụ: "đăng ký khai sinh cần giấy tờ gì".'
        )
    return question


class Assistant:
    """Search, decide (answer, clarify, follow up, or refuse), compose, record. Channels render the
    typed Answer it returns; `Answer.text` carries the Markdown rendering for the API and the store."""

    def __init__(
        self,
        searcher: HybridSearcher,
        db: Database | None = None,
        *,
        thresholds: Thresholds | None = None,
        polisher: LlmPolisher | None = None,
        public_url: str = "",
        today: Callable[[], dt.date] | None = None,
        confidence: ConfidenceModel | None = None,
        fact_choice: FactChoice | None = None,
    ) -> None:
        self.searcher = searcher
        self.kb: KnowledgeBase = searcher.index.kb
        self.db = db
        self.thresholds = thresholds or Thresholds()
        self.polisher = polisher
        self.public_url = public_url
        self.today = today or today_in_province
        self.confidence_model = confidence or ConfidenceModel()
        self.fact_choice = fact_choice or FactChoice()
        self.guides = GuideMatcher(self.kb.guides)
        # Links in place answers stay site-relative; the renderers make them absolute with public_url.
        self.places = PlaceAnswerer(self.kb.units, self.kb.province.label)
        self._variants: dict[str, frozenset[Situation]] = {}
        index = searcher.index
        vectors = FactVectors(index.fact_vectors, index.fact_keys, searcher.embedder) if index.fact_keys else None
        self.facts = FactRanker(vectors=vectors)

    # --- public ------------------------------------------------------------------------------
    def ask(self, question: str, session_id: str | None = None, channel: str = "web") -> Answer:
        q = analyse(tidy(question)[:MAX_QUESTION_CHARS])
        answer = self._decide(q, session_id, channel)
        answer.text = to_markdown(answer, self.public_url)
        if answer.kind is AnswerKind.procedure and self.polisher:
            polished = self.polisher.polish(q.text, answer.text)
            if polished:
                answer.text = polished
                answer.direct, answer.heading, answer.links = [Block(text=polished, markdown=True)], "", []
                answer.blocks = []
        if self.db is not None:
            answer.question_id = self.db.record_question(
                channel=channel,
                session_id=session_id,
                question=scrub(q.text),
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

    def render_plain(self, answer: Answer) -> str:
        """The answer as plain text (Zalo, terminal), with absolute links when the public URL is known."""
        return to_plain(answer, self.public_url)

    # --- decisions ---------------------------------------------------------------------------
    def _decide(self, q: Question, session_id: str | None, channel: str) -> Answer:
        if _HANDOFF.search(q.folded):
            return self._handoff(session_id, channel)
        if _GREETING.match(q.folded):
            return Answer(True, 1.0, AnswerKind.welcome, direct=[Block(text=self._welcome())])
        place = self.places.answer(q.text)  # "xã Mỹ Hòa Hưng cũ giờ thuộc phường nào?"
        if place is not None:
            return Answer(
                True, 1.0, AnswerKind.place, direct=[Block(text=place.text, markdown=True)], intent=Intent.place
            )
        # A procedure question that names a place is still the procedure question: search without the place,
        # and name the place's new centre in the answer.
        units = self.places.units_in(q.text)
        if units:
            q = analyse(self.places.without_places(q.text))
        place_line = centre_line(units[0]) if len(units) == 1 else ""
        hits = self.searcher.search(q.text, k=5, asked=q.asked if q.has_story else "")
        model = self.confidence_model
        # The top three and their confidence. Close fused scores often put the procedure a long story is
        # about second ("… chưa đi khai tử … trễ có phải đóng tiền không?"): a lower hit goes first when its
        # confidence beats the search order by more than RANK_TRUST times its relative score gap.
        scored = [(procedure_confidence(self.searcher, q, h, model), h) for h in hits[:RERANK_DEPTH]]
        top_score = hits[0].score if hits else 1.0
        unasked = self._unasked_variants(q, [h for _, h in scored])
        # An unasked variant goes after the plain procedures whatever its score (see `_unasked_variants`).
        scored.sort(
            key=lambda pair: (
                pair[1].code in unasked,
                -(
                    pair[0]
                    + RANK_TRUST * pair[1].score / top_score
                    + TITLE_WEIGHT * self.searcher.names.title_coverage(q.text, pair[1].code)
                    + CURATED_BONUS * (self.searcher.procedures[pair[1].code].tier is Tier.curated)
                ),
            )
        )
        best = scored[0][0] if scored else 0.0

        topics = topic_words(q.text)  # words that name a procedure; none in "còn lệ phí thì sao?"
        previous = self._previous_procedure(session_id)
        if previous and (
            not topics
            or (looks_like_follow_up(q.text) and (best < self.thresholds.staff or scored[0][1].code == previous.code))
        ):
            return self._answer(previous, q, hits, max(best, self.thresholds.staff), place_line)
        if not topics:
            best = min(best, self.thresholds.answer - 0.01)  # "còn lệ phí thì sao?" alone names nothing to answer
        # A general guide answers questions about how things work ("nộp online trên VNeID thế nào")
        # when no procedure is clearly named (at most one topic word, or none of its names said) and either
        # none matches well enough or the guide's names say nearly all of the question.
        guide = self.guides.match(q.text)
        if guide is not None and (
            best < self.thresholds.answer
            or len(topics) <= 1
            or (guide.score >= GUIDE_SURE and not self.searcher.names.names_in(q.text, scored[0][1].code))
        ):
            return self._guide(guide, q)
        if best < self.thresholds.answer:
            return self._refuse(best)
        top_conf, top = scored[0]
        close = [
            h for c, h in scored[1:3] if c >= self.thresholds.answer and top_conf - c < self.thresholds.clarify_gap
        ]
        if (
            close
            and q.intents == (Intent.overview,)
            and len(q.text.split()) <= CLARIFY_WORDS
            and not self.searcher.names.is_named(q.text, top.code)
        ):
            return self._clarify([top, *close], top_conf)
        procedure = self.searcher.procedures[top.code]
        return self._answer(procedure, q, hits, top_conf, place_line)

    def _unasked_variants(self, q: Question, hits: list[Hit]) -> set[str]:
        """Hits whose title names a variant situation the question does not raise, while a plain hit says
        every word of the question the variant says: "làm hộ chiếu ở đâu" means "Cấp hộ chiếu", not "Báo mất
        hộ chiếu"; "đăng ký lại kết hôn" still means "Đăng ký lại kết hôn (khi mất …)"."""
        plain = [h for h in hits if not (self._title_variants(h.code) - q.situations)]
        out = set()
        for h in hits:
            if self._title_variants(h.code) - q.situations:
                said = self.searcher.names.words_in_names(q.text, h.code)
                if any(self.searcher.names.words_in_names(q.text, p.code) >= said for p in plain):
                    out.add(h.code)
        return out

    def _title_variants(self, code: str) -> frozenset[Situation]:
        """The variant situations a procedure's title names ("Báo mất hộ chiếu": lost), outside its brackets,
        which gloss rather than name ("Đăng ký khai tử (… cho người đã mất)" is no lost-papers variant)."""
        if code not in self._variants:
            title = _GLOSS.sub(" ", self.searcher.procedures[code].title)
            self._variants[code] = detect_situations(fold(expand_abbreviations(title))) & VARIANT_SITUATIONS
        return self._variants[code]

    def _previous_procedure(self, session_id: str | None) -> Procedure | None:
        if not session_id or self.db is None:
            return None
        state = self.db.session(session_id)
        return self.kb.procedure(state.last_code) if state and state.last_code else None

    def _answer(self, p: Procedure, q: Question, hits: list[Hit], conf: float, place_line: str = "") -> Answer:
        ranked = self.facts.rank(q, [p])
        sources = [h for h in hits if h.code == p.code]
        if not sources:
            sources = [h for h in self.searcher.search(p.title, k=3) if h.code == p.code]
        most: int | None = None
        while True:
            composed = compose_procedure(
                p,
                self.kb.sector(p.sector),
                q,
                ranked,
                today=self.today(),
                choice=self.fact_choice,
                place_line=place_line if Level.xa in p.levels else "",
                most_facts=most,
            )
            answer_conf = answer_confidence(conf, q, bool(composed.facts), self.confidence_model)
            blocks = composed.blocks
            links = composed.links
            national = p.tier is Tier.national
            if national:  # not written for the province: say so, and where the record is
                blocks = [*blocks, Block(text=f"{national_mark(self.kb.province.short_name)}; {_ASK_THE_CENTRE}")]
                if p.national_url:
                    links = [*links, Link("Bản ghi trên Cơ sở dữ liệu quốc gia", p.national_url)]
            if answer_conf < self.thresholds.staff:
                blocks = [*blocks, Block(text=_OFFER_OFFICER)]
            answer = Answer(
                True,
                answer_conf,
                AnswerKind.procedure,
                heading=composed.heading,
                direct=composed.direct,
                blocks=blocks,
                links=links,
                procedure=p,
                national=national,
                sources=sources + [h for h in hits if h.code != p.code][:2],
                intent=q.intent,
            )
            # One screen: drop the weakest facts (never cut one) until the answer fits.
            if len(composed.facts) <= 1 or len(to_markdown(answer, self.public_url)) <= MAX_ANSWER_CHARS:
                return answer
            most = len(composed.facts) - 1

    def _guide(self, match: GuideMatch, q: Question) -> Answer:
        title, body, link = self.guides.parts(match)
        return Answer(
            True,
            round(match.score, 3),
            AnswerKind.guide,
            heading=title,
            blocks=[Block(text=body, markdown=True)],
            links=[link],
            intent=q.intent,
        )

    def _clarify(self, options: list[Hit], conf: float) -> Answer:
        items = tuple(f"{h.title} (mã {h.code})" for h in options)
        block = Block(
            title="Bạn muốn hỏi thủ tục nào dưới đây? Hãy trả lời bằng tên thủ tục (hoặc mã số):",
            items=items,
            numbered=True,
        )
        return Answer(
            True, conf, AnswerKind.clarify, direct=[block], sources=options, intent=Intent.overview, clarify=True
        )

    def _refuse(self, conf: float) -> Answer:
        items = ('Hỏi lại, nêu rõ việc cần làm (ví dụ: "đăng ký khai sinh cần giấy tờ gì").', *self._help_lines())
        return Answer(
            False,
            conf,
            AnswerKind.refuse,
            direct=[
                Block(
                    text="Xin lỗi, tôi chưa tìm thấy thông tin phù hợp trong sổ tay thủ tục hành chính để trả lời câu hỏi này."
                )
            ],
            blocks=[
                Block(title="Bạn có thể:", items=items),
                Block(text="Câu hỏi của bạn đã được ghi lại để cán bộ bổ sung sổ tay."),
            ],
        )

    def _help_lines(self) -> list[str]:
        out = []
        for c in self.kb.province.contacts:
            details = "; ".join(x for x in (c.phone and f"điện thoại {c.phone}", c.address, c.url) if x)
            out.append(f"Liên hệ {c.name}" + (f": {details}" if details else "."))
        return out

    def _handoff(self, session_id: str | None, channel: str) -> Answer:
        if session_id and self.db is not None:
            self.db.mark_handoff(session_id, channel)
        text = (
            "Đã chuyển cuộc trò chuyện của bạn tới cán bộ. Cán bộ Trung tâm Phục vụ hành chính công sẽ trả lời "
            "bạn trong giờ làm việc của Trung tâm. Trong lúc chờ, bạn vẫn có thể hỏi "
            "tôi về thủ tục."
        )
        return Answer(True, 1.0, AnswerKind.handoff, direct=[Block(text=text)], handoff=True)

    def _welcome(self) -> str:
        return (
            f"Xin chào! Tôi là trợ lý thủ tục hành chính {self.kb.province.name}. Hãy hỏi tôi bằng lời của bạn, "
            'ví dụ: "làm giấy khai sinh cho con cần gì", "đăng ký tạm trú ở đâu", "sang tên xe máy". '
            'Muốn nói chuyện với cán bộ, hãy nhắn "gặp cán bộ".'
        )
