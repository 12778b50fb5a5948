"""Baseline: the schema before Alembic (questions, feedback, sessions; Zalo inbox, outbox, tokens).

Databases made before Alembic already hold some or all of these tables (their `schema_version` table
says 1 or 2): only the missing ones are created, so their rows stay where they are.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "questions" not in existing:
        op.create_table(
            "questions",
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("channel", sa.String(32), nullable=False),
            sa.Column("session_id", sa.String(128)),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("answered", sa.Integer, nullable=False),
            sa.Column("clarify", sa.Integer, nullable=False, server_default="0"),
            sa.Column("confidence", sa.Float, nullable=False),
            sa.Column("code", sa.String(16)),
            sa.Column("intent", sa.String(32)),
            sa.Column("answer", sa.Text, nullable=False),
        )
        op.create_index("questions_created", "questions", ["created_at"])
    if "feedback" not in existing:
        op.create_table(
            "feedback",
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("question_id", sa.String(36), sa.ForeignKey("questions.id"), nullable=False),
            sa.Column("helpful", sa.Integer, nullable=False),
            sa.Column("comment", sa.Text),
            sa.Column("created_at", sa.String(32), nullable=False),
        )
    if "sessions" not in existing:
        op.create_table(
            "sessions",
            sa.Column("session_id", sa.String(128), primary_key=True),
            sa.Column("channel", sa.String(32), nullable=False),
            sa.Column("last_code", sa.String(16)),
            sa.Column("handoff", sa.Integer, nullable=False, server_default="0"),
            sa.Column("handoff_at", sa.String(32)),
            sa.Column("updated_at", sa.String(32), nullable=False),
        )
    if "zalo_inbox" not in existing:
        op.create_table(
            "zalo_inbox",
            sa.Column("msg_id", sa.String(128), primary_key=True),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("event_name", sa.String(64), nullable=False),
            sa.Column("user_id", sa.String(64), nullable=False),
            sa.Column("text", sa.Text),
            sa.Column("event_time", sa.BigInteger, nullable=False),
            sa.Column("received_at", sa.String(32), nullable=False),
            sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("locked_until", sa.BigInteger),
            sa.Column("last_error", sa.Text),
            sa.Column("answered_at", sa.String(32)),
        )
        op.create_index("zalo_inbox_status", "zalo_inbox", ["status", "event_time"])
    if "zalo_outbox" not in existing:
        op.create_table(
            "zalo_outbox",
            sa.Column("msg_id", sa.String(128), sa.ForeignKey("zalo_inbox.msg_id"), nullable=False),
            sa.Column("part", sa.Integer, nullable=False),
            sa.Column("user_id", sa.String(64), nullable=False),
            sa.Column("text", sa.Text, nullable=False),
            sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("next_attempt_at", sa.BigInteger, nullable=False, server_default="0"),
            sa.Column("locked_until", sa.BigInteger),
            sa.Column("error_code", sa.Integer),
            sa.Column("last_error", sa.Text),
            sa.Column("zalo_message_id", sa.String(128)),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("sent_at", sa.String(32)),
            sa.PrimaryKeyConstraint("msg_id", "part"),
        )
        op.create_index("zalo_outbox_status", "zalo_outbox", ["status", "user_id"])
    if "zalo_tokens" not in existing:
        op.create_table(
            "zalo_tokens",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("access_token", sa.Text, nullable=False),
            sa.Column("refresh_token", sa.Text, nullable=False),
            sa.Column("expires_at", sa.BigInteger),
            sa.Column("seed_hash", sa.String(64)),
            sa.Column("updated_at", sa.String(32), nullable=False),
        )


def downgrade() -> None:
    for table in ("zalo_tokens", "zalo_outbox", "zalo_inbox", "sessions", "feedback", "questions"):
        op.drop_table(table)
