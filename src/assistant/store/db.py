"""Database access with SQLAlchemy Core: SQLite by default (one machine), PostgreSQL when scaled out.

Every public method is one short transaction, run by `read` or `write`, which retry transient errors
(a busy SQLite file, a PostgreSQL serialization failure or a dropped connection) with a short back-off.
On SQLite, writing transactions start with BEGIN IMMEDIATE and wait up to `busy_timeout` for the lock,
so concurrent writers queue instead of failing with "database is locked".
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import case, create_engine, event, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from assistant.errors import UserError
from assistant.store import migrate
from assistant.store.schema import feedback, questions, sessions

log = logging.getLogger("assistant.store")

T = TypeVar("T")

SQLITE_BUSY_MS = 30_000
RETRIES = 5


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class StoredQuestion:
    id: str
    created_at: str
    channel: str
    session_id: str | None
    question: str
    answered: bool
    confidence: float
    code: str | None
    answer: str


@dataclass(frozen=True)
class ProcedureFeedback:
    """Votes on the answers about one procedure (`code` None: answers without one), the unhelpful ones first."""

    code: str | None
    votes: int
    unhelpful: int
    example: str  # a question asked
    comment: str | None  # a comment left with a vote


@dataclass(frozen=True)
class DayFigures:
    day: str  # YYYY-MM-DD (UTC)
    questions: int
    answered: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class Handoff:
    """A conversation passed to staff."""

    session_id: str
    channel: str
    since: str | None  # ISO time of the handoff
    last_code: str | None
    last_question: str | None


@dataclass(frozen=True)
class ConversationState:
    """What the assistant remembers of one conversation (a web chat or a Zalo user)."""

    session_id: str
    channel: str
    last_code: str | None  # the procedure last answered, for follow-up questions
    handoff: bool  # passed to staff
    handoff_at: str | None
    updated_at: str


def create_db_engine(url: str, pool_size: int = 10) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UserError(f"ASSISTANT_DB_URL không hợp lệ: {url}") from exc
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                parsed,
                connect_args={"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False},
                pool_size=pool_size,
                max_overflow=2 * pool_size,
                pool_timeout=30,
            )
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        elif backend == "postgresql":
            engine = create_engine(
                parsed,
                pool_size=pool_size,
                max_overflow=2 * pool_size,
                pool_timeout=30,
                pool_pre_ping=True,  # a connection the server dropped is replaced, not handed out
                pool_recycle=1800,
                connect_args={"connect_timeout": 5, "application_name": "an-giang-assistant"},
            )
        else:
            raise UserError(
                f"ASSISTANT_DB_URL: chỉ hỗ trợ sqlite:///... và postgresql+psycopg://..., không hỗ trợ '{backend}'."
            )
    except ImportError as exc:
        raise UserError(f"ASSISTANT_DB_URL: thiếu trình điều khiển cơ sở dữ liệu ({exc.name}).") from exc
    return engine


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own transaction handling is replaced by the "begin" hook below.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")  # first: the next pragma may need the lock
    cur.execute("PRAGMA journal_mode=WAL")  # persistent; readers never wait for the writer
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a power cut loses at most the last commits
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # A deferred transaction that reads and then writes can fail at once with "database is locked" (no
    # waiting) when another writer got there first; taking the write lock at BEGIN makes writers queue.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("assistant_write") else "BEGIN")


def _transient(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    message = str(exc.orig).lower()
    if isinstance(exc, OperationalError) and ("locked" in message or "busy" in message):
        return True
    code = getattr(exc.orig, "sqlstate", None) or ""
    # serialization failure, deadlock, connection exceptions, admin shutdown, cannot connect now
    return code in ("40001", "40P01", "57P01", "57P03") or code.startswith("08")


class Database:
    """Opens (and creates) the database, applies migrations, and offers the queries the app needs."""

    def __init__(self, url: str, *, pool_size: int = 10, migrate_schema: bool = True) -> None:
        self.url = url
        self.engine: Engine = create_db_engine(url, pool_size)
        self.dialect = self.engine.dialect.name
        if migrate_schema:
            self.migrate()

    def migrate(self) -> None:
        try:
            self._retry(lambda: migrate.upgrade(self.engine))
        except OperationalError as exc:
            raise UserError(f"Không kết nối được cơ sở dữ liệu ({_safe_url(self.url)}): {exc.orig}") from None

    def schema_revision(self) -> str | None:
        return migrate.current(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    # --- transactions -----------------------------------------------------------------------------
    def read(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in a read transaction, retried on transient errors."""

        def once() -> T:
            with self.engine.connect() as conn, conn.begin():
                return work(conn)

        return self._retry(once)

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one short writing transaction, retried on transient errors."""

        def once() -> T:
            with self.engine.connect() as conn:
                conn.execution_options(assistant_write=True)
                with conn.begin():
                    return work(conn)

        return self._retry(once)

    def _retry(self, once: Callable[[], T]) -> T:
        for attempt in range(RETRIES):
            try:
                return once()
            except DBAPIError as exc:
                if attempt == RETRIES - 1 or not _transient(exc):
                    raise
                delay = 0.05 * 2**attempt * (0.5 + random.random())
                log.warning(
                    "Cơ sở dữ liệu bận hoặc mất kết nối (%s); thử lại sau %.2f s", type(exc.orig).__name__, delay
                )
                time.sleep(delay)
        raise AssertionError("unreachable")

    def insert(self, table: Any) -> Any:
        """An INSERT that supports ON CONFLICT on this database."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    def ping(self) -> None:
        self.read(lambda conn: conn.execute(text("SELECT 1")).scalar_one())

    # --- questions and feedback -------------------------------------------------------------------
    def record_question(
        self,
        *,
        channel: str,
        session_id: str | None,
        question: str,
        answered: bool,
        clarify: bool,
        confidence: float,
        code: str | None,
        intent: str | None,
        answer: str,
    ) -> str:
        qid = str(uuid.uuid4())
        row = {
            "id": qid,
            "created_at": now_iso(),
            "channel": channel,
            "session_id": session_id,
            "question": question,
            "answered": int(answered),
            "clarify": int(clarify),
            "confidence": float(confidence),
            "code": code,
            "intent": intent,
            "answer": answer,
        }
        self.write(lambda conn: conn.execute(insert(questions).values(row)))
        return qid

    def question_exists(self, qid: str) -> bool:
        query = select(questions.c.id).where(questions.c.id == qid)
        return self.read(lambda conn: conn.execute(query).first() is not None)

    def record_feedback(self, question_id: str, helpful: bool, comment: str | None) -> None:
        row = {
            "id": str(uuid.uuid4()),
            "question_id": question_id,
            "helpful": int(helpful),
            "comment": comment,
            "created_at": now_iso(),
        }
        self.write(lambda conn: conn.execute(insert(feedback).values(row)))

    def questions_needing_staff(self, threshold: float, limit: int = 2000) -> list[StoredQuestion]:
        q = questions.c
        query = (
            select(q.id, q.created_at, q.channel, q.session_id, q.question, q.answered, q.confidence, q.code, q.answer)
            .where((q.answered == 0) | (q.confidence < threshold))
            .order_by(q.created_at.desc())
            .limit(limit)
        )
        rows = self.read(lambda conn: conn.execute(query).all())
        return [StoredQuestion(*r[:5], bool(r[5]), float(r[6]), r[7], r[8]) for r in rows]

    def least_helpful(self, limit: int = 50) -> list[ProcedureFeedback]:
        unhelpful = func.sum(case((feedback.c.helpful == 0, 1), else_=0))
        query = (
            select(
                questions.c.code,
                func.count().label("votes"),
                unhelpful.label("unhelpful"),
                func.max(questions.c.question),
                func.max(feedback.c.comment),
            )
            .select_from(feedback.join(questions, questions.c.id == feedback.c.question_id))
            .group_by(questions.c.code)
            .having(unhelpful > 0)
            .order_by(unhelpful.desc(), func.count().desc())
            .limit(limit)
        )
        rows = self.read(lambda conn: conn.execute(query).all())
        return [ProcedureFeedback(r[0], int(r[1]), int(r[2]), r[3], r[4]) for r in rows]

    def daily_figures(self, days: int = 30) -> list[DayFigures]:
        q_day = func.substr(questions.c.created_at, 1, 10)
        f_day = func.substr(feedback.c.created_at, 1, 10)
        asked_q = (
            select(q_day.label("day"), func.count(), func.sum(questions.c.answered))
            .group_by(q_day)
            .order_by(q_day.desc())
            .limit(days)
        )
        votes_q = select(f_day, feedback.c.helpful, func.count()).group_by(f_day, feedback.c.helpful)

        def work(conn: Connection) -> tuple[Sequence[Any], Sequence[Any]]:
            return conn.execute(asked_q).all(), conn.execute(votes_q).all()

        asked, votes = self.read(work)
        tally: dict[tuple[str, int], int] = {(day, int(helpful)): int(n) for day, helpful, n in votes}
        return [
            DayFigures(day, int(n), int(answered or 0), tally.get((day, 1), 0), tally.get((day, 0), 0))
            for day, n, answered in asked
        ]

    # --- conversations ----------------------------------------------------------------------------
    def session(self, session_id: str) -> ConversationState | None:
        s = sessions.c
        query = select(s.session_id, s.channel, s.last_code, s.handoff, s.handoff_at, s.updated_at).where(
            s.session_id == session_id
        )
        row = self.read(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        return ConversationState(
            row.session_id, row.channel, row.last_code, bool(row.handoff), row.handoff_at, row.updated_at
        )

    def remember(self, session_id: str, channel: str, last_code: str | None) -> None:
        self._upsert_session(session_id, channel, last_code, handoff=False)

    def mark_handoff(self, session_id: str, channel: str) -> None:
        self._upsert_session(session_id, channel, None, handoff=True)

    def _upsert_session(self, session_id: str, channel: str, last_code: str | None, *, handoff: bool) -> None:
        at = now_iso()
        stmt = self.insert(sessions).values(
            session_id=session_id,
            channel=channel,
            last_code=last_code,
            handoff=int(handoff),
            handoff_at=at if handoff else None,
            updated_at=at,
        )
        changes: dict[str, Any] = {
            "last_code": func.coalesce(stmt.excluded.last_code, sessions.c.last_code),
            "updated_at": stmt.excluded.updated_at,
        }
        if handoff:
            changes.update(handoff=1, handoff_at=stmt.excluded.handoff_at)
        stmt = stmt.on_conflict_do_update(index_elements=[sessions.c.session_id], set_=changes)
        self.write(lambda conn: conn.execute(stmt))

    def handoffs(self) -> list[Handoff]:
        s, q = sessions.c, questions.c
        last_question = (
            select(q.question)
            .where(q.session_id == s.session_id)
            .order_by(q.created_at.desc())
            .limit(1)
            .correlate(sessions)
            .scalar_subquery()
        )
        query = (
            select(s.session_id, s.channel, s.handoff_at, s.last_code, last_question)
            .where(s.handoff == 1)
            .order_by(s.handoff_at.desc())
        )
        rows = self.read(lambda conn: conn.execute(query).all())
        return [Handoff(*r) for r in rows]


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "?"


__all__ = ["Database", "StoredQuestion", "now_iso"]
