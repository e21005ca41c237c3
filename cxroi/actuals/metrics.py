"""Saving CX and business metrics, for a case (``case_id``) or the organisation (None).

Who may: a case's metrics, whoever may enter its actuals (an approved case);
the organisation's, the roles holding :data:`cxroi.workflow.ENTER_ORG_METRICS`. Each
changed value is an audit row; each save is one commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from cxroi import workflow
from cxroi.actuals import services as actuals
from cxroi.audit.services import record_change
from cxroi.cases.services import get_case
from cxroi.casework.actuals import Problem, case_months, decode
from cxroi.casework.cx_metrics import FIRST_MONTH, LAST_MONTH, MetricEntry, parse_csv
from cxroi.errors import PermissionDenied
from cxroi.extensions import db
from models import MetricValue, User
from models._types import utcnow


def months_for(case_id: int | None) -> tuple[str, str]:
    """The months a metric of this scope may have."""
    if case_id is None:
        return FIRST_MONTH, LAST_MONTH
    months = case_months(get_case(case_id).doc)
    return months[0], months[-1]


def require_may_enter(actor: User, case_id: int | None) -> None:
    if case_id is None:
        if not workflow.has_right(actor.role, workflow.ENTER_ORG_METRICS):
            raise PermissionDenied("Only CX and finance users enter the organisation's metrics.")
        return
    actuals.require_may_enter(actor, get_case(case_id))


def series(case_id: int | None, name: str | None = None) -> list[MetricEntry]:
    query = select(MetricValue).where(
        MetricValue.case_id.is_(None) if case_id is None else MetricValue.case_id == case_id
    )
    if name is not None:
        query = query.where(MetricValue.name == name)
    rows = db.session.scalars(query.order_by(MetricValue.name, MetricValue.month))
    return [MetricEntry(r.month, r.name, r.unit, r.value) for r in rows]


@dataclass(frozen=True, slots=True)
class MetricChange:
    month: str
    name: str
    old: float | None
    new: float | None


def _stored(case_id: int | None, months: Iterable[str]) -> dict[tuple[str, str], MetricValue]:
    scope = MetricValue.case_id.is_(None) if case_id is None else MetricValue.case_id == case_id
    rows = db.session.scalars(select(MetricValue).where(scope, MetricValue.month.in_(list(months))))
    return {(r.month, r.name): r for r in rows}


def save(
    actor: User,
    case_id: int | None,
    entries: Sequence[MetricEntry],
    *,
    replace_months: bool = False,
    commit: bool = True,
) -> list[MetricChange]:
    """Store ``entries`` (checked already). ``replace_months``: the months given lose the
    metrics not in ``entries`` (a CSV upload). ``commit=False``: the changes, nothing saved."""
    require_may_enter(actor, case_id)
    months = sorted({e.month for e in entries})
    stored = _stored(case_id, months)
    wanted = {(e.month, e.name): e for e in entries}
    changes: list[MetricChange] = []
    keys = set(wanted) | (set(stored) if replace_months else set())
    for key in sorted(keys):
        row, entry = stored.get(key), wanted.get(key)
        old = row.value if row is not None else None
        new = entry.value if entry is not None else None
        unit_moved = row is not None and entry is not None and row.unit != entry.unit
        if old == new and not unit_moved:
            continue
        changes.append(MetricChange(key[0], key[1], old, new))
        if not commit:
            continue
        record_change(
            actor=actor,
            entity="metric",
            entity_id=case_id,
            action="update"
            if row is not None and entry is not None
            else ("create" if row is None else "delete"),
            case_id=case_id,
            field=f"{key[0]} {key[1]}"[:80],
            old=old if not unit_moved else f"{old} {row.unit}" if row else None,
            new=new if not unit_moved else f"{new} {entry.unit}" if entry else None,
        )
        if entry is None:
            db.session.delete(row)
            continue
        if row is None:
            row = MetricValue(case_id=case_id, name=entry.name, month=entry.month)
            db.session.add(row)
        row.unit, row.value = entry.unit, entry.value
        row.updated_at, row.updated_by_id = utcnow(), actor.id
    if commit:
        db.session.commit()
    return changes


class MetricsRejected(actuals.ActualsRejected):
    """Metrics input that broke the rules (every problem, with its place)."""


def import_csv(
    actor: User, case_id: int | None, data: bytes, *, commit: bool = True
) -> tuple[list[str], list[MetricChange]]:
    """A metrics CSV checked, then saved (each month in it replaced) or previewed."""
    require_may_enter(actor, case_id)
    text, problem = decode(data)
    if problem is not None or text is None:
        raise MetricsRejected([problem] if problem else [])
    entries, problems = parse_csv(text, months_for(case_id))
    if problems:
        raise MetricsRejected(problems)
    if not entries:
        raise MetricsRejected([Problem("", "", "the file has no values")])
    changes = save(actor, case_id, entries, replace_months=True, commit=commit)
    return sorted({e.month for e in entries}), changes
