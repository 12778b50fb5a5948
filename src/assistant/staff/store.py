"""The staff side's tables: accounts, signed-in sessions, replies, conversation state, proposals, audit.

Each public method is one short transaction on the shared `Database` (SQLite or PostgreSQL); every change
a staff member makes is written together with its audit line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
import uuid
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from assistant.staff.models import (
    AuditEntry,
    Conversation,
    ConversationSummary,
    Delivery,
    Message,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Role,
    StaffAccount,
    StaffSession,
)
from assistant.store import Database
from assistant.store.db import now_iso
from assistant.store.schema import (
    conversation_messages,
    kb_proposals,
    questions,
    sessions,
    staff_accounts,
    staff_audit,
    staff_sessions,
    zalo_outbox,
)

acc, ses, msg, prop, aud = staff_accounts.c, staff_sessions.c, conversation_messages.c, kb_proposals.c, staff_audit.c
conv, q = sessions.c, questions.c
# A conversation's columns, in the order `_summary` reads them (the last question follows).
_CONVERSATION = (
    conv.session_id,
    conv.channel,
    conv.handoff,
    conv.handoff_at,
    conv.assigned_to,
    conv.assigned_sector,
    conv.closed_at,
    conv.closed_by,
    conv.last_code,
)


class AccountExists(Exception):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def insert_message(
    conn: Connection,
    session_id: str,
    role: Role,
    author: str | None,
    text: str,
    at: str,
    delivery: Delivery,
    outbox_key: str | None = None,
) -> int:
    """Store one message of a conversation; its id (what the web chat polls after)."""
    values = dict(
        session_id=session_id,
        role=role.value,
        author=author,
        text=text,
        created_at=at,
        delivery=delivery.value,
        outbox_key=outbox_key,
    )
    return int(conn.execute(insert(conversation_messages).values(**values).returning(msg.id)).scalar_one())


def _audit(conn: Connection, username: str, action: str, target: str | None, detail: str | None = None) -> None:
    conn.execute(
        insert(staff_audit).values(at=now_iso(), username=username, action=action, target=target, detail=detail)
    )


class StaffStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- accounts ---------------------------------------------------------------------------------
    def add_account(
        self, username: str, display_name: str, password_hash: str, *, replace: bool = False
    ) -> StaffAccount:
        def work(conn: Connection) -> StaffAccount:
            exists = conn.execute(select(acc.username).where(acc.username == username)).first()
            if exists and not replace:
                raise AccountExists(username)
            if exists:
                conn.execute(
                    update(staff_accounts)
                    .where(acc.username == username)
                    .values(display_name=display_name, password_hash=password_hash, disabled=0)
                )
                conn.execute(staff_sessions.delete().where(ses.username == username))  # sign out everywhere
                _audit(conn, username, "password_reset", username)
            else:
                conn.execute(
                    insert(staff_accounts).values(
                        username=username,
                        display_name=display_name,
                        password_hash=password_hash,
                        created_at=now_iso(),
                        disabled=0,
                    )
                )
                _audit(conn, username, "account_created", username)
            return StaffAccount(username, display_name, False)

        try:
            return self.db.write(work)
        except IntegrityError:
            raise AccountExists(username) from None

    def account(self, username: str) -> tuple[StaffAccount, str] | None:
        """The account and its password hash."""
        query = select(acc.username, acc.display_name, acc.disabled, acc.password_hash).where(acc.username == username)
        row = self.db.read(lambda conn: conn.execute(query).first())
        return (StaffAccount(row[0], row[1], bool(row[2])), row[3]) if row else None

    def accounts(self) -> list[StaffAccount]:
        query = select(acc.username, acc.display_name, acc.disabled).order_by(acc.username)
        return [StaffAccount(r[0], r[1], bool(r[2])) for r in self.db.read(lambda conn: conn.execute(query).all())]

    def set_password_hash(self, username: str, password_hash: str) -> None:
        stmt = update(staff_accounts).where(acc.username == username).values(password_hash=password_hash)
        self.db.write(lambda conn: conn.execute(stmt))

    # --- signed-in sessions -----------------------------------------------------------------------
    def create_session(self, username: str, lifetime_seconds: int) -> tuple[str, StaffSession]:
        """A new session; returns the cookie token (only its hash is stored) and the session."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = int(time.time()) + lifetime_seconds

        def work(conn: Connection) -> StaffSession:
            name = conn.execute(select(acc.display_name).where(acc.username == username)).scalar_one()
            conn.execute(staff_sessions.delete().where(ses.expires_at < int(time.time())))
            conn.execute(
                insert(staff_sessions).values(
                    token_hash=token_hash(token),
                    username=username,
                    csrf_token=csrf,
                    created_at=now_iso(),
                    expires_at=expires,
                )
            )
            _audit(conn, username, "sign_in", None)
            return StaffSession(username, name, csrf, expires)

        return token, self.db.write(work)

    def session(self, token: str) -> StaffSession | None:
        query = (
            select(ses.username, acc.display_name, ses.csrf_token, ses.expires_at)
            .select_from(staff_sessions.join(staff_accounts, acc.username == ses.username))
            .where(ses.token_hash == token_hash(token), ses.expires_at > int(time.time()), acc.disabled == 0)
        )
        row = self.db.read(lambda conn: conn.execute(query).first())
        return StaffSession(row[0], row[1], row[2], int(row[3])) if row else None

    def end_session(self, token: str) -> None:
        def work(conn: Connection) -> None:
            user = conn.execute(select(ses.username).where(ses.token_hash == token_hash(token))).scalar()
            conn.execute(staff_sessions.delete().where(ses.token_hash == token_hash(token)))
            if user:
                _audit(conn, user, "sign_out", None)

        self.db.write(work)

    # --- conversations ----------------------------------------------------------------------------
    def conversations(self, *, include_closed: int = 20) -> list[ConversationSummary]:
        """Open handoffs (oldest waiting first), then the `include_closed` most recently closed."""
        last_question = (
            select(q.question)
            .where(q.session_id == conv.session_id)
            .order_by(q.created_at.desc())
            .limit(1)
            .correlate(sessions)
            .scalar_subquery()
        )
        cols = (*_CONVERSATION, last_question)
        open_q = select(*cols).where(conv.handoff == 1).order_by(conv.handoff_at)
        closed_q = (
            select(*cols)
            .where(conv.handoff == 0, conv.closed_at.is_not(None))
            .order_by(conv.closed_at.desc())
            .limit(include_closed)
        )

        def work(conn: Connection) -> list[ConversationSummary]:
            rows = list(conn.execute(open_q).all()) + (list(conn.execute(closed_q).all()) if include_closed else [])
            return [self._summary(conn, r) for r in rows]

        return self.db.read(work)

    def _summary(self, conn: Connection, r: Any) -> ConversationSummary:
        session_id, handoff_at = r[0], r[3]
        last_staff = conn.execute(
            select(func.max(msg.created_at), func.count()).where(msg.session_id == session_id, msg.role == "staff")
        ).first()
        last_reply, replies = (last_staff[0], int(last_staff[1])) if last_staff else (None, 0)
        waiting: str | None = None
        if r[2]:  # open
            if last_reply is None:
                waiting = handoff_at
            else:
                waiting = conn.execute(
                    select(func.min(q.created_at)).where(q.session_id == session_id, q.created_at > last_reply)
                ).scalar()
        return ConversationSummary(
            session_id=session_id,
            channel=r[1],
            handoff_at=handoff_at,
            open=bool(r[2]),
            assigned_to=r[4],
            assigned_sector=r[5],
            closed_at=r[6],
            closed_by=r[7],
            last_code=r[8],
            last_question=r[9],
            waiting_since=waiting,
            staff_replies=replies,
        )

    def conversation(self, session_id: str, *, limit: int = 200) -> Conversation | None:
        cols = _CONVERSATION

        def work(conn: Connection) -> Conversation | None:
            row = conn.execute(select(*cols).where(conv.session_id == session_id)).first()
            if row is None:
                return None
            last_q = conn.execute(
                select(q.question).where(q.session_id == session_id).order_by(q.created_at.desc()).limit(1)
            ).scalar()
            summary = self._summary(conn, (*row, last_q))
            asked = conn.execute(
                select(q.created_at, q.question, q.answer, q.answered)
                .where(q.session_id == session_id)
                .order_by(q.created_at.desc())
                .limit(limit)
            ).all()
            said = conn.execute(
                select(msg.id, msg.role, msg.author, msg.text, msg.created_at, msg.delivery, msg.outbox_key)
                .where(msg.session_id == session_id)
                .order_by(msg.id.desc())
                .limit(limit)
            ).all()
            keyed: list[tuple[str, int, int, Message]] = []
            for n, (at, question, answer, answered) in enumerate(asked):
                keyed.append((at, 0, -n, Message(Role.citizen, question, at)))
                keyed.append((at, 1, -n, Message(Role.assistant, answer, at, answered=bool(answered))))
            for m in said:
                status, error = _outbox_status(conn, m[6]) if m[6] else (None, None)
                keyed.append(
                    (
                        m[4],
                        2,
                        m[0],
                        Message(
                            Role(m[1]),
                            m[3],
                            m[4],
                            author=m[2],
                            id=m[0],
                            delivery=Delivery(m[5]),
                            delivery_status=status,
                            delivery_error=error,
                        ),
                    )
                )
            keyed.sort(key=lambda k: k[:3])
            return Conversation(summary, [k[3] for k in keyed])

        return self.db.read(work)

    def exists(self, session_id: str) -> bool:
        query = select(conv.session_id).where(conv.session_id == session_id)
        return self.db.read(lambda conn: conn.execute(query).first() is not None)

    def is_open(self, session_id: str) -> bool:
        query = select(conv.handoff).where(conv.session_id == session_id)
        return bool(self.db.read(lambda conn: conn.execute(query).scalar()))

    def add_message(
        self,
        session_id: str,
        role: Role,
        author: str | None,
        text: str,
        delivery: Delivery,
        outbox_key: str | None = None,
    ) -> Message:
        at = now_iso()

        def work(conn: Connection) -> Message:
            mid = insert_message(conn, session_id, role, author, text, at, delivery, outbox_key)
            if role is Role.staff and author:
                _audit(conn, author, "reply", session_id, f"{delivery.value}: {text[:200]}")
            return Message(role, text, at, author=author, id=mid, delivery=delivery)

        return self.db.write(work)

    def messages_after(self, session_id: str, after: int, limit: int = 50) -> list[Message]:
        """Staff and system messages of a conversation with an id above `after` (what the web chat polls)."""
        query = (
            select(msg.id, msg.role, msg.author, msg.text, msg.created_at, msg.delivery, acc.display_name)
            .select_from(conversation_messages.outerjoin(staff_accounts, acc.username == msg.author))
            .where(msg.session_id == session_id, msg.id > after)
            .order_by(msg.id)
            .limit(limit)
        )
        rows = self.db.read(lambda conn: conn.execute(query).all())
        return [
            Message(Role(r[1]), r[3], r[4], author=r[6] or None, id=int(r[0]), delivery=Delivery(r[5])) for r in rows
        ]

    def assign(self, session_id: str, *, to: str | None, sector: str | None, by: str) -> bool:
        def work(conn: Connection) -> bool:
            done = conn.execute(
                update(sessions).where(conv.session_id == session_id).values(assigned_to=to, assigned_sector=sector)
            ).rowcount
            if done:
                _audit(conn, by, "assign", session_id, f"to={to or ''} sector={sector or ''}")
            return done == 1

        return self.db.write(work)

    def close(self, session_id: str, *, by: str) -> bool:
        """Close an open handoff: the citizen is back with the assistant. False when it was not open."""

        def work(conn: Connection) -> bool:
            done = conn.execute(
                update(sessions)
                .where(conv.session_id == session_id, conv.handoff == 1)
                .values(handoff=0, closed_at=now_iso(), closed_by=by, assigned_to=None, assigned_sector=None)
            ).rowcount
            if done:
                _audit(conn, by, "close", session_id)
            return done == 1

        return self.db.write(work)

    def last_citizen_activity(self, session_id: str) -> str | None:
        query = select(func.max(q.created_at)).where(q.session_id == session_id)
        return self.db.read(lambda conn: conn.execute(query).scalar())

    # --- proposals --------------------------------------------------------------------------------
    def add_proposal(
        self,
        *,
        code: str,
        kind: ProposalKind,
        payload: dict[str, str],
        proposer: str,
        source_session: str | None = None,
        source_question: str | None = None,
    ) -> Proposal:
        pid = str(uuid.uuid4())
        at = now_iso()

        def work(conn: Connection) -> None:
            conn.execute(
                insert(kb_proposals).values(
                    id=pid,
                    created_at=at,
                    code=code,
                    kind=kind.value,
                    payload=json.dumps(payload, ensure_ascii=False),
                    source_session=source_session,
                    source_question=source_question,
                    proposer=proposer,
                    status="pending",
                )
            )
            _audit(conn, proposer, "propose", pid, f"{kind.value} {code}")

        self.db.write(work)
        return Proposal(pid, at, code, kind, payload, proposer, ProposalStatus.pending, source_session, source_question)

    def proposals(self, status: ProposalStatus | None = None, limit: int = 500) -> list[Proposal]:
        query = select(*_PROPOSAL_COLUMNS).order_by(prop.created_at.desc()).limit(limit)
        if status is not None:
            query = query.where(prop.status == status.value)
        return [_proposal(r) for r in self.db.read(lambda conn: conn.execute(query).all())]

    def proposal(self, pid: str) -> Proposal | None:
        query = select(*_PROPOSAL_COLUMNS).where(prop.id == pid)
        row = self.db.read(lambda conn: conn.execute(query).first())
        return _proposal(row) if row else None

    def review(
        self, pid: str, *, reviewer: str, status: ProposalStatus, note: str | None = None, written_to: str | None = None
    ) -> bool:
        """Record a decision on a pending proposal; False when it was no longer pending."""

        def work(conn: Connection) -> bool:
            done = conn.execute(
                update(kb_proposals)
                .where(prop.id == pid, prop.status == "pending")
                .values(
                    status=status.value,
                    reviewer=reviewer,
                    reviewed_at=now_iso(),
                    review_note=note,
                    written_to=written_to,
                )
            ).rowcount
            if done:
                _audit(conn, reviewer, f"proposal_{status.value}", pid, note)
            return done == 1

        return self.db.write(work)

    # --- audit ------------------------------------------------------------------------------------
    def audit(self, username: str, action: str, target: str | None = None, detail: str | None = None) -> None:
        self.db.write(lambda conn: _audit(conn, username, action, target, detail))

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        query = select(aud.at, aud.username, aud.action, aud.target, aud.detail).order_by(aud.id.desc()).limit(limit)
        return [AuditEntry(*r) for r in self.db.read(lambda conn: conn.execute(query).all())]


_PROPOSAL_COLUMNS = (
    prop.id,
    prop.created_at,
    prop.code,
    prop.kind,
    prop.payload,
    prop.proposer,
    prop.status,
    prop.source_session,
    prop.source_question,
    prop.reviewer,
    prop.reviewed_at,
    prop.review_note,
    prop.written_to,
)


def _proposal(r: Any) -> Proposal:
    return Proposal(r[0], r[1], r[2], ProposalKind(r[3]), json.loads(r[4]), r[5], ProposalStatus(r[6]), *r[7:])


def _outbox_status(conn: Connection, key: str) -> tuple[str | None, str | None]:
    rows = conn.execute(select(zalo_outbox.c.status, zalo_outbox.c.last_error).where(zalo_outbox.c.msg_id == key)).all()
    if not rows:
        return None, None
    statuses = {r[0] for r in rows}
    if "failed" in statuses:
        return "failed", next((r[1] for r in rows if r[0] == "failed"), None)
    return ("sent", None) if statuses == {"sent"} else ("pending", None)


def parse_iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)
