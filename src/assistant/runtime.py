"""The composition root: builds the assistant once, the same way for the server, the CLI and the benchmarks.

    Settings ─> load_index ─> HybridSearcher ─> Assistant (+ Database, optional LlmPolisher) ─> Runtime
    Runtime ─> channels (each registered factory builds one Channel)        [server only]

`assistant ask` stops at the Runtime: it imports no web framework. `assistant.api` wraps a Runtime in its
HTTP state and mounts what the channels register. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from assistant.answer import Assistant
from assistant.answer.llm import LlmPolisher
from assistant.channels.base import Channel, ChannelFactory
from assistant.config import Settings, get_settings
from assistant.index.embedders import get_embedder
from assistant.index.store import IndexData, load_index
from assistant.kb.models import Province
from assistant.ratelimit import RateLimiter
from assistant.search import HybridSearcher
from assistant.store import Database

DEFAULT_INDEX = Path("build/index")

# The channels the server runs, as "module:factory" (a ChannelFactory). A new channel is a package under
# assistant/channels/ with such a factory, and one more line here.
CHANNELS: tuple[str, ...] = ("assistant.channels.zalo:make_channel",)


@dataclass
class Runtime:
    """The assembled assistant: what every front end (HTTP, channels, CLI, benchmarks) talks to."""

    settings: Settings
    index: IndexData
    searcher: HybridSearcher
    assistant: Assistant
    db: Database

    @property
    def province(self) -> Province:
        """The province, from the knowledge base (kb/province.yaml): names come from there, never from code."""
        return self.index.kb.province

    @cached_property
    def limiter(self) -> RateLimiter:
        """Questions per client (web) and per user (channels), one storage for all; built on first use."""
        s = self.settings
        return RateLimiter(s.rate_limit.per_minute, s.rate_limit.storage, admin_max_failures=s.admin_max_failures)


def index_folder(settings: Settings, index_dir: Path | None = None) -> Path:
    """The index to load: the one given, else ASSISTANT_INDEX_DIR, else build/index."""
    return Path(index_dir) if index_dir is not None else Path(settings.index_dir or DEFAULT_INDEX)


def load_runtime(settings: Settings | None = None, index_dir: Path | None = None) -> Runtime:
    """Load the index and assemble the assistant; a UserError with a clear message when it cannot start."""
    settings = settings or get_settings()
    embedder = get_embedder(settings.embedder)
    index = load_index(index_folder(settings, index_dir), embedder.id)
    searcher = HybridSearcher(index, embedder)
    db = Database(settings.database_url(), pool_size=settings.db.pool_size)
    llm = settings.llm
    polisher = (
        LlmPolisher(llm.base_url, llm.model, llm.api_key, llm.timeout, province=index.kb.province.label)
        if llm.base_url
        else None
    )
    assistant = Assistant(searcher, db, polisher=polisher, public_url=settings.public_url)
    return Runtime(settings=settings, index=index, searcher=searcher, assistant=assistant, db=db)


def build_channels(runtime: Runtime, factories: tuple[str, ...] = CHANNELS) -> list[Channel]:
    """One Channel per registered factory (imported only here: the CLI never loads a channel)."""
    channels = []
    for spec in factories:
        module, _, name = spec.partition(":")
        factory: ChannelFactory = getattr(importlib.import_module(module), name)
        channels.append(factory(runtime))
    return channels
