"""Reading and saving actuals: who may, which case, and one audited commit per save.

Every way in (grid, CSV, API, ``cxroi actuals import``) checks its input with
:func:`cxroi.casework.actuals.check_rows` and then calls :func:`replace_months`: the
months given are replaced, within what the actor may enter, so saving the same input
twice changes nothing and writes no audit row. A case's document and its frozen
versions are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from cxroi import workflow
from cxroi.audit.services import record_change
from cxroi.cases.services import get_case
from cxroi.casework.actuals import Entry, Line, Problem, decode, lines_of, parse_csv
from cxroi.errors import DomainError, PermissionDenied
from cxroi.extensions import db
from models import Actual, Case, User
from models._types import utcnow


class NotApproved(DomainError):
    """Actuals go to an approved case only."""

    status = 409


class ActualsRejected(DomainError):
    """The input broke the rules; ``problems`` has each, with its row/column or path."""

    status = 400

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        super().__init__(
            f"Nothing was saved: the actuals have {n} problem{'s' if n != 1 else ''}. "
            + "; ".join(str(p) for p in self.problems[:20])
        )


def owns_line(user: User, line: Line) -> bool:
    """Whether the line's register names ``user`` (by email) as its operational owner."""
    register = line.register
    email = (register.owner_email or "") if register is not None else ""
    return bool(email) and email.strip().lower() == user.email.strip().lower()


def lines_for(user: User, case: Case) -> set[str]:
    """The ids of the lines of ``case`` whose actuals ``user`` may enter (state aside)."""
    is_owner = case.owner_id == user.id
    return {
        line_id
        for line_id, line in lines_of(case.doc).items()
        if workflow.may_enter_actuals(user.role, is_owner=is_owner, owns_line=owns_line(user, line))
    }


def may_enter(user: User, case: Case) -> bool:
    """Whether ``user`` may enter some actuals of ``case`` now (for showing the links)."""
    return workflow.takes_actuals(case.status, archived=case.archived) and bool(
        lines_for(user, case)
    )


def require_may_enter(user: User, case: Case) -> set[str]:
    """The lines ``user`` may enter; 403 when none, then 409 when the case is not approved."""
    allowed = lines_for(user, case)
    if not allowed:
        raise PermissionDenied(
            "Only finance, the case's owner, or a line's operational owner (named in its "
            "benefits register) may enter actuals for this case."
        )
    if case.archived:
        raise NotApproved(workflow.ARCHIVED_READ_ONLY)
    if not workflow.takes_actuals(case.status):
        raise NotApproved(
            f"Actuals go to an approved case only: “{case.title}” is "
            f"{workflow.label(case.status).lower()}."
        )
    return allowed


def entries_of(case_id: int, months: Iterable[str] | None = None) -> list[Entry]:
    """The stored actuals of a case (of ``months`` only, when given), by month then line."""
    query = select(Actual).where(Actual.case_id == case_id)
    if months is not None:
        query = query.where(Actual.month.in_(list(months)))
    rows = db.session.scalars(query.order_by(Actual.month, Actual.line_id)).all()
    return [_entry(r) for r in rows]


def actuals_by_month(case_id: int) -> dict[str, dict[str, Entry]]:
    """The stored actuals as ``{month: {line_id: Entry}}``: what the realisation engine
    reads (each Entry's ``cost``, ``benefit`` and ``drivers`` are a line's month)."""
    out: dict[str, dict[str, Entry]] = {}
    for e in entries_of(case_id):
        out.setdefault(e.month, {})[e.line_id] = e
    return out


def _entry(row: Actual) -> Entry:
    return Entry(row.month, row.line_id, row.cost, row.benefit, dict(row.drivers or {}))


@dataclass(frozen=True, slots=True)
class Change:
    """One value that a save changes (None: no value)."""

    month: str
    line_id: str
    field: str
    old: float | None
    new: float | None


@dataclass(frozen=True, slots=True)
class Saved:
    """What a save did (or, for a preview, would do): the months replaced and the changes."""

    months: tuple[str, ...]
    changes: tuple[Change, ...]

    @property
    def changed(self) -> int:
        return len(self.changes)


def _plan(
    actor: User, case: Case, entries: Sequence[Entry], months: Iterable[str]
) -> tuple[list[str], dict[tuple[str, str], Actual], dict[tuple[str, str], Entry], list[Change]]:
    allowed = require_may_enter(actor, case)
    month_list = sorted(set(months) | {e.month for e in entries})
    refused = sorted({e.line_id for e in entries if e.line_id not in allowed})
    if refused:
        raise PermissionDenied(
            "You may enter actuals only for the lines whose operational owner you are "
            f"({', '.join(sorted(allowed))}); not for {', '.join(refused)}."
        )
    stored = {
        (r.month, r.line_id): r
        for r in db.session.scalars(
            select(Actual).where(Actual.case_id == case.id, Actual.month.in_(month_list))
        )
        if r.line_id in allowed
    }
    wanted = {(e.month, e.line_id): e for e in entries if not e.empty}
    changes: list[Change] = []
    for key in sorted(set(stored) | set(wanted)):
        row, entry = stored.get(key), wanted.get(key)
        before = _entry(row).values() if row is not None else {}
        after = entry.values() if entry is not None else {}
        changes += [
            Change(key[0], key[1], name, before.get(name), after.get(name))
            for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)
        ]
    return month_list, stored, wanted, changes


def preview(actor: User, case_id: int, entries: Sequence[Entry], months: Iterable[str]) -> Saved:
    """What :func:`replace_months` would change; nothing is saved."""
    month_list, _, _, changes = _plan(actor, get_case(case_id), entries, months)
    return Saved(tuple(month_list), tuple(changes))


def replace_months(
    actor: User, case_id: int, entries: Sequence[Entry], months: Iterable[str]
) -> Saved:
    """Make the stored actuals of ``months`` exactly ``entries`` (checked already), for
    the lines ``actor`` may enter; one audit row per value changed; one commit."""
    case = get_case(case_id)
    month_list, stored, wanted, changes = _plan(actor, case, entries, months)
    for change in changes:
        action = (
            "update"
            if change.old is not None and change.new is not None
            else ("create" if change.old is None else "delete")
        )
        record_change(
            actor=actor,
            entity="actual",
            entity_id=case_id,
            action=action,
            case_id=case_id,
            field=f"{change.month} {change.field}"[:80],
            old=change.old,
            new=change.new,
            item_id=change.line_id,
        )
    touched = {(c.month, c.line_id) for c in changes}
    for key in sorted(touched):
        row, entry = stored.get(key), wanted.get(key)
        if entry is None:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = Actual(case_id=case_id, line_id=key[1], month=key[0])
            db.session.add(row)
        row.cost, row.benefit, row.drivers = entry.cost, entry.benefit, dict(entry.drivers)
        row.updated_at, row.updated_by_id = utcnow(), actor.id
    if changes:
        from cxroi.realisation.alerts import alert_drifts  # realisation reads actuals

        db.session.flush()
        alert_drifts(case, actor)
    db.session.commit()
    return Saved(tuple(month_list), tuple(changes))


def check_csv(actor: User, case_id: int, data: bytes) -> tuple[list[Entry], list[str]]:
    """A CSV file of actuals checked against the case: its entries and months, or
    ActualsRejected with every problem (row and column)."""
    case = get_case(case_id)
    require_may_enter(actor, case)
    text, problem = decode(data)
    if problem is not None or text is None:
        raise ActualsRejected([problem] if problem else [])
    entries, problems = parse_csv(case.doc, text)
    if problems:
        raise ActualsRejected(problems)
    months = sorted({e.month for e in entries})
    if not months:
        raise ActualsRejected([Problem("", "", "the file has no rows of actuals")])
    return entries, months


def import_csv(actor: User, case_id: int, data: bytes, *, commit: bool = True) -> Saved:
    """A CSV file checked, then saved (``commit``) or only previewed (nothing saved)."""
    entries, months = check_csv(actor, case_id, data)
    if not commit:
        return preview(actor, case_id, entries, months)
    return replace_months(actor, case_id, entries, months)
