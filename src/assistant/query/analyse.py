"""One citizen message, analysed once: the asked part apart from the story, the question form, the
section it asks for, the situations it names, and its folded/toned forms. Search, answer and
confidence all read this object instead of re-normalising the text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TypeVar

from assistant.text import expand_abbreviations, fold, has_marks, tidy

T = TypeVar("T")


class Form(str, Enum):
    """What kind of answer the asked part wants."""

    yes_no = "yes_no"  # "… có được không?", "có phải … không", "có cần … không"
    who = "who"  # "ai …"
    where = "where"  # "… ở đâu", "cơ quan nào"
    how_long = "how_long"  # "bao lâu", "mấy ngày"
    how_much = "how_much"  # "bao nhiêu tiền", "lệ phí"
    documents = "documents"  # "cần giấy tờ gì"
    how = "how"  # "làm thế nào", "các bước"
    overview = "overview"


class Intent(str, Enum):
    """The handbook section a question asks for."""

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

# Patterns on folded text (no marks), so "lệ phí" and "le phi" match alike; in priority order.
_INTENT_PATTERNS: list[tuple[Intent, str]] = [
    (
        Intent.online,
        r"\b(online|truc tuyen|tren mang|qua mang|dich vu cong|vneid|nop qua (app|ung dung)|tren app|qua app|qua dien thoai)\b",
    ),
    (
        Intent.fee,
        r"\b(le phi|phi|ton bao nhieu|mat bao nhieu|het bao nhieu|bao nhieu tien|may tien|tien|mien phi|dong tien)\b",
    ),
    (
        Intent.time,
        r"\b(bao lau|may ngay|bao nhieu ngay|thoi gian|thoi han|khi nao (co|nhan|lay)|mat may ngay|lau khong|lau ko)\b",
    ),
    (
        Intent.documents,
        r"\b(giay to|ho so|can (gi|nhung gi|mang)|mang (gi|theo)|chuan bi|thanh phan|can co gi|can nhung|to khai|mau don)\b",
    ),
    (
        Intent.place,
        r"\b(o dau|noi nao|cho nao|nop o|lam o|den dau|co quan nao|ai giai quyet|xa nao|phuong nao|tham quyen|o xa|o tinh)\b",
    ),
    (
        Intent.conditions,
        r"\b(dieu kien|co duoc (khong|ko)|duoc khong|duoc ko|co phai|bat buoc|truong hop nao|ai duoc|doi tuong)\b",
    ),
    (Intent.result, r"\b(nhan duoc gi|ket qua|duoc cap gi|nhan gi)\b"),
    (Intent.steps, r"\b(cac buoc|trinh tu|quy trinh|cach lam|tung buoc|buoc nao|lam nhung buoc)\b"),
]

# Question forms on the folded asked part; several may hold ("ai đi khai sinh và cần giấy tờ gì").
_FORM_PATTERNS: list[tuple[Form, str]] = [
    (
        Form.yes_no,
        r"\b(co (the |duoc |can |phai |bat buoc |bi |con )?.*\b(khong|ko|k|hong|chua)|duoc (khong|ko|k|hong|chua)|co phai|phai khong|hay khong|co duoc|co can|co bat buoc|co the|duoc phep)\b",
    ),
    (Form.who, r"(^|\s)ai(\s|$)|\b(nguoi nao|ai (se|duoc|lam|cap|di|phai|co)|co quan nao cap)\b"),
    (
        Form.where,
        r"\b(o dau|noi nao|cho nao|di dau|ve dau|tren dau|co quan nao|xa nao|phuong nao|lam o|nop o|den dau)\b",
    ),
    (Form.how_long, r"\b(bao lau|may ngay|bao nhieu ngay|bao nhieu thang|khi nao|bao gio|thoi han|han chot)\b"),
    (
        Form.how_much,
        r"\b(bao nhieu tien|le phi|mat phi|ton bao nhieu|het bao nhieu|may tien|mien phi|phi bao nhieu|muc phi)\b",
    ),
    (
        Form.documents,
        r"\b(giay to gi|ho so gi|can gi|can nhung gi|giay to nao|ho so gom|mang theo gi|chuan bi gi|can giay to|can mang)\b",
    ),
    (
        Form.how,
        r"\b(the nao|ra sao|lam sao|cach nao|cac buoc|thu tuc gi|lam gi|phai lam gi|nhu the nao|bang cach nao)\b",
    ),
]

# A sentence is a question when it ends with "?" or carries an interrogative word.
_INTERROGATIVE = re.compile(
    r"\b(khong|ko|k|hong|chua|gi|nao|dau|sao|bao nhieu|bao lau|ai|may|the nao|ra sao|phai khong|duoc khong|hay khong)\s*[?!.]*$"
    r"|\b(ai|bao nhieu|bao lau|o dau|the nao|ra sao|lam sao|co phai|co the|co duoc|co can|khi nao|bao gio|nhu the nao)\b"
)
_SENTENCE = re.compile(r"(?<=[?.!;\n])\s+|(?<=\?)(?=\S)")


class Situation(str, Enum):
    """People and circumstances a message names; facts carry the same tags."""

    abroad = "abroad"
    foreigner = "foreigner"
    soldier = "soldier"
    detained = "detained"
    minor = "minor"
    deceased = "deceased"
    temporary_residence = "temporary_residence"
    same_sex = "same_sex"
    lost = "lost"
    damaged = "damaged"
    overdue = "overdue"
    on_behalf = "on_behalf"
    other_place = "other_place"
    dispute = "dispute"
    disabled = "disabled"
    abandoned = "abandoned"
    elderly = "elderly"
    online = "online"


_SITUATIONS: dict[Situation, str] = {
    Situation.abroad: r"\b(nuoc ngoai|o (my|uc|han quoc|nhat|nhat ban|dai loan|duc|phap|canada|anh|singapore|malaysia|thai lan|campuchia|lao|trung quoc)|xuat khau lao dong|dinh cu|viet kieu|kieu bao|dai su quan|lanh su|co quan dai dien)\b",
    Situation.foreigner: r"\b(nguoi nuoc ngoai|quoc tich nuoc ngoai|yeu to nuoc ngoai|nguoi (my|han|han quoc|nhat|trung quoc|dai loan|campuchia|lao|thai|phap|duc|uc|anh)|ngoai quoc|khach nuoc ngoai)\b",
    Situation.soldier: r"\b(bo doi|quan doi|quan nhan|nghia vu quan su|di nghia vu|cong an nhan dan|luc luong vu trang|don vi quan doi|si quan|cong an)\b",
    Situation.detained: r"\b(tam giam|tam giu|chap hanh an|ngoi tu|trong tu|trai giam|phat tu|cai nghien bat buoc)\b",
    Situation.minor: r"\b(duoi (6|14|16|18) tuoi|chua du (14|16|18)|chua thanh nien|vi thanh nien|tre em|tre (nho|so sinh)|con nho|be |em be|chau nho)\b",
    Situation.deceased: r"\b(qua doi|tu vong|chet|da mat|mat (roi|duoc|da|nam|thang|tai|o)|nguoi mat|khai tu|bao tu|nguoi da khuat|mat (\d+|mot|hai|ba) (nam|thang))\b",
    Situation.temporary_residence: r"\b(tam tru|o tro|thue tro|nha tro|thue nha|o nho|khong co ho khau|khong thuong tru|ho khau o (que|tinh khac))\b",
    Situation.same_sex: r"\b(cung gioi|dong gioi|dong tinh|hai nguoi nam|hai nguoi nu|hai ban nam|hai ban nu|lgbt)\b",
    Situation.lost: r"\b((bi|lam|da) (mat|that lac|roi)|danh roi|danh mat|that lac|mat (the|giay|so|ho chieu|can cuoc|cccd|ban chinh|vi|het|ca))\b",
    Situation.damaged: r"\b(hong|hu hong|hu|gay|rach|bong troc|mo chu|mo|khong doc duoc|bi uot|chay)\b",
    Situation.overdue: r"\b(qua han|tre han|het han|muon|chua (lam|dang ky|khai)|(da|qua|hon|sau) (\d+|mot|hai|ba|bon|nam|vai|may) (nam|thang|ngay)|lau roi|bay gio moi)\b",
    Situation.on_behalf: r"\b(thay|uy quyen|nho (nguoi|ai|ba|me|bo|anh|chi|em|ong|co|chu|di|cha)|giup (toi|minh|em)|dum|dai dien|thay mat|di lam ho|lam ho)\b",
    Situation.other_place: r"\b(tinh khac|noi khac|xa khac|phuong khac|que|khac tinh|khac xa|thanh pho khac|o xa|can tho|sai gon|tp hcm|ho chi minh|ha noi|binh duong|dong nai)\b",
    Situation.dispute: r"\b(tranh chap|lan chiem|lan ranh|khieu nai|khoi kien|kien (ra )?toa|xung dot)\b",
    Situation.disabled: r"\b(khuyet tat|tan tat|benh nang|om nang|liet|khong di lai duoc|nam vien|dang om|bi benh)\b",
    Situation.abandoned: r"\b(bo roi|bi bo|nhat duoc|phat hien mot (be|tre|chau)|tre lac)\b",
    Situation.elderly: r"\b(nguoi gia|cao tuoi|tu 80|80 tuoi|tren 80|gia yeu)\b",
    Situation.online: r"\b(online|truc tuyen|qua mang|tren mang|vneid|dich vu cong)\b",
}
_SITUATION_RE = {s: re.compile(p) for s, p in _SITUATIONS.items()}


def detect_situations(folded: str) -> frozenset[Situation]:
    """Situations named in folded text (abbreviations already written out)."""
    return frozenset(s for s, pattern in _SITUATION_RE.items() if pattern.search(folded))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip(" .;!")]


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_INTERROGATIVE.search(fold(expand_abbreviations(sentence))))


def split_asked(text: str) -> tuple[str, str]:
    """(story, asked): the trailing run of interrogative sentences is what is asked; what comes before
    is the story. A message with no interrogative sentence is asked whole."""
    sentences = _sentences(text)
    if len(sentences) <= 1:
        return "", text
    end = len(sentences)
    while end > 0 and not _is_question(sentences[end - 1]):
        end -= 1  # a closing "cảm ơn ạ." or "nhờ ad tư vấn." is neither
    if end == 0:
        return "", text
    start = end
    while start > 0 and _is_question(sentences[start - 1]):
        start -= 1
    asked = " ".join(sentences[start:end])
    story = " ".join(sentences[:start] + sentences[end:])
    return story, asked


def _matching(patterns: list[tuple[T, str]], text: str) -> list[T]:
    """The labels whose pattern matches the folded text (abbreviations written out), in pattern order."""
    folded = fold(expand_abbreviations(text))
    return [label for label, pattern in patterns if re.search(pattern, folded)]


def detect_intents(text: str) -> list[Intent]:
    """All sections asked for, in priority order; [overview] when none is recognised."""
    return _matching(_INTENT_PATTERNS, text) or [Intent.overview]


def detect_forms(text: str) -> list[Form]:
    return _matching(_FORM_PATTERNS, text) or [Form.overview]


@dataclass(frozen=True)
class Question:
    """A citizen's message, analysed once."""

    text: str  # as typed, tidied
    asked: str  # the asked part (the whole text when no story is told)
    story: str  # what comes before the asked part
    forms: tuple[Form, ...]
    intents: tuple[Intent, ...]  # sections the asked part asks for
    situations: frozenset[Situation]
    accented: bool  # typed with Vietnamese marks
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @cached_property
    def expanded(self) -> str:
        """The text with chat abbreviations written out."""
        return expand_abbreviations(self.text)

    @cached_property
    def folded(self) -> str:
        return fold(self.expanded)

    @cached_property
    def asked_expanded(self) -> str:
        return expand_abbreviations(self.asked)

    @property
    def has_story(self) -> bool:
        return bool(self.story)

    @property
    def intent(self) -> Intent:
        return self.intents[0]

    @property
    def form(self) -> Form:
        return self.forms[0]


def analyse(text: str) -> Question:
    text = tidy(text)
    story, asked = split_asked(text)
    return Question(
        text=text,
        asked=asked,
        story=story,
        forms=tuple(detect_forms(asked)),
        intents=tuple(detect_intents(asked)),
        situations=detect_situations(fold(expand_abbreviations(text))),
        accented=has_marks(text),
    )
