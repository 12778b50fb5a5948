"""One JSON error shape everywhere: {"detail": "<Vietnamese message>"}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("assistant.api")

_STATUS_VI = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần đăng nhập bằng mã quản trị hợp lệ.",
    403: "Không có quyền truy cập.",
    404: "Không tìm thấy địa chỉ này.",
    405: "Phương thức không được hỗ trợ cho địa chỉ này.",
    413: "Dữ liệu gửi lên quá lớn.",
    429: "Bạn gửi quá nhiều câu hỏi trong thời gian ngắn. Vui lòng đợi một phút rồi hỏi lại.",
}

_FIELD_VI = {"question": "câu hỏi", "q": "nội dung tìm kiếm", "k": "số kết quả", "session_id": "mã phiên",
             "question_id": "mã câu hỏi", "helpful": "đánh giá", "comment": "góp ý"}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query")]
        name = _FIELD_VI.get(loc[-1], loc[-1]) if loc else ""
        kind = err.get("type", "")
        if kind == "json_invalid":
            return "Dữ liệu gửi lên không phải JSON hợp lệ."
        if kind == "missing":
            parts.append(f"thiếu {name}" if name else "thiếu dữ liệu")
        elif kind in ("string_too_long",):
            parts.append(f"{name} quá dài")
        elif kind in ("string_too_short",):
            parts.append(f"{name} không được để trống")
        elif kind in ("greater_than_equal", "less_than_equal", "int_parsing"):
            parts.append(f"{name} phải là số trong khoảng cho phép")
        elif kind == "bool_parsing":
            parts.append(f"{name} phải là true hoặc false")
        else:
            parts.append(f"{name} không hợp lệ" if name else "dữ liệu không hợp lệ")
    return "Dữ liệu không hợp lệ: " + "; ".join(parts) + "."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) and _is_vietnamese(exc.detail) else _STATUS_VI.get(
            exc.status_code, "Yêu cầu không thể xử lý."
        )
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse({"detail": "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."}, status_code=500)


def _is_vietnamese(text: str) -> bool:
    # Our own messages carry Vietnamese letters; framework defaults ("Not Found") do not.
    return any(ch in text for ch in "ăâđêôơưáàảãạéèẻẽẹíìỉĩịóòỏõọúùủũụýỳỷỹỵ")
