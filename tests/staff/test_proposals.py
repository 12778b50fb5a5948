"""From a question to the handbook: a proposal accepted by a second staff member lands in the procedure's YAML
(existing lines untouched, `assistant check` passes), `assistant proposals export` lists it, and after a build
the assistant answers the same question from it."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import yaml

from assistant.staff import kbwrite
from assistant.staff.models import ProposalKind
from tests.conftest import ROOT, LiveServer
from tests.staff.conftest import csrf_in, sign_in

QUESTION = "Khai sinh cho con có cần mang sổ hộ khẩu giấy không?"
ANSWER = (
    "Không cần mang sổ hộ khẩu giấy: sổ hộ khẩu giấy không còn được dùng từ ngày 01/01/2023; cán bộ tra cứu "
    "nơi cư trú của cha mẹ trên Cơ sở dữ liệu quốc gia về dân cư."
)
BASIS = "Khoản 3 Điều 38 Luật Cư trú 2020; Nghị định 104/2022/NĐ-CP"
FILE = Path("procedures") / "ho-tich" / "1.001193.yaml"


def assistant_cli(*args: str, db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_DB_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


def test_entries_are_appended_without_touching_existing_lines(kb_copy: Path) -> None:
    path = kb_copy / FILE
    before = path.read_text(encoding="utf-8")
    kbwrite.apply(kb_copy, "1.001193", ProposalKind.faq, {"question": QUESTION, "answer": ANSWER, "basis": BASIS})
    kbwrite.apply(
        kb_copy,
        "1.001193",
        ProposalKind.rule,
        {
            "kind": "khong-duoc",
            "statement": "Không được yêu cầu người dân nộp sổ hộ khẩu giấy khi khai sinh.",
            "basis": BASIS,
            "asks": "có phải nộp sổ hộ khẩu không\nco can so ho khau khong",
        },
    )
    assert kbwrite.apply(kb_copy, "1.001193", ProposalKind.alias, {"alias": "khai sinh cho em bé"})[1] is True
    assert kbwrite.apply(kb_copy, "1.001193", ProposalKind.alias, {"alias": "Khai sinh cho em bé"})[1] is False
    after = path.read_text(encoding="utf-8")
    changes = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False).get_opcodes()
    assert {op for op, *_ in changes} == {"equal", "insert"}  # every existing line kept, in order; only additions
    data = yaml.safe_load(after)
    assert data["faq"][-1] == {"question": QUESTION, "answer": ANSWER, "basis": BASIS}
    assert data["rules"][-1]["asks"] == ["có phải nộp sổ hộ khẩu không", "co can so ho khau khong"]
    assert data["aliases"][-1] == "khai sinh cho em bé"
    check = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--kb", str(kb_copy)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_bad_proposals_are_refused_in_vietnamese(kb_copy: Path) -> None:
    from assistant.errors import UserError

    with pytest.raises(UserError, match="căn cứ"):
        kbwrite.apply(kb_copy, "1.001193", ProposalKind.rule, {"kind": "duoc", "statement": "Được làm."})
    with pytest.raises(UserError, match="chưa có tệp biên soạn"):
        kbwrite.apply(kb_copy, "1.004359", ProposalKind.alias, {"alias": "giấy phép đánh cá"})  # national record only
    with pytest.raises(UserError, match="câu trả lời"):
        kbwrite.apply(kb_copy, "1.001193", ProposalKind.faq, {"question": QUESTION})


def test_accepted_proposal_reaches_yaml_export_and_the_answers(
    staff_server: Callable[..., LiveServer], kb_copy: Path, built: Path, built_e5: Path, tmp_path: Path
) -> None:
    server = staff_server()
    asked = httpx.post(server.url + "/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert "không còn được dùng từ ngày 01/01/2023" not in asked["answer"]

    lan, minh = sign_in(server, "lan"), sign_in(server, "minh")
    queue = lan.get("/admin/questions").text
    assert "Khai sinh cho con có cần mang sổ hộ khẩu giấy không?" in queue or asked["confidence"] >= 0.65
    form = lan.get("/admin/proposals", params={"code": "1.001193", "question": QUESTION}).text
    assert f'value="{QUESTION}"' in form  # the question comes prefilled
    created = lan.post(
        "/admin/proposals",
        data={
            "csrf": csrf_in(form),
            "code": "1.001193",
            "kind": "faq",
            "question": QUESTION,
            "answer": ANSWER,
            "basis": BASIS,
        },
    )
    assert created.status_code == 303
    refused = lan.post(
        "/admin/proposals",
        data={"csrf": csrf_in(form), "code": "9.999999", "kind": "faq", "question": QUESTION, "answer": ANSWER},
    )
    assert refused.status_code == 422 and "Không có thủ tục biên soạn mã" in refused.text

    review = minh.get("/admin/proposals").text
    assert "Nguyễn Thị Lan" in review and ANSWER in review
    pid = review.split("/accept")[0].rsplit("/admin/proposals/", 1)[1]
    assert minh.post(f"/admin/proposals/{pid}/accept", data={"csrf": csrf_in(review)}).status_code == 303
    assert "đã duyệt" in minh.get("/admin/proposals").text
    data = yaml.safe_load((kb_copy / FILE).read_text(encoding="utf-8"))
    assert data["faq"][-1] == {"question": QUESTION, "answer": ANSWER, "basis": BASIS}

    db_url = server.state.settings.database_url()
    listed = assistant_cli("proposals", "list", "--status", "accepted", db_url=db_url)
    assert listed.returncode == 0 and "1.001193\tfaq\tlan\tminh" in listed.stdout
    exported = assistant_cli("proposals", "export", db_url=db_url)
    assert exported.returncode == 0, exported.stderr
    (record,) = yaml.safe_load(exported.stdout)
    assert record["code"] == "1.001193" and record["entry"]["answer"] == ANSWER
    assert record["proposer"] == "lan" and record["reviewer"] == "minh"
    # the team's checkout gets the same entry (once, however often it is exported)
    team_kb = tmp_path / "team-kb"
    shutil.copytree(built / "kb", team_kb)
    for _ in range(2):
        applied = assistant_cli("proposals", "export", "--kb", str(team_kb), db_url=db_url)
        assert applied.returncode == 0, applied.stderr
    assert (team_kb / FILE).read_text(encoding="utf-8") == (kb_copy / FILE).read_text(encoding="utf-8")

    # the next build puts it into the handbook, the index and the answers
    from assistant.api.app import build_state
    from assistant.config import Settings
    from assistant.pipeline import build
    from tests.conftest import start_server

    out = tmp_path / "out"
    # The answer's confidence rests on the real model: build as `built_e5` was, whose embedding cache gives the
    # unchanged passages (only the new entry is embedded).
    shutil.copytree(built_e5 / "cache", out / "cache")
    build(kb_copy, out, embedder_spec="e5-small", site=False)
    assert ANSWER in (out / "handbooks" / "ho-tich.md").read_text(encoding="utf-8") or any(
        ANSWER in p.read_text(encoding="utf-8") for p in (out / "handbooks").rglob("*.md")
    )
    state = build_state(
        Settings(db_url=f"sqlite:///{tmp_path / 'after.db'}", rate_limit_per_minute=0), out / "index", built / "site"
    )
    rebuilt = start_server(state)
    try:
        answer = httpx.post(rebuilt.url + "/api/ask", json={"question": QUESTION}, timeout=60).json()
    finally:
        rebuilt.stop()
    assert answer["answered"] and answer["procedure"]["code"] == "1.001193"
    assert "không còn được dùng từ ngày 01/01/2023" in answer["answer"]
