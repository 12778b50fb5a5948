"""Per-client sliding-window rate limit, in memory (one process)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, client: str, cost_share: int = 1) -> bool:
        """`cost_share` > 1 gives a bucket that many times the allowance (search is cheaper than ask)."""
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            hits = self._hits[client]
            while hits and now - hits[0] > 60:
                hits.popleft()
            if len(hits) >= self.per_minute * cost_share:
                return False
            hits.append(now)
            return True
