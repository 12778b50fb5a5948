"""The database on both engines it supports: migrations (also from the schema before Alembic), the
queries, concurrent writers on one SQLite file, transient errors retried."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from assistant.store import Database
from assistant.store.migrate import head

# The schema as it was before Alembic (git show 87dc7d7:src/assistant/store/schema.py), with its own
# version table: what an installed SQLite database holds today.
LEGACY_SCHEMA = [
    """CREATE TABLE questions (
        id VARCHAR(36) PRIMARY KEY, created_at VARCHAR(32) NOT NULL, channel VARCHAR(32) NOT NULL,
        session_id VARCHAR(128), question TEXT NOT NULL, answered INTEGER NOT NULL,
        clarify INTEGER NOT NULL DEFAULT 0, confidence REAL NOT NULL, code VARCHAR(16), intent VARCHAR(32),
        answer TEXT NOT NULL)""",
    "CREATE INDEX questions_created ON questions (created_at)",
    """CREATE TABLE feedback (
        id VARCHAR(36) PRIMARY KEY, question_id VARCHAR(36) NOT NULL REFERENCES questions(id),
        helpful INTEGER NOT NULL, comment TEXT, created_at VARCHAR(32) NOT NULL)""",
    """CREATE TABLE sessions (
        session_id VARCHAR(128) PRIMARY KEY, channel VARCHAR(32) NOT NULL, last_code VARCHAR(16),
        handoff INTEGER NOT NULL DEFAULT 0, handoff_at VARCHAR(32), updated_at VARCHAR(32) NOT NULL)""",
    """CREATE TABLE zalo_inbox (
        msg_id VARCHAR(128) PRIMARY KEY, kind VARCHAR(16) NOT NULL, event_name VARCHAR(64) NOT NULL,
        user_id VARCHAR(64) NOT NULL, text TEXT, event_time BIGINT NOT NULL, received_at VARCHAR(32) NOT NULL,
        status VARCHAR(16) NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, locked_until BIGINT,
        last_error TEXT, answered_at VARCHAR(32))""",
    "CREATE INDEX zalo_inbox_status ON zalo_inbox (status, event_time)",
    """CREATE TABLE zalo_outbox (
        msg_id VARCHAR(128) NOT NULL REFERENCES zalo_inbox(msg_id), part INTEGER NOT NULL,
        user_id VARCHAR(64) NOT NULL, text TEXT NOT NULL, status VARCHAR(16) NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL DEFAULT 0, locked_until BIGINT,
        error_code INTEGER, last_error TEXT, zalo_message_id VARCHAR(128), created_at VARCHAR(32) NOT NULL,
        sent_at VARCHAR(32), PRIMARY KEY (msg_id, part))""",
    "CREATE INDEX zalo_outbox_status ON zalo_outbox (status, user_id)",
    """CREATE TABLE zalo_tokens (
        id INTEGER PRIMARY KEY, access_token TEXT NOT NULL, refresh_token TEXT NOT NULL, expires_at BIGINT,
        seed_hash VARCHAR(64), updated_at VARCHAR(32) NOT NULL)""",
    "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at VARCHAR(32))",
    "INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00+00:00'), (2, '2026-02-01T00:00:00+00:00')",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def record(db: Database, question: str, *, answered: bool = False, session: str | None = None) -> str:
    return db.record_question(
        channel="web",
        session_id=session,
        question=question,
        answered=answered,
        clarify=False,
        confidence=0.9 if answered else 0.2,
        code="1.001193" if answered else None,
        intent=None,
        answer="…",
    )


def test_fresh_database_is_migrated_to_head(db_url: str) -> None:
    db = Database(db_url)
    assert db.schema_revision() == head()
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "questions",
        "feedback",
        "sessions",
        "zalo_inbox",
        "zalo_outbox",
        "zalo_tokens",
        "alembic_version",
    } <= tables
    columns = {c["name"] for c in inspect(db.engine).get_columns("zalo_outbox")}
    assert {"locked_by", "send_started_at"} <= columns
    Database(db_url)  # a second start (another process) finds nothing to do
    assert db.schema_revision() == head()


def test_queries_on_both_engines(db_url: str) -> None:
    db = Database(db_url)
    asked = record(db, "bóng đá tối qua", session="web:s1")
    record(db, "đăng ký khai sinh", answered=True, session="web:s1")
    db.record_feedback(asked, False, "chưa đúng")
    db.remember("web:s1", "web", "1.001193")
    db.remember("web:s1", "web", None)  # a question without a procedure keeps the last one
    db.mark_handoff("web:s1", "web")
    assert db.session("web:s1").last_code == "1.001193"
    assert db.question_exists(asked) and not db.question_exists("nope")
    assert [q.question for q in db.questions_needing_staff(0.5)] == ["bóng đá tối qua"]
    (day,) = db.daily_figures()
    assert (day.questions, day.answered, day.helpful, day.not_helpful) == (2, 1, 0, 1)
    (worst,) = db.least_helpful()
    assert worst.unhelpful == 1 and worst.comment == "chưa đúng"
    (handoff,) = db.handoffs()
    assert handoff.session_id == "web:s1" and handoff.last_question == "đăng ký khai sinh"
    db.record_question(
        channel="web",
        session_id="web:" + "x" * 190,
        question="q",
        answered=False,
        clarify=False,
        confidence=0.1,
        code=None,
        intent=None,
        answer="a",
    )  # long namespaced ids fit


def test_legacy_sqlite_database_upgrades_without_losing_rows(tmp_path: Path) -> None:
    path = tmp_path / "legacy.db"
    with sqlite3.connect(path) as conn:
        for statement in LEGACY_SCHEMA:
            conn.execute(statement)
        for i in range(50):
            conn.execute(
                "INSERT INTO questions VALUES (?, ?, 'web', ?, ?, ?, 0, 0.4, NULL, NULL, 'a')",
                (f"q{i}", f"2026-03-01T00:00:{i:02d}+00:00", f"s{i % 3}", f"câu hỏi {i}", i % 2),
            )
        conn.execute("INSERT INTO feedback VALUES ('f1', 'q1', 0, 'góp ý', '2026-03-01T00:01:00+00:00')")
        conn.execute("INSERT INTO sessions VALUES ('s1', 'web', '1.001193', 1, '2026-03-01', '2026-03-01')")
        conn.execute(
            "INSERT INTO zalo_inbox VALUES ('m1', 'question', 'user_send_text', 'u1', 'hỏi', 1, 'x', "
            "'answered', 1, NULL, NULL, 'y')"
        )
        conn.execute(
            "INSERT INTO zalo_outbox (msg_id, part, user_id, text, status, created_at) "
            "VALUES ('m1', 1, 'u1', 'đáp', 'pending', 'x')"
        )
        conn.execute("INSERT INTO zalo_tokens VALUES (1, 'a', 'r', NULL, 'h', 'x')")

    db = Database(f"sqlite:///{path}")
    assert db.schema_revision() == head()
    with db.engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
            for t in ("questions", "feedback", "sessions", "zalo_inbox", "zalo_outbox", "zalo_tokens")
        }
        assert not inspect(conn).has_table("schema_version")
        part = conn.execute(text("SELECT status, locked_by, send_started_at FROM zalo_outbox")).one()
    assert counts == {
        "questions": 50,
        "feedback": 1,
        "sessions": 1,
        "zalo_inbox": 1,
        "zalo_outbox": 1,
        "zalo_tokens": 1,
    }
    assert tuple(part) == ("pending", None, None)
    assert db.session("s1").handoff is True
    assert len(db.questions_needing_staff(0.5)) == 50
    record(db, "sau khi nâng cấp")  # and it keeps working
    assert len(db.questions_needing_staff(0.5)) == 51


def test_concurrent_writers_on_one_sqlite_file_never_see_locked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    first, second = Database(url), Database(url)  # two "processes": two engines, two pools
    errors: list[BaseException] = []

    def writer(db: Database, n: int) -> None:
        try:
            for i in range(40):
                qid = record(db, f"câu {n}-{i}", session=f"web:{n}")
                db.remember(f"web:{n}", "web", "1.001193")
                db.record_feedback(qid, i % 2 == 0, None)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(db, n)) for n, db in enumerate([first, second] * 8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with first.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM questions")).scalar() == 16 * 40


def test_a_dropped_postgres_connection_is_retried(pg_url: str) -> None:
    db = Database(pg_url)
    record(db, "trước")
    with db.engine.connect() as conn:  # the server ends every pooled connection (a failover, a restart)
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        conn.commit()
    record(db, "sau")
    assert len(db.questions_needing_staff(0.5)) == 2


def test_bad_url_is_one_clear_line() -> None:
    from assistant.errors import UserError

    with pytest.raises(UserError, match="ASSISTANT_DB_URL"):
        Database("mysql://nobody@127.0.0.1/x")
    with pytest.raises(UserError, match="Không kết nối được"):
        Database("postgresql+psycopg://postgres@127.0.0.1:1/none")
