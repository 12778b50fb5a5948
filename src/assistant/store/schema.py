"""The database schema as SQLAlchemy Core tables: what the queries use and what the migrations arrive at.

Timestamps are ISO-8601 text (UTC) and flags are integers, as in the first schema, so that databases
made before Alembic upgrade in place without rewriting a row. Migrations live in `migrations/versions/`;
change a table here only together with a new migration.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

SESSION_ID_CHARS = 200  # a channel prefix ("web:", "zalo:") plus the client's id

questions = Table(
    "questions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("session_id", String(SESSION_ID_CHARS)),
    Column("question", Text, nullable=False),
    Column("answered", Integer, nullable=False),
    Column("clarify", Integer, nullable=False, server_default="0"),
    Column("confidence", Float, nullable=False),
    Column("code", String(16)),
    Column("intent", String(32)),
    Column("answer", Text, nullable=False),
    Index("questions_created", "created_at"),
    Index("questions_session", "session_id", "created_at"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("question_id", String(36), ForeignKey("questions.id"), nullable=False),
    Column("helpful", Integer, nullable=False),
    Column("comment", Text),
    Column("created_at", String(32), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_id", String(SESSION_ID_CHARS), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("last_code", String(16)),
    Column("handoff", Integer, nullable=False, server_default="0"),
    Column("handoff_at", String(32)),
    Column("updated_at", String(32), nullable=False),
)

# Zalo inbox: one row per incoming event, keyed by Zalo's msg_id so retried deliveries are no-ops.
zalo_inbox = Table(
    "zalo_inbox",
    metadata,
    Column("msg_id", String(128), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("event_name", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("text", Text),
    Column("event_time", BigInteger, nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", BigInteger),  # epoch ms: the lease of the worker answering it
    Column("locked_by", String(64)),  # which worker holds the lease
    Column("last_error", Text),
    Column("answered_at", String(32)),
    Index("zalo_inbox_status", "status", "event_time"),
    Index("zalo_inbox_user", "user_id", "status", "event_time"),
)

# Zalo outbox: the reply to one event, split into parts of at most 2,000 characters.
zalo_outbox = Table(
    "zalo_outbox",
    metadata,
    Column("msg_id", String(128), ForeignKey("zalo_inbox.msg_id"), primary_key=True),
    Column("part", Integer, primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", BigInteger, nullable=False, server_default="0"),
    Column("locked_until", BigInteger),
    Column("locked_by", String(64)),
    # Set just before the send goes out, cleared when its outcome is stored: a value left behind by a
    # crash marks the one part whose delivery is uncertain.
    Column("send_started_at", BigInteger),
    Column("error_code", Integer),
    Column("last_error", Text),
    Column("zalo_message_id", String(128)),
    Column("created_at", String(32), nullable=False),
    Column("sent_at", String(32)),
    Index("zalo_outbox_status", "status", "user_id"),
)

# The OA's tokens: one row; the refresh token is single-use, so it is replaced atomically.
zalo_tokens = Table(
    "zalo_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("access_token", Text, nullable=False),
    Column("refresh_token", Text, nullable=False),
    Column("expires_at", BigInteger),
    Column("seed_hash", String(64)),
    Column("updated_at", String(32), nullable=False),
)
