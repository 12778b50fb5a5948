"""Application factory: loads the index once, wires the routes, the channels and the built site."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.staticfiles import StaticFiles

from assistant.answer import Assistant
from assistant.answer.llm import LlmPolisher
from assistant.api.clients import ClientAddresses
from assistant.api.errors import install_error_handlers, install_openapi
from assistant.api.middleware import GuardMiddleware
from assistant.api.overload import AnswerGate
from assistant.api.ratelimit import RateLimiter
from assistant.api.routes import admin, ask, health, search, units
from assistant.api.state import AppState
from assistant.config import Settings, get_settings
from assistant.index.embedders import get_embedder
from assistant.index.store import load_index
from assistant.search import HybridSearcher
from assistant.store import Database

log = logging.getLogger("assistant")


def build_state(settings: Settings, index_dir: Path, site_dir: Path | None = None) -> AppState:
    """Load everything the app needs; raises UserError with a clear message when it cannot start."""
    embedder = get_embedder(settings.embedder)
    index = load_index(index_dir, embedder.id)
    searcher = HybridSearcher(index, embedder)
    db = Database(settings.database_url(), pool_size=settings.db_pool_size)
    polisher = (
        LlmPolisher(settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout,
                    province=index.kb.province.name)
        if settings.llm_base_url
        else None
    )
    assistant = Assistant(searcher, db, polisher=polisher, public_url=settings.public_url)
    if site_dir is None:
        site_dir = Path(settings.site_dir) if settings.site_dir else Path(index_dir).parent / "site"
    return AppState(
        settings=settings,
        index=index,
        searcher=searcher,
        assistant=assistant,
        db=db,
        limiter=RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_storage,
                            admin_max_failures=settings.admin_max_failures),
        site_dir=site_dir if site_dir.is_dir() else None,
        gate=AnswerGate(settings.max_answering, settings.max_waiting, settings.queue_timeout),
        clients=ClientAddresses(settings.trusted_proxies),
    )


def app_from_environment() -> FastAPI:
    """The app as each worker process of `assistant serve --workers N` builds it: settings from the
    environment, the index from ASSISTANT_INDEX_DIR (loaded read-only, once per process)."""
    settings = get_settings()
    return create_app(build_state(settings, Path(settings.index_dir or "build/index")))


class SiteFiles(StaticFiles):
    """The built handbook site at /, except under /api and /webhooks, where an unknown path is a JSON 404
    (the site's HTML 404 page is for people browsing the handbook)."""

    async def get_response(self, path: str, scope):  # type: ignore[no-untyped-def]
        if path.split("/", 1)[0] in ("api", "webhooks"):
            raise HTTPException(404, "Không tìm thấy địa chỉ này trong API.")
        return await super().get_response(path, scope)


def create_app(state: AppState | None = None, *, settings: Settings | None = None, index_dir: Path | None = None) -> FastAPI:
    if state is None:
        settings = settings or get_settings()
        state = build_state(settings, index_dir or Path("build/index"))

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        for hook in state.on_startup:
            await hook()
        yield
        for hook in state.on_shutdown:
            await hook()

    app = FastAPI(title="Trợ lý thủ tục hành chính An Giang", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.state.assistant_state = state
    install_error_handlers(app)
    install_openapi(app)
    if state.settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        origins = [o.strip() for o in state.settings.cors_origins.split(",") if o.strip()]
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"], allow_headers=["Content-Type"])
    # Outermost: bounds every body, adds security headers, logs each request without query or body.
    app.add_middleware(GuardMiddleware, max_body=state.settings.max_body_bytes)
    for router in (health.router, search.router, ask.router, admin.router, units.router):
        app.include_router(router)

    from assistant.channels.zalo import install as install_zalo

    install_zalo(app, state)

    if state.site_dir is not None:
        app.mount("/", SiteFiles(directory=state.site_dir, html=True), name="site")
    else:
        log.warning("Chưa có trang sổ tay đã dựng (chạy `assistant build`); chỉ phục vụ API.")
    return app
