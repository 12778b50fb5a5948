"""Channels plug in through one protocol: the composition root builds each registered one, the web layer mounts
the routes it registers and starts/stops it (the real server runs are in test_zalo.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

from assistant.channels.base import Channel
from assistant.channels.zalo import ZaloChannel, ZaloOff, make_channel
from assistant.config import Settings
from assistant.ratelimit import RateLimiter
from assistant.runtime import CHANNELS, build_channels
from assistant.store import Database


def runtime(tmp_path: Path, **settings: object) -> SimpleNamespace:
    """What a channel factory reads of the Runtime (no index needed here)."""
    assistant = SimpleNamespace(kb=SimpleNamespace(province=SimpleNamespace(name="Tỉnh An Giang")))
    return SimpleNamespace(
        settings=Settings(**settings),
        assistant=assistant,
        db=Database(f"sqlite:///{tmp_path / 'c.db'}"),
        limiter=RateLimiter(0),
    )


def paths(channel: Channel) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for router in channel.routers()
        for route in router.routes
        for method in getattr(route, "methods", ())
    }


def test_the_zalo_channel_is_registered_and_implements_the_protocol(tmp_path: Path) -> None:
    assert "assistant.channels.zalo:make_channel" in CHANNELS
    on = runtime(tmp_path, zalo_app_id="app", zalo_oa_secret_key="secret", zalo_verifier_code="Abc_123")
    (channel,) = build_channels(on)
    assert isinstance(channel, ZaloChannel) and isinstance(channel, Channel) and channel.name == "zalo"
    assert {("POST", "/webhooks/zalo"), ("GET", "/zalo_verifierAbc_123.html")} <= paths(channel)
    asyncio.run(channel.stop())  # stopping a channel that never started is fine


def test_an_unconfigured_channel_still_registers_its_clear_refusal(tmp_path: Path) -> None:
    off = make_channel(runtime(tmp_path, zalo_oa_secret_key="secret", zalo_verifier_code="bad code!"))
    assert isinstance(off, ZaloOff) and isinstance(off, Channel)
    assert paths(off) == {("POST", "/webhooks/zalo")}  # the 404; an invalid verification code is not served
    asyncio.run(off.start())
    asyncio.run(off.stop())
