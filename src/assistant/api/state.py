"""What the running web app holds: the assembled assistant (a `Runtime`, see assistant/runtime.py) and the
few things only HTTP needs: the built site, the cap on answering work, client addresses, the channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.answer import Assistant
from assistant.api.clients import ClientAddresses
from assistant.api.overload import AnswerGate
from assistant.channels.base import Channel
from assistant.config import Settings
from assistant.index.store import IndexData
from assistant.ratelimit import RateLimiter
from assistant.runtime import Runtime
from assistant.search import HybridSearcher
from assistant.store import Database


@dataclass
class AppState:
    runtime: Runtime
    site_dir: Path | None = None
    gate: AnswerGate = field(default_factory=lambda: AnswerGate(4, 128, 10.0))
    clients: ClientAddresses = field(default_factory=ClientAddresses)
    channels: list[Channel] = field(default_factory=list)  # mounted and started by the app (api/app.py)

    @classmethod
    def of(cls, runtime: Runtime, site_dir: Path | None, channels: list[Channel]) -> AppState:
        s = runtime.settings
        return cls(
            runtime=runtime,
            site_dir=site_dir if site_dir is not None and site_dir.is_dir() else None,
            gate=AnswerGate(s.max_answering, s.max_waiting, s.queue_timeout),
            clients=ClientAddresses(s.trusted_proxies),
            channels=channels,
        )

    # The runtime's parts, as the routes use them.
    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def index(self) -> IndexData:
        return self.runtime.index

    @property
    def searcher(self) -> HybridSearcher:
        return self.runtime.searcher

    @property
    def assistant(self) -> Assistant:
        return self.runtime.assistant

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def limiter(self) -> RateLimiter:
        return self.runtime.limiter
