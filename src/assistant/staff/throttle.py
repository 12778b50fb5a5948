"""Wrong staff passwords, counted per client address and per account (sliding 15-minute windows, in the
rate limiter's storage: memory, or Redis shared by every process). Past the limit, even the right password
waits, so guessing one account from many addresses, or many accounts from one, both stop."""

from __future__ import annotations

from limits import RateLimitItemPerMinute
from limits.strategies import SlidingWindowCounterRateLimiter

from assistant.ratelimit import ADMIN_WINDOW_MINUTES, RateLimiter

WINDOW_MINUTES = ADMIN_WINDOW_MINUTES


class LoginThrottle:
    def __init__(self, limiter: RateLimiter, max_failures: int) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(limiter.storage)
        self._item = RateLimitItemPerMinute(max(max_failures, 1), WINDOW_MINUTES, namespace="assistant-staff")

    def blocked(self, client: str, username: str) -> bool:
        try:
            return not (
                self._limiter.test(self._item, "client", client)
                and self._limiter.test(self._item, "account", username.casefold())
            )
        except Exception:  # storage away: do not lock staff out
            return False

    def failed(self, client: str, username: str) -> None:
        try:
            self._limiter.hit(self._item, "client", client)
            self._limiter.hit(self._item, "account", username.casefold())
        except Exception:
            pass
