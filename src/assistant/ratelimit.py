"""Rate limits with the `limits` package: counters in memory (one process) or in Redis (shared by every
process and machine), sliding windows, keys that expire on their own.

Buckets: "ask" (questions and feedback, `per_minute`), "search" (five times as many: suggestions fire as
people type), "zalo" (per Zalo user, `per_minute`), and failed admin logins (`admin_max_failures` per 15
minutes). If the storage cannot be reached the request is let through and the fault logged: a broken
Redis must not take the hotline down.
"""

from __future__ import annotations

import asyncio
import logging
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from assistant.errors import UserError

log = logging.getLogger("assistant.ratelimit")

SHARES = {"ask": 1, "search": 5, "zalo": 1}
ADMIN_WINDOW_MINUTES = 15


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        storage_uri: str = "memory://",
        *,
        admin_max_failures: int = 10,
        namespace: str = "assistant",
    ) -> None:
        self.per_minute = per_minute
        try:
            self.storage = storage_from_string(storage_uri or "memory://")
        except Exception as exc:  # unknown scheme, missing driver
            raise UserError(f"ASSISTANT_RATE_LIMIT_STORAGE không dùng được ({storage_uri}): {exc}") from None
        self.shared = not isinstance(self.storage, MemoryStorage)
        self._limiter = SlidingWindowCounterRateLimiter(self.storage)
        self._items: dict[str, RateLimitItem] = {
            bucket: RateLimitItemPerMinute(max(per_minute, 0) * share, namespace=namespace)
            for bucket, share in SHARES.items()
        }
        self._admin = RateLimitItemPerMinute(max(admin_max_failures, 1), ADMIN_WINDOW_MINUTES, namespace=namespace)
        self._last_warning = 0.0

    def allow(self, bucket: str, client: str) -> bool:
        """Count one request of `client` in `bucket`; False when over the limit."""
        if self.per_minute <= 0:
            return True
        return self._safe(lambda: self._limiter.hit(self._items[bucket], bucket, client))

    async def allow_async(self, bucket: str, client: str) -> bool:
        """`allow` for the event loop: a shared storage is asked from a thread."""
        if self.per_minute <= 0 or not self.shared:
            return self.allow(bucket, client)
        return await asyncio.to_thread(self.allow, bucket, client)

    def admin_blocked(self, client: str) -> bool:
        """Too many wrong admin tokens from this client lately (checked before the token is)."""
        return not self._safe(lambda: self._limiter.test(self._admin, "admin-failures", client))

    def admin_failed(self, client: str) -> None:
        self._safe(lambda: self._limiter.hit(self._admin, "admin-failures", client))

    def ping(self) -> bool:
        try:
            return bool(self.storage.check())
        except Exception:
            return False

    def _safe(self, call) -> bool:  # type: ignore[no-untyped-def]
        try:
            return bool(call())
        except Exception as exc:
            now = time.monotonic()
            if now - self._last_warning > 60:
                self._last_warning = now
                log.error("Không dùng được nơi lưu giới hạn tần suất (%s); tạm thời không giới hạn.", exc)
            return True
