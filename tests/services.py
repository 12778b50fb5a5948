"""The real PostgreSQL and Redis the suite runs against (scripts/services.sh starts them; `make test`
runs it). Each test gets its own PostgreSQL database, created and dropped around it, and its own Redis
key prefix. ASSISTANT_TEST_PG_URL / ASSISTANT_TEST_REDIS_URL point elsewhere when needed."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get("ASSISTANT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ASSISTANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
HINT = "PostgreSQL/Redis không chạy: chạy scripts/services.sh (make test tự chạy)."


def _admin():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


@contextmanager
def postgres_database(prefix: str = "assistant_test") -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; its URL. Dropped afterwards (connections too)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise RuntimeError(f"{HINT} ({exc})") from exc
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(name, admin)
        admin.dispose()


def drop_database(name: str, admin=None) -> None:  # type: ignore[no-untyped-def]
    engine = admin or _admin()
    with engine.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    if admin is None:
        engine.dispose()


def redis_available() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        raise RuntimeError(f"{HINT} ({exc})") from exc
