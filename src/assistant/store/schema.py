"""Schema migrations, applied in order on start-up; each runs once and is recorded."""

from __future__ import annotations

# (version, statements). Append new versions; never edit one that has shipped.
MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            """CREATE TABLE questions (
                id VARCHAR(36) PRIMARY KEY,
                created_at VARCHAR(32) NOT NULL,
                channel VARCHAR(32) NOT NULL,
                session_id VARCHAR(128),
                question TEXT NOT NULL,
                answered INTEGER NOT NULL,
                clarify INTEGER NOT NULL DEFAULT 0,
                confidence REAL NOT NULL,
                code VARCHAR(16),
                intent VARCHAR(32),
                answer TEXT NOT NULL
            )""",
            "CREATE INDEX questions_created ON questions (created_at)",
            """CREATE TABLE feedback (
                id VARCHAR(36) PRIMARY KEY,
                question_id VARCHAR(36) NOT NULL REFERENCES questions(id),
                helpful INTEGER NOT NULL,
                comment TEXT,
                created_at VARCHAR(32) NOT NULL
            )""",
            """CREATE TABLE sessions (
                session_id VARCHAR(128) PRIMARY KEY,
                channel VARCHAR(32) NOT NULL,
                last_code VARCHAR(16),
                handoff INTEGER NOT NULL DEFAULT 0,
                handoff_at VARCHAR(32),
                updated_at VARCHAR(32) NOT NULL
            )""",
        ],
    ),
    (
        2,
        [
            # Zalo inbox: one row per incoming event, keyed by Zalo's msg_id so retried deliveries are no-ops.
            """CREATE TABLE zalo_inbox (
                msg_id VARCHAR(128) PRIMARY KEY,
                kind VARCHAR(16) NOT NULL,
                event_name VARCHAR(64) NOT NULL,
                user_id VARCHAR(64) NOT NULL,
                text TEXT,
                event_time BIGINT NOT NULL,
                received_at VARCHAR(32) NOT NULL,
                status VARCHAR(16) NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0,
                locked_until BIGINT,
                last_error TEXT,
                answered_at VARCHAR(32)
            )""",
            "CREATE INDEX zalo_inbox_status ON zalo_inbox (status, event_time)",
            # Zalo outbox: the reply to one event, split into parts of at most 2,000 characters.
            """CREATE TABLE zalo_outbox (
                msg_id VARCHAR(128) NOT NULL REFERENCES zalo_inbox(msg_id),
                part INTEGER NOT NULL,
                user_id VARCHAR(64) NOT NULL,
                text TEXT NOT NULL,
                status VARCHAR(16) NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL DEFAULT 0,
                locked_until BIGINT,
                error_code INTEGER,
                last_error TEXT,
                zalo_message_id VARCHAR(128),
                created_at VARCHAR(32) NOT NULL,
                sent_at VARCHAR(32),
                PRIMARY KEY (msg_id, part)
            )""",
            "CREATE INDEX zalo_outbox_status ON zalo_outbox (status, user_id)",
            # The OA's tokens: one row; the refresh token is single-use, so it is replaced atomically.
            """CREATE TABLE zalo_tokens (
                id INTEGER PRIMARY KEY,
                access_token TEXT NOT NULL,
                refresh_token TEXT NOT NULL,
                expires_at BIGINT,
                seed_hash VARCHAR(64),
                updated_at VARCHAR(32) NOT NULL
            )""",
        ],
    ),
]
