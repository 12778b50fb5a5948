"""Errors meant for users: each names where the problem is and what is wrong, in Vietnamese."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a user's input, printed as one line: `file: field: message`."""

    file: str
    field: str
    message: str

    def line(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class UserError(Exception):
    """An error caused by input (files, settings, requests); shown without a traceback."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def lines(self) -> list[str]:
        return [p.line() for p in self.problems] or [self.message]
