"""Drift alerts: when a driver's actual leaves its assumption's low-high range.

Run in the transaction that stores actuals (so a refused upload alerts nobody): each
drifting driver of the approved case (:func:`cxroi.engine.realisation.drifting_drivers`,
through the realisation of its approved version) tells the line's operational owner
(the account with the register's owner email) and finance, once per driver and month,
on "What awaits me" and by mail (:mod:`cxroi.notify`).
"""

from __future__ import annotations

from sqlalchemy import func, select

from cxroi import notify
from cxroi.casework.actuals import lines_of
from cxroi.extensions import db
from cxroi.realisation.services import realisation_of
from models import Case, User


def _owner(case: Case, line_id: str) -> User | None:
    line = lines_of(case.doc).get(line_id)
    email = (line.register.owner_email or "") if line is not None and line.register else ""
    if not email:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def alert_drifts(case: Case, actor: User | None = None) -> int:
    """Notify each drift not yet notified for its month; returns how many drifts were new."""
    new = 0
    for drift in realisation_of(case).realisation.drifts:
        # Once per line, driver and month, whatever the case or driver is called now.
        topic = f"{drift.line_id}:{drift.driver}:{drift.month}"
        if notify.already_told(case, "drift", topic):
            continue
        subject = f'Driver drift on "{case.title}": {drift.label} in {drift.month}'
        notify.notify(
            [_owner(case, drift.line_id), *notify.finance_team()],
            "drift",
            case,
            subject,
            f"{drift.text}. The re-forecast and the council pack show what it does to the case.",
            f"/cases/{case.id}/actuals",
            topic=topic,
        )
        new += 1
    return new
