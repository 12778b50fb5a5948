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
    # A handed-off conversation's owner (a staff username) or sector slug, and when staff closed it.
    Column("assigned_to", String(64)),
    Column("assigned_sector", String(64)),
    Column("closed_at", String(32)),
    Column("closed_by", String(64)),
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

# --- staff: accounts, signed-in sessions, replies to citizens, KB proposals, audit (migration 0003) ---
staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("disabled", Integer, nullable=False, server_default="0"),
)

# One row per signed-in browser; the cookie holds a random token, only its SHA-256 is stored.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), ForeignKey("staff_accounts.username"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", BigInteger, nullable=False),  # epoch seconds
)

# What staff (and the system, on closing) said in a conversation; the citizen's questions and the
# assistant's answers are the `questions` rows of the same session.
conversation_messages = Table(
    "conversation_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(SESSION_ID_CHARS), nullable=False),
    Column("role", String(16), nullable=False),  # staff | system
    Column("author", String(64)),  # staff username, or "api-token" for the bearer token
    Column("text", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("delivery", String(16), nullable=False),  # web | queued | undeliverable
    Column("outbox_key", String(128)),  # zalo_outbox.msg_id of the parts carrying it
    Index("conversation_messages_session", "session_id", "id"),
)

kb_proposals = Table(
    "kb_proposals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", String(32), nullable=False),
    Column("code", String(16), nullable=False),
    Column("kind", String(16), nullable=False),  # faq | alias | rule
    Column("payload", Text, nullable=False),  # JSON of the entry
    Column("source_session", String(SESSION_ID_CHARS)),
    Column("source_question", Text),
    Column("proposer", String(64), nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),  # pending | accepted | rejected
    Column("reviewer", String(64)),
    Column("reviewed_at", String(32)),
    Column("review_note", Text),
    Column("written_to", Text),  # the YAML file the accepted entry went into
    Index("kb_proposals_status", "status", "created_at"),
)

staff_audit = Table(
    "staff_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("username", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(SESSION_ID_CHARS)),
    Column("detail", Text),
)
