"""One JSON error shape everywhere: {"detail": "<Vietnamese message>"}, and an OpenAPI that says so."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("assistant.api")

_STATUS_VI = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần đăng nhập bằng mã quản trị hợp lệ.",
    403: "Không có quyền truy cập.",
    404: "Không tìm thấy địa chỉ này.",
    405: "Phương thức không được hỗ trợ cho địa chỉ này.",
    413: "Dữ liệu gửi lên quá lớn.",
    415: "Kiểu dữ liệu gửi lên không được hỗ trợ.",
    429: "Bạn gửi quá nhiều câu hỏi trong thời gian ngắn. Vui lòng đợi một phút rồi hỏi lại.",
    503: "Hệ thống đang quá tải hoặc chưa sẵn sàng. Vui lòng thử lại sau ít giây.",
}

_FIELD_VI = {
    "question": "câu hỏi",
    "q": "nội dung tìm kiếm",
    "k": "số kết quả",
    "session_id": "mã phiên",
    "question_id": "mã câu hỏi",
    "helpful": "đánh giá",
    "comment": "góp ý",
}


class ErrorBody(BaseModel):
    """Every error: a Vietnamese, human-readable message."""

    detail: str


# Which errors each kind of route may answer (documented in the OpenAPI, and tested with Schemathesis).
_ERROR_TEXT = {
    401: "Thiếu hoặc sai mã quản trị",
    404: "Không tìm thấy",
    413: "Dữ liệu gửi lên quá lớn",
    422: "Dữ liệu không hợp lệ (kể cả câu hỏi không có chữ hay số nào)",
    429: "Quá nhiều yêu cầu; xem Retry-After",
    500: "Lỗi hệ thống không mong đợi",
    503: "Quá tải hoặc chưa sẵn sàng; xem Retry-After",
}


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
        elif kind in ("model_attributes_type", "dict_type"):
            parts.append("dữ liệu gửi lên phải là một đối tượng JSON")
        else:
            parts.append(f"{name} không hợp lệ" if name else "dữ liệu không hợp lệ")
    return "Dữ liệu không hợp lệ: " + "; ".join(dict.fromkeys(parts)) + "."


def is_vietnamese(text: str) -> bool:
    """Carries Vietnamese letters: a diacritic (as NFD shows it) or đ. Ours do; the framework's do not."""
    return "đ" in text.lower() or any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", text))


def _is_framework_default(exc: StarletteHTTPException) -> bool:
    """Starlette's and FastAPI's own messages ("Not Found", "There was an error parsing the body") are
    English; every message of ours is a Vietnamese sentence."""
    return not isinstance(exc.detail, str) or not is_vietnamese(exc.detail)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's answer to a body that is not even text (bad UTF-8): the same as broken JSON.
            return JSONResponse({"detail": "Dữ liệu gửi lên không phải JSON hợp lệ."}, status_code=422)
        detail = (
            _STATUS_VI.get(exc.status_code, "Yêu cầu không thể xử lý.") if _is_framework_default(exc) else exc.detail
        )
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse({"detail": "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."}, status_code=500)


def install_openapi(app: FastAPI) -> None:
    """The schema describes the errors as they are: `{"detail": string}` (or a route's own model that has a
    `detail`, like /readyz's 503), for the codes each route gives, its declared `responses=` included."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes, description=app.description)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components["Error"] = ErrorBody.model_json_schema()
        ref = {"$ref": "#/components/schemas/Error"}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                codes = _error_codes(path, method, operation)
                responses = operation.setdefault("responses", {})
                for code in codes:
                    entry = responses.setdefault(str(code), {"description": _ERROR_TEXT.get(code, "Lỗi")})
                    if entry.get("description") in ("", "Validation Error"):
                        entry["description"] = _ERROR_TEXT.get(code, "Lỗi")
                    declared = entry.get("content", {}).get("application/json", {}).get("schema", {})
                    if not declared or declared.get("$ref", "").endswith("/HTTPValidationError"):
                        entry["content"] = {"application/json": {"schema": ref}}
                    if code in (429, 503):
                        entry["headers"] = {"Retry-After": {"description": "giây", "schema": {"type": "string"}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _error_codes(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    codes: set[int] = {500}  # any route, on an unexpected fault
    codes |= {int(c) for c in operation.get("responses", {}) if c.isascii() and c.isdigit() and int(c) >= 400}
    if "422" in operation.get("responses", {}) or operation.get("parameters") or operation.get("requestBody"):
        codes.add(422)
    if operation.get("requestBody"):
        codes.add(413)
    if path.startswith("/api/"):
        codes |= {404, 422, 429, 503}
    if path.startswith("/api/admin") or path == "/admin":
        codes |= {401, 429}
    if path == "/readyz":
        codes.add(503)
    return sorted(codes)
