"""The national-record importer, on real records picked by code from the shared 2026 crawl."""

from __future__ import annotations

import gzip
import json
from itertools import islice
from pathlib import Path

import pytest
import yaml

from assistant.errors import UserError
from assistant.kb.load import validate_kb
from assistant.kb.national import FALLBACK_DOCUMENT, ImportReport, import_national, plain_title
from assistant.kb.national_sections import (
    UNITLESS,
    parse_channels,
    parse_documents,
    parse_legal_basis,
    parse_result,
)

DATA = Path(__file__).resolve().parents[2] / "../shared/data/national-procedures.jsonl.gz"
PICKED = (
    "1.000005 1.000014 1.000096 1.001193 1.001521 1.002544 1.003005 1.003394 1.003563 1.007690 "
    "1.009644 1.013328 1.013962 1.014911 1.000314 2.001999 6.005704 6.005707"
).split()


@pytest.fixture(scope="module")
def lines() -> dict[str, bytes]:
    """Raw JSON lines of the picked records, found without parsing the whole file."""
    if not DATA.exists():
        pytest.skip(f"không có dữ liệu quốc gia tại {DATA}")
    wanted = {f'"ma_thu_tuc": "{code}"'.encode(): code for code in PICKED}
    found: dict[str, bytes] = {}
    with gzip.open(DATA, "rb") as fh:
        for line in fh:
            key = line[1 : line.index(b",")]
            if key in wanted:
                found[wanted[key]] = line
    assert set(found) == set(PICKED)
    return found


@pytest.fixture(scope="module")
def records(lines: dict[str, bytes]) -> dict[str, dict]:
    return {code: json.loads(line) for code, line in lines.items()}


def write_jsonl(path: Path, rows: list[bytes], gz: bool = False) -> Path:
    data = b"".join(r if r.endswith(b"\n") else r + b"\n" for r in rows)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def load(out: Path, code: str) -> dict:
    (path,) = out.glob(f"procedures/*/{code}.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def imported(lines: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    tmp = tmp_path_factory.mktemp("picked")
    src = write_jsonl(tmp / "picked.jsonl.gz", [lines[c] for c in PICKED], gz=True)
    out = tmp / "kb"
    return out, import_national(src, out)


# --- sections ------------------------------------------------------------------------------------


def test_channels_with_bare_times_and_free_fee(records: dict[str, dict]) -> None:
    # "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1Miễn phíTrực tiếp1Miễn phí"
    table = parse_channels(records["1.000096"]["cach_thuc_thuc_hien"])
    assert table.complete
    assert [(c.kind.value, c.time, c.fee) for c in table.value.channels] == [
        ("truc-tuyen", f"1 {UNITLESS}", "Miễn phí"),
        ("truc-tiep", f"1 {UNITLESS}", "Miễn phí"),
    ]
    assert [f.amount for f in table.value.fees] == ["Miễn phí"]


def test_channels_with_working_days_and_fee_in_dong(records: dict[str, dict]) -> None:
    table = parse_channels(records["1.003394"]["cach_thuc_thuc_hien"]).value
    assert {c.kind.value for c in table.channels} == {"truc-tuyen", "truc-tiep", "buu-chinh"}
    assert {c.time for c in table.channels} == {"10 ngày làm việc"}
    assert table.processing_time == "10 ngày làm việc"
    assert [f.amount for f in table.fees] == ["1.500.000 đồng (đồng/lần)"]


def test_channels_with_different_fees_get_a_case_each(records: dict[str, dict]) -> None:
    table = parse_channels(records["1.013328"]["cach_thuc_thuc_hien"]).value
    assert table.processing_time == "Nộp trực tuyến: 7 ngày làm việc; Nộp trực tiếp: 3 ngày làm việc"
    assert [(f.case, f.amount.split(" (")[0]) for f in table.fees] == [
        ("Nộp trực tuyến", "Miễn phí"),
        ("Nộp trực tiếp", "40 đồng"),
    ]


def test_bare_time_glued_to_an_amount_is_split(records: dict[str, dict]) -> None:
    # "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)": time 1, fee 20 (the record's own note says 20.000)
    channel = parse_channels(records["1.000014"]["cach_thuc_thuc_hien"]).value.channels[0]
    assert (channel.time, channel.fee) == (f"1 {UNITLESS}", "20 đồng (20.000 vnđ /tờ khai)")


def test_channel_description_is_kept_as_note(records: dict[str, dict]) -> None:
    channel = parse_channels(records["1.003005"]["cach_thuc_thuc_hien"]).value.channels[0]
    assert channel.fee.startswith("4.500.000 đồng (")
    assert channel.note.startswith("Cách thức thực hiện: Nộp cho Ủy ban nhân dân cấp xã")


def test_channel_time_in_words(records: dict[str, dict]) -> None:
    table = parse_channels(records["1.007690"]["cach_thuc_thuc_hien"])
    assert table.complete
    assert table.value.channels[0].time == "Không phải trả kết quả cho người nộp thuế"


def test_documents_with_copies(records: dict[str, dict]) -> None:
    copies = parse_documents(records["2.001999"]["thanh_phan_ho_so"]).value.documents
    assert [d.copies for d in copies] == ["1 bản sao"] * 3
    assert copies[1].name == "Bản sao hợp lệ Giấy chứng nhận đăng ký mã số thuế"
    (both,) = parse_documents(records["1.013962"]["thanh_phan_ho_so"]).value.documents
    assert both.copies == "1 bản chính hoặc 1 bản sao"


def test_documents_forms_from_attachments(records: dict[str, dict]) -> None:
    first = parse_documents(records["1.009644"]["thanh_phan_ho_so"]).value.documents[0]
    assert (first.name, first.copies, first.form) == (
        "Văn bản đề nghị điều chỉnh dự án đầu tư",
        "1 bản chính",
        "Mẫu I.1.8",
    )
    (only,) = parse_documents(records["1.014911"]["thanh_phan_ho_so"]).value.documents
    assert only.name.endswith("dịch vụ xử lý dữ liệu cá nhân")
    assert only.form == "TTHC5-Mu06-ncpliGCNdchvxlDLCN"


def test_document_groups_and_remarks(records: dict[str, dict]) -> None:
    parsed = parse_documents(records["1.001193"]["thanh_phan_ho_so"], "Thủ tục đăng ký khai sinh").value
    names = [d.name for d in parsed.documents]
    assert any(n.startswith("Giấy chứng sinh") for n in names)
    birth = next(d for d in parsed.documents if d.name.startswith("Giấy chứng sinh"))
    assert (birth.copies, birth.note) == ("1 bản chính", "Giấy tờ phải nộp")
    # rows counted "0 bản chính" that are remarks are notes, not papers to hand in
    assert not any(n.startswith("Trường hợp người yêu cầu đã nộp bản điện tử") for n in names)
    assert any("đã nộp bản điện tử Giấy chứng sinh" in n for n in parsed.notes)


def test_legal_basis_splits_title_and_number(records: dict[str, dict]) -> None:
    # "Luật 54/2014/QH1354/2014/QH13" = title "Luật 54/2014/QH13", number "54/2014/QH13"
    legal = parse_legal_basis(records["1.000005"]["can_cu_phap_ly"])
    assert legal.complete
    assert [(d.number, d.title) for d in legal.value] == [
        ("54/2014/QH13", "Luật 54/2014/QH13"),
        ("92/2015/TT-BTC", "Thông tư 92/2015/TT-BTC"),
        ("78/2006/QH11", "Luật 78/2006/QH11"),
    ]


def test_legal_basis_glued_titles_and_years() -> None:
    text = (
        "Tên văn bản pháp lýMã văn bảnLuật Công chứng năm 202446/2024/QH15"
        "Luật Các tổ chức tín dụngLuật số 32/2024/QH15Nghị định 52/2024/NĐ-CP52/2024/NĐ-CP"
    )
    assert [(d.number, d.title) for d in parse_legal_basis(text).value] == [
        ("46/2024/QH15", "Luật Công chứng năm 2024"),
        ("32/2024/QH15", "Luật Các tổ chức tín dụng"),
        ("52/2024/NĐ-CP", "Nghị định 52/2024/NĐ-CP"),
    ]


def test_result_drops_codes_and_page_junk(records: dict[str, dict]) -> None:
    assert parse_result(records["1.001193"]["ket_qua_xu_ly"]).value.result == "Giấy khai sinh"


def test_plain_title() -> None:
    assert plain_title("Thủ tục đăng ký khai sinh") == "Đăng ký khai sinh"
    customs = "Thủ tục hải quan đối với hàng hóa quá cảnh"  # "thủ tục hải quan" is the name itself
    assert plain_title(customs) == customs
    assert plain_title("Cấp bản sao Trích lục hộ tịch") == "Cấp bản sao Trích lục hộ tịch"


# --- import ------------------------------------------------------------------------------------


def test_import_maps_the_fields(imported: tuple[Path, ImportReport]) -> None:
    out, report = imported
    assert report.procedures == len(PICKED)
    birth = load(out, "1.001193")
    assert birth["title"] == "Đăng ký khai sinh"
    assert birth["official_name"] == "Thủ tục đăng ký khai sinh"
    assert (birth["sector"], birth["levels"], birth["result"]) == ("ho-tich", ["xa"], "Giấy khai sinh")
    assert birth["national_url"].startswith("https://dichvucong.gov.vn/")
    assert birth["summary"].startswith("Đăng ký khai sinh: thủ tục hành chính cấp xã, lĩnh vực Hộ tịch")
    assert birth["steps"] and birth["legal_basis"] and birth["updated"].isoformat() == "2026-01-01"
    assert load(out, "1.000314")["levels"] == ["bo", "tinh", "xa"]
    assert load(out, "1.003563")["levels"] == ["khac"]


def test_sectors_are_slugged_and_spellings_merged(imported: tuple[Path, ImportReport]) -> None:
    out, report = imported
    sectors = yaml.safe_load((out / "sectors.yaml").read_text(encoding="utf-8"))
    slugs = [s["slug"] for s in sectors]
    assert slugs == sorted(set(slugs), key=slugs.index) and report.sectors == len(sectors)
    # "Thi đua khen thưởng" and "Thi đua – Khen thưởng" are one sector
    assert slugs.count("thi-dua-khen-thuong") == 1
    assert load(out, "6.005704")["sector"] == load(out, "6.005707")["sector"] == "thi-dua-khen-thuong"
    assert {"ho-tich", "hai-quan", "thue"} <= set(slugs)
    assert [s["order"] for s in sectors] == list(range(1, len(sectors) + 1))


def test_unparsed_sections_are_kept_raw_and_counted(imported: tuple[Path, ImportReport]) -> None:
    out, report = imported
    # 1.001521: the crawl put step text where the documents table should be
    broken = load(out, "1.001521")
    assert broken["documents"] == [{"name": FALLBACK_DOCUMENT}]
    assert "Bước 2" in broken["raw"]["thanh_phan_ho_so"]
    # 1.002544: a legal reference with a number the parser cannot read ("24/2024")
    assert "24/2024" in load(out, "1.002544")["raw"]["can_cu_phap_ly"]
    assert report.warnings_by_field == {"can_cu_phap_ly": 1, "thanh_phan_ho_so": 1}
    assert report.warnings == 2
    assert "raw" not in load(out, "1.000005")


def test_imported_kb_is_valid(imported: tuple[Path, ImportReport]) -> None:
    out, _ = imported
    kb, problems = validate_kb(out)
    assert problems == [] and kb is not None
    assert len(kb.procedures) == len(PICKED)
    assert kb.province.name == "Danh mục thủ tục hành chính quốc gia"


def test_import_of_a_slice_is_valid_deterministic_and_replaces_stale_files(tmp_path: Path) -> None:
    if not DATA.exists():
        pytest.skip(f"không có dữ liệu quốc gia tại {DATA}")
    with gzip.open(DATA, "rb") as fh:
        src = write_jsonl(tmp_path / "slice.jsonl", list(islice(fh, 150)))  # plain, not gzip
    first, second = tmp_path / "a", tmp_path / "b"
    import_national(src, first)
    stale = first / "procedures" / "cu" / "9.999999.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("code: '9.999999'\n", encoding="utf-8")
    report = import_national(src, first)  # re-import over the previous one
    import_national(src, second)
    assert not stale.exists() and not stale.parent.exists()
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    kb, problems = validate_kb(first)
    assert problems == [] and kb is not None and len(kb.procedures) == report.procedures == 150


def test_bad_lines_are_skipped_with_a_warning(lines: dict[str, bytes], tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            lines["1.001193"],
            b"{not json",
            b"[1, 2, 3]",
            json.dumps({"ma_thu_tuc": "1.000001"}).encode(),
            json.dumps({"ma_thu_tuc": "abc", "ten_thu_tuc": "X", "linh_vuc": "Y"}).encode(),
            b"\xff\xfe",
            lines["1.001193"],  # duplicate code
            b"",
        ],
    )
    report = import_national(src, tmp_path / "kb")
    assert report.procedures == 1
    assert report.warnings_by_field["line"] == 6
    assert report.messages[0].startswith(f"{src}: dòng 2: không phải JSON (")
    assert any("dòng 4: thiếu trường ten_thu_tuc, linh_vuc" in m for m in report.messages)
    assert any("dòng 7: mã 1.001193 trùng với dòng 1" in m for m in report.messages)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "không tìm thấy tệp"),
        (b"", "tệp rỗng"),
        (b"<html>not json</html>\n", "dòng 1: không phải JSON"),
        (b'{"a": 1}\n', "dòng 1: thiếu trường ma_thu_tuc, ten_thu_tuc, linh_vuc"),
        (b"\x1f\x8b\x08\x00garbage", "dòng 1: tệp nén gzip bị hỏng"),
    ],
)
def test_unusable_file_is_a_user_error(tmp_path: Path, content: bytes | None, expected: str) -> None:
    src = tmp_path / "input.jsonl"
    if content is not None:
        src.write_bytes(content)
    with pytest.raises(UserError) as err:
        import_national(src, tmp_path / "kb")
    assert err.value.message.startswith(f"{src}: ")
    assert expected in err.value.message and "\n" not in err.value.message
    assert not (tmp_path / "kb").exists()


def test_refuses_to_replace_a_folder_it_did_not_write(lines: dict[str, bytes], tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "one.jsonl", [lines["1.001193"]])
    own = tmp_path / "kb"
    own.mkdir()
    (own / "province.yaml").write_text("name: Tỉnh An Giang\n", encoding="utf-8")
    with pytest.raises(UserError, match="không trống"):
        import_national(src, own)
    assert (own / "province.yaml").read_text(encoding="utf-8") == "name: Tỉnh An Giang\n"
