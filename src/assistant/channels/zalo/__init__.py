"""Zalo Official Account channel (webhook, durable inbox/outbox, token refresh). See docs/ZALO.md.

`make_channel` is what the composition root (`assistant.runtime.CHANNELS`) calls: the working channel when
the app id and OA secret key are set, otherwise a stand-in that says so (a clear 404 on the webhook) and
still serves the domain-verification file."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException

from assistant.channels.base import Channel
from assistant.channels.zalo.channel import ZaloChannel
from assistant.channels.zalo.verification import verifier_routers
from assistant.channels.zalo.webhook import PATH
from assistant.config import ZaloSettings

if TYPE_CHECKING:
    from assistant.runtime import Runtime

log = logging.getLogger("assistant.zalo")

__all__ = ["ZaloChannel", "ZaloOff", "make_channel"]


def make_channel(runtime: Runtime) -> Channel:
    zalo = runtime.settings.zalo
    if not zalo.enabled:
        log.info(
            "Kênh Zalo OA đang tắt: đặt ASSISTANT_ZALO_APP_ID và ASSISTANT_ZALO_OA_SECRET_KEY để bật %s "
            "(và ASSISTANT_ZALO_ACCESS_TOKEN, ASSISTANT_ZALO_REFRESH_TOKEN, ASSISTANT_ZALO_APP_SECRET để gửi trả lời).",
            PATH,
        )
        return ZaloOff(zalo)
    log.info("Kênh Zalo OA đang bật: webhook %s.", PATH)
    return ZaloChannel(zalo, runtime.assistant, runtime.db, runtime.limiter, runtime.settings.public_url)


class ZaloOff:
    """The channel while it is not configured: the webhook answers a clear 404 (the site mounted at / would
    otherwise answer a POST with 405), and the domain can still be verified before the OA is connected."""

    name = "zalo"

    def __init__(self, settings: ZaloSettings) -> None:
        self.settings = settings

    def routers(self) -> Sequence[APIRouter]:
        off = APIRouter()

        @off.post(PATH, include_in_schema=False)
        async def zalo_off() -> None:
            raise HTTPException(404, "Kênh Zalo OA chưa được bật trên máy chủ này.")

        return [off, *verifier_routers(self.settings.verifier_code)]

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
