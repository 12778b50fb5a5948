"""Words of a question that name a procedure, and follow-ups that refer back to the previous one.
(The section asked for, `Intent`, is read by the question analysis in `assistant.query`.)"""

from __future__ import annotations

import re

from assistant.query import SECTION_OF, Intent, detect_intents
from assistant.text import WordSet, content_words, expand_abbreviations, fold, has_marks

__all__ = ["SECTION_OF", "Intent", "detect_intents", "looks_like_follow_up", "topic_words"]


# A follow-up refers back to the previous procedure: "còn lệ phí thì sao?", "nộp online được không".
_FOLLOW_UP = re.compile(
    r"^(con|vay|the|the con|neu|nhu vay|vay thi|thi sao|co|nop|lam)\b|\b(thi sao|the nao|duoc khong|duoc ko|khong a|ko a)\s*\??$"
)


# Words that only say *what* is asked about (fee, time, papers, online…), never *which* procedure.
_ASPECT_WORDS = WordSet.of(
    # words that collide with words naming procedures are left out (kết quả/kết hôn, mất/mất thẻ, nhận…)
    """online trực tuyến mạng nộp lệ phí tiền miễn bao lâu ngày thời gian giấy tờ hồ sơ nơi nào chỗ điều
    kiện bước tự quy cách hướng dẫn hết tốn app ứng dụng điện thoại dịch vụ qua bưu chính chuẩn bị thành phần
    mẫu đơn tờ khai cơ thẩm quyền xã phường tỉnh tượng còn""",
    # folded, these collide too (hộ/hồ, sổ/số, khai sinh/tờ khai, quán/cơ quan…)
    keep_folded="ho so khai bao co noi",
)


def topic_words(question: str) -> list[str]:
    """Content words that say *which* procedure ("đăng ký kết hôn cần giấy tờ gì" → đăng ký kết hôn);
    compared with their marks when typed with marks, folded otherwise."""
    return content_words(question, folded=not has_marks(question), ignore=_ASPECT_WORDS)


# A follow-up is short: at most FOLLOW_UP_WORDS words with a follow-up phrase ("còn lệ phí thì sao"), or at
# most BARE_FOLLOW_UP_WORDS words without one ("nộp ở đâu"); longer messages name their own procedure.
FOLLOW_UP_WORDS = 8
BARE_FOLLOW_UP_WORDS = 4


def looks_like_follow_up(question: str) -> bool:
    """Whether a message reads as a follow-up on the procedure of the conversation."""
    words = fold(expand_abbreviations(question)).strip(" ?.!").split()
    text = " ".join(words)
    return len(words) <= FOLLOW_UP_WORDS and bool(_FOLLOW_UP.search(text) or len(words) <= BARE_FOLLOW_UP_WORDS)
