"""The Zalo channel assembled from its parts: what the webhook and the app's lifespan talk to."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from assistant.answer import Assistant
from assistant.channels.zalo.client import TokenPair, ZaloClient
from assistant.channels.zalo.events import Inbound, ZaloEvent
from assistant.channels.zalo.options import WorkerOptions
from assistant.channels.zalo.replies import Responder
from assistant.channels.zalo.signature import SignatureVerifier
from assistant.channels.zalo.store import ZaloStore, now_ms
from assistant.channels.zalo.tokens import TokenKeeper
from assistant.channels.zalo.worker import Sender, ZaloWorker
from assistant.config import Settings
from assistant.store import Database

log = logging.getLogger("assistant.zalo")


class ZaloChannel:
    def __init__(self, settings: Settings, assistant: Assistant, db: Database, options: WorkerOptions | None = None) -> None:
        self.settings = settings
        self.options = options or WorkerOptions()
        self.verifier = SignatureVerifier(settings.zalo_app_id, settings.zalo_oa_secret_key)
        self.max_event_age_ms = settings.zalo_max_event_age * 1000
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

    async def start(self) -> None:
        s = self.settings
        if not s.zalo_worker:
            log.info("Zalo: tiến trình này chỉ nhận sự kiện (ASSISTANT_ZALO_WORKER=false); trả lời do tiến trình khác gửi.")
            return
        self._client = ZaloClient(s.zalo_api_base, s.zalo_oauth_base, s.zalo_app_id, s.zalo_app_secret, self.options.http_timeout)
        seed = TokenPair(s.zalo_access_token, s.zalo_refresh_token) if s.zalo_access_token else None
        keeper = TokenKeeper(self.store, self._client, seed)
        await asyncio.to_thread(keeper.load_seed)
        if s.zalo_access_token and not (s.zalo_refresh_token and s.zalo_app_secret):
            log.warning(
                "Zalo: thiếu ASSISTANT_ZALO_REFRESH_TOKEN hoặc ASSISTANT_ZALO_APP_SECRET; khi access token hết hạn "
                "sẽ không tự làm mới được."
            )
        self.worker = ZaloWorker(self.store, self.responder, Sender(self._client, keeper), self.options, s.public_url)
        await self.worker.start()

    async def stop(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
        if self._client is not None:
            await self._client.aclose()
        self._intake.shutdown(wait=False)
