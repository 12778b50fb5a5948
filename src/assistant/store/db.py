"""Database access with SQLAlchemy Core: SQLite by default, any SQLAlchemy URL (e.g. PostgreSQL) later."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from assistant.errors import UserError
from assistant.store.schema import MIGRATIONS


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


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


class Database:
    """Opens (and creates) the database, applies migrations, and offers the queries the app needs."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, future=True)
        except Exception as exc:
            raise UserError(f"ASSISTANT_DB_URL không hợp lệ: {url}") from exc
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.migrate()

    def migrate(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at VARCHAR(32))"))
            done = {row[0] for row in conn.execute(text("SELECT version FROM schema_version"))}
            for version, statements in MIGRATIONS:
                if version in done:
                    continue
                for statement in statements:
                    conn.execute(text(statement))
                conn.execute(text("INSERT INTO schema_version VALUES (:v, :t)"), {"v": version, "t": now_iso()})

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() or 0)

    # --- questions and feedback -------------------------------------------------------------
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
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO questions VALUES (:id, :t, :channel, :sid, :q, :answered, :clarify, :conf, :code, :intent, :answer)"
                ),
                {
                    "id": qid, "t": now_iso(), "channel": channel, "sid": session_id, "q": question,
                    "answered": int(answered), "clarify": int(clarify), "conf": confidence, "code": code,
                    "intent": intent, "answer": answer,
                },
            )
        return qid

    def question_exists(self, qid: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1 FROM questions WHERE id = :id"), {"id": qid}).first() is not None

    def record_feedback(self, question_id: str, helpful: bool, comment: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO feedback (id, question_id, helpful, comment, created_at) VALUES (:id, :q, :h, :c, :t)"),
                {"id": str(uuid.uuid4()), "q": question_id, "h": int(helpful), "c": comment, "t": now_iso()},
            )

    def questions_needing_staff(self, threshold: float, limit: int = 2000) -> list[StoredQuestion]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, created_at, channel, session_id, question, answered, confidence, code, answer "
                    "FROM questions WHERE answered = 0 OR confidence < :th ORDER BY created_at DESC LIMIT :n"
                ),
                {"th": threshold, "n": limit},
            )
            return [StoredQuestion(*r[:5], bool(r[5]), float(r[6]), r[7], r[8]) for r in rows]

    def least_helpful(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT q.code, COUNT(*) AS votes, SUM(CASE WHEN f.helpful = 0 THEN 1 ELSE 0 END) AS unhelpful, "
                    "MAX(q.question) AS example, MAX(f.comment) AS comment FROM feedback f JOIN questions q ON q.id = f.question_id "
                    "GROUP BY q.code HAVING SUM(CASE WHEN f.helpful = 0 THEN 1 ELSE 0 END) > 0 "
                    "ORDER BY unhelpful DESC, votes DESC LIMIT :n"
                ),
                {"n": limit},
            )
            return [
                {"code": r[0], "votes": int(r[1]), "unhelpful": int(r[2]), "example": r[3], "comment": r[4]}
                for r in rows
            ]

    def daily_figures(self, days: int = 30) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT substr(created_at, 1, 10) AS day, COUNT(*), SUM(answered), "
                    "(SELECT COUNT(*) FROM feedback f WHERE substr(f.created_at, 1, 10) = substr(q.created_at, 1, 10) AND f.helpful = 1), "
                    "(SELECT COUNT(*) FROM feedback f WHERE substr(f.created_at, 1, 10) = substr(q.created_at, 1, 10) AND f.helpful = 0) "
                    "FROM questions q GROUP BY substr(created_at, 1, 10) ORDER BY day DESC LIMIT :n"
                ),
                {"n": days},
            )
            return [
                {"day": r[0], "questions": int(r[1]), "answered": int(r[2] or 0), "helpful": int(r[3]), "not_helpful": int(r[4])}
                for r in rows
            ]

    # --- conversations ----------------------------------------------------------------------
    def session(self, session_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT session_id, channel, last_code, handoff, handoff_at, updated_at FROM sessions WHERE session_id = :s"),
                {"s": session_id},
            ).first()
        return dict(row._mapping) if row else None

    def remember(self, session_id: str, channel: str, last_code: str | None) -> None:
        with self.engine.begin() as conn:
            updated = conn.execute(
                text("UPDATE sessions SET last_code = COALESCE(:c, last_code), updated_at = :t WHERE session_id = :s"),
                {"c": last_code, "t": now_iso(), "s": session_id},
            ).rowcount
            if not updated:
                conn.execute(
                    text("INSERT INTO sessions (session_id, channel, last_code, handoff, updated_at) VALUES (:s, :ch, :c, 0, :t)"),
                    {"s": session_id, "ch": channel, "c": last_code, "t": now_iso()},
                )

    def mark_handoff(self, session_id: str, channel: str) -> None:
        self.remember(session_id, channel, None)
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE sessions SET handoff = 1, handoff_at = :t WHERE session_id = :s"),
                {"t": now_iso(), "s": session_id},
            )

    def handoffs(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT s.session_id, s.channel, s.handoff_at, s.last_code, "
                    "(SELECT q.question FROM questions q WHERE q.session_id = s.session_id ORDER BY q.created_at DESC LIMIT 1) "
                    "FROM sessions s WHERE s.handoff = 1 ORDER BY s.handoff_at DESC"
                )
            )
            return [
                {"session_id": r[0], "channel": r[1], "since": r[2], "last_code": r[3], "last_question": r[4]}
                for r in rows
            ]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
