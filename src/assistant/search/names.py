"""What the procedures are called, as search reads it: their names and aliases as phrases (the "names"
channel), as sets of content words (how much of a name a question says), and the words of their cards with
their IDF (how much of a question a card says). Built once per index; read by search, confidence and the
choice of procedure."""

from __future__ import annotations

import math
import re

import numpy as np

from assistant.kb.card import card_text
from assistant.kb.models import Procedure
from assistant.text import content_words, expand_abbreviations, tokens

# "(thực hiện tại cấp tỉnh)" and the like in national titles: which level handles it, not what it is; kept out of
# the title words that `title_coverage` and `name_coverage` expect a question to say.
_LEVEL_NOTE = re.compile(r"\((?:thực hiện )?(?:tại|ở) cấp [^)]*\)", re.IGNORECASE)
NAME_MIN_WORDS = 2  # a name must be said with at least this many words to count ("hôn" alone names nothing)


def phrase(text: str) -> str:
    """Folded syllables between spaces, for phrase containment (" dang ky ket hon ")."""
    return " " + " ".join(tokens(text, folded=True, bigrams=False)) + " "


class ProcedureNames:
    """Names, aliases and card words of the procedures, row i = procedures[i]."""

    def __init__(self, procedures: list[Procedure]) -> None:
        self._row = {p.code: i for i, p in enumerate(procedures)}
        names = [[n for n in (p.title, p.official_name.removeprefix("Thủ tục "), *p.aliases) if n] for p in procedures]
        # as folded phrases, for the "names" channel; as sets of content words (title first), for coverage
        self._phrases = [
            sorted({" ".join(tokens(expand_abbreviations(n), folded=True, bigrams=False)) for n in ns} - {""})
            for ns in names
        ]
        self._words = [[w for w in (set(content_words(_LEVEL_NOTE.sub(" ", n))) for n in ns) if w] for ns in names]
        # Words of each card, folded and toned, and their IDF over cards, for `coverage`.
        cards = [expand_abbreviations(card_text(p)) for p in procedures]
        self._card_words = [
            set(tokens(c, folded=True, bigrams=False)) | set(tokens(c, folded=False, bigrams=False)) for c in cards
        ]
        df: dict[str, int] = {}
        for words in self._card_words:
            for w in words:
                df[w] = df.get(w, 0) + 1
        n = max(len(self._card_words), 1)
        self._idf = {w: math.log(1 + n / d) for w, d in df.items()}
        self._idf_unseen = math.log(1 + n)

    def scores(self, text: str) -> np.ndarray:
        """Per procedure, how many words of its longest name (or alias) the text says as one phrase
        (abbreviations already written out); 0 below NAME_MIN_WORDS."""
        query = phrase(text)
        out = np.zeros(len(self._phrases), np.float32)
        for i, names in enumerate(self._phrases):
            best = max((len(name.split()) for name in names if f" {name} " in query), default=0)
            if best >= NAME_MIN_WORDS:
                out[i] = best
        return out

    def names_in(self, query: str, code: str) -> int:
        """Length in words of the longest name or alias of the procedure that the query contains."""
        folded = phrase(expand_abbreviations(query))
        return max((len(n.split()) for n in self._phrases[self._row[code]] if f" {n} " in folded), default=0)

    def is_named(self, query: str, code: str) -> bool:
        """Whether the query contains the procedure's title or one of its aliases word for word, and no
        other procedure's name as long: "đăng ký kết hôn" names 1.000894 and needs no clarifying question."""
        scores = self.scores(expand_abbreviations(query))
        mine = scores[self._row[code]]
        return mine > 0 and int((scores >= mine).sum()) == 1

    def name_coverage(self, query: str, code: str) -> float:
        """The largest share of one of the procedure's names or aliases whose content words the query
        contains ("làm hộ chiếu" covers half of "báo mất hộ chiếu")."""
        words = set(content_words(query))
        return max((len(words & name) / len(name) for name in self._words[self._row[code]]), default=0.0)

    def title_coverage(self, query: str, code: str) -> float:
        """Share of the title's content words the query contains: among procedures that all say "khai sinh",
        "làm khai sinh cho con" means the plain "Đăng ký khai sinh", not the one "… với công dân Campuchia ở
        khu vực biên giới" whose distinguishing words it never says."""
        title = self._words[self._row[code]][:1]
        if not title:
            return 0.0
        return len(set(content_words(query)) & title[0]) / len(title[0])

    def words_in_names(self, query: str, code: str) -> float:
        """Share of the query's content words found among the procedure's names and aliases ("đăng ký lại kết
        hôn": all of them in "Đăng ký lại kết hôn", four of five in "Đăng ký kết hôn")."""
        words = set(content_words(query))
        if not words:
            return 0.0
        names = set().union(*self._words[self._row[code]])
        return len(words & names) / len(words)

    def coverage(self, words: list[str], code: str) -> float:
        """IDF-weighted share of `words` (a question's content words, folded or toned) in the procedure's card."""
        if not words:
            return 0.0
        card = self._card_words[self._row[code]]
        weights = [(w in card, self._idf.get(w, self._idf_unseen)) for w in words]
        return sum(w for hit, w in weights if hit) / sum(w for _, w in weights)
