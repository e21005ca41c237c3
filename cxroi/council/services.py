"""Changes to the council's records: validated field by field, audited, all or nothing.

Every function checks the actor holds :data:`~cxroi.workflow.MANAGE_COUNCIL`, raises
:class:`~cxroi.approvals.errors.InputError` naming the field on bad input (nothing is
added to the session before every field is read), and records the change with
:func:`~cxroi.audit.services.record_change` in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from sqlalchemy import select

from cxroi.approvals.errors import Conflict, InputError, NotFound, PermissionDenied
from cxroi.audit.services import record_change
from cxroi.extensions import db
from cxroi.workflow import MANAGE_COUNCIL, has_right
from models import Case, User
from models.council import (
    ACTION_STATUS_LABELS,
    ACTION_STATUSES,
    AGENDA_KEYS,
    CouncilAction,
    CouncilDecision,
    CouncilMeeting,
    CouncilNote,
)

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_TEXT = 5000
MAX_NAME = 200


def require_manager(actor: User) -> None:
    if not has_right(actor.role, MANAGE_COUNCIL):
        raise PermissionDenied("Only CX, finance or an administrator keep the council's records.")


def parse_month(value: str, field: str = "month") -> str:
    text = (value or "").strip()
    if not MONTH.match(text):
        raise InputError(field, f"{field}: enter a month as YYYY-MM, for example 2027-04.")
    return text


def _date(value: str, field: str) -> date:
    text = (value or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(field, f"{field}: enter a date as YYYY-MM-DD.") from None


def _text(value: str | None, field: str, limit: int = MAX_TEXT, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InputError(field, f"{field}: this cannot be empty.")
    if len(text) > limit:
        raise InputError(field, f"{field}: at most {limit} characters.")
    return text


def _case_id(value: str | None, field: str = "case_id") -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise InputError(field, f"{field}: choose a case from the list.")
    if db.session.get(Case, int(text)) is None:
        raise InputError(field, f"{field}: there is no case {text}.")
    return int(text)


def _meeting_id(value: str | None, field: str = "meeting_id") -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9 or db.session.get(CouncilMeeting, int(text)) is None:
        raise InputError(field, f"{field}: choose a meeting from the list.")
    return int(text)


def _status(value: str | None) -> str:
    status = (value or "").strip()
    if status not in ACTION_STATUSES:
        raise InputError("status", "status: choose " + ", ".join(ACTION_STATUS_LABELS.values()))
    return status


def _add_logged(
    actor: User, row: CouncilAction | CouncilDecision, entity: str, new: dict[str, str]
) -> None:
    """Add a log row (an action or a decision) and audit its creation, in one transaction."""
    db.session.add(row)
    db.session.flush()
    record_change(
        actor=actor, entity=entity, entity_id=row.id, action="create", case_id=row.case_id, new=new
    )


def meetings() -> list[CouncilMeeting]:
    return list(db.session.scalars(select(CouncilMeeting).order_by(CouncilMeeting.month.desc())))


def meeting_for(month: str) -> CouncilMeeting:
    found = db.session.scalar(select(CouncilMeeting).where(CouncilMeeting.month == month))
    if found is None:
        raise NotFound(f"The council has no meeting for {month}.")
    return found


def previous_meeting(meeting: CouncilMeeting) -> CouncilMeeting | None:
    return db.session.scalar(
        select(CouncilMeeting)
        .where(CouncilMeeting.month < meeting.month)
        .order_by(CouncilMeeting.month.desc())
        .limit(1)
    )


def actions(meeting_id: int | None = None, open_only: bool = False) -> list[CouncilAction]:
    query = select(CouncilAction).order_by(CouncilAction.due_date, CouncilAction.id)
    if meeting_id is not None:
        query = query.where(CouncilAction.meeting_id == meeting_id)
    if open_only:
        query = query.where(CouncilAction.status.in_(("open", "in_progress")))
    return list(db.session.scalars(query))


def decisions(meeting_id: int | None = None) -> list[CouncilDecision]:
    query = select(CouncilDecision).order_by(CouncilDecision.decided_on, CouncilDecision.id)
    if meeting_id is not None:
        query = query.where(CouncilDecision.meeting_id == meeting_id)
    return list(db.session.scalars(query))


def create_meeting(actor: User, form: Mapping[str, str]) -> CouncilMeeting:
    require_manager(actor)
    month = parse_month(form.get("month", ""))
    held_on = _date(form["held_on"], "held_on") if (form.get("held_on") or "").strip() else None
    if db.session.scalar(select(CouncilMeeting.id).where(CouncilMeeting.month == month)):
        raise Conflict(f"The council already has a meeting for {month}.")
    meeting = CouncilMeeting(month=month, held_on=held_on)
    db.session.add(meeting)
    db.session.flush()
    record_change(
        actor=actor,
        entity="council_meeting",
        entity_id=meeting.id,
        action="create",
        field="month",
        new=month,
    )
    return meeting


def save_notes(actor: User, meeting: CouncilMeeting, form: Mapping[str, str]) -> int:
    """Set the notes of the agenda items given (``note_<item>``); returns how many changed."""
    require_manager(actor)
    wanted = {
        item: _text(form.get(f"note_{item}"), f"note_{item}", required=False)
        for item in AGENDA_KEYS
        if f"note_{item}" in form
    }
    changed = 0
    existing = {n.item: n for n in meeting.notes}
    for item, body in wanted.items():
        note = existing.get(item)
        old = note.body if note else ""
        if old == body:
            continue
        if note is None:
            meeting.notes.append(CouncilNote(item=item, body=body))
        else:
            note.body = body
        record_change(
            actor=actor,
            entity="council_meeting",
            entity_id=meeting.id,
            action="update",
            field=f"note_{item}",
            old=old or None,
            new=body or None,
        )
        changed += 1
    return changed


def add_action(actor: User, form: Mapping[str, str]) -> CouncilAction:
    require_manager(actor)
    action = _text(form.get("action"), "action")
    owner = _text(form.get("owner"), "owner", MAX_NAME)
    due = _date(form.get("due_date", ""), "due_date")
    status = _status(form.get("status") or "open")
    case_id = _case_id(form.get("case_id"))
    meeting_id = _meeting_id(form.get("meeting_id"))
    row = CouncilAction(
        action=action,
        owner=owner,
        due_date=due,
        status=status,
        case_id=case_id,
        meeting_id=meeting_id,
    )
    new = {"action": action, "owner": owner, "due_date": due.isoformat(), "status": status}
    _add_logged(actor, row, "council_action", new)
    return row


def set_action_status(actor: User, action_id: int, status: str) -> CouncilAction:
    require_manager(actor)
    row = db.session.get(CouncilAction, action_id)
    if row is None:
        raise NotFound(f"There is no action {action_id}.")
    status = _status(status)
    if status != row.status:
        record_change(
            actor=actor,
            entity="council_action",
            entity_id=row.id,
            action="update",
            case_id=row.case_id,
            field="status",
            old=row.status,
            new=status,
        )
        row.status = status
    return row


def add_decision(actor: User, form: Mapping[str, str]) -> CouncilDecision:
    require_manager(actor)
    what = _text(form.get("what"), "what")
    decided_on = _date(form.get("decided_on", ""), "decided_on")
    decided_by = _text(form.get("decided_by"), "decided_by", MAX_NAME)
    case_id = _case_id(form.get("case_id"))
    meeting_id = _meeting_id(form.get("meeting_id"))
    row = CouncilDecision(
        what=what,
        decided_on=decided_on,
        decided_by=decided_by,
        case_id=case_id,
        meeting_id=meeting_id,
    )
    new = {"what": what, "decided_on": decided_on.isoformat(), "decided_by": decided_by}
    _add_logged(actor, row, "council_decision", new)
    return row
