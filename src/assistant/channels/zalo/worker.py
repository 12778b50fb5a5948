"""The background worker: answers stored events and delivers the stored reply parts, durably.

It runs as one asyncio task in the app's event loop; blocking work runs in the worker's own threads (one
for answering, two for the database), so that recording a send never waits behind an answer being
composed, and nothing here waits in the threads the web requests use. Everything it needs to resume is in
the database, so a restart, here or on another machine, picks up where it stopped. Several workers on
one database share the work through leases (see store.py); a lease is renewed while its work runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from assistant.answer.service import checked_question
from assistant.channels.zalo.client import SendResult, SendStatus, TokenRefreshError, ZaloClient
from assistant.channels.zalo.events import EventKind
from assistant.channels.zalo.replies import APOLOGY, Responder
from assistant.channels.zalo.store import OutboundPart, StoredEvent, ZaloStore, now_ms
from assistant.channels.zalo.text import split_message
from assistant.channels.zalo.tokens import TokenKeeper
from assistant.config import ZaloSettings
from assistant.errors import UserError
from assistant.store.pii import scrub

T = TypeVar("T")

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


class ZaloWorker:
    """One loop composes replies for stored events and starts a delivery task per citizen with parts due.

    At most `options.concurrency` sends are in flight in this process (default one): a crash can leave
    only those few sends without a recorded outcome, and only those may reach a citizen twice."""

    def __init__(
        self,
        store: ZaloStore,
        responder: Responder,
        sender: Sender,
        options: ZaloSettings,
        public_url: str = "",
    ) -> None:
        self.store = store
        self.responder = responder
        self.sender = sender
        self.options = options
        self.public_url = public_url
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease_ms = int(options.lease_seconds * 1000)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._deliveries: dict[str, asyncio.Task[bool]] = {}  # user id → the task sending their parts
        self._stopping = False
        self._paused_until = 0  # epoch ms: Zalo said "rate limit", nobody sends before this
        self._warned_no_token = False
        self._answering = ThreadPoolExecutor(1, thread_name_prefix="zalo-answer")
        self._db = ThreadPoolExecutor(2, thread_name_prefix="zalo-db")

    # --- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="zalo-worker")

    async def stop(self, grace: float = 3.0) -> None:
        """Let work in flight finish for up to `grace` seconds, then cancel it. What was cancelled keeps its
        claim until the lease runs out; a send cut short stays recorded, so it alone may be repeated."""
        self._stopping = True
        self._wake.set()
        tasks = [t for t in (self._task, *self._deliveries.values()) if t is not None]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._task = None
        self._answering.shutdown(wait=False, cancel_futures=True)
        self._db.shutdown(wait=True, cancel_futures=False)

    def wake(self) -> None:
        """New work was stored: do not wait for the next poll."""
        self._wake.set()

    async def _in(self, pool: ThreadPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    async def _store(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._in(self._db, fn, *args)

    @contextlib.asynccontextmanager
    async def _leased(self, renew: Callable[[], bool]) -> AsyncIterator[None]:
        """Keep a lease alive while the work inside runs (renewed every third of the lease)."""

        async def keep() -> None:
            while True:
                await asyncio.sleep(self.options.lease_seconds / 3)
                with contextlib.suppress(Exception):
                    await self._store(renew)

        keeper = asyncio.create_task(keep())
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                answered = await self._answer_pending()
                next_due = await self._start_deliveries()
            except Exception:  # a bug or the database being away must not kill the worker
                log.exception("Zalo worker: lỗi không mong đợi; thử lại sau")
                answered, next_due = 0, None
            if answered or self._stopping:
                continue
            timeout = self.options.poll_interval
            if next_due is not None:
                timeout = min(timeout, max((next_due - now_ms()) / 1000, 0.01))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    # --- inbox: compose replies -------------------------------------------------------------------
    async def _answer_pending(self, batch: int = 20) -> int:
        answered = 0
        for _ in range(batch):
            if self._stopping:
                break
            event = await self._store(self.store.claim_event, self._lease_ms, self.owner)
            if event is None:
                break
            renew = lambda event=event: self.store.renew_event(event.msg_id, self.owner, self._lease_ms)  # noqa: E731
            async with self._leased(renew):
                try:
                    reply = await self._in(self._answering, self._compose, event)
                except Exception as exc:
                    log.exception("Zalo: không soạn được câu trả lời cho %s", event.msg_id)
                    if event.attempts < self.options.answer_attempts:
                        await self._store(self.store.release_event, event.msg_id, repr(exc))
                        continue
                    reply = APOLOGY
            parts = split_message(reply, self.options.message_chars)
            if await self._store(
                self.store.save_reply, event.msg_id, event.user_id, parts, scrub(event.text), self.owner
            ):
                answered += 1
        return answered

    def _compose(self, event: StoredEvent) -> str:
        """The plain-text reply (blocking). A question the assistant cannot read (no letter or digit, or too
        long) gets the same Vietnamese explanation the web chat shows, instead of an answer."""
        if event.kind is EventKind.question:
            try:
                checked_question(event.text)
            except UserError as err:
                return err.message
        return self.responder.reply(event)

    # --- outbox: deliver --------------------------------------------------------------------------
    async def _start_deliveries(self) -> int | None:
        """Start a delivery task for each citizen whose next part is due; return when the next one falls due."""
        parts = await self._store(self.store.pending_parts)
        if not parts:
            return None
        if not await self.sender.ready():
            if not self._warned_no_token:
                log.warning("Zalo: chưa có access token (ASSISTANT_ZALO_ACCESS_TOKEN); câu trả lời được lưu, chờ gửi.")
                self._warned_no_token = True
            return None
        queues: dict[str, list[OutboundPart]] = {}
        for part in parts:
            queues.setdefault(part.user_id, []).append(part)
        next_due: int | None = None
        for user, queue in queues.items():
            if user in self._deliveries:
                continue
            due = max(queue[0].next_attempt_at, self._paused_until)
            if due > now_ms():
                next_due = due if next_due is None else min(next_due, due)
            elif not self._stopping and len(self._deliveries) < self.options.concurrency:
                task = asyncio.create_task(self._send_in_order(queue), name=f"zalo-send-{user}")
                self._deliveries[user] = task
                task.add_done_callback(functools.partial(self._delivered, user))
        return next_due

    def _delivered(self, user: str, task: asyncio.Task[bool]) -> None:
        self._deliveries.pop(user, None)
        if task.cancelled():
            return
        if task.exception() is not None:
            log.error("Zalo: lỗi khi gửi cho %s", user, exc_info=task.exception())
        elif task.result():
            self._wake.set()  # look again: more parts may be due, or a slot is free

    async def _send_in_order(self, queue: list[OutboundPart]) -> bool:
        """Send one citizen's parts in order; stop at the first that cannot go now (later ones wait).
        True when something changed (a part sent, retried or failed)."""
        progress = False
        for part in queue:
            if self._stopping or max(part.next_attempt_at, self._paused_until) > now_ms():
                return progress
            claim = await self._store(self.store.claim_part, part.msg_id, part.part, self._lease_ms, self.owner)
            if claim is None:
                return progress  # another worker has it, it is no longer pending, or an earlier part is unsent
            if claim.interrupted:
                log.warning(
                    "Zalo: lần gửi trước của %s phần %d bị ngắt (máy chủ dừng giữa chừng); gửi lại, "
                    "người dân có thể nhận tin này hai lần.",
                    part.msg_id,
                    part.part,
                )
            renew = lambda part=part: self.store.renew_part(part.msg_id, part.part, self.owner, self._lease_ms)  # noqa: E731
            try:
                async with self._leased(renew):
                    result = await self.sender.deliver(part.user_id, part.text)
            except asyncio.CancelledError:
                # Stopping: the outcome is unknown, so the attempt stays recorded (send_started_at) and the
                # lease runs out; the next worker resends this one part.
                raise
            progress = True
            if result.status is not SendStatus.sent:
                await self._record_failure(part, result)
                return progress
            await self._store(self.store.mark_sent, part.msg_id, part.part, result.message_id)
        return progress

    async def _record_failure(self, part: OutboundPart, result: SendResult) -> None:
        attempts = part.attempts + 1
        if result.status is SendStatus.permanent or attempts >= self.options.max_attempts:
            log.warning("Zalo: bỏ gửi %s phần %d sau %d lần: %s", part.msg_id, part.part, attempts, result.error)
            await self._store(self.store.mark_failed, part.msg_id, result.code, result.error)
            return
        due = now_ms() + int(self.options.backoff(attempts) * 1000)
        if result.status is SendStatus.rate_limited:
            self._paused_until = max(self._paused_until, due)
        log.info("Zalo: gửi %s phần %d chưa được (%s); thử lại sau", part.msg_id, part.part, result.error)
        await self._store(self.store.mark_retry, part.msg_id, part.part, due, result.code, result.error)
