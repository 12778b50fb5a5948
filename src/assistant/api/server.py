"""`assistant serve`: uvicorn with one or several worker processes.

Settings that matter behind a reverse proxy are fixed here: uvicorn's own proxy-header handling is off
(the app believes X-Forwarded-For only from ASSISTANT_TRUSTED_PROXIES), and its access log is off (the
app logs each request without query string or body). With several workers the schema is migrated once
here, before they start, and each worker loads the index itself (read-only) from ASSISTANT_INDEX_DIR.
"""

from __future__ import annotations

import logging
import logging.config
import os
from pathlib import Path
from typing import Any

from assistant.config import get_settings

log = logging.getLogger("assistant")

LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


def logging_config() -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "assistant": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


def uvicorn_options() -> dict[str, Any]:
    return {
        "proxy_headers": False,
        "access_log": False,
        "server_header": False,
        "log_config": logging_config(),
        "timeout_graceful_shutdown": 10,
    }


def serve(index_dir: Path, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from assistant.api.app import build_state, create_app
    from assistant.index.embedders import get_embedder
    from assistant.index.store import load_index
    from assistant.store import Database

    logging.config.dictConfig(logging_config())
    settings = get_settings()
    if workers == 1:
        app = create_app(build_state(settings, index_dir))
        uvicorn.run(app, host=host, port=port, **uvicorn_options())
        return
    # Fail here, with one clear line, rather than in N workers: the index must load, the database answer.
    load_index(index_dir, get_embedder(settings.embedder).id, verify=True)
    Database(settings.database_url(), pool_size=1).dispose()
    if settings.database_url().startswith("sqlite"):
        log.info(
            "%d tiến trình dùng chung một tệp SQLite; khi chạy trên nhiều máy, dùng PostgreSQL (docs/DEPLOY.md).",
            workers,
        )
    if settings.rate_limit.per_minute > 0 and settings.rate_limit.storage.startswith("memory"):
        log.warning(
            "Giới hạn tần suất đang tính riêng từng tiến trình (%d tiến trình): đặt "
            "ASSISTANT_RATE_LIMIT_STORAGE=redis://... để các tiến trình dùng chung (docs/DEPLOY.md).",
            workers,
        )
    os.environ["ASSISTANT_INDEX_DIR"] = str(Path(index_dir).resolve())
    uvicorn.run(
        "assistant.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **uvicorn_options(),
    )
