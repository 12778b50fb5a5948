"""Overload protection: a cap on answering work (search, ask) in this process.

`max_answering` requests run at once; up to `max_waiting` more wait, each at most `queue_timeout`
seconds. Past that a request is refused at once with a Vietnamese 503 and Retry-After, so a burst costs
the citizens at the back a quick "try again" instead of a time-out for everyone. Health checks and the
Zalo webhook never pass through here.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator

from fastapi import HTTPException

BUSY = "Hệ thống đang quá tải, chưa xử lý được yêu cầu của bạn. Vui lòng thử lại sau ít giây."


class Overloaded(HTTPException):
    def __init__(self, retry_after: int) -> None:
        super().__init__(503, BUSY, headers={"Retry-After": str(retry_after)})


class AnswerGate:
    def __init__(self, running: int, waiting: int, timeout: float) -> None:
        self.running = max(running, 1)
        self.capacity = self.running + max(waiting, 0)
        self.timeout = timeout
        self.retry_after = max(1, math.ceil(min(timeout, 30)))
        self._admitted = 0  # running + waiting; only touched from the event loop
        self._slots: asyncio.Semaphore | None = None

    @property
    def busy(self) -> int:
        return self._admitted

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.running)
        if self._admitted >= self.capacity:
            raise Overloaded(self.retry_after)
        self._admitted += 1
        try:
            try:
                await asyncio.wait_for(self._slots.acquire(), self.timeout)
            except TimeoutError:
                raise Overloaded(self.retry_after) from None
            try:
                yield
            finally:
                self._slots.release()
        finally:
            self._admitted -= 1
