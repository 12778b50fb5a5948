"""The Zalo channel assembled from its parts: what the webhook and the app's lifespan talk to. It implements
`assistant.channels.base.Channel`: the routes it needs, and start/stop with the server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from fastapi import APIRouter

from assistant.answer import Assistant
from assistant.channels.zalo.client import TokenPair, ZaloClient
from assistant.channels.zalo.events import Inbound, ZaloEvent
from assistant.channels.zalo.replies import Responder
from assistant.channels.zalo.signature import SignatureVerifier
from assistant.channels.zalo.store import ZaloStore, now_ms
from assistant.channels.zalo.tokens import TokenKeeper
from assistant.channels.zalo.worker import Sender, ZaloWorker
from assistant.config import ZaloSettings
from assistant.ratelimit import RateLimiter
from assistant.store import Database

log = logging.getLogger("assistant.zalo")


class ZaloChannel:
    name = "zalo"

    def __init__(
        self,
        settings: ZaloSettings,
        assistant: Assistant,
        db: Database,
        limiter: RateLimiter,
        public_url: str = "",
    ) -> None:
        self.settings = settings
        self.limiter = limiter
        self.public_url = public_url
        self.verifier = SignatureVerifier(settings.app_id, settings.oa_secret_key)
        self.max_event_age_ms = settings.max_event_age * 1000
        self.store = ZaloStore(db)
        self.responder = Responder(assistant)
        self.worker: ZaloWorker | None = None
        self._client: ZaloClient | None = None
        # Intake has its own threads: storing an event never waits behind answering work.
        self._intake = ThreadPoolExecutor(4, thread_name_prefix="zalo-intake")

    def is_fresh(self, event: ZaloEvent) -> bool:
        """Events far from now (either way) are replays, or come from a badly wrong clock."""
        return abs(now_ms() - event.time_ms) <= self.max_event_age_ms

    async def accept(self, event: Inbound) -> bool:
        """Store the event durably (once per key) and wake the worker; False for a duplicate."""
        stored = await asyncio.get_running_loop().run_in_executor(self._intake, self.store.add_event, event)
        if stored and self.worker is not None:
            self.worker.wake()
        return stored

    def routers(self) -> Sequence[APIRouter]:
        from assistant.channels.zalo.verification import verifier_routers
        from assistant.channels.zalo.webhook import webhook_router

        return [webhook_router(self), *verifier_routers(self.settings.verifier_code)]

    async def allow(self, user_id: str) -> bool:
        """Per citizen, not per address: every event comes from Zalo's servers."""
        return await self.limiter.allow_async("zalo", user_id)

    async def start(self) -> None:
        s = self.settings
        if not s.worker:
            log.info(
                "Zalo: tiến trình này chỉ nhận sự kiện (ASSISTANT_ZALO_WORKER=false); trả lời do tiến trình khác gửi."
            )
            return
        self._client = ZaloClient(s.api_base, s.oauth_base, s.app_id, s.app_secret, s.http_timeout)
        seed = TokenPair(s.access_token, s.refresh_token) if s.access_token else None
        keeper = TokenKeeper(self.store, self._client, seed)
        await asyncio.to_thread(keeper.load_seed)
        if s.access_token and not (s.refresh_token and s.app_secret):
            log.warning(
                "Zalo: thiếu ASSISTANT_ZALO_REFRESH_TOKEN hoặc ASSISTANT_ZALO_APP_SECRET; khi access token hết hạn "
                "sẽ không tự làm mới được."
            )
        self.worker = ZaloWorker(self.store, self.responder, Sender(self._client, keeper), s, self.public_url)
        await self.worker.start()

    async def stop(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
        if self._client is not None:
            await self._client.aclose()
        self._intake.shutdown(wait=False)
