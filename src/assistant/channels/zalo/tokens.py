"""The OA's access token: seeded from the environment once, then kept (and refreshed) in the database.

Zalo's refresh token is single-use: a refreshed pair is written to the database, atomically and behind a
lock, before it is used, so a crash never leaves the OA needing a manual re-authorisation.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from assistant.channels.zalo.client import TokenPair, TokenRefreshError, ZaloClient
from assistant.channels.zalo.store import ZaloStore, now_ms

log = logging.getLogger("assistant.zalo")

EARLY_REFRESH_MS = 5 * 60 * 1000  # refresh a token this long before it expires


def seed_hash(tokens: TokenPair) -> str:
    return hashlib.sha256(f"{tokens.access_token}\n{tokens.refresh_token}".encode()).hexdigest()


class TokenKeeper:
    def __init__(self, store: ZaloStore, client: ZaloClient, seed: TokenPair | None) -> None:
        self.store = store
        self.client = client
        self.seed = seed
        self._lock = asyncio.Lock()

    def load_seed(self) -> None:
        """The database wins, unless the operator put different tokens in the environment since the last
        seed (a re-authorisation): then those replace the stored ones. Blocking; run at start-up."""
        if self.seed is None:
            return
        fingerprint = seed_hash(self.seed)
        if self.store.load_tokens() is None or self.store.token_seed() != fingerprint:
            self.store.seed_tokens(self.seed, fingerprint)
            log.info("Zalo: đã nạp access token / refresh token từ biến môi trường vào cơ sở dữ liệu.")

    async def current(self) -> TokenPair | None:
        tokens = await asyncio.to_thread(self.store.load_tokens)
        if tokens and tokens.expires_at is not None and tokens.expires_at - EARLY_REFRESH_MS <= now_ms():
            try:
                return await self.refresh(tokens)
            except TokenRefreshError as exc:
                log.error("Zalo: không làm mới được access token sắp hết hạn: %s", exc)
        return tokens

    async def refresh(self, stale: TokenPair) -> TokenPair:
        """A fresh pair; if another task (or process) already replaced `stale`, its pair is returned."""
        async with self._lock:
            stored = await asyncio.to_thread(self.store.load_tokens)
            if stored is None:
                raise TokenRefreshError("no tokens stored")
            if stored.access_token != stale.access_token:
                return stored
            try:
                fresh = await self.client.refresh(stored.refresh_token)
            except TokenRefreshError:
                # Another process may have used this single-use refresh token a moment ago.
                again = await asyncio.to_thread(self.store.load_tokens)
                if again is not None and again.access_token != stale.access_token:
                    return again
                raise
            if not await asyncio.to_thread(self.store.replace_tokens, stored.refresh_token, fresh):
                replaced = await asyncio.to_thread(self.store.load_tokens)
                if replaced is None:
                    raise TokenRefreshError("tokens disappeared while refreshing")
                return replaced
            log.info("Zalo: đã làm mới access token và lưu cặp token mới.")
            return fresh
