from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from assistant.api.deps import AdminOnly, State
from assistant.api.staff import group_questions

router = APIRouter(dependencies=[AdminOnly])


def _unanswered(state: State) -> list[dict[str, object]]:
    questions = state.db.questions_needing_staff(state.assistant.thresholds.staff)
    return [g.to_json() for g in group_questions(questions)]


@router.get("/api/admin/unanswered")
def unanswered(state: State) -> dict[str, object]:
    groups = _unanswered(state)
    return {"groups": groups, "total": sum(int(g["count"]) for g in groups)}


@router.get("/api/admin/feedback")
def least_helpful(state: State) -> dict[str, object]:
    return {"procedures": state.db.least_helpful()}


@router.get("/api/admin/daily")
def daily(state: State) -> dict[str, object]:
    return {"days": state.db.daily_figures()}


@router.get("/api/admin/handoffs")
def handoffs(state: State) -> dict[str, object]:
    return {"conversations": state.db.handoffs()}


@router.get("/admin", response_class=HTMLResponse)
def admin_page(state: State) -> HTMLResponse:
    def table(headers: list[str], rows: list[list[object]]) -> str:
        head = "".join(f"<th>{escape(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td colspan=9>Chưa có dữ liệu</td></tr>'}</tbody></table>"

    groups = _unanswered(state)
    html = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Câu hỏi cần bổ sung sổ tay</title>
<style>body{{font-family:system-ui,sans-serif;margin:1rem;max-width:70rem}}table{{border-collapse:collapse;width:100%;margin-bottom:2rem}}
td,th{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}}th{{background:#eef}}</style></head><body>
<h1>Trợ lý thủ tục: việc cần cán bộ xem</h1>
<h2>Câu hỏi chưa trả lời được hoặc trả lời chưa chắc (gộp theo nội dung)</h2>
{table(["Số lần", "Câu hỏi tiêu biểu", "Chưa trả lời", "Gần nhất", "Thủ tục gợi ý"],
       [[g["count"], g["example"], g["unanswered"], g["last_seen"], ", ".join(g["suggested_codes"])] for g in groups])}
<h2>Người dân cần gặp cán bộ</h2>
{table(["Phiên", "Kênh", "Từ lúc", "Câu hỏi gần nhất"],
       [[c["session_id"], c["channel"], c["since"], c["last_question"] or ""] for c in state.db.handoffs()])}
<h2>Câu trả lời bị đánh giá chưa hữu ích</h2>
{table(["Thủ tục", "Lượt đánh giá", "Chưa hữu ích", "Câu hỏi ví dụ", "Góp ý"],
       [[p["code"] or "(không có)", p["votes"], p["unhelpful"], p["example"], p["comment"] or ""] for p in state.db.least_helpful()])}
<h2>Số liệu theo ngày</h2>
{table(["Ngày", "Câu hỏi", "Đã trả lời", "Hữu ích", "Chưa hữu ích"],
       [[d["day"], d["questions"], d["answered"], d["helpful"], d["not_helpful"]] for d in state.db.daily_figures()])}
</body></html>"""
    return HTMLResponse(html)
