"""Province scale: leases carry their owner, the outbox records a send before it goes out, per-citizen
ordering and handoff lookups get their indexes, session ids make room for a channel prefix.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("zalo_inbox", sa.Column("locked_by", sa.String(64)))
    op.add_column("zalo_outbox", sa.Column("locked_by", sa.String(64)))
    op.add_column("zalo_outbox", sa.Column("send_started_at", sa.BigInteger))
    op.create_index("zalo_inbox_user", "zalo_inbox", ["user_id", "status", "event_time"])
    op.create_index("questions_session", "questions", ["session_id", "created_at"])
    if bind.dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
        op.alter_column("questions", "session_id", type_=sa.String(200), existing_type=sa.String(128))
        op.alter_column(
            "sessions", "session_id", type_=sa.String(200), existing_type=sa.String(128), existing_nullable=False
        )
    # The hand-rolled version table of the first schema; Alembic's alembic_version replaces it.
    if sa.inspect(bind).has_table("schema_version"):
        op.drop_table("schema_version")


def downgrade() -> None:
    op.drop_index("questions_session", "questions")
    op.drop_index("zalo_inbox_user", "zalo_inbox")
    with op.batch_alter_table("zalo_outbox") as batch:
        batch.drop_column("send_started_at")
        batch.drop_column("locked_by")
    with op.batch_alter_table("zalo_inbox") as batch:
        batch.drop_column("locked_by")
