"""The demo's council: two monthly meetings with notes, actions and decisions.

Linked to the demo's approved case (the meetings fall in its 9th and 10th months, after
nine months of actuals); added once, and only when the council has no meeting yet.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from cxroi.approvals.versions import current_version
from cxroi.council import services
from cxroi.engine.realisation import month_label
from cxroi.extensions import db
from cxroi.workflow import APPROVED
from models import Case, CouncilMeeting, User


def prepare_demo_council() -> list[str] | None:
    """Add the demo council's records; the lines to print, or None if there was nothing to do."""
    if db.session.scalar(select(CouncilMeeting.id).limit(1)) is not None:
        return None
    finance = db.session.scalar(select(User).where(User.role == "finance").order_by(User.id))
    cx = db.session.scalar(select(User).where(User.role == "cx").order_by(User.id))
    case = db.session.scalar(select(Case).where(Case.status == APPROVED).order_by(Case.id))
    version = current_version(case) if case is not None else None
    if finance is None or cx is None or case is None or version is None:
        return None
    start = json.loads(version.case_json)["start_month"]
    first, second = month_label(start, 9), month_label(start, 10)
    linked = str(case.id)
    one = services.create_meeting(finance, {"month": first, "held_on": f"{first}-24"})
    services.save_notes(
        finance,
        one,
        {
            "note_results": f"{case.title}: benefit behind plan for two months; NPV at risk.",
            "note_department_reports": "Contact centre: returns contacts down 9 % on the year.",
            "note_next_steps": "Owner to explain the driver outside its range next month.",
        },
    )
    done = services.add_action(
        cx,
        {
            "action": "Explain why the returns rate left its assumed range",
            "owner": "Returns operations lead",
            "due_date": f"{second}-15",
            "status": "done",
            "case_id": linked,
            "meeting_id": str(one.id),
        },
    )
    services.add_decision(
        finance,
        {
            "what": "Keep funding; finance to prepare an adjusted forecast",
            "decided_on": f"{first}-24",
            "decided_by": "CX council (chair: Finance partner)",
            "case_id": linked,
            "meeting_id": str(one.id),
        },
    )
    two = services.create_meeting(finance, {"month": second, "held_on": f"{second}-22"})
    services.save_notes(
        finance,
        two,
        {
            "note_actions_review": f"Action {done.id} done: seasonal peak explained.",
            "note_results": f"{case.title}: back within 10 % of plan this month.",
        },
    )
    services.add_action(
        cx,
        {
            "action": "Add the returns NPS series to the realisation page",
            "owner": "CX analyst",
            "due_date": f"{month_label(start, 11)}-10",
            "status": "open",
            "case_id": linked,
            "meeting_id": str(two.id),
        },
    )
    services.add_decision(
        finance,
        {
            "what": "Accept the adjusted forecast as the basis for next quarter",
            "decided_on": f"{second}-22",
            "decided_by": "CX council",
            "case_id": linked,
            "meeting_id": str(two.id),
        },
    )
    db.session.commit()
    return [f"CX council: meetings {first} and {second}, two actions and two decisions."]
