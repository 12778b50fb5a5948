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
]
