"""The staff tables on both engines (SQLite and the real PostgreSQL): accounts and sessions, conversations with
their messages, assignment and closing, proposals reviewed once, the audit trail."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.staff.models import Delivery, ProposalKind, ProposalStatus, Role
from assistant.staff.passwords import hash_password, verify_password
from assistant.staff.store import AccountExists, StaffStore
from assistant.store import Database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StaffStore]:
    url = f"sqlite:///{tmp_path / 'staff.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    db = Database(url, pool_size=2)
    yield StaffStore(db)
    db.dispose()


def test_accounts_and_sessions(store: StaffStore) -> None:
    store.add_account("lan", "Nguyễn Thị Lan", hash_password("mat-khau-cua-lan"))
    with pytest.raises(AccountExists):
        store.add_account("lan", "Lan", hash_password("khac-hoan-toan"))
    account, stored = store.account("lan")
    assert account.display_name == "Nguyễn Thị Lan" and stored.startswith("$argon2id$")
    assert verify_password(stored, "mat-khau-cua-lan") and not verify_password(stored, "sai")
    assert not verify_password(None, "mat-khau-cua-lan")
    token, session = store.create_session("lan", 3600)
    assert store.session(token) == session and session.csrf_token
    assert store.session(token + "x") is None
    expired, _ = store.create_session("lan", -1)
    assert store.session(expired) is None
    store.add_account("lan", "Nguyễn Thị Lan", hash_password("mat-khau-moi-cua-lan"), replace=True)
    assert store.session(token) is None  # a reset signs out everywhere
    token, _ = store.create_session("lan", 3600)
    store.end_session(token)
    assert store.session(token) is None
    assert [a.action for a in store.audit_log()][::-1][:2] == ["account_created", "sign_in"]


def test_conversation_messages_assignment_and_closing(store: StaffStore) -> None:
    db = store.db
    session = "web:abc"
    db.record_question(
        channel="web",
        session_id=session,
        question="khai sinh cần gì",
        answered=True,
        clarify=False,
        confidence=0.9,
        code="1.001193",
        intent=None,
        answer="Cần tờ khai.",
    )
    db.mark_handoff(session, "web")
    (summary,) = store.conversations()
    assert summary.open and summary.waiting_since == summary.handoff_at and summary.staff_replies == 0
    time.sleep(1.1)  # timestamps have one-second resolution
    store.add_message(session, Role.staff, "lan", "Chào bạn", Delivery.web)
    (summary,) = store.conversations()
    assert summary.waiting_since is None and summary.staff_replies == 1
    conv = store.conversation(session)
    assert [m.role for m in conv.messages] == [Role.citizen, Role.assistant, Role.staff]
    assert [m.text for m in store.messages_after(session, 0)] == ["Chào bạn"]
    assert store.messages_after(session, conv.messages[-1].id or 0) == []
    assert store.assign(session, to="lan", sector=None, by="minh")
    assert store.conversations()[0].assigned_to == "lan"
    assert store.close(session, by="lan") and not store.close(session, by="lan")
    (closed,) = store.conversations()
    assert not closed.open and closed.closed_by == "lan" and closed.assigned_to is None
    db.mark_handoff(session, "web")  # asking again reopens it
    assert store.is_open(session)
    actions = [(a.username, a.action) for a in store.audit_log()]
    assert ("lan", "reply") in actions and ("minh", "assign") in actions and ("lan", "close") in actions


def test_proposals_are_reviewed_once(store: StaffStore) -> None:
    p = store.add_proposal(code="1.001193", kind=ProposalKind.alias, payload={"alias": "làm khai sinh"}, proposer="lan")
    assert store.proposal(p.id) == p
    assert store.review(p.id, reviewer="minh", status=ProposalStatus.accepted, written_to="kb/x.yaml")
    assert not store.review(p.id, reviewer="hoa", status=ProposalStatus.rejected)
    (done,) = store.proposals(ProposalStatus.accepted)
    assert done.reviewer == "minh" and done.written_to == "kb/x.yaml" and done.payload == {"alias": "làm khai sinh"}
    assert store.proposals(ProposalStatus.pending) == []
