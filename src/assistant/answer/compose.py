"""Compose a short, grounded Vietnamese answer from a procedure's own fields."""

from __future__ import annotations

from assistant.answer.intent import SECTION_OF, Intent
from assistant.handbook.render import SECTION_HEADINGS, procedure_url
from assistant.kb.models import CHANNEL_NAMES, UNKNOWN, ChannelKind, Procedure, Province, Sector

MAX_CHARS = 1800  # Zalo allows 2,000 characters a message; keep a margin for the links
MAX_ITEM = 220


def _short(text: str, limit: int = MAX_ITEM) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _or_unknown(text: str) -> str:
    return _short(text) if text else f"_{UNKNOWN}_"


def _documents(p: Procedure, limit: int = 8) -> list[str]:
    lines = []
    for d in p.documents[:limit]:
        form = d.form if d.form.lower().startswith("mẫu") else f"mẫu {d.form}"
        extra = ", ".join(x for x in (d.copies, form if d.form else "") if x)
        line = f"- {_short(d.name, 160)}" + (f" ({_short(extra, 80)})" if extra else "")
        if d.note:
            line += f": _{_short(d.note, 140)}_"
        lines.append(line)
    if len(p.documents) > limit:
        lines.append(f"- … và {len(p.documents) - limit} giấy tờ khác (xem sổ tay)")
    return lines


def _fees(p: Procedure) -> list[str]:
    if not p.fees:
        return [f"- _{UNKNOWN}_"]
    return [f"- {(_short(f.case, 120) + ': ') if f.case else ''}**{_short(f.amount, 160)}**" for f in p.fees[:6]]


def _channels(p: Procedure) -> list[str]:
    if not p.channels:
        return [f"- _{UNKNOWN}_"]
    lines = []
    for c in p.channels:
        details = "; ".join(x for x in (c.time and f"thời gian {_short(c.time, 80)}", c.fee and f"phí {_short(c.fee, 80)}") if x)
        line = f"- {CHANNEL_NAMES[c.kind]}" + (f": {details}" if details else "")
        if c.url:
            line += f" — {c.url}"
        lines.append(line)
    return lines


def lead_lines(p: Procedure, intent: Intent) -> list[str]:
    """The full answer to one intent, from the procedure's fields."""
    if intent is Intent.documents:
        return ["**Hồ sơ cần chuẩn bị:**", *_documents(p)]
    if intent is Intent.fee:
        return ["**Phí, lệ phí:**", *_fees(p)]
    if intent is Intent.time:
        return [f"**Thời gian giải quyết:** {_or_unknown(p.processing_time)}"]
    if intent is Intent.place:
        return [
            f"**Nơi nộp hồ sơ:** {_or_unknown(p.submit_at)}",
            f"**Cơ quan giải quyết:** {_or_unknown(p.agency)}",
        ]
    if intent is Intent.steps:
        steps = [f"{i}. {_short(s, 200)}" for i, s in enumerate(p.steps[:7], 1)] or [f"_{UNKNOWN}_"]
        return ["**Các bước thực hiện:**", *steps]
    if intent is Intent.conditions:
        conds = [f"- {_short(c, 200)}" for c in p.conditions[:6]] or ["- Không có điều kiện riêng ngoài hồ sơ cần chuẩn bị."]
        return ["**Điều kiện:**", *conds]
    if intent is Intent.result:
        return [f"**Kết quả nhận được:** {_or_unknown(p.result)}"]
    if intent is Intent.online:
        online = any(c.kind is ChannelKind.truc_tuyen for c in p.channels)
        head = (
            "**Có thể nộp trực tuyến** trên Cổng Dịch vụ công quốc gia hoặc ứng dụng VNeID."
            if online
            else "**Theo sổ tay, thủ tục này chưa có cách nộp trực tuyến**; hãy nộp trực tiếp hoặc qua bưu chính nếu có."
        )
        return [head, *_channels(p)]
    # overview
    lines = [_short(p.summary, 400)] if p.summary else []
    lines += ["**Giấy tờ chính:**", *_documents(p, limit=5)]
    return lines


def brief_lines(p: Procedure, skip: set[Intent]) -> list[str]:
    """The other key facts, one line each."""
    out = []
    if Intent.place not in skip:
        out.append(f"- Nộp tại: {_or_unknown(_short(p.submit_at, 160) if p.submit_at else '')}")
    if Intent.time not in skip:
        out.append(f"- Thời gian: {_or_unknown(_short(p.processing_time, 120) if p.processing_time else '')}")
    if Intent.fee not in skip:
        out.append(f"- Lệ phí: {_or_unknown(_short(p.fee_text, 160) if p.fee_text else '')}")
    if Intent.documents not in skip and Intent.overview not in skip:
        out.append(f"- Hồ sơ: {len(p.documents)} loại giấy tờ (xem danh sách trong sổ tay)")
    return out


def compose(p: Procedure, sector: Sector, intents: list[Intent], public_url: str = "") -> str:
    lines = [f"**{p.title}** (mã {p.code})", ""]
    led = intents[:2]
    for intent in led:
        lines += lead_lines(p, intent) + [""]
    brief = brief_lines(p, set(led))
    if brief:
        lines += ["**Tóm tắt:**", *brief, ""]
    section = SECTION_OF[led[0]] if led else ""
    link = public_url.rstrip("/") + procedure_url(p.sector, p.code, section or None)
    label = f"Sổ tay {sector.name}" + (f" › {SECTION_HEADINGS[section]}" if section else f" › {p.title}")
    tail = [f"Xem chi tiết: [{label}]({link})"]
    if p.online_url:
        tail.append(f"Nộp trực tuyến: {p.online_url}")
    body = "\n".join(lines).strip()
    room = MAX_CHARS - sum(len(t) + 1 for t in tail) - 40
    if len(body) > room:
        body = body[:room].rsplit("\n", 1)[0] + "\n- … (xem đầy đủ trong sổ tay)"
    return body + "\n\n" + "\n".join(tail)
