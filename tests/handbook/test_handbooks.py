"""Handbooks: deterministic pages, one stable anchor per procedure, stale check, strict site build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from assistant.handbook.render import render_handbooks
from assistant.kb.load import load_kb

ROOT = Path(__file__).resolve().parents[2]


def test_rendering_is_deterministic() -> None:
    kb = load_kb(ROOT / "kb")
    first = [(p.path, p.text) for p in render_handbooks(kb)]
    second = [(p.path, p.text) for p in render_handbooks(load_kb(ROOT / "kb"))]
    assert first == second


def test_every_procedure_has_its_anchor_on_its_sector_page() -> None:
    kb = load_kb(ROOT / "kb")
    pages = {p.path: p.text for p in render_handbooks(kb)}
    for proc in kb.procedures:
        text = pages[f"{proc.sector}.md"]
        assert "{#tt-" + proc.code.replace(".", "-") + "}" in text, proc.code
        assert f"`{proc.code}`" in text  # the code is visible and searchable


def test_sections_in_the_same_order_everywhere() -> None:
    kb = load_kb(ROOT / "kb")
    pages = {p.path: p.text for p in render_handbooks(kb)}
    order = [
        "Nộp hồ sơ ở đâu",
        "Hồ sơ cần chuẩn bị",
        "Các bước thực hiện",
        "Thời gian giải quyết",
        "Phí, lệ phí",
        "Cách nộp hồ sơ",
        "Điều kiện",
        "Kết quả nhận được",
        "Căn cứ pháp lý",
    ]
    for proc in kb.procedures:
        text = pages[f"{proc.sector}.md"]
        start = text.index("{#" + proc.anchor + "}")
        end = text.find("\n## ", start)
        section = text[start : end if end > 0 else None]
        positions = [section.index(f"### {heading}") for heading in order]
        assert positions == sorted(positions), proc.code


def test_unknown_facts_show_as_chua_cap_nhat(tmp_path: Path) -> None:
    kb = load_kb(ROOT / "kb")
    proc = kb.procedures[0].model_copy(update={"processing_time": "", "fees": []})
    from assistant.handbook.render import procedure_markdown

    text = procedure_markdown(proc)
    assert text.count("*chưa cập nhật*") >= 2


def test_committed_handbooks_are_fresh() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "build", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_build_check_catches_a_stale_handbook(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb)
    out = tmp_path / "out"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "assistant.cli", "build", "--kb", str(kb), "--out", str(out), *args]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert run("--no-site", "--no-index").returncode == 0
    assert run("--check").returncode == 0
    path = next((kb / "procedures" / "ho-tich").glob("*.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["processing_time"] = "Ba ngày làm việc"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = run("--check")
    assert result.returncode != 0
    assert "ho-tich.md" in result.stderr and "Traceback" not in result.stderr


def test_site_is_built_strict_with_every_sector(built: Path) -> None:
    kb = load_kb(built / "kb")  # the built copy: kb/ with a slice of the national tier (tests/conftest.py)
    for sector in kb.sectors:
        html = (built / "site" / sector.slug / "index.html").read_text(encoding="utf-8")
        for proc in kb.procedures_of(sector.slug):
            assert f'id="{proc.anchor}"' in html
    assert (built / "site" / "tinh" / "index.html").exists()


def test_mkdocs_build_strict_on_the_committed_handbooks(tmp_path: Path) -> None:
    """`mkdocs build --strict` of the committed handbooks alone, with the package's configuration."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        "from assistant.handbook.site import THEME\n"
        "build(load_config(config_file=str(Path(str(THEME)) / 'mkdocs.yml'), docs_dir=sys.argv[1], site_dir=sys.argv[2],"
        " strict=True))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "handbooks"), str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "site" / "index.html").is_file()
