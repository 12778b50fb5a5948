"""Find the province's current and former units named in a citizen's free text.

Many unit names are ordinary words ("Mỹ", "An", "Bình", "Tân", "Thứ Ba"…), so a name counts only
- after its type word: xã, phường, thị trấn, đặc khu, huyện, thành phố, thị xã (with or without marks;
  also p, tt, tp, tx, and h., x. with their dot), or
- written whole without it, at least two syllables, next to a place cue ("ở Hòn Tre", "Mỹ Hòa Hưng cũ",
  "… giờ thuộc") or at least three syllables.
A syllable typed with marks must carry the name's marks ("phương" is not "phường"); one typed without
marks matches any. A district named anywhere ("… huyện Gò Quao", "Hòn Tre Kiên Hải") picks among former
units of the same name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict

from assistant.places.models import FormerUnit, Unit, UnitType
from assistant.text.vietnamese import STOPWORDS, fold, fold_word, strip_controls, toned_syllable

Kind = Literal["unit", "former", "district"]

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# (folded words, as written with marks or None for an abbreviation, category, needs a dot after)
_TYPE_PHRASES: list[tuple[tuple[str, ...], tuple[str, ...] | None, str, bool]] = [
    (("thi", "tran"), ("thị", "trấn"), "thi_tran", False),
    (("dac", "khu"), ("đặc", "khu"), "dac_khu", False),
    (("thanh", "pho"), ("thành", "phố"), "thanh_pho", False),
    (("thi", "xa"), ("thị", "xã"), "thi_xa", False),
    (("xa",), ("xã",), "xa", False),
    (("phuong",), ("phường",), "phuong", False),
    (("huyen",), ("huyện",), "huyen", False),
    (("tinh",), ("tỉnh",), "tinh", False),
    (("tt",), None, "thi_tran", False),
    (("p",), None, "phuong", False),
    (("tp",), None, "thanh_pho", False),
    (("tx",), None, "thi_xa", False),
    (("h",), None, "huyen", True),
    (("x",), None, "xa", True),
]
_COMMUNE = {"xa", "phuong", "thi_tran", "dac_khu"}
_DISTRICT = {"huyen", "thanh_pho", "thi_xa"}
_TYPE_OF_UNIT = {
    UnitType.xa: "xa",
    UnitType.phuong: "phuong",
    UnitType.dac_khu: "dac_khu",
    UnitType.thi_tran: "thi_tran",
}
_DISTRICT_TYPES = {"huyen": "huyen", "thanh pho": "thanh_pho", "thi xa": "thi_xa"}
# Words right before a name that make it a place: "ở Hòn Tre", "tại Mỹ Hòa Hưng", "thuộc Vĩnh Thông".
_PRE_CUES = {"o": "ở", "tai": "tại", "thuoc": "thuộc", "que": "quê", "song": "sống", "ve": "về", "den": "đến"}
# Words right after: "Mỹ Hòa Hưng cũ", "Chợ Mới giờ…", "Nam Du nay…", "Hòn Tre trước đây…", "Vĩnh Thông mới".
_POST_CUES = {
    "cu": "cũ",
    "gio": "giờ",
    "nay": "nay",
    "truoc": "trước",
    "moi": "mới",
    "bay": "bây",
    "hien": "hiện",
    "sau": "sau",
    "thuoc": "thuộc",
}
_OLD = re.compile(r"\b(cu|truoc day|truoc kia|ngay truoc|hoi truoc)\b")
_SENTENCE_END = re.compile(r"[.!?…:;\n]\s*$")


class PlaceMatch(BaseModel):
    """A unit named in a text: a current unit, a former one, or a former district."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    name: str  # as in the data: "Phường Vĩnh Thanh Vân", "Xã Chợ Mới", "Huyện Kiên Hải"
    district: str = ""  # former unit: its former district ("Thành phố Rạch Giá")
    province: str = ""  # former unit or district: its former province ("Tỉnh Kiên Giang")
    units: list[Unit]  # the current unit itself, or the current units it is now part of
    former: FormerUnit | None = None
    typed: bool  # its type word was written before the name
    text: str  # the words of the text that named it
    score: float  # 1.0 typed with its own type; 0.85 typed with another type; 0.6–0.7 written alone

    @property
    def split(self) -> bool:
        """A former unit whose area went to two or more current units."""
        return self.kind == "former" and len(self.units) > 1


@dataclass(frozen=True)
class _Token:
    raw: str
    folded: str
    toned: str
    marked: bool
    start: int
    end: int
    dot: bool  # a "." right after it ("p.", "h.")


@dataclass(frozen=True)
class _Entry:
    kind: Kind
    category: str  # xa, phuong, thi_tran, dac_khu, huyen, thanh_pho, thi_xa
    toned: tuple[str, ...]
    name: str
    district: str = ""
    province: str = ""
    unit: Unit | None = None
    former: FormerUnit | None = None


def _tokens(text: str) -> list[_Token]:
    text = unicodedata.normalize("NFC", strip_controls(text))
    out = []
    for m in _TOKEN.finditer(text):
        raw = m.group(0)
        low = raw.lower()
        folded = fold_word(low)
        out.append(
            _Token(
                raw, folded, toned_syllable(low), folded != low, m.start(), m.end(), text[m.end() : m.end() + 1] == "."
            )
        )
    return out


def _fits(token: _Token, written: str) -> bool:
    """A syllable typed without marks fits any; one with marks must carry the written marks."""
    return not token.marked or token.toned == toned_syllable(written.lower())


def _syllables(name: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFC", name))


# Type words and "cũ"/"mới" in a lookup ("phuong vinh thanh van cu"): not part of any name.
_LOOKUP_NOISE = re.compile(r"\b(?:thi tran|dac khu|thanh pho|thi xa|xa|phuong|huyen|tinh|tt|tp|tx|p|cu|moi)\b")


class Gazetteer:
    """The province's units, indexed by name for `find`. Build once per knowledge base."""

    def __init__(self, units: Sequence[Unit]) -> None:
        from assistant.places.sources import province_names

        self.units = list(units)
        self._by_code = {u.code: u for u in self.units}
        self._names: dict[tuple[str, ...], list[_Entry]] = defaultdict(list)
        districts: dict[tuple[str, str], list[Unit]] = defaultdict(list)
        formers: dict[tuple[str, str, str], tuple[FormerUnit, list[Unit]]] = {}
        for unit in self.units:
            self._add(unit.short_name, _Entry("unit", _TYPE_OF_UNIT[unit.type], (), unit.name, unit=unit))
            for f in unit.former:
                key = (f.name, f.district, f.province)
                if key not in formers:
                    formers[key] = (f, [])
                formers[key][1].append(unit)
                if unit not in districts[(f.district, f.province)]:
                    districts[(f.district, f.province)].append(unit)
        self._former_units = {key: units for key, (_, units) in formers.items()}
        for (name, district, province), (f, _) in formers.items():
            self._add(f.short_name, _Entry("former", _TYPE_OF_UNIT[f.type], (), name, district, province, former=f))
        self._district_units = dict(districts)
        for district, province in districts:
            folded = fold(district)
            category = next((c for prefix, c in _DISTRICT_TYPES.items() if folded.startswith(prefix + " ")), "huyen")
            short = district.split(" ", 2 if category != "huyen" else 1)[-1]
            self._add(short, _Entry("district", category, (), district, "", province))
        self._max_len = max((len(k) for k in self._names), default=0)
        provinces = {f.province for u in self.units for f in u.former}
        self._provinces = {tuple(fold(p).split()[1:]): p for p in provinces}  # ("kien", "giang") → "Tỉnh Kiên Giang"
        self._province_names = {tuple(n.split()) for n in province_names()}

    def _add(self, short: str, entry: _Entry) -> None:
        words = _syllables(short)
        key = tuple(fold_word(w.lower()) for w in words)
        self._names[key].append(replace(entry, toned=tuple(words)))

    @classmethod
    def of(cls, units: list[Unit]) -> Gazetteer:
        """The gazetteer of a loaded knowledge base's `units` list, built on first use and kept."""
        hit = _BUILT.get(id(units))
        if hit is not None and hit[0] is units:
            return hit[1]
        gazetteer = cls(units)
        _BUILT[id(units)] = (units, gazetteer)
        return gazetteer

    def search(self, query: str, limit: int = 20) -> list[Unit]:
        """Current units for a lookup box: a unit whose code is typed, those `find` recognises in the query, then every unit whose
        name, or a former unit's or district's name, holds all the query's words (folded, type words aside);
        exact names before names that start with the query, before the rest."""
        out: list[Unit] = [
            self._by_code[int(w)] for w in query.split() if w.isascii() and w.isdigit() and int(w) in self._by_code
        ]
        for m in self.find(query):
            out += [u for u in m.units if u not in out]
        words = _LOOKUP_NOISE.sub(" ", " ".join(_TOKEN.findall(fold(query)))).split()
        if words:
            wanted = " ".join(words)
            scored = []
            for unit in self.units:
                names = [(unit.short_name, 0)] + [(f.short_name, 0) for f in unit.former]
                names += [(f.district_short, 2) for f in unit.former]  # a former district: after unit names
                best = 0
                for name, penalty in names:
                    folded = fold(name)
                    if folded == wanted:
                        best = max(best, 4 - penalty)
                    elif folded.startswith(wanted):
                        best = max(best, 3 - penalty)
                    elif all(w in folded.split() for w in words):
                        best = max(best, 1)
                if best:
                    scored.append((-best, fold(unit.short_name), unit))
            out += [u for _, _, u in sorted(scored, key=lambda x: (x[0], x[1])) if u not in out]
        return out[:limit]

    def unit(self, code: int) -> Unit | None:
        return self._by_code.get(code)

    def units_of(self, entry: _Entry) -> list[Unit]:
        if entry.kind == "unit":
            assert entry.unit is not None
            return [entry.unit]
        if entry.kind == "former":
            return list(self._former_units[(entry.name, entry.district, entry.province)])
        return list(self._district_units[(entry.name, entry.province)])

    # --- finding ---------------------------------------------------------------------------------
    def _names_at(self, tokens: list[_Token], j: int, min_len: int = 1) -> tuple[int, list[_Entry]]:
        """The longest known name starting at token j: (length, entries whose marks fit)."""
        for length in range(min(self._max_len, len(tokens) - j), min_len - 1, -1):
            key = tuple(t.folded for t in tokens[j : j + length])
            fitting = [
                e
                for e in self._names.get(key, [])
                if all(_fits(t, w) for t, w in zip(tokens[j : j + length], e.toned, strict=True))
            ]
            if fitting:
                return length, fitting
        return 0, []

    def _type_at(self, tokens: list[_Token], i: int) -> list[tuple[int, str]]:
        """Type phrases starting at token i, longest first: (length, category)."""
        out = []
        for folded, written, category, needs_dot in _TYPE_PHRASES:
            part = tokens[i : i + len(folded)]
            if len(part) < len(folded) or tuple(t.folded for t in part) != folded:
                continue
            if written is None and any(t.marked for t in part):
                continue
            if written is not None and not all(_fits(t, w) for t, w in zip(part, written, strict=True)):
                continue
            if needs_dot and not part[-1].dot:
                continue
            out.append((len(folded), category))
        return out

    @staticmethod
    def _by_category(category: str, entries: list[_Entry]) -> tuple[list[_Entry], bool]:
        """Entries a type word points to: its own type (exact) or, failing that, a near one."""
        exact = [e for e in entries if e.category == category]
        if exact:
            return exact, True
        if category in _COMMUNE:
            near = [e for e in entries if e.kind != "district"]
            if category == "dac_khu":
                near = near or [e for e in entries if e.kind == "district"]
            return near, False
        if category in _DISTRICT:
            return [e for e in entries if e.kind == "district"] or [e for e in entries if e.kind != "district"], False
        return [], False

    def _typed_at(self, tokens: list[_Token], i: int) -> tuple[int, int, list[_Entry], bool] | None:
        """A type word and a name at token i: (name start, name end, entries, exact type)."""
        best = None
        for length, category in self._type_at(tokens, i):
            if category == "tinh":
                continue
            n, entries = self._names_at(tokens, i + length)
            chosen, exact = self._by_category(category, entries)
            if chosen and (best is None or (exact and not best[3])):
                best = (i + length, i + length + n, chosen, exact)
        return best

    def _continues(self, tokens: list[_Token], text: str, start: int, end: int) -> bool:
        """A capitalised name followed by another capitalised word that is not a known word: the
        name goes on ("xã Vĩnh Thanh Hoàng" is not xã Vĩnh Thanh), so it is not this unit."""
        if end >= len(tokens) or not tokens[start].raw[:1].isupper():
            return False
        nxt = tokens[end]
        if not nxt.raw[:1].isupper() or _SENTENCE_END.search(text[tokens[end - 1].end : nxt.start]):
            return False
        if nxt.folded in _POST_CUES or nxt.folded in STOPWORDS.folded or self._type_at(tokens, end):
            return False
        return (
            not self._names_at(tokens, end)[1] and tuple(t.folded for t in tokens[end : end + 2]) not in self._provinces
        )

    def find(self, text: str) -> list[PlaceMatch]:
        """Units named in `text`, best first (see the module's docstring for what counts)."""
        tokens = _tokens(text)
        clean = unicodedata.normalize("NFC", strip_controls(text))
        found: list[tuple[int, int, _Entry, bool, float]] = []  # (start, end, entry, typed, score)
        covered: set[int] = set()
        i = 0
        while i < len(tokens):
            hit = self._typed_at(tokens, i)
            if hit is not None and not hit[3] and i + 1 < len(tokens):
                # "thi xa Cho Moi" typed without marks may be "thì xã Chợ Mới": an exact type one word on wins.
                later = self._typed_at(tokens, i + 1)
                if later is not None and later[3] and later[1] == hit[1]:
                    hit = later
            if hit is not None and not self._continues(tokens, clean, hit[0], hit[1]):
                start, end, entries, exact = hit
                for e in entries:
                    found.append((start, end, e, True, 1.0 if exact else 0.85))
                covered.update(range(i, end))
                i = end
                continue
            i += 1
        i = 0
        while i < len(tokens):
            if i in covered:
                i += 1
                continue
            n, entries = self._names_at(tokens, i, min_len=2)
            if n and not covered.intersection(range(i, i + n)) and self._cued(tokens, i, i + n):
                for e in entries:
                    found.append((i, i + n, e, False, 0.7 if n < 3 or self._has_cue(tokens, i, i + n) else 0.6))
                i += n
                continue
            i += 1
        return self._rank(found, tokens, clean)

    def name_words(self, text: str) -> set[str]:
        """Folded words of `text` that belong to a known name of two or more syllables, or to a province."""
        tokens = _tokens(text)
        out: set[str] = set()
        for i in range(len(tokens)):
            n, _ = self._names_at(tokens, i, min_len=2)
            if tuple(t.folded for t in tokens[i : i + 2]) in self._provinces:
                n = max(n, 2)
            out.update(t.folded for t in tokens[i : i + n])
        out.update(fold(m.text) for m in self.find(text))
        return {w for part in out for w in part.split()}

    def without_places(self, text: str) -> str:
        """`text` without the places it names, their type words and "cũ"/"mới" after them: "làm khai sinh
        ở xã Định An huyện Gò Quao cũ" → "làm khai sinh ở". A procedure question that names a place is
        still the procedure question: the place must not pull search towards unrelated words."""
        names = self.name_words(text)
        if not names:
            return text
        words = text.split()
        folded = [fold(w.strip(".,;:!?()\"'")) for w in words]
        drop = [bool(f) and all(part in names for part in f.split()) for f in folded]
        type_words = {
            "xa",
            "phuong",
            "huyen",
            "tinh",
            "tt",
            "tp",
            "tx",
            "p",
            "thi",
            "tran",
            "dac",
            "khu",
            "thanh",
            "pho",
        }
        for i in range(len(words) - 2, -1, -1):  # type words before a dropped name ("thị trấn Chợ Mới")
            if drop[i + 1] and folded[i] in type_words:
                drop[i] = True
        for i in range(1, len(words)):  # "… Gò Quao cũ"
            if drop[i - 1] and folded[i] in ("cu", "moi"):
                drop[i] = True
        kept = [w for w, d in zip(words, drop, strict=True) if not d]
        return " ".join(kept) if kept else text

    def _has_cue(self, tokens: list[_Token], start: int, end: int) -> bool:
        before = tokens[start - 1] if start > 0 else None
        after = tokens[end] if end < len(tokens) else None
        if before is not None and before.folded in _PRE_CUES and _fits(before, _PRE_CUES[before.folded]):
            return True
        if after is not None and after.folded in _POST_CUES and _fits(after, _POST_CUES[after.folded]):
            return True
        return end < len(tokens) and (bool(self._type_at(tokens, end)) or self._names_at(tokens, end, min_len=2)[0] > 0)

    def _cued(self, tokens: list[_Token], start: int, end: int) -> bool:
        """A name written without its type word counts next to a cue, or when it has three syllables;
        never when it is a province's name ("ở Long An")."""
        key = tuple(t.folded for t in tokens[start:end])
        if key in self._province_names or key in self._provinces:
            return False
        return end - start >= 3 or self._has_cue(tokens, start, end)

    def _rank(
        self, found: list[tuple[int, int, _Entry, bool, float]], tokens: list[_Token], text: str
    ) -> list[PlaceMatch]:
        folded = fold(text)
        # Districts and provinces named anywhere pick among former units of the same name.
        districts: set[str] = set()
        provinces: set[str] = set()
        for i in range(len(tokens)):
            n, entries = self._names_at(tokens, i)
            districts.update(e.name for e in entries if e.kind == "district")
            key = tuple(t.folded for t in tokens[i : i + 2])
            if key in self._provinces:
                provinces.add(self._provinces[key])
        by_span: dict[tuple[int, int], list[tuple[_Entry, bool, float]]] = defaultdict(list)
        for start, end, e, typed, score in found:
            by_span[(start, end)].append((e, typed, score))
        old = bool(_OLD.search(folded))
        communes = any(e.kind != "district" for _, _, e, _, _ in found)
        matches: list[tuple[float, int, PlaceMatch]] = []
        used_districts: set[str] = set()
        for (start, end), items in by_span.items():
            formers = [it for it in items if it[0].kind == "former"]
            if len(formers) > 1:
                keep = [it for it in formers if it[0].district in districts] or [
                    it for it in formers if it[0].province in provinces
                ]
                if keep:
                    items = [it for it in items if it[0].kind != "former" or it in keep]
            for e, typed, score in items:
                if e.kind == "former":
                    used_districts.add(e.district)
                    if e.district in districts:
                        score += 0.05
                rank = {"unit": (0.02, 0.0), "former": (0.01, 0.02), "district": (0.0, 0.01)}[e.kind][1 if old else 0]
                if e.kind == "district" and communes:
                    rank -= 0.1  # "xã Định An huyện Gò Quao": the xã is the subject
                piece = text[tokens[start].start : tokens[end - 1].end]
                matches.append(
                    (
                        score + rank,
                        start,
                        PlaceMatch(
                            kind=e.kind,
                            name=e.name,
                            district=e.district,
                            province=e.province,
                            units=self.units_of(e),
                            former=e.former,
                            typed=typed,
                            text=piece,
                            score=round(min(score, 1.0), 3),
                        ),
                    )
                )
        out: list[PlaceMatch] = []
        seen: set[tuple[str, str, str, str]] = set()
        for _, _, m in sorted(matches, key=lambda x: (-x[0], x[1])):
            key = (m.kind, m.name, m.district, m.province)
            if key in seen or (m.kind == "district" and m.name in used_districts):
                continue  # a district that only said which former unit was meant
            seen.add(key)
            out.append(m)
        return out


# --- is it a question about a place? -----------------------------------------------------------------

# Asking outright what a place now is or belongs to.
_ASKS = re.compile(
    r"\b(?:(?:gio|bay gio|hien gio|hien nay|nay|hien tai|sau sap nhap|sau khi sap nhap) (?:thuoc|la|thanh|doi)"
    r"|sap nhap|sat nhap|gop (?:vao|voi|lai|thanh)|doi ten|ten moi|ten cu|thuoc dau|thuoc ve dau"
    r"|thuoc (?:xa|phuong|dac khu|don vi|huyen|tinh|thi tran|cho|noi) ?(?:nao|gi|dau)"
    r"|(?:xa|phuong|dac khu|don vi) (?:nao|gi)|gom (?:nhung |cac )?(?:xa|phuong|thi tran|don vi)|hinh thanh tu"
    r"|truoc (?:day|kia) (?:la|thuoc))\b"
)
# Cues that make a question about a place only when nothing else is asked: "… cũ", "làm giấy tờ ở đâu".
_WHERE = re.compile(r"\b(?:cu|moi|o dau|di dau|den dau|trung tam|dia chi|truoc day|truoc kia)\b")
# Words that say nothing about a procedure: what is left once they, the function words and the place
# names are taken out is what else the question asks ("làm khai sinh" is a procedure question).
_GENERIC = set(
    """giay to ho so thu tuc hanh chinh lam nop di den dau nao gi o tai thuoc gio nay bay hien la cu moi truoc
    day kia sap sat nhap gop doi ten xa phuong thi tran dac khu huyen tinh thanh pho trung tam phuc vu cong uy ban
    nhan dan dia chi don vi vay song que nha toi minh em anh chi oi hoi cho biet chinh quyen cap ve vao voi lai sau
    khi hien nay thi ma con chu nhi ha sao a tp tt tx p h x""".split()
)


def is_place_question(text: str, gazetteer: Gazetteer) -> bool:
    """Whether `text` asks what a place now is, belongs to, or where to go ("xã Mỹ Hòa Hưng cũ giờ thuộc
    đâu", "thị trấn Chợ Mới giờ là gì", "ở Hòn Tre thì làm giấy tờ ở đâu"), rather than asking about a
    procedure and naming a place ("làm khai sinh ở xã Định An huyện Gò Quao cũ")."""
    from assistant.text.vietnamese import content_words

    folded = fold(text)
    if _ASKS.search(folded):
        return True
    places = gazetteer.name_words(text)
    if [w for w in content_words(text) if w not in _GENERIC and w not in places]:
        return False  # something else is asked: a procedure that names a place
    return bool(_WHERE.search(folded)) or bool(gazetteer.find(text))


_BUILT: dict[int, tuple[list[Unit], Gazetteer]] = {}


def find_places(text: str, gazetteer: Gazetteer) -> list[PlaceMatch]:
    """Current and former units named in `text`, best first (see `Gazetteer.find`)."""
    return gazetteer.find(text)
