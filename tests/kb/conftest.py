"""The small knowledge base the `check` tests start from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "kb" / "procedures" / "ho-tich" / "1.001193.yaml"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A small valid KB: the real province, sectors and one real procedure."""
    root = tmp_path / "kb"
    (root / "procedures" / "ho-tich").mkdir(parents=True)
    shutil.copy(ROOT / "kb" / "province.yaml", root)
    shutil.copy(ROOT / "kb" / "sectors.yaml", root)
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["related"] = []
    write(root / "procedures" / "ho-tich" / "1.001193.yaml", data)
    return root


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
