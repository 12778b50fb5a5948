"""Vietnamese normalisation and tokenising.

Two token forms feed the lexical channels:
- *toned* tokens keep every mark but write the tone as a trailing digit (``hòa`` and ``hoà``
  both become ``hoa2``), so old and new tone placement meet;
- *folded* tokens drop every mark (``hoa``), so queries typed without diacritics still match.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks in NFD → tone digit (1 = sắc, 2 = huyền, 3 = hỏi, 4 = ngã, 5 = nặng).
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]")
_CODE = re.compile(r"\b\d\.\d{6}\b")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Chat abbreviations citizens use, written out. Keys are not Vietnamese syllables on their own,
# so expanding them never changes a real word ("a", "e" are left alone: they are syllables).
ABBREVIATIONS: dict[str, str] = {
    "ko": "không", "k": "không", "kh": "không", "hok": "không", "hk0": "không",
    "dc": "được", "đc": "được", "dk": "đăng ký", "đk": "đăng ký", "dky": "đăng ký", "đky": "đăng ký",
    "j": "gì", "ji": "gì", "lm": "làm", "r": "rồi", "ad": "", "ak": "ạ",
    "vk": "vợ", "ck": "chồng", "bn": "bao nhiêu", "ntn": "như thế nào", "mk": "mình", "mik": "mình",
    "cccd": "căn cước công dân", "cmnd": "chứng minh nhân dân", "hk": "hộ khẩu",
    "gpxd": "giấy phép xây dựng", "gplx": "giấy phép lái xe", "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội", "hkd": "hộ kinh doanh", "ubnd": "ủy ban nhân dân", "xn": "xác nhận",
    "gks": "giấy khai sinh", "gcn": "giấy chứng nhận", "qsdd": "quyền sử dụng đất",
    "qsdđ": "quyền sử dụng đất", "tthc": "thủ tục hành chính", "dvc": "dịch vụ công", "sdd": "sổ đỏ",
    "dkkd": "đăng ký kinh doanh", "đkkd": "đăng ký kinh doanh", "bhnn": "bảo hiểm nông nghiệp",
    "ttpvhcc": "trung tâm phục vụ hành chính công", "sđt": "số điện thoại", "sdt": "số điện thoại",
}


# Function and chat words (folded) that say nothing about which procedure is meant.
STOPWORDS = frozenset(
    """toi em anh chi ad oi cho hoi la thi co khong can gi lam nao sao o dau va cua minh duoc nhu vay ban
    xin muon nhieu bang phai nhung cac mot nay do de voi khi da roi a ah nhe u ve tu den trong ra vao
    len bi rat hay hoac neu tuc giup dum gium vui long nua cung se""".split()
)


def strip_controls(text: str) -> str:
    """Remove control and invisible formatting characters (keeps newlines and tabs)."""
    return _CONTROL.sub("", text)


def nfc(text: str) -> str:
    """NFC, no control characters; case, spacing and line breaks kept (for text that is stored)."""
    return unicodedata.normalize("NFC", strip_controls(text))


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
    text = normalize(text)
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
    return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]


def content_words(text: str) -> list[str]:
    """Folded words that carry meaning: no function words, no bare numbers, abbreviations written out."""
    return [w for w in tokens(expand_abbreviations(text), folded=True, bigrams=False) if w not in STOPWORDS and not w.isdigit()]


def slugify(text: str) -> str:
    """``Hộ tịch`` → ``ho-tich``."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
