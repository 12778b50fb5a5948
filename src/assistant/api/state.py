"""What the running app holds: settings, the loaded index, the assistant and the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answer import Assistant
from assistant.api.clients import ClientAddresses
from assistant.api.overload import AnswerGate
from assistant.api.ratelimit import RateLimiter
from assistant.config import Settings
from assistant.index.store import IndexData
from assistant.search import HybridSearcher
from assistant.store import Database


@dataclass
class AppState:
    settings: Settings
    index: IndexData
    searcher: HybridSearcher
    assistant: Assistant
    db: Database
    limiter: RateLimiter
    site_dir: Path | None
    gate: AnswerGate = field(default_factory=lambda: AnswerGate(4, 128, 10.0))
    clients: ClientAddresses = field(default_factory=ClientAddresses)
    # Channels register start/stop hooks here (e.g. the Zalo outbox worker).
    on_startup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
