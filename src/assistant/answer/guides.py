"""Answers from the general guides (submitting online, the commune centre, fees and tracking…) for
questions that name no procedure: "nộp hồ sơ online thế nào", "tra cứu hồ sơ ở đâu"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from assistant.answer.model import Link
from assistant.handbook.anchors import guide_url
from assistant.kb.models import Guide
from assistant.text import content_words

MAX_CHARS = 1500


@dataclass(frozen=True)
class GuideMatch:
    guide: Guide
    heading: str  # the section that answers best
    score: float  # share of the question's words (and word pairs) the guide's names and aliases contain


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(pairwise(words))


class GuideMatcher:
    """Configured with the KB's guides; `match()` finds the guide and section a question is about.

    A guide matches when the question's content words, and its pairs of adjacent content words, are mostly
    found in the guide's title, summary and aliases (the mean of the two shares at least `minimum`). The pairs
    matter because a Vietnamese word is often two syllables: "kết quả bóng đá" shares "kết quả" with "chờ kết
    quả" and nothing else."""

    def __init__(self, guides: list[Guide], minimum: float = 0.6) -> None:
        self.minimum = minimum
        self._guides = []
        for g in guides:
            names = [content_words(text) for text in (g.title, g.summary, *g.aliases)]
            sections = [(s.heading, set(content_words(f"{s.heading} {s.body}"))) for s in g.sections]
            self._guides.append((g, {w for ws in names for w in ws}, set().union(*map(_pairs, names)), sections))

    def match(self, question: str) -> GuideMatch | None:
        ordered = content_words(question)
        words, pairs = set(ordered), _pairs(ordered)
        if len(words) < 2:
            return None
        best: GuideMatch | None = None
        for guide, names, name_pairs, sections in self._guides:
            score = (len(words & names) / len(words) + len(pairs & name_pairs) / max(len(pairs), 1)) / 2
            if score >= self.minimum and (best is None or score > best.score):
                heading = max(sections, key=lambda s: len(words & s[1]))[0]
                best = GuideMatch(guide, heading, score)
        return best

    @staticmethod
    def parts(match: GuideMatch) -> tuple[str, str, Link]:
        """(heading, the section's Markdown body, the link to it in the handbook)."""
        section = next(s for s in match.guide.sections if s.heading == match.heading)
        body = re.sub(r"\n{3,}", "\n\n", section.body.strip())
        if len(body) > MAX_CHARS:
            body = body[:MAX_CHARS].rsplit("\n", 1)[0] + "\n- … (xem đầy đủ trong hướng dẫn)"
        link = Link(f"Xem chi tiết: Hướng dẫn: {match.guide.title}", guide_url(match.guide.slug, match.heading))
        return f"{match.guide.title} › {match.heading}", body, link
