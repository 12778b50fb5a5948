"""Staff: named accounts and signed-in sessions, replies to citizens, conversation assignment and closing,
proposed additions to the knowledge base, and an audit trail of who did what.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("disabled", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("staff_accounts.username"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("author", sa.String(64)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("outbox_key", sa.String(128)),
    )
    op.create_index("conversation_messages_session", "conversation_messages", ["session_id", "id"])
    op.create_table(
        "kb_proposals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("source_session", sa.String(200)),
        sa.Column("source_question", sa.Text),
        sa.Column("proposer", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("reviewer", sa.String(64)),
        sa.Column("reviewed_at", sa.String(32)),
        sa.Column("review_note", sa.Text),
        sa.Column("written_to", sa.Text),
    )
    op.create_index("kb_proposals_status", "kb_proposals", ["status", "created_at"])
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("detail", sa.Text),
    )
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("assigned_to", sa.String(64)))
        batch.add_column(sa.Column("assigned_sector", sa.String(64)))
        batch.add_column(sa.Column("closed_at", sa.String(32)))
        batch.add_column(sa.Column("closed_by", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        for column in ("closed_by", "closed_at", "assigned_sector", "assigned_to"):
            batch.drop_column(column)
    for table in ("staff_audit", "kb_proposals", "conversation_messages", "staff_sessions", "staff_accounts"):
        op.drop_table(table)
