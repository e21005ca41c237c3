"""Telling people what needs them: notifications on a case, mailed at once or in a digest.

A notification is written in the same transaction as the change it reports (so a
rolled-back change tells nobody), listed on the person's "What awaits me", and mailed
through :mod:`cxroi.mail`:

- ``immediate`` (the default): after the request that made it commits;
- ``daily``: in one digest a day, sent by ``cxroi notify send --digest`` (cron).

``cxroi notify send`` also retries immediate mail that could not be handed over.
Each person chooses on their profile page.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from flask import current_app, g, has_request_context
from sqlalchemy import select, update

from cxroi import mail, workflow
from cxroi.audit.services import record_change
from cxroi.errors import DomainError
from cxroi.extensions import db
from models import Case, Notification, NotificationSetting, User
from models._types import utcnow

log = logging.getLogger(__name__)

IMMEDIATE, DAILY = "immediate", "daily"
MODES = {
    IMMEDIATE: "Mail me each one as it happens",
    DAILY: "One mail a day with everything since the last",
}
#: What a notification is about (its ``kind``), as people read it.
KINDS = {
    "review_requested": "Review requested",
    "challenge": "Challenge raised",
    "reply": "Challenge answered",
    "decision": "Decision received",
    "drift": "Driver drift",
}
_PENDING = "cxroi_notifications"


def mode_of(user: User) -> str:
    setting = db.session.get(NotificationSetting, user.id)
    return setting.mode if setting is not None else IMMEDIATE


def set_mode(user: User, mode: str) -> None:
    """Choose how ``user`` is mailed (audited); commits."""
    if mode not in MODES:
        raise DomainError("Choose how you want to be told: each one, or a daily digest.")
    old = mode_of(user)
    if old == mode:
        return
    setting = db.session.get(NotificationSetting, user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        db.session.add(setting)
    setting.mode, setting.updated_at = mode, utcnow()
    record_change(
        actor=user,
        entity="notification_setting",
        entity_id=user.id,
        action="update",
        field="mode",
        old=old,
        new=mode,
    )
    db.session.commit()


def notify(
    people: Iterable[User | None],
    kind: str,
    case: Case,
    subject: str,
    body: str,
    link: str,
    *,
    skip: User | None = None,
    topic: str | None = None,
) -> list[Notification]:
    """Tell each active person in ``people`` (once each, never ``skip``, who acted) about
    ``case``; in the caller's transaction. ``link`` is a path in the app; ``topic`` names
    what it is about, for :func:`already_told`."""
    assert kind in KINDS, kind
    seen: set[int] = set()
    rows = []
    for person in people:
        if person is None or not person.active or person.id in seen:
            continue
        if skip is not None and person.id == skip.id:
            continue
        seen.add(person.id)
        row = Notification(
            user_id=person.id,
            case_id=case.id,
            kind=kind,
            subject=subject[:300],
            body=body,
            link=link[:500],
            topic=topic,
        )
        db.session.add(row)
        rows.append(row)
    if rows and has_request_context():
        g.setdefault(_PENDING, []).extend(rows)
    return rows


def already_told(case: Case, kind: str, topic: str) -> bool:
    """Whether anyone has been told about ``topic`` of ``case`` under ``kind``."""
    found = db.session.scalar(
        select(Notification.id)
        .where(
            Notification.case_id == case.id,
            Notification.kind == kind,
            Notification.topic == topic,
        )
        .limit(1)
    )
    return found is not None


def finance_team() -> list[User]:
    """Everyone who reviews cases (the finance role), active."""
    roles = sorted(r for r in workflow.ACCOUNT_ROLES if workflow.holds_anywhere(r, workflow.REVIEW))
    return list(db.session.scalars(select(User).where(User.role.in_(roles), User.active.is_(True))))


def after_request(response: object) -> object:
    """Mail this request's immediate notifications once it has answered without error."""
    rows: list[Notification] = g.pop(_PENDING, [])
    status = getattr(response, "status_code", 500)
    if rows and status < 400:
        ids = [r.id for r in rows if r.id is not None]
        try:
            send_immediate(ids)
        except Exception:  # never fail the answer: `cxroi notify send` retries
            log.exception("notifications %s not mailed; `cxroi notify send` retries", ids)
            db.session.rollback()
    return response


def _url(link: str) -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/") + link


def _unmailed(ids: list[int] | None, mode: str) -> dict[int, list[Notification]]:
    stmt = select(Notification).where(Notification.mailed_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for row in db.session.scalars(stmt.order_by(Notification.id)):
        by_user[row.user_id].append(row)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(by_user))))}
    return {
        uid: rows
        for uid, rows in by_user.items()
        if uid in users and users[uid].active and mode_of(users[uid]) == mode
    }


def _mark(rows: list[Notification], when: datetime) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_([r.id for r in rows]), Notification.mailed_at.is_(None))
        .values(mailed_at=when)
    )
    db.session.commit()


def send_immediate(ids: list[int] | None = None) -> int:
    """Mail unmailed notifications of people who want each one (``ids``: only those)."""
    sent = 0
    for uid, rows in _unmailed(ids, IMMEDIATE).items():
        user = db.session.get(User, uid)
        assert user is not None
        for row in rows:
            text = f"{row.body}\n\nOpen it: {_url(row.link)}\n\n{_footer()}"
            mail.send(mail.Mail(user.display_name, user.email, f"cxroi: {row.subject}", text))
            _mark([row], utcnow())
            sent += 1
    return sent


def send_digests() -> int:
    """One mail per person who wants a daily digest, with everything not mailed yet."""
    sent = 0
    for uid, rows in _unmailed(None, DAILY).items():
        user = db.session.get(User, uid)
        assert user is not None
        parts = [f"- {KINDS[r.kind]}: {r.subject}\n  {r.body}\n  {_url(r.link)}" for r in rows]
        count = f"{len(rows)} thing{'s' if len(rows) != 1 else ''}"
        text = f"Since your last digest, {count} on cxroi:\n\n" + "\n\n".join(parts)
        subject = f"cxroi daily digest: {count}"
        mail.send(mail.Mail(user.display_name, user.email, subject, f"{text}\n\n{_footer()}"))
        _mark(rows, utcnow())
        sent += 1
    return sent


def _footer() -> str:
    return (
        "You get this because of your role on the case. Choose each mail or a daily "
        f"digest on your profile: {_url('/profile')}"
    )


def unread_for(user: User, limit: int = 20) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
