"""Moved to `assistant.ratelimit` (the web API and the channels share one limiter); kept for old imports."""

from assistant.ratelimit import ADMIN_WINDOW_MINUTES, SHARES, RateLimiter

__all__ = ["ADMIN_WINDOW_MINUTES", "SHARES", "RateLimiter"]
