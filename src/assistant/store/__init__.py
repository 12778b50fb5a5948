"""The database: questions, answers, feedback, conversations and channel state."""

from assistant.store.db import Database

__all__ = ["Database"]
