"""Application factory: maps HTTP onto the assembled assistant (a `Runtime`, built by assistant/runtime.py):
wires the routes, mounts what the channels register, starts and stops them with the app, serves the site."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.staticfiles import StaticFiles

from assistant import __version__
from assistant.api.errors import install_error_handlers, install_openapi
from assistant.api.middleware import GuardMiddleware
from assistant.api.routes import admin, ask, health, search, staff_api, staff_pages, units
from assistant.api.state import AppState
from assistant.channels.base import Channel
from assistant.config import Settings, get_settings
from assistant.runtime import build_channels, index_folder, load_runtime

log = logging.getLogger("assistant")


def build_state(
    settings: Settings | None,
    index_dir: Path | None = None,
    site_dir: Path | None = None,
    *,
    channels: list[Channel] | None = None,
) -> AppState:
    """The assistant assembled (assistant.runtime) for the web: the built site beside the index unless given,
    the registered channels unless given. Raises UserError with a clear message when it cannot start."""
    runtime = load_runtime(settings, index_dir)
    if site_dir is None:
        s = runtime.settings
        site_dir = Path(s.site_dir) if s.site_dir else index_folder(s, index_dir).parent / "site"
    return AppState.of(runtime, site_dir, build_channels(runtime) if channels is None else channels)


def app_from_environment() -> FastAPI:
    """The app as each worker process of `assistant serve --workers N` builds it: settings from the
    environment, the index from ASSISTANT_INDEX_DIR (loaded read-only, once per process)."""
    return create_app(build_state(get_settings()))


class SiteFiles(StaticFiles):
    """The built handbook site at /, except under /api and /webhooks, where an unknown path is a JSON 404
    (the site's HTML 404 page is for people browsing the handbook)."""

    async def get_response(self, path: str, scope):  # type: ignore[no-untyped-def]
        if path.split("/", 1)[0] in ("api", "webhooks"):
            raise HTTPException(404, "Không tìm thấy địa chỉ này trong API.")
        return await super().get_response(path, scope)


def create_app(
    state: AppState | None = None, *, settings: Settings | None = None, index_dir: Path | None = None
) -> FastAPI:
    if state is None:
        state = build_state(settings or get_settings(), index_dir)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started: list[Channel] = []
        try:
            for channel in state.channels:
                await channel.start()
                started.append(channel)
            yield
        finally:
            for channel in reversed(started):
                await channel.stop()

    province = state.runtime.province  # from the knowledge base
    app = FastAPI(
        title=f"Trợ lý thủ tục hành chính {province.short_name}",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        description=f"Tra cứu và hỏi đáp thủ tục hành chính {province.label}, theo sổ tay thủ tục.",
    )
    app.state.assistant_state = state
    install_error_handlers(app)
    install_openapi(app)
    if state.settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        origins = [o.strip() for o in state.settings.cors_origins.split(",") if o.strip()]
        app.add_middleware(
            CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"], allow_headers=["Content-Type"]
        )
    # Outermost: bounds every body, adds security headers, logs each request without query or body.
    app.add_middleware(GuardMiddleware, max_body=state.settings.max_body_bytes)
    for router in (
        health.router,
        search.router,
        ask.router,
        admin.router,
        units.router,
        staff_pages.router,
        staff_api.router,
    ):
        app.include_router(router)
    for channel in state.channels:  # what each channel registers (webhooks); api/ only maps HTTP onto them
        for router in channel.routers():
            app.include_router(router)

    if state.site_dir is not None:
        app.mount("/", SiteFiles(directory=state.site_dir, html=True), name="site")
    else:
        log.warning("Chưa có trang sổ tay đã dựng (chạy `assistant build`); chỉ phục vụ API.")
    return app
