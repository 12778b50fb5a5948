"""Grounded answers: pick the procedure, rank its facts against the asked point, compose a typed answer
that each channel renders, citing the handbook section."""

from assistant.answer.model import Answer, AnswerKind, Block, Link
from assistant.answer.service import Assistant

__all__ = ["Answer", "AnswerKind", "Assistant", "Block", "Link"]
