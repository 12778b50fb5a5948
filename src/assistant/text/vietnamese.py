"""Vietnamese normalisation and tokenising.

Two token forms feed the lexical channels:
- *toned* tokens keep every mark but write the tone as a trailing digit (``hòa`` and ``hoà``
  both become ``hoa2``), so old and new tone placement meet;
- *folded* tokens drop every mark (``hoa``), so queries typed without diacritics still match.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

# Combining tone marks in NFD → tone digit (1 = sắc, 2 = huyền, 3 = hỏi, 4 = ngã, 5 = nặng).
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]")
_CODE = re.compile(r"\b\d\.\d{6}\b")
_CODE_NO_DOT = re.compile(r"\b(\d)[-\s]?(\d{6})\b")  # 1001193 or 1-001193 typed for 1.001193
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Chat abbreviations citizens use, written out. Keys are not Vietnamese syllables on their own,
# so expanding them never changes a real word ("a", "e" are left alone: they are syllables).
ABBREVIATIONS: dict[str, str] = {
    "ko": "không",
    "k": "không",
    "kh": "không",
    "hok": "không",
    "hk0": "không",
    "dc": "được",
    "đc": "được",
    "dk": "đăng ký",
    "đk": "đăng ký",
    "dky": "đăng ký",
    "đky": "đăng ký",
    "j": "gì",
    "ji": "gì",
    "lm": "làm",
    "r": "rồi",
    "ad": "",
    "ak": "ạ",
    "vk": "vợ",
    "ck": "chồng",
    "bn": "bao nhiêu",
    "ntn": "như thế nào",
    "mk": "mình",
    "mik": "mình",
    "cccd": "căn cước công dân",
    "cmnd": "chứng minh nhân dân",
    "hk": "hộ khẩu",
    "gpxd": "giấy phép xây dựng",
    "gplx": "giấy phép lái xe",
    "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội",
    "hkd": "hộ kinh doanh",
    "ubnd": "ủy ban nhân dân",
    "xn": "xác nhận",
    "gks": "giấy khai sinh",
    "gcn": "giấy chứng nhận",
    "qsdd": "quyền sử dụng đất",
    "qsdđ": "quyền sử dụng đất",
    "tthc": "thủ tục hành chính",
    "dvc": "dịch vụ công",
    "sdd": "sổ đỏ",
    "dkkd": "đăng ký kinh doanh",
    "đkkd": "đăng ký kinh doanh",
    "bhnn": "bảo hiểm nông nghiệp",
    "ttpvhcc": "trung tâm phục vụ hành chính công",
    "sđt": "số điện thoại",
    "sdt": "số điện thoại",
}


# Function and chat words that say nothing about which procedure is meant, as written with marks.
_STOPWORDS_WRITTEN = """tôi em anh chị ad ơi cho hỏi là thì có không cần gì làm nào sao ở đâu và của mình được
    như vậy bạn xin muốn nhiêu bằng phải những các một này đó để với khi đã rồi à ạ nhé ư về từ đến trong ra
    vào lên bị rất hay hoặc nếu tục giúp dùm giùm vui lòng nữa cũng sẽ thế mấy trên"""


# Folded, some stop words collide with words that matter ("thế"/"thẻ", "mấy"/"máy"): those stay.
def strip_controls(text: str) -> str:
    """Remove control and invisible formatting characters (keeps newlines and tabs)."""
    return _CONTROL.sub("", text)


def nfc(text: str) -> str:
    """NFC, no control characters; case, spacing and line breaks kept (for text that is stored)."""
    return unicodedata.normalize("NFC", strip_controls(text))


def tidy(text: str) -> str:
    """What a person typed, cleaned for use and storage: no control characters, single spaces; case and
    marks kept."""
    return " ".join(strip_controls(text).split())


def normalize(text: str) -> str:
    """NFC, no control characters, single spaces, lowercase."""
    text = unicodedata.normalize("NFC", strip_controls(text))
    return re.sub(r"\s+", " ", text).strip().lower()


@lru_cache(maxsize=200_000)
def toned_syllable(word: str) -> str:
    """``hoà``/``hòa`` → ``hoa2``; a syllable without a tone mark stays as it is."""
    decomposed = unicodedata.normalize("NFD", word)
    tone = ""
    kept = []
    for ch in decomposed:
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)) + tone


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lowercase text with every Vietnamese mark removed: ``Đăng ký`` → ``dang ky``."""
    return " ".join(fold_word(w) for w in normalize(text).split(" "))


def words(text: str) -> list[str]:
    """Lowercase NFC syllables; procedure codes (1.001193) kept whole."""
    text = _CODE_NO_DOT.sub(r"\1.\2", normalize(text))
    codes = _CODE.findall(text)
    return codes + _WORD.findall(_CODE.sub(" ", text))


def expand_abbreviations(text: str) -> str:
    """Write out chat abbreviations (``dk hkd ko`` → ``đăng ký hộ kinh doanh không``)."""
    out = []
    for w in normalize(text).split(" "):
        key = w.strip("?.,!;:()")
        if key in ABBREVIATIONS:
            if ABBREVIATIONS[key]:
                out.append(ABBREVIATIONS[key])
        else:
            out.append(w)
    return " ".join(out)


def tokens(text: str, *, folded: bool, bigrams: bool = True) -> list[str]:
    """Syllable tokens (toned or folded) plus adjacent-syllable bigrams joined by ``_``."""
    syllables = [fold_word(w) if folded else toned_syllable(w) for w in words(text)]
    if not bigrams:
        return syllables
    return syllables + [f"{a}_{b}" for a, b in pairwise(syllables)]


@dataclass(frozen=True)
class WordSet:
    """Words written with marks, matched toned (exact) or folded; folded forms that collide with
    other words in `keep_folded` are not matched when folded ("thế" must not remove "thẻ")."""

    toned: frozenset[str]
    folded: frozenset[str]

    @classmethod
    def of(cls, written: str, keep_folded: str = "") -> WordSet:
        words = written.split()
        keep = set(keep_folded.split())
        return cls(frozenset(toned_syllable(w) for w in words), frozenset(fold_word(w) for w in words) - keep)


STOPWORDS = WordSet.of(_STOPWORDS_WRITTEN, keep_folded="the may")


def has_marks(text: str) -> bool:
    """Whether the text was typed with Vietnamese marks (then words are compared with their marks)."""
    return fold(text) != normalize(text)


# Question phrases whose first syllable, folded, is also a word that matters: "bao nhieu" is "how much", not
# "báo" (to report); without marks "gia vang hom nay bao nhieu" must not meet "Khai báo tạm vắng".
_QUESTION_PHRASES = frozenset({("bao", "nhieu"), ("bao", "lau"), ("bao", "gio")})


def _question_phrase_words(folded: list[str]) -> set[int]:
    """Positions of the syllables of question phrases in folded syllables."""
    out: set[int] = set()
    for i, pair in enumerate(pairwise(folded)):
        if pair in _QUESTION_PHRASES:
            out |= {i, i + 1}
    return out


def content_words(text: str, *, folded: bool = True, ignore: WordSet | None = None) -> list[str]:
    """Words that carry meaning, abbreviations written out: no function words (nor `ignore`), no bare
    numbers; folded, or toned so that ``chữa`` stays apart from ``chưa``."""
    expanded = expand_abbreviations(text)
    plain = tokens(expanded, folded=True, bigrams=False)
    shown = plain if folded else tokens(expanded, folded=False, bigrams=False)
    out = []
    skip = _question_phrase_words(plain)
    for i, (p, w) in enumerate(zip(plain, shown, strict=True)):
        if i in skip:
            continue
        for words in (STOPWORDS, ignore):
            if words is not None and (w in words.toned if not folded else w in words.folded):
                break
        else:
            if not p.isdigit():
                out.append(w)
    return out


def date_vi(d: dt.date) -> str:
    """A date as Vietnamese write it: 31/12/2026."""
    return d.strftime("%d/%m/%Y")


def slugify(text: str) -> str:
    """``Hộ tịch`` → ``ho-tich``."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
