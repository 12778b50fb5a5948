"""Who is acting on the staff side, and what the staff routes share.

Two ways in: a browser signs in at /admin/login and carries an HttpOnly session cookie (every state-changing
request made with it must also carry the session's CSRF token, as a form field `csrf` or an `X-CSRF-Token`
header); scripts keep sending `Authorization: Bearer $ASSISTANT_ADMIN_TOKEN` (no cookie, so no CSRF token).
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from jinja2 import Environment, PackageLoader, select_autoescape

from assistant.api.deps import State, get_state, require_admin
from assistant.api.state import AppState
from assistant.staff.delivery import ReplyDelivery
from assistant.staff.store import StaffStore
from assistant.staff.throttle import LoginThrottle

COOKIE = "ag_staff"
LOGIN_CSRF_COOKIE = "ag_login_csrf"
TOKEN_USER = "api-token"  # who the bearer token acts as, in the records
TOKEN_NAME = "Mã quản trị (tập lệnh)"
PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_FORM_FIELD = 8000


@dataclass(frozen=True)
class Staff:
    username: str
    display_name: str
    csrf_token: str | None  # None: signed in with the bearer token (no cookie, nothing to forge)

    @property
    def via_token(self) -> bool:
        return self.csrf_token is None


class StaffServices:
    """Built once per app from its state (first use)."""

    def __init__(self, state: AppState, app_state: object | None = None) -> None:
        self.state = state
        self.app_state = app_state  # the FastAPI app's `state` (where older wiring keeps the Zalo channel)
        settings = state.settings
        self.store = StaffStore(state.db)
        self.throttle = LoginThrottle(state.limiter, settings.staff_max_failures)
        zalo = getattr(settings, "zalo", None)
        self.delivery = ReplyDelivery(
            state.db,
            self.store,
            zalo_window_hours=getattr(zalo, "reply_window_hours", 168.0),
            message_chars=getattr(zalo, "message_chars", 2000),
        )
        self.kb_dir = Path(settings.kb_dir)
        self.session_seconds = int(settings.staff_session_hours * 3600)

    @cached_property
    def templates(self) -> Environment:
        env = Environment(
            loader=PackageLoader("assistant.api", "templates"),
            autoescape=select_autoescape(["j2", "html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["localtime"] = local_time
        env.filters["waited"] = waited
        env.filters["channel_vi"] = lambda c: {"web": "Trang web", "zalo": "Zalo"}.get(c or "", c or "")
        return env

    def wake_zalo(self) -> None:
        """Ask the Zalo worker (if this process runs one) to send what was just queued, without waiting for its
        next poll. Called from the event loop."""
        for channel in [*getattr(self.state, "channels", []), getattr(self.app_state, "zalo_channel", None)]:
            worker = getattr(channel, "worker", None)
            if getattr(channel, "name", "") == "zalo" and worker is not None:
                worker.wake()


def get_services(request: Request) -> StaffServices:
    app_state = request.app.state
    services = getattr(app_state, "staff_services", None)
    if services is None:
        services = app_state.staff_services = StaffServices(get_state(request), app_state)
    return services


Services = Annotated[StaffServices, Depends(get_services)]


# --- who is asking ----------------------------------------------------------------------------------------
def signed_in(request: Request, services: StaffServices) -> Staff | None:
    """The staff member of the session cookie, or None."""
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > 200:
        return None
    session = services.store.session(token)
    return Staff(session.username, session.display_name, session.csrf_token) if session else None


def current_staff(request: Request, state: State, services: Services) -> Staff | None:
    """Cookie first; else the bearer token (401/429 when one is sent and wrong); else None."""
    staff = signed_in(request, services)
    if staff is not None:
        return staff
    if request.headers.get("authorization"):
        require_admin(request, state)
        return Staff(TOKEN_USER, TOKEN_NAME, None)
    return None


MaybeStaff = Annotated[Staff | None, Depends(current_staff)]


def require_staff(staff: MaybeStaff) -> Staff:
    if staff is None:
        raise HTTPException(
            401,
            "Cần đăng nhập tài khoản cán bộ (trang /admin/login) hoặc mã quản trị (Authorization: Bearer ...).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return staff


StaffOnly = Annotated[Staff, Depends(require_staff)]


async def form_fields(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (what the staff pages' forms send) as single values."""
    body = await request.body()
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "Dữ liệu biểu mẫu không hợp lệ.") from None
    fields = {k: v[0] for k, v in parsed.items() if v}
    if any(len(v) > MAX_FORM_FIELD for v in fields.values()):
        raise HTTPException(413, "Nội dung nhập quá dài.")
    return fields


def check_csrf(staff: Staff, given: str | None) -> None:
    """State-changing requests with the cookie must carry the session's CSRF token."""
    if staff.via_token:
        return
    if not given or not hmac.compare_digest(given.encode(), (staff.csrf_token or "").encode()):
        raise HTTPException(403, "Thiếu hoặc sai mã chống giả mạo (CSRF). Hãy tải lại trang rồi thử lại.")


def is_https(request: Request, state: AppState) -> bool:
    """Served over HTTPS: directly, or behind a trusted reverse proxy that says so (X-Forwarded-Proto)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    try:
        trusted = state.clients.trusted(ipaddress.ip_address(peer))
    except ValueError:
        trusted = False
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return trusted and proto == "https"


# --- how times read in Vietnamese ---------------------------------------------------------------------------
def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_time(value: str | None) -> str:
    """'14:05 20/12/2026' in Asia/Ho_Chi_Minh; 'hôm nay 14:05' for today."""
    moment = _parse(value)
    if moment is None:
        return ""
    local = moment.astimezone(PROVINCE_TZ)
    if local.date() == datetime.now(PROVINCE_TZ).date():
        return f"hôm nay {local:%H:%M}"
    return f"{local:%H:%M %d/%m/%Y}"


def waited(value: str | None, now: datetime | None = None) -> str:
    """'chờ 12 phút', 'chờ 2 giờ 5 phút', 'chờ 3 ngày'."""
    moment = _parse(value)
    if moment is None:
        return ""
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    minutes = seconds // 60
    if minutes < 1:
        return "chờ dưới 1 phút"
    if minutes < 60:
        return f"chờ {minutes} phút"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"chờ {hours} giờ" + (f" {minutes} phút" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"chờ {days} ngày" + (f" {hours} giờ" if hours else "")
