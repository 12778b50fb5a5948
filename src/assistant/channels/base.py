"""The protocol every channel implements, so the server runs them all the same way.

A channel carries citizens' questions to the `Assistant` and its typed `Answer` back, rendered within the
channel's own limits. The composition root (`assistant.runtime`) builds each registered channel from the
`Runtime`; the web layer only mounts the routes a channel asks for and calls `start`/`stop` with the app's
lifespan. A channel never imports `assistant.api`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from fastapi import APIRouter

    from assistant.runtime import Runtime


@runtime_checkable
class Channel(Protocol):
    """An adapter between one messaging platform and the assistant."""

    name: str  # short, lower case: "zalo"; also the channel recorded with each question

    def routers(self) -> Sequence[APIRouter]:
        """HTTP endpoints the channel needs on the server (webhooks, verification files); may be empty."""
        ...

    async def start(self) -> None:
        """Called once when the server starts (workers, connections)."""
        ...

    async def stop(self) -> None:
        """Called once when the server stops; must not raise."""
        ...


# What a channel package exports for the composition root: build the channel from the assembled assistant.
ChannelFactory = Callable[["Runtime"], Channel]
