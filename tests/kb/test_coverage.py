"""Every procedure of ../shared/coverage.yaml has a complete file in kb/: the handbooks cannot regress."""

from __future__ import annotations

from pathlib import Path

import yaml

from assistant.kb.load import load_kb

ROOT = Path(__file__).resolve().parents[2]
COVERAGE = ROOT.parent / "shared" / "coverage.yaml"


def test_every_listed_procedure_is_written_in_full() -> None:
    wanted = yaml.safe_load(COVERAGE.read_text(encoding="utf-8"))
    kb = load_kb(ROOT / "kb")
    problems = []
    for sector, entries in wanted.items():
        for entry in entries:
            proc = kb.procedure(entry["code"])
            if proc is None:
                problems.append(f"{entry['code']}: thiếu tệp")
                continue
            if proc.sector != sector:
                problems.append(f"{proc.code}: lĩnh vực {proc.sector}, cần {sector}")
            empty = [
                name
                for name, value in [
                    ("documents", proc.documents),
                    ("steps", proc.steps),
                    ("processing_time", proc.processing_time),
                    ("fees", proc.fees),
                    ("agency", proc.agency),
                    ("legal_basis", proc.legal_basis),
                    ("submit_at", proc.submit_at),
                    ("summary", proc.summary),
                    ("aliases", proc.aliases),
                ]
                if not value
            ]
            if empty:
                problems.append(f"{proc.code}: trống {', '.join(empty)}")
            if " ".join(proc.official_name.split()) != " ".join(entry["official_name"].split()):
                problems.append(f"{proc.code}: tên chính thức khác danh mục")
    assert not problems, "\n".join(problems)
    assert len({s.slug for s in kb.curated_sectors()}) == 11 and len(kb.guides) >= 5
