"""The Zalo channel's tables (schema version 2): inbox of events, outbox of reply parts, the OA's tokens.

Every method is one short transaction, safe to call from worker threads; rows being worked on carry a
lease (`locked_until`, epoch ms) so that two workers on one database never handle the same row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine, Row

from assistant.channels.zalo.client import TokenPair
from assistant.channels.zalo.events import EventKind, Inbound
from assistant.store.db import now_iso


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class StoredEvent:
    msg_id: str
    kind: EventKind
    event_name: str
    user_id: str
    text: str
    attempts: int


@dataclass(frozen=True)
class OutboundPart:
    msg_id: str
    part: int
    user_id: str
    text: str
    status: str  # pending | sent | failed
    attempts: int
    next_attempt_at: int  # epoch ms
    error_code: int | None
    last_error: str | None


_FREE = "(locked_until IS NULL OR locked_until < :now)"


class ZaloStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- inbox ------------------------------------------------------------------------------------
    def add_event(self, event: Inbound) -> bool:
        """Store an event once; False when its key is already there (a retry or a concurrent duplicate)."""
        with self.engine.begin() as conn:
            inserted = conn.execute(
                text(
                    "INSERT INTO zalo_inbox (msg_id, kind, event_name, user_id, text, event_time, received_at, status) "
                    "VALUES (:k, :kind, :name, :u, :t, :time, :at, 'pending') ON CONFLICT (msg_id) DO NOTHING"
                ),
                {"k": event.key, "kind": event.kind.value, "name": event.event_name, "u": event.user_id,
                 "t": event.text, "time": event.time_ms, "at": now_iso()},
            ).rowcount
        return inserted == 1

    def events_to_answer(self, limit: int = 20) -> list[StoredEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT msg_id, kind, event_name, user_id, text, attempts FROM zalo_inbox "
                    f"WHERE status = 'pending' AND {_FREE} ORDER BY event_time, msg_id LIMIT :n"
                ),
                {"now": now_ms(), "n": limit},
            )
            return [StoredEvent(r[0], EventKind(r[1]), r[2], r[3], r[4] or "", int(r[5])) for r in rows]

    def claim_event(self, msg_id: str, lease_ms: int) -> bool:
        with self.engine.begin() as conn:
            now = now_ms()
            return conn.execute(
                text(
                    "UPDATE zalo_inbox SET locked_until = :until, attempts = attempts + 1 "
                    f"WHERE msg_id = :k AND status = 'pending' AND {_FREE}"
                ),
                {"until": now + lease_ms, "k": msg_id, "now": now},
            ).rowcount == 1

    def release_event(self, msg_id: str, error: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE zalo_inbox SET locked_until = NULL, last_error = :e WHERE msg_id = :k"),
                {"e": error[:1000], "k": msg_id},
            )

    def save_reply(self, msg_id: str, user_id: str, parts: list[str], stored_text: str) -> bool:
        """Mark the event answered and queue its reply parts, in one transaction. `stored_text` replaces
        the citizen's text in the inbox (scrubbed of personal data once it is no longer needed)."""
        with self.engine.begin() as conn:
            done = conn.execute(
                text(
                    "UPDATE zalo_inbox SET status = :s, answered_at = :at, locked_until = NULL, text = :t "
                    "WHERE msg_id = :k AND status = 'pending'"
                ),
                {"s": "answered" if parts else "skipped", "at": now_iso(), "t": stored_text, "k": msg_id},
            ).rowcount
            if done != 1:
                return False
            at = now_iso()
            for number, part in enumerate(parts, 1):
                conn.execute(
                    text(
                        "INSERT INTO zalo_outbox (msg_id, part, user_id, text, status, created_at) "
                        "VALUES (:k, :p, :u, :t, 'pending', :at)"
                    ),
                    {"k": msg_id, "p": number, "u": user_id, "t": part, "at": at},
                )
        return True

    # --- outbox -----------------------------------------------------------------------------------
    def pending_parts(self, limit: int = 500) -> list[OutboundPart]:
        """Unsent parts in the order they must reach each citizen (by event time, then part)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT o.msg_id, o.part, o.user_id, o.text, o.status, o.attempts, o.next_attempt_at, "
                    "o.error_code, o.last_error FROM zalo_outbox o JOIN zalo_inbox i ON i.msg_id = o.msg_id "
                    "WHERE o.status = 'pending' ORDER BY i.event_time, o.msg_id, o.part LIMIT :n"
                ),
                {"n": limit},
            )
            return [_part(r) for r in rows]

    def parts_of(self, msg_id: str) -> list[OutboundPart]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT msg_id, part, user_id, text, status, attempts, next_attempt_at, error_code, last_error "
                    "FROM zalo_outbox WHERE msg_id = :k ORDER BY part"
                ),
                {"k": msg_id},
            )
            return [_part(r) for r in rows]

    def event_status(self, msg_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT status FROM zalo_inbox WHERE msg_id = :k"), {"k": msg_id}).scalar()

    def claim_part(self, msg_id: str, part: int, lease_ms: int) -> bool:
        with self.engine.begin() as conn:
            now = now_ms()
            return conn.execute(
                text(
                    "UPDATE zalo_outbox SET locked_until = :until, attempts = attempts + 1 "
                    f"WHERE msg_id = :k AND part = :p AND status = 'pending' AND next_attempt_at <= :now AND {_FREE}"
                ),
                {"until": now + lease_ms, "k": msg_id, "p": part, "now": now},
            ).rowcount == 1

    def release_part(self, msg_id: str, part: int) -> None:
        """Give a claimed part back untouched (the worker stopped before it knew the outcome)."""
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE zalo_outbox SET locked_until = NULL, attempts = attempts - 1 WHERE msg_id = :k AND part = :p"),
                {"k": msg_id, "p": part},
            )

    def mark_sent(self, msg_id: str, part: int, zalo_message_id: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE zalo_outbox SET status = 'sent', sent_at = :at, zalo_message_id = :z, locked_until = NULL, "
                    "error_code = NULL, last_error = NULL WHERE msg_id = :k AND part = :p"
                ),
                {"at": now_iso(), "z": zalo_message_id, "k": msg_id, "p": part},
            )

    def mark_retry(self, msg_id: str, part: int, next_attempt_at: int, code: int | None, error: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE zalo_outbox SET next_attempt_at = :next, error_code = :c, last_error = :e, locked_until = NULL "
                    "WHERE msg_id = :k AND part = :p"
                ),
                {"next": next_attempt_at, "c": code, "e": error[:1000], "k": msg_id, "p": part},
            )

    def mark_failed(self, msg_id: str, code: int | None, error: str) -> None:
        """Stop for good: this part and the parts after it are not sent."""
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE zalo_outbox SET status = 'failed', error_code = :c, last_error = :e, locked_until = NULL "
                    "WHERE msg_id = :k AND status = 'pending'"
                ),
                {"c": code, "e": error[:1000], "k": msg_id},
            )

    # --- tokens -----------------------------------------------------------------------------------
    def load_tokens(self) -> TokenPair | None:
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT access_token, refresh_token, expires_at FROM zalo_tokens WHERE id = 1")).first()
        return TokenPair(row[0], row[1], row[2]) if row else None

    def token_seed(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT seed_hash FROM zalo_tokens WHERE id = 1")).scalar()

    def seed_tokens(self, tokens: TokenPair, seed_hash: str) -> None:
        """Store tokens given by the operator (environment), replacing whatever the database held."""
        with self.engine.begin() as conn:
            params = {"a": tokens.access_token, "r": tokens.refresh_token, "x": tokens.expires_at, "h": seed_hash, "t": now_iso()}
            updated = conn.execute(
                text("UPDATE zalo_tokens SET access_token = :a, refresh_token = :r, expires_at = :x, seed_hash = :h, updated_at = :t WHERE id = 1"),
                params,
            ).rowcount
            if not updated:
                conn.execute(
                    text("INSERT INTO zalo_tokens (id, access_token, refresh_token, expires_at, seed_hash, updated_at) "
                         "VALUES (1, :a, :r, :x, :h, :t) ON CONFLICT (id) DO NOTHING"),
                    params,
                )

    def replace_tokens(self, used_refresh_token: str, tokens: TokenPair) -> bool:
        """Swap in a refreshed pair, only if nobody replaced `used_refresh_token` meanwhile."""
        with self.engine.begin() as conn:
            return conn.execute(
                text(
                    "UPDATE zalo_tokens SET access_token = :a, refresh_token = :r, expires_at = :x, updated_at = :t "
                    "WHERE id = 1 AND refresh_token = :old"
                ),
                {"a": tokens.access_token, "r": tokens.refresh_token, "x": tokens.expires_at, "t": now_iso(),
                 "old": used_refresh_token},
            ).rowcount == 1


def _part(row: Row) -> OutboundPart:
    return OutboundPart(row[0], int(row[1]), row[2], row[3], row[4], int(row[5]), int(row[6]), row[7], row[8])
