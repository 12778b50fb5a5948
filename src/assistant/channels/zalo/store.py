"""The Zalo channel's tables: inbox of events, outbox of reply parts, the OA's tokens.

Every method is one short transaction, safe to call from worker threads and from several processes or
machines on one database. Rows being worked on carry a lease (`locked_until`, epoch ms, and `locked_by`);
on PostgreSQL the next row is claimed with FOR UPDATE SKIP LOCKED, on SQLite the writing transaction
(BEGIN IMMEDIATE) serialises claims. Each citizen's events are answered, and their replies sent, in the
order the citizen wrote them, whichever worker holds them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select, tuple_, update
from sqlalchemy.engine import Connection, Row

from assistant.channels.zalo.client import TokenPair
from assistant.channels.zalo.events import EventKind, Inbound
from assistant.store import Database
from assistant.store.db import now_iso
from assistant.store.schema import zalo_inbox, zalo_outbox, zalo_tokens

inbox, outbox, tokens = zalo_inbox.c, zalo_outbox.c, zalo_tokens.c


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


@dataclass(frozen=True)
class PartClaim:
    """A part claimed for sending. `interrupted`: an earlier send of it was recorded but its outcome
    never was (the process stopped mid-send), so Zalo may already have delivered it."""

    interrupted: bool


_PART_COLUMNS = (
    outbox.msg_id,
    outbox.part,
    outbox.user_id,
    outbox.text,
    outbox.status,
    outbox.attempts,
    outbox.next_attempt_at,
    outbox.error_code,
    outbox.last_error,
)


def outbox_rows(msg_id: str, user_id: str, parts: list[str], at: str) -> list[dict[str, object]]:
    """The outbox rows of one message's parts, numbered from 1, waiting to be sent."""
    return [
        {
            "msg_id": msg_id,
            "part": n,
            "user_id": user_id,
            "text": part,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": 0,
            "created_at": at,
        }
        for n, part in enumerate(parts, 1)
    ]


def _free(column_locked_until, now: int):  # type: ignore[no-untyped-def]
    return or_(column_locked_until.is_(None), column_locked_until < now)


def _earlier_event_pending(user_id, event_time, msg_id):  # type: ignore[no-untyped-def]
    """An event of the same citizen, written earlier, still waiting for its reply to be composed."""
    earlier = zalo_inbox.alias("earlier")
    return exists().where(
        earlier.c.user_id == user_id,
        earlier.c.status == "pending",
        tuple_(earlier.c.event_time, earlier.c.msg_id) < tuple_(event_time, msg_id),
    )


class ZaloStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._skip_locked = db.dialect == "postgresql"

    def _lock(self, query):  # type: ignore[no-untyped-def]
        return (
            query.with_for_update(skip_locked=True, of=query.selected_columns[0].table) if self._skip_locked else query
        )

    # --- inbox ------------------------------------------------------------------------------------
    def add_event(self, event: Inbound) -> bool:
        """Store an event once; False when its key is already there (a retry or a concurrent duplicate)."""
        stmt = (
            self.db.insert(zalo_inbox)
            .values(
                msg_id=event.key,
                kind=event.kind.value,
                event_name=event.event_name,
                user_id=event.user_id,
                text=event.text,
                event_time=event.time_ms,
                received_at=now_iso(),
                status="pending",
            )
            .on_conflict_do_nothing(index_elements=[inbox.msg_id])
            .returning(inbox.msg_id)
        )
        return self.db.write(lambda conn: conn.execute(stmt).first()) is not None

    def claim_event(self, lease_ms: int, owner: str) -> StoredEvent | None:
        """Take the oldest event that is free and whose citizen has no earlier event still unanswered."""

        def work(conn: Connection) -> StoredEvent | None:
            now = now_ms()
            query = self._lock(
                select(inbox.msg_id, inbox.kind, inbox.event_name, inbox.user_id, inbox.text, inbox.attempts)
                .where(
                    inbox.status == "pending",
                    _free(inbox.locked_until, now),
                    ~_earlier_event_pending(inbox.user_id, inbox.event_time, inbox.msg_id),
                )
                .order_by(inbox.event_time, inbox.msg_id)
                .limit(1)
            )
            row = conn.execute(query).first()
            if row is None:
                return None
            claimed = conn.execute(
                update(zalo_inbox)
                .where(inbox.msg_id == row[0], inbox.status == "pending", _free(inbox.locked_until, now))
                .values(locked_until=now + lease_ms, locked_by=owner, attempts=inbox.attempts + 1)
            ).rowcount
            if claimed != 1:
                return None
            return StoredEvent(row[0], EventKind(row[1]), row[2], row[3], row[4] or "", int(row[5]) + 1)

        return self.db.write(work)

    def renew_event(self, msg_id: str, owner: str, lease_ms: int) -> bool:
        stmt = (
            update(zalo_inbox)
            .where(inbox.msg_id == msg_id, inbox.locked_by == owner, inbox.status == "pending")
            .values(locked_until=now_ms() + lease_ms)
        )
        return self.db.write(lambda conn: conn.execute(stmt).rowcount) == 1

    def release_event(self, msg_id: str, error: str) -> None:
        stmt = (
            update(zalo_inbox)
            .where(inbox.msg_id == msg_id)
            .values(locked_until=None, locked_by=None, last_error=error[:1000])
        )
        self.db.write(lambda conn: conn.execute(stmt))

    def save_reply(
        self, msg_id: str, user_id: str, parts: list[str], stored_text: str, owner: str | None = None
    ) -> bool:
        """Mark the event answered and queue its reply parts, in one transaction; False when the event is
        no longer pending or (with `owner`) its lease passed to another worker. `stored_text` replaces the
        citizen's text in the inbox (scrubbed of personal data once it is no longer needed)."""
        conditions = [inbox.msg_id == msg_id, inbox.status == "pending"]
        if owner is not None:
            conditions.append(inbox.locked_by == owner)

        def work(conn: Connection) -> bool:
            done = conn.execute(
                update(zalo_inbox)
                .where(*conditions)
                .values(
                    status="answered" if parts else "skipped",
                    answered_at=now_iso(),
                    locked_until=None,
                    locked_by=None,
                    text=stored_text,
                )
            ).rowcount
            if done != 1:
                return False
            at = now_iso()
            if parts:
                conn.execute(zalo_outbox.insert(), outbox_rows(msg_id, user_id, parts, at))
            return True

        return self.db.write(work)

    def event_status(self, msg_id: str) -> str | None:
        query = select(inbox.status).where(inbox.msg_id == msg_id)
        return self.db.read(lambda conn: conn.execute(query).scalar())

    # --- outbox -----------------------------------------------------------------------------------
    def pending_parts(self, limit: int = 500) -> list[OutboundPart]:
        """Unsent parts in the order they must reach each citizen (by event time, then part), leaving out
        citizens with an earlier event whose reply is not composed yet."""
        query = (
            select(*_PART_COLUMNS)
            .select_from(zalo_outbox.join(zalo_inbox, inbox.msg_id == outbox.msg_id))
            .where(outbox.status == "pending", ~_earlier_event_pending(outbox.user_id, inbox.event_time, inbox.msg_id))
            .order_by(inbox.event_time, outbox.msg_id, outbox.part)
            .limit(limit)
        )
        return [_part(r) for r in self.db.read(lambda conn: conn.execute(query).all())]

    def parts_of(self, msg_id: str) -> list[OutboundPart]:
        query = select(*_PART_COLUMNS).where(outbox.msg_id == msg_id).order_by(outbox.part)
        return [_part(r) for r in self.db.read(lambda conn: conn.execute(query).all())]

    def claim_part(self, msg_id: str, part: int, lease_ms: int, owner: str = "") -> PartClaim | None:
        """Take a due part for sending and record, in the same transaction, that its send is starting.
        None when it is not due, is held by another worker, or an earlier part of the citizen is unsent."""
        earlier_part = zalo_outbox.alias("earlier_part")
        earlier_event = zalo_inbox.alias("earlier_part_event")

        def work(conn: Connection) -> PartClaim | None:
            now = now_ms()
            mine = zalo_inbox.alias("mine")
            before_me = exists().where(
                earlier_part.c.user_id == outbox.user_id,
                earlier_part.c.status == "pending",
                earlier_event.c.msg_id == earlier_part.c.msg_id,
                tuple_(earlier_event.c.event_time, earlier_part.c.msg_id, earlier_part.c.part)
                < tuple_(mine.c.event_time, outbox.msg_id, outbox.part),
            )
            query = self._lock(
                select(outbox.send_started_at)
                .select_from(zalo_outbox.join(mine, mine.c.msg_id == outbox.msg_id))
                .where(
                    outbox.msg_id == msg_id,
                    outbox.part == part,
                    outbox.status == "pending",
                    outbox.next_attempt_at <= now,
                    _free(outbox.locked_until, now),
                    ~before_me,
                    ~_earlier_event_pending(outbox.user_id, mine.c.event_time, mine.c.msg_id),
                )
            )
            row = conn.execute(query).first()
            if row is None:
                return None
            conn.execute(
                update(zalo_outbox)
                .where(outbox.msg_id == msg_id, outbox.part == part)
                .values(
                    locked_until=now + lease_ms,
                    locked_by=owner or None,
                    attempts=outbox.attempts + 1,
                    send_started_at=now,
                )
            )
            return PartClaim(interrupted=row[0] is not None)

        return self.db.write(work)

    def renew_part(self, msg_id: str, part: int, owner: str, lease_ms: int) -> bool:
        stmt = (
            update(zalo_outbox)
            .where(outbox.msg_id == msg_id, outbox.part == part, outbox.locked_by == owner, outbox.status == "pending")
            .values(locked_until=now_ms() + lease_ms)
        )
        return self.db.write(lambda conn: conn.execute(stmt).rowcount) == 1

    def mark_sent(self, msg_id: str, part: int, zalo_message_id: str | None) -> None:
        stmt = (
            update(zalo_outbox)
            .where(outbox.msg_id == msg_id, outbox.part == part)
            .values(
                status="sent",
                sent_at=now_iso(),
                zalo_message_id=zalo_message_id,
                locked_until=None,
                locked_by=None,
                send_started_at=None,
                error_code=None,
                last_error=None,
            )
        )
        self.db.write(lambda conn: conn.execute(stmt))

    def mark_retry(self, msg_id: str, part: int, next_attempt_at: int, code: int | None, error: str) -> None:
        stmt = (
            update(zalo_outbox)
            .where(outbox.msg_id == msg_id, outbox.part == part)
            .values(
                next_attempt_at=next_attempt_at,
                error_code=code,
                last_error=error[:1000],
                locked_until=None,
                locked_by=None,
                send_started_at=None,
            )
        )
        self.db.write(lambda conn: conn.execute(stmt))

    def mark_failed(self, msg_id: str, code: int | None, error: str) -> None:
        """Stop for good: this part and the parts after it are not sent."""
        stmt = (
            update(zalo_outbox)
            .where(outbox.msg_id == msg_id, outbox.status == "pending")
            .values(
                status="failed",
                error_code=code,
                last_error=error[:1000],
                locked_until=None,
                locked_by=None,
                send_started_at=None,
            )
        )
        self.db.write(lambda conn: conn.execute(stmt))

    # --- tokens -----------------------------------------------------------------------------------
    def load_tokens(self) -> TokenPair | None:
        query = select(tokens.access_token, tokens.refresh_token, tokens.expires_at).where(tokens.id == 1)
        row = self.db.read(lambda conn: conn.execute(query).first())
        return TokenPair(row[0], row[1], row[2]) if row else None

    def token_seed(self) -> str | None:
        query = select(tokens.seed_hash).where(tokens.id == 1)
        return self.db.read(lambda conn: conn.execute(query).scalar())

    def seed_tokens(self, pair: TokenPair, seed_hash: str) -> None:
        """Store tokens given by the operator (environment), replacing whatever the database held."""
        values = {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expires_at": pair.expires_at,
            "seed_hash": seed_hash,
            "updated_at": now_iso(),
        }
        stmt = self.db.insert(zalo_tokens).values(id=1, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[tokens.id], set_=values)
        self.db.write(lambda conn: conn.execute(stmt))

    def replace_tokens(self, used_refresh_token: str, pair: TokenPair) -> bool:
        """Swap in a refreshed pair, only if nobody replaced `used_refresh_token` meanwhile."""
        stmt = (
            update(zalo_tokens)
            .where(and_(tokens.id == 1, tokens.refresh_token == used_refresh_token))
            .values(
                access_token=pair.access_token,
                refresh_token=pair.refresh_token,
                expires_at=pair.expires_at,
                updated_at=now_iso(),
            )
        )
        return self.db.write(lambda conn: conn.execute(stmt).rowcount) == 1


def _part(row: Row) -> OutboundPart:
    return OutboundPart(row[0], int(row[1]), row[2], row[3], row[4], int(row[5]), int(row[6]), row[7], row[8])
