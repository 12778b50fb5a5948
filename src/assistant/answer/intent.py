"""What the citizen asks about: papers, fee, time, place, steps, conditions, result, online, or an overview."""

from __future__ import annotations

import re
from enum import Enum

from assistant.text import WordSet, content_words, expand_abbreviations, fold, has_marks


class Intent(str, Enum):
    documents = "documents"
    fee = "fee"
    time = "time"
    place = "place"
    steps = "steps"
    conditions = "conditions"
    result = "result"
    online = "online"
    overview = "overview"


# Handbook section that answers each intent (anchors of handbook/render.py SECTIONS).
SECTION_OF = {
    Intent.documents: "ho-so",
    Intent.fee: "le-phi",
    Intent.time: "thoi-gian",
    Intent.place: "noi-nop",
    Intent.steps: "cac-buoc",
    Intent.conditions: "dieu-kien",
    Intent.result: "ket-qua",
    Intent.online: "cach-nop",
    Intent.overview: "",
}

# Patterns on folded text (no marks), so "lệ phí" and "le phi" match alike. First match wins
# in this order, but a question can carry several intents ("cần giấy tờ gì, nộp ở đâu").
_PATTERNS: list[tuple[Intent, str]] = [
    (Intent.online, r"\b(online|truc tuyen|tren mang|qua mang|dich vu cong|vneid|nop qua (app|ung dung)|tren app|qua app|qua dien thoai)\b"),
    (Intent.fee, r"\b(le phi|phi|ton bao nhieu|mat bao nhieu|het bao nhieu|bao nhieu tien|may tien|tien|mien phi|dong tien)\b"),
    (Intent.time, r"\b(bao lau|may ngay|bao nhieu ngay|thoi gian|thoi han|khi nao (co|nhan|lay)|mat may ngay|lau khong|lau ko)\b"),
    (Intent.documents, r"\b(giay to|ho so|can (gi|nhung gi|mang)|mang (gi|theo)|chuan bi|thanh phan|can co gi|can nhung|to khai|mau don)\b"),
    (Intent.place, r"\b(o dau|noi nao|cho nao|nop o|lam o|den dau|co quan nao|ai giai quyet|xa nao|phuong nao|tham quyen|o xa|o tinh)\b"),
    (Intent.conditions, r"\b(dieu kien|co duoc (khong|ko)|duoc khong|duoc ko|co phai|bat buoc|truong hop nao|ai duoc|doi tuong)\b"),
    (Intent.result, r"\b(nhan duoc gi|ket qua|duoc cap gi|nhan gi)\b"),
    (Intent.steps, r"\b(cac buoc|trinh tu|quy trinh|cach lam|tung buoc|buoc nao|lam nhung buoc)\b"),
]


def detect_intents(question: str) -> list[Intent]:
    """All intents found, in priority order; [overview] when none is recognised."""
    text = fold(expand_abbreviations(question))
    # "thủ tục … thế nào" / "làm sao" without a specific question is a request for an overview.
    found = [intent for intent, pattern in _PATTERNS if re.search(pattern, text)]
    return found or [Intent.overview]


# A follow-up refers back to the previous procedure: "còn lệ phí thì sao?", "nộp online được không".
_FOLLOW_UP = re.compile(r"^(con|vay|the|the con|neu|nhu vay|vay thi|thi sao|co|nop|lam)\b|\b(thi sao|the nao|duoc khong|duoc ko|khong a|ko a)\s*\??$")


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


def looks_like_follow_up(question: str) -> bool:
    text = fold(expand_abbreviations(question)).strip(" ?.!")
    return len(text.split()) <= 8 and bool(_FOLLOW_UP.search(text) or len(text.split()) <= 4)
