"""Tuning of the Zalo worker (retries, back-off, polling), read from ASSISTANT_ZALO_* variables.

The channel's identity and tokens live in `assistant.config.Settings`; these knobs only change how
patiently replies are delivered, so they have safe defaults and tests can shorten them.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ZALO_TEXT_LIMIT = 2000  # characters per text message, set by Zalo


class WorkerOptions(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_ZALO_", extra="ignore")

    retry_delay: float = Field(2.0, gt=0)  # first back-off, doubled after each failed attempt
    retry_max_delay: float = Field(600.0, gt=0)  # back-off ceiling
    max_attempts: int = Field(10, ge=1)  # send attempts per message part before it is marked failed
    answer_attempts: int = Field(3, ge=1)  # tries to compose an answer before an apology is sent instead
    poll_interval: float = Field(5.0, gt=0)  # idle wake-up, to pick up retries that fall due
    http_timeout: float = Field(10.0, gt=0)  # per call to Zalo's APIs
    # A row being worked on is hidden from other workers this long; the lease is renewed every third of it
    # while the work runs, so this is how late a crashed worker's rows are picked up by another.
    lease_seconds: float = Field(15.0, gt=0)
    # Sends in flight per process (each citizen's messages stay in order). Each one more is one more
    # message that a crash could leave uncertain, and so repeat; one is enough for a province's volume.
    concurrency: int = Field(1, ge=1)
    message_chars: int = Field(ZALO_TEXT_LIMIT, ge=200, le=ZALO_TEXT_LIMIT)  # split replies longer than this

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (1, 2, ...)."""
        return min(self.retry_delay * 2 ** max(attempts - 1, 0), self.retry_max_delay)
