"""Grounded answers: detect what is asked, compose it from the procedure's own fields, cite the section."""

from assistant.answer.service import Answer, Assistant

__all__ = ["Answer", "Assistant"]
