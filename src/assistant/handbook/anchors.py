"""Where things are printed in the handbook site: section keys, headings, anchors and URLs.
Shared by the renderer (build time) and by search and answers (query time), which link to them."""

from __future__ import annotations

from assistant.text import slugify

# Sections of a procedure, in the order every handbook shows them: (key, heading).
SECTIONS: list[tuple[str, str]] = [
    ("gioi-thieu", "Thủ tục này là gì"),
    ("noi-nop", "Nộp hồ sơ ở đâu"),
    ("ho-so", "Hồ sơ cần chuẩn bị"),
    ("cac-buoc", "Các bước thực hiện"),
    ("thoi-gian", "Thời gian giải quyết"),
    ("le-phi", "Phí, lệ phí"),
    ("cach-nop", "Cách nộp hồ sơ"),
    ("dieu-kien", "Điều kiện"),
    ("quy-dinh", "Quy định cần biết"),
    ("truong-hop-dac-biet", "Trường hợp đặc biệt"),
    ("ket-qua", "Kết quả nhận được"),
    ("can-cu", "Căn cứ pháp lý"),
    ("luu-y", "Trường hợp khác và lưu ý"),
    ("hoi-dap", "Câu hỏi thường gặp"),
]
SECTION_HEADINGS = dict(SECTIONS)


def section_anchor(code: str, section: str | None = None) -> str:
    """tt-1-001193, or tt-1-001193-ho-so for one of its sections."""
    base = "tt-" + code.replace(".", "-")
    return f"{base}-{section}" if section else base


def procedure_url(sector: str, code: str, section: str | None = None) -> str:
    """Site URL of a procedure section, from the site root: /ho-tich/#tt-1-001193-ho-so."""
    return f"/{sector}/#{section_anchor(code, section)}"


def guide_anchor(heading: str) -> str:
    """Stable anchor of a guide section: "Tải ảnh giấy tờ" → hd-tai-anh-giay-to."""
    return "hd-" + slugify(heading)


def guide_url(slug: str, heading: str | None = None) -> str:
    return f"/huong-dan/{slug}/" + (f"#{guide_anchor(heading)}" if heading else "")


# The national tier (records of the national database, as published): printed on each of its procedures.
NATIONAL_SOURCE = "Thông tin từ Cơ sở dữ liệu quốc gia về thủ tục hành chính"


def national_mark(province: str) -> str:
    """The line on each national-tier procedure; `province` as in titles ("An Giang", Province.short_name)."""
    return f"{NATIONAL_SOURCE}, chưa được biên soạn lại cho {province or 'địa phương'}"
