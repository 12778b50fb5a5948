"""The staff pages at /admin: sign-in, conversations (read, reply, assign, close), the queue of unanswered
questions, and proposals to the knowledge base. Server-rendered HTML (Jinja2), plain forms, no scripts;
every form carries the session's CSRF token."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.answer.service import _HANDOFF
from assistant.api.deps import State
from assistant.api.staff_deps import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    MaybeStaff,
    Services,
    Staff,
    StaffServices,
    check_csrf,
    form_fields,
    is_https,
)
from assistant.errors import UserError
from assistant.staff import kbwrite
from assistant.staff.models import ConversationSummary, ProposalKind, ProposalStatus
from assistant.staff.passwords import hash_password, needs_rehash, verify_password
from assistant.staff.queue import build_queue
from assistant.text import fold

router = APIRouter(include_in_schema=False)

NOTES = {
    "sent_web": "Đã gửi. Người dân thấy câu trả lời trong khung hỏi đáp trên trang sổ tay.",
    "queued_zalo": "Đã xếp vào hàng gửi Zalo; trạng thái gửi hiện cạnh tin nhắn.",
    "undeliverable": "Không gửi được qua Zalo: người dân không nhắn Zalo OA trong thời gian Zalo cho phép OA trả lời. "
    "Hãy liên hệ người dân bằng cách khác (điện thoại, thư) nếu có.",
    "closed": "Đã đóng cuộc trò chuyện; người dân được báo và trợ lý tự động tiếp tục trả lời.",
    "assigned": "Đã lưu việc giao cuộc trò chuyện.",
    "proposed": "Đã gửi đề xuất; cần một cán bộ khác duyệt.",
    "accepted": "Đã duyệt và ghi vào sổ tay (kb/). Lần dựng sổ tay tới sẽ đưa nội dung này vào trang và câu trả lời.",
    "rejected": "Đã từ chối đề xuất.",
    "already": "Đề xuất này đã được xử lý trước đó.",
}
KINDS = {"faq": "Hỏi đáp", "alias": "Tên gọi khác", "rule": "Quy định"}
STATUSES = {"pending": "chờ duyệt", "accepted": "đã duyệt", "rejected": "đã từ chối"}
FIELDS = {
    "question": "Câu hỏi",
    "answer": "Câu trả lời",
    "basis": "Căn cứ",
    "alias": "Tên gọi khác",
    "kind": "Loại",
    "statement": "Nội dung",
    "condition": "Khi nào áp dụng",
    "consequence": "Hệ quả",
    "asks": "Cách người dân hỏi",
}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


# --- references and labels ------------------------------------------------------------------------------
def ref_of(session_id: str) -> str:
    """An opaque, URL-safe reference to a conversation (the session id never appears as a label)."""
    return base64.urlsafe_b64encode(session_id.encode()).decode().rstrip("=")


def session_of(ref: str) -> str:
    try:
        return base64.urlsafe_b64decode(ref + "=" * (-len(ref) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise HTTPException(404, "Không tìm thấy cuộc trò chuyện này.") from None


def short_of(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()[:6].upper()


def label_of(summary: ConversationSummary, topic: str | None) -> str:
    who = "Người dân qua Zalo" if summary.channel == "zalo" else "Người dân trên trang web"
    return f"{who}: “{topic[:90]}”" if topic else who


def _topic(services: StaffServices, session_id: str, conv: Any = None) -> str | None:
    """The citizen's latest question that is not the request for a person."""
    conv = conv or services.store.conversation(session_id, limit=20)
    if conv is None:
        return None
    for m in reversed(conv.messages):
        if m.role.value == "citizen" and not _HANDOFF.search(fold(m.text)):
            return m.text
    return None


def page(services: StaffServices, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    note = context.pop("note", None)
    html = services.templates.get_template(name).render(note=NOTES.get(note, note) if note else None, **context)
    return HTMLResponse(html, status_code=status)


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse("/admin/login?next=" + request.url.path, status_code=303)


def _names(services: StaffServices) -> dict[str, str]:
    return {a.username: a.display_name for a in services.store.accounts()}


# --- sign-in -------------------------------------------------------------------------------------------------
def _login_page(
    request: Request,
    services: StaffServices,
    *,
    status: int = 200,
    note: str | None = None,
    username: str = "",
    next_path: str = "/admin",
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(
        services,
        "login.html.j2",
        status,
        staff=None,
        login_csrf=token,
        next=next_path,
        username=username,
        note=note,
        note_error=bool(note),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=is_https(request, services.state),
    )
    return response


def _safe_next(value: str | None) -> str:
    return value if value and re.fullmatch(r"/admin(/[A-Za-z0-9/_=-]*)?", value) else "/admin"


@router.get("/admin/login", response_class=HTMLResponse)
def login_form(request: Request, services: Services, staff: MaybeStaff) -> Response:
    if staff is not None and not staff.via_token:
        return RedirectResponse("/admin", status_code=303)
    return _login_page(request, services, next_path=_safe_next(request.query_params.get("next")))


@router.post("/admin/login")
async def login(request: Request, services: Services, state: State) -> Response:
    fields = await form_fields(request)
    username = fields.get("username", "").strip().lower()[:64]
    password = fields.get("password", "")[:1024]
    next_path = _safe_next(fields.get("next"))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(fields.get("csrf", "").encode(), expected.encode()):
        return _login_page(
            request,
            services,
            status=403,
            username=username,
            next_path=next_path,
            note="Phiên đăng nhập đã hết hạn hoặc thiếu mã chống giả mạo. Vui lòng nhập lại.",
        )
    client = state.clients.key(request)
    if services.throttle.blocked(client, username):
        throttled = _login_page(
            request,
            services,
            status=429,
            username=username,
            next_path=next_path,
            note="Nhập sai mật khẩu quá nhiều lần. Vui lòng đợi 15 phút rồi thử lại.",
        )
        throttled.headers["Retry-After"] = "900"
        return throttled
    found = await run_in_threadpool(services.store.account, username) if USERNAME.match(username) else None
    stored = found[1] if found and not found[0].disabled else None
    ok = await run_in_threadpool(verify_password, stored, password)
    if not ok:
        services.throttle.failed(client, username)
        return _login_page(
            request,
            services,
            status=401,
            username=username,
            next_path=next_path,
            note="Sai tên đăng nhập hoặc mật khẩu.",
        )
    assert stored is not None
    if needs_rehash(stored):
        await run_in_threadpool(services.store.set_password_hash, username, hash_password(password))
    token, _session = await run_in_threadpool(services.store.create_session, username, services.session_seconds)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=services.session_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, state),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/admin")
    return response


@router.post("/admin/logout")
async def logout(request: Request, services: Services, staff: MaybeStaff) -> Response:
    fields = await form_fields(request)
    if staff is not None and not staff.via_token:
        check_csrf(staff, fields.get("csrf"))
        await run_in_threadpool(services.store.end_session, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# --- conversations -----------------------------------------------------------------------------------------
@router.get("/admin", response_class=HTMLResponse)
def conversations_page(request: Request, services: Services, staff: MaybeStaff) -> Response:
    if staff is None:
        return to_login(request)
    names = _names(services)
    sectors = {s.slug: s.name for s in services.state.index.kb.sectors}

    def card(summary: ConversationSummary) -> dict[str, Any]:
        return {
            "summary": summary,
            "ref": ref_of(summary.session_id),
            "short": short_of(summary.session_id),
            "label": label_of(summary, _topic(services, summary.session_id)),
            "assigned_name": names.get(summary.assigned_to or "", summary.assigned_to),
            "sector_name": sectors.get(summary.assigned_sector or "", summary.assigned_sector),
        }

    all_ = services.store.conversations()
    return page(
        services,
        "conversations.html.j2",
        staff=staff,
        note=request.query_params.get("note"),
        open=[card(c) for c in all_ if c.open],
        closed=[card(c) for c in all_ if not c.open],
    )


def _conversation_page(
    request: Request,
    services: StaffServices,
    staff: Staff,
    session_id: str,
    *,
    status: int = 200,
    note: str | None = None,
    note_error: bool = False,
) -> HTMLResponse:
    conv = services.store.conversation(session_id)
    if conv is None:
        raise HTTPException(404, "Không tìm thấy cuộc trò chuyện này.")
    zalo_note, zalo_ok = None, True
    if conv.summary.channel == "zalo" and conv.summary.open:
        user = session_id.split(":", 1)[1]
        zalo_ok = services.delivery.in_window(user)
        if not zalo_ok:
            zalo_note = (
                "Người dân không nhắn Zalo OA trong khoảng thời gian Zalo cho phép OA trả lời "
                f"({services.delivery.window_hours / 24:g} ngày): trả lời lúc này sẽ không gửi được."
            )
    return page(
        services,
        "conversation.html.j2",
        status,
        staff=staff,
        conv=conv,
        ref=ref_of(session_id),
        short=short_of(session_id),
        label=label_of(conv.summary, _topic(services, session_id, conv)),
        names=_names(services),
        accounts=services.store.accounts(),
        sectors=services.state.index.kb.sectors,
        zalo_note=zalo_note,
        zalo_ok=zalo_ok,
        note=note or request.query_params.get("note"),
        note_error=note_error or request.query_params.get("note") == "undeliverable",
    )


@router.get("/admin/conversations/{ref}", response_class=HTMLResponse)
def conversation_page(ref: str, request: Request, services: Services, staff: MaybeStaff) -> Response:
    if staff is None:
        return to_login(request)
    return _conversation_page(request, services, staff, session_of(ref))


async def _staff_form(request: Request, staff: Staff | None) -> tuple[Staff, dict[str, str]]:
    if staff is None:
        raise HTTPException(401, "Cần đăng nhập tài khoản cán bộ (trang /admin/login).")
    fields = await form_fields(request)
    check_csrf(staff, fields.get("csrf") or request.headers.get("x-csrf-token"))
    return staff, fields


@router.post("/admin/conversations/{ref}/reply")
async def reply(ref: str, request: Request, services: Services, staff: MaybeStaff) -> Response:
    staff, fields = await _staff_form(request, staff)
    session_id = session_of(ref)
    text = fields.get("text", "").strip()
    if not await run_in_threadpool(services.store.exists, session_id):
        raise HTTPException(404, "Không tìm thấy cuộc trò chuyện này.")
    if not text:
        return await run_in_threadpool(
            lambda: _conversation_page(
                request, services, staff, session_id, status=422, note="Hãy nhập nội dung trả lời.", note_error=True
            )
        )
    outcome = await run_in_threadpool(services.delivery.reply, session_id, staff.username, staff.display_name, text)
    if outcome.message.delivery is not None and outcome.message.delivery.value == "queued":
        services.wake_zalo()
    note = (
        "sent_web"
        if outcome.message.delivery and outcome.message.delivery.value == "web"
        else ("queued_zalo" if outcome.delivered else "undeliverable")
    )
    return RedirectResponse(f"/admin/conversations/{ref}?note={note}", status_code=303)


@router.post("/admin/conversations/{ref}/assign")
async def assign(ref: str, request: Request, services: Services, staff: MaybeStaff) -> Response:
    staff, fields = await _staff_form(request, staff)
    value = fields.get("assign", "")
    to = value[5:] if value.startswith("user:") else None
    sector = value[7:] if value.startswith("sector:") else None
    if to and to not in _names(services):
        raise HTTPException(422, "Không có cán bộ này.")
    if sector and sector not in {s.slug for s in services.state.index.kb.sectors}:
        raise HTTPException(422, "Không có lĩnh vực này.")
    if not await run_in_threadpool(
        lambda: services.store.assign(session_of(ref), to=to, sector=sector, by=staff.username)
    ):
        raise HTTPException(404, "Không tìm thấy cuộc trò chuyện này.")
    return RedirectResponse(f"/admin/conversations/{ref}?note=assigned", status_code=303)


@router.post("/admin/conversations/{ref}/close")
async def close(ref: str, request: Request, services: Services, staff: MaybeStaff) -> Response:
    staff, _ = await _staff_form(request, staff)
    session_id = session_of(ref)
    outcome = await run_in_threadpool(services.delivery.close, session_id, staff.username)
    if outcome is not None and outcome.message.delivery is not None and outcome.message.delivery.value == "queued":
        services.wake_zalo()
    return RedirectResponse(f"/admin/conversations/{ref}?note=closed", status_code=303)


# --- the queue of unanswered questions -----------------------------------------------------------------------
@router.get("/admin/questions", response_class=HTMLResponse)
def questions_page(request: Request, services: Services, staff: MaybeStaff) -> Response:
    if staff is None:
        return to_login(request)
    state = services.state
    queue = build_queue(state.db.questions_needing_staff(state.assistant.thresholds.staff), state.searcher)
    return page(services, "questions.html.j2", staff=staff, queue=queue)


# --- proposals -----------------------------------------------------------------------------------------------
def _proposals_page(
    request: Request,
    services: StaffServices,
    staff: Staff,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    note: str | None = None,
    note_error: bool = False,
) -> HTMLResponse:
    params = request.query_params
    source = params.get("from", "")
    question = params.get("question", "")
    if source and not question:
        question = _topic(services, session_of(source)) or ""
    form = form or {"code": params.get("code", ""), "kind": "faq", "question": question, "source": source}
    form = {k: form.get(k, "") for k in ("code", "kind", "question", "answer", "basis", "alias", "statement", "source")}
    everything = services.store.proposals()
    titles = {p.code: p.title for p in services.state.index.kb.procedures}
    return page(
        services,
        "proposals.html.j2",
        status,
        staff=staff,
        form=form,
        kinds=KINDS,
        statuses=STATUSES,
        fields=FIELDS,
        names=_names(services),
        titles=titles,
        pending=[p for p in everything if p.status is ProposalStatus.pending],
        done=[p for p in everything if p.status is not ProposalStatus.pending][:30],
        note=note or params.get("note"),
        note_error=note_error,
    )


@router.get("/admin/proposals", response_class=HTMLResponse)
def proposals_page(request: Request, services: Services, staff: MaybeStaff) -> Response:
    if staff is None:
        return to_login(request)
    return _proposals_page(request, services, staff)


def payload_from_form(fields: dict[str, str]) -> tuple[ProposalKind, dict[str, str]]:
    try:
        kind = ProposalKind(fields.get("kind", ""))
    except ValueError:
        raise UserError("Loại bổ sung phải là hỏi đáp, tên gọi khác hoặc quy định.") from None
    if kind is ProposalKind.faq:
        payload = {k: fields.get(k, "") for k in ("question", "answer", "basis")}
    elif kind is ProposalKind.alias:
        payload = {"alias": fields.get("alias", "")}
    else:
        payload = {
            "kind": fields.get("rule_kind", ""),
            "statement": fields.get("statement", ""),
            "condition": fields.get("condition", ""),
            "consequence": fields.get("consequence", ""),
            "basis": fields.get("rule_basis", ""),
            "asks": fields.get("asks", ""),
        }
    return kind, {k: v.strip() for k, v in payload.items() if v.strip()}


@router.post("/admin/proposals")
async def propose(request: Request, services: Services, staff: MaybeStaff) -> Response:
    staff, fields = await _staff_form(request, staff)
    code = fields.get("code", "").strip()
    try:
        kind, payload = payload_from_form(fields)
        kbwrite.entry(kind, payload)  # the same checks the writer makes, now, while the proposer is here
        if kbwrite.procedure_file(services.kb_dir, code) is None:
            raise UserError(f"Không có thủ tục biên soạn mã “{code}” trong sổ tay (mã dạng 1.001193).")
    except UserError as err:
        message = err.message
        return await run_in_threadpool(
            lambda: _proposals_page(
                request,
                services,
                staff,
                status=422,
                form={**fields, "kind": fields.get("kind", "faq")},
                note=message,
                note_error=True,
            )
        )
    source = session_of(fields["source"]) if fields.get("source") else None
    await run_in_threadpool(
        lambda: services.store.add_proposal(
            code=code,
            kind=kind,
            payload=payload,
            proposer=staff.username,
            source_session=source,
            source_question=payload.get("question"),
        )
    )
    return RedirectResponse("/admin/proposals?note=proposed", status_code=303)


@router.post("/admin/proposals/{pid}/{decision}")
async def decide(pid: str, decision: str, request: Request, services: Services, staff: MaybeStaff) -> Response:
    staff, _ = await _staff_form(request, staff)
    if decision not in ("accept", "reject"):
        raise HTTPException(404, "Không tìm thấy địa chỉ này.")
    refused = await run_in_threadpool(review, services, staff, pid, decision == "accept")
    if refused is not None:
        code, message = refused
        return await run_in_threadpool(
            lambda: _proposals_page(request, services, staff, status=code, note=message, note_error=True)
        )
    return RedirectResponse(
        f"/admin/proposals?note={'accepted' if decision == 'accept' else 'rejected'}", status_code=303
    )


def review(services: StaffServices, staff: Staff, pid: str, accept: bool) -> tuple[int, str] | None:
    """Accept (write into kb/) or reject a proposal; (status, Vietnamese reason) when it cannot be done."""
    proposal = services.store.proposal(pid)
    if proposal is None:
        raise HTTPException(404, "Không tìm thấy đề xuất này.")
    if staff.via_token:
        raise HTTPException(403, "Duyệt đề xuất cần tài khoản cán bộ có tên (không dùng mã quản trị).")
    if proposal.proposer == staff.username:
        raise HTTPException(403, "Không thể tự duyệt đề xuất của mình: cần một cán bộ khác duyệt.")
    if proposal.status is not ProposalStatus.pending:
        return 409, NOTES["already"]
    if not accept:
        services.store.review(pid, reviewer=staff.username, status=ProposalStatus.rejected)
        return None
    try:
        path, _added = kbwrite.apply(services.kb_dir, proposal.code, proposal.kind, proposal.payload)
    except UserError as err:
        return 422, " ".join([err.message, *[p.line() for p in err.problems]])
    if not services.store.review(pid, reviewer=staff.username, status=ProposalStatus.accepted, written_to=str(path)):
        return 409, NOTES["already"]
    return None
