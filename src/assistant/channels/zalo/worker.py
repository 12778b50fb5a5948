"""The background worker: answers stored events and delivers the stored reply parts, durably.

It runs as one asyncio task in the app's event loop; blocking work (the assistant, the database) runs
in threads. Everything it needs to resume is in the database, so a restart picks up where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from assistant.channels.zalo.client import SendResult, SendStatus, TokenRefreshError, ZaloClient
from assistant.channels.zalo.options import WorkerOptions
from assistant.channels.zalo.replies import APOLOGY, Responder
from assistant.channels.zalo.store import OutboundPart, ZaloStore, now_ms
from assistant.channels.zalo.text import split_message, to_plain
from assistant.channels.zalo.tokens import TokenKeeper
from assistant.store.pii import scrub

log = logging.getLogger("assistant.zalo")


class Sender:
    """Delivers one text with the current token; on an invalid/expired token, refreshes and resends once."""

    def __init__(self, client: ZaloClient, keeper: TokenKeeper) -> None:
        self.client = client
        self.keeper = keeper

    async def ready(self) -> bool:
        return await self.keeper.current() is not None

    async def deliver(self, user_id: str, text: str) -> SendResult:
        tokens = await self.keeper.current()
        if tokens is None:
            return SendResult(SendStatus.transient, error="no access token")
        result = await self.client.send_text(user_id, text, tokens.access_token)
        if result.status is not SendStatus.token_invalid:
            return result
        try:
            tokens = await self.keeper.refresh(tokens)
        except TokenRefreshError as exc:
            log.error("Zalo: không làm mới được access token (%s). Quản trị OA cần cấp lại token.", exc)
            return SendResult(SendStatus.token_invalid, result.code, f"{result.error}; refresh failed: {exc}")
        return await self.client.send_text(user_id, text, tokens.access_token)


@dataclass(frozen=True)
class Pass:
    """What one pass over the inbox and outbox did."""

    answered: int = 0
    sent: int = 0
    next_due: int | None = None  # epoch ms of the earliest part waiting for a retry

    @property
    def busy(self) -> bool:
        return bool(self.answered or self.sent)


class ZaloWorker:
    def __init__(
        self,
        store: ZaloStore,
        responder: Responder,
        sender: Sender,
        options: WorkerOptions,
        public_url: str = "",
    ) -> None:
        self.store = store
        self.responder = responder
        self.sender = sender
        self.options = options
        self.public_url = public_url
        self._lease_ms = int(options.lease_seconds * 1000)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._paused_until = 0  # epoch ms: Zalo said "rate limit", nobody sends before this
        self._warned_no_token = False

    # --- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="zalo-worker")

    async def stop(self, grace: float = 3.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    def wake(self) -> None:
        """New work was stored: do not wait for the next poll."""
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                done = await self.run_once()
            except Exception:  # a bug or the database being away must not kill the worker
                log.exception("Zalo worker: lỗi không mong đợi; thử lại sau")
                done = Pass()
            if done.busy or self._stopping:
                continue
            timeout = self.options.poll_interval
            if done.next_due is not None:
                timeout = min(timeout, max((done.next_due - now_ms()) / 1000, 0.01))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def run_once(self) -> Pass:
        answered = await self._answer_pending()
        sent, next_due = await self._send_pending()
        return Pass(answered, sent, next_due)

    # --- inbox: compose replies -------------------------------------------------------------------
    async def _answer_pending(self) -> int:
        answered = 0
        for event in await asyncio.to_thread(self.store.events_to_answer):
            if self._stopping:
                break
            if not await asyncio.to_thread(self.store.claim_event, event.msg_id, self._lease_ms):
                continue
            try:
                markdown = await asyncio.to_thread(self.responder.reply, event)
            except Exception as exc:
                log.exception("Zalo: không soạn được câu trả lời cho %s", event.msg_id)
                if event.attempts + 1 < self.options.answer_attempts:
                    await asyncio.to_thread(self.store.release_event, event.msg_id, repr(exc))
                    continue
                markdown = APOLOGY
            parts = split_message(to_plain(markdown, self.public_url), self.options.message_chars)
            if await asyncio.to_thread(self.store.save_reply, event.msg_id, event.user_id, parts, scrub(event.text)):
                answered += 1
        return answered

    # --- outbox: deliver --------------------------------------------------------------------------
    async def _send_pending(self) -> tuple[int, int | None]:
        parts = await asyncio.to_thread(self.store.pending_parts)
        if not parts:
            return 0, None
        if not await self.sender.ready():
            if not self._warned_no_token:
                log.warning("Zalo: chưa có access token (ASSISTANT_ZALO_ACCESS_TOKEN); câu trả lời được lưu, chờ gửi.")
                self._warned_no_token = True
            return 0, None
        by_user: dict[str, list[OutboundPart]] = {}
        for part in parts:
            by_user.setdefault(part.user_id, []).append(part)
        gate = asyncio.Semaphore(self.options.concurrency)

        async def serve(queue: list[OutboundPart]) -> tuple[int, int | None]:
            async with gate:
                return await self._send_in_order(queue)

        results = await asyncio.gather(*(serve(queue) for queue in by_user.values()))
        dues = [due for _, due in results if due is not None]
        return sum(sent for sent, _ in results), min(dues) if dues else None

    async def _send_in_order(self, queue: list[OutboundPart]) -> tuple[int, int | None]:
        """Send one citizen's parts in order; stop at the first that cannot go now (later ones wait)."""
        sent = 0
        for part in queue:
            if self._stopping:
                return sent, None
            due = max(part.next_attempt_at, self._paused_until)
            if due > now_ms():
                return sent, due
            if not await asyncio.to_thread(self.store.claim_part, part.msg_id, part.part, self._lease_ms):
                return sent, None  # another worker has it, or it is no longer pending
            try:
                result = await self.sender.deliver(part.user_id, part.text)
            except asyncio.CancelledError:
                await asyncio.to_thread(self.store.release_part, part.msg_id, part.part)
                raise
            if result.status is SendStatus.sent:
                await asyncio.to_thread(self.store.mark_sent, part.msg_id, part.part, result.message_id)
                sent += 1
                continue
            return sent, await self._record_failure(part, result)
        return sent, None

    async def _record_failure(self, part: OutboundPart, result: SendResult) -> int | None:
        attempts = part.attempts + 1
        if result.status is SendStatus.permanent or attempts >= self.options.max_attempts:
            log.warning("Zalo: bỏ gửi %s phần %d sau %d lần: %s", part.msg_id, part.part, attempts, result.error)
            await asyncio.to_thread(self.store.mark_failed, part.msg_id, result.code, result.error)
            return None
        due = now_ms() + int(self.options.backoff(attempts) * 1000)
        if result.status is SendStatus.rate_limited:
            self._paused_until = max(self._paused_until, due)
        log.info("Zalo: gửi %s phần %d chưa được (%s); thử lại sau", part.msg_id, part.part, result.error)
        await asyncio.to_thread(self.store.mark_retry, part.msg_id, part.part, due, result.code, result.error)
        return due
