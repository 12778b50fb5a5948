"""The national tier of the default KB: the snapshot's records load as national-tier procedures, filed under
the sectors of sectors.yaml or sectors of their own; a curated file wins; `check` reports a bad snapshot line
with file and line; `import national --snapshot` refreshes the snapshot."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.kb.load import kb_fingerprint, load_kb, validate_kb
from assistant.kb.models import KnowledgeBase, Tier
from tests.kb.test_check import check

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "kb" / "national" / "procedures.jsonl.gz"


@pytest.fixture(scope="module")
def full() -> KnowledgeBase:
    return load_kb(ROOT / "kb")


def snapshot_lines(*codes: str) -> list[bytes]:
    wanted = {f'"ma_thu_tuc": "{c}"'.encode(): c for c in codes}
    with gzip.open(SNAPSHOT, "rb") as fh:
        found = {wanted[line[1 : line.index(b",")]]: line for line in fh if line[1 : line.index(b",")] in wanted}
    return [found[c] for c in codes]


def test_every_record_is_loaded_and_curated_files_win(full: KnowledgeBase) -> None:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as fh:
        records = {json.loads(line)["ma_thu_tuc"]: json.loads(line) for line in fh if line.strip()}
    curated = {path.stem for path in (ROOT / "kb" / "procedures").glob("*/*.yaml")}
    assert curated <= set(records)  # every written procedure has its national record
    codes = [p.code for p in full.procedures]
    assert len(codes) == len(set(codes)) == len(set(records) | curated)
    for p in full.procedures:
        assert p.tier is (Tier.curated if p.code in curated else Tier.national), p.code
    birth = full.procedure("1.001193")
    assert birth.tier is Tier.curated and birth.aliases  # the written file, not the record
    assert any(p.tier is Tier.national and p.national_url.startswith("https://") for p in full.procedures)


def test_national_records_are_filed_under_the_sectors_that_claim_them(full: KnowledgeBase) -> None:
    fishing = full.procedure("1.004359")  # linh_vuc "Thủy sản", listed in nong-nghiep's national_sectors
    assert fishing.tier is Tier.national and fishing.sector == "nong-nghiep"
    assert fishing.title == "Cấp, cấp lại Giấy phép khai thác thủy sản"
    assert full.procedure("1.000419").sector == "ho-tich"  # same name as the sector
    assert full.procedure("1.010038").sector == "cu-tru"  # "Đăng ký, quản lý cư trú"
    passport = full.procedure("1.001456")  # "Quản lý xuất nhập cảnh": no sector claims it
    assert passport.sector == "quan-ly-xuat-nhap-canh"
    sector = full.sector("quan-ly-xuat-nhap-canh")
    assert sector.tier is Tier.national and sector.name == "Quản lý xuất nhập cảnh"
    assert [s.slug for s in full.curated_sectors()][:2] == ["ho-tich", "chung-thuc"]
    assert all(s.order > max(c.order for c in full.curated_sectors()) for s in full.national_only_sectors())


def test_national_cards_carry_names_for_search_and_confidence(full: KnowledgeBase) -> None:
    p = full.procedure("1.001456")
    assert p.title == "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)"
    assert "hộ chiếu" in p.summary and "Quản lý xuất nhập cảnh" in p.summary


def test_check_reports_a_malformed_snapshot_line_with_file_and_line(kb: Path) -> None:
    good = snapshot_lines("1.004359", "1.001456")
    (kb / "national").mkdir()
    broken = b'{"ma_thu_tuc": "1.000419", "ten_thu_tuc": \n'
    nameless = json.dumps({"ma_thu_tuc": "1.000689", "linh_vuc": "Hộ tịch"}, ensure_ascii=False).encode() + b"\n"
    (kb / "national" / "procedures.jsonl.gz").write_bytes(gzip.compress(good[0] + broken + nameless + good[1]))
    result = check(kb)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("kb/national/procedures.jsonl.gz: dòng 2: không phải JSON"), lines
    assert lines[1] == "kb/national/procedures.jsonl.gz: dòng 3: thiếu trường ten_thu_tuc", lines
    assert len(lines) == 2


def test_a_valid_snapshot_passes_check_and_joins_the_kb(kb: Path) -> None:
    (kb / "national").mkdir()
    (kb / "national" / "procedures.jsonl.gz").write_bytes(
        gzip.compress(b"".join(snapshot_lines("1.001193", "1.004359")))
    )
    before = kb_fingerprint(kb)
    result = check(kb)
    assert result.returncode == 0, result.stderr
    assert "1 biên soạn, 1 từ Cơ sở dữ liệu quốc gia" in result.stdout
    loaded, problems = validate_kb(kb)
    assert not problems and loaded is not None
    assert [(p.code, p.tier.value) for p in loaded.procedures] == [("1.001193", "curated"), ("1.004359", "national")]
    # the national records are part of the KB's fingerprint (an index built before is out of date)
    (kb / "national" / "procedures.jsonl.gz").write_bytes(gzip.compress(b"".join(snapshot_lines("1.004359"))))
    assert kb_fingerprint(kb) != before


def test_stale_reviews_list_curated_files_only(kb: Path) -> None:
    (kb / "national").mkdir()
    (kb / "national" / "procedures.jsonl.gz").write_bytes(gzip.compress(b"".join(snapshot_lines("1.004359"))))
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--kb", str(kb), "--stale", "100000"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_import_refreshes_the_snapshot(tmp_path: Path) -> None:
    lines = snapshot_lines("1.004359", "1.001456", "1.000419")
    records = [json.loads(line) for line in lines]
    ministry = dict(records[0], ma_thu_tuc="1.999999", cap_thuc_hien="Cấp bộ")
    records[1]["raw_text"] = "Toàn văn trang"
    src = tmp_path / "newer.jsonl"
    src.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [records[2], ministry, records[1], records[0]])
        + "không phải json\n",
        encoding="utf-8",
    )
    dest = tmp_path / "national" / "procedures.jsonl.gz"
    dest.parent.mkdir()
    (dest.parent / "README.md").write_text(
        "# Snapshot\n\n- Date of the snapshot: 2026-01-01. Records: 9.\n\nMore.\n", encoding="utf-8"
    )
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "assistant.cli", "import", "national", str(src), "--snapshot", str(dest)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    result = run()
    assert result.returncode == 0, result.stderr
    assert "dòng 5: không phải JSON" in result.stderr and "Đã ghi 3 bản ghi" in result.stdout
    with gzip.open(dest, "rt", encoding="utf-8") as fh:
        written = [json.loads(line) for line in fh]
    assert [r["ma_thu_tuc"] for r in written] == ["1.000419", "1.001456", "1.004359"]  # sorted, ministry-only left out
    assert all("raw_text" not in r for r in written)
    assert written[2] == records[0]  # every other field as crawled
    readme = (dest.parent / "README.md").read_text(encoding="utf-8")
    assert "Records: 3." in readme and "2026-01-01" not in readme and readme.endswith("More.\n")
    first = dest.read_bytes()
    assert run().returncode == 0 and dest.read_bytes() == first  # reproducible bytes


def test_import_needs_exactly_one_target(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "import", "national", str(SNAPSHOT)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "--out" in result.stderr and "--snapshot" in result.stderr
