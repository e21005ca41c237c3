"""Finance's adjusted forecast of an approved case: per line and month left, what finance
expects instead of the approved plan.

The re-forecast of :func:`cxroi.engine.realisation.realise` is the actuals to date and,
for the months left, the approved plan; where finance has entered a value for a line's
month left, that value is used instead (``forecast=``). A value is what the line's actual
would be: a cost line's cost, a benefit line's benefit, in the case's currency.

Only an account holding :data:`cxroi.workflow.ADJUST_FORECAST` (finance) sets it, here
(not only in the page). A save replaces the forecast of every month left of the lines
of the approved version: a blank cell means "the approved plan". Every cell is checked
(:func:`cxroi.casework.actuals.number`, the actuals' rule for a number) before anything
is written, one audit row per changed value, one commit.

Months that have actuals since a value was entered keep it stored, unused: the months
left always start after the last month with an actual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from cxroi import workflow
from cxroi.audit.services import record_change
from cxroi.casework.actuals import all_lines, number
from cxroi.engine.casefile import CaseFile
from cxroi.engine.realisation import month_index, month_label
from cxroi.errors import DomainError, PermissionDenied
from cxroi.extensions import db
from models import Case, ForecastValue, User
from models._types import utcnow

#: Line id -> case month index -> the forecast value (what :func:`realise` takes).
Forecast = Mapping[str, Mapping[int, float]]


@dataclass(frozen=True, slots=True)
class CellProblem:
    """What is wrong with one cell, named by its line and month."""

    line_id: str
    line_name: str
    month: str
    message: str

    @property
    def cell(self) -> str:
        return cell_name(self.line_id, self.month)

    def __str__(self) -> str:
        return f"{self.line_name} ({self.line_id}), {self.month}: {self.message}"


class ForecastRejected(DomainError):
    """Cells that break the rules; ``problems`` names each (line and month)."""

    status = 400

    def __init__(self, problems: Sequence[CellProblem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        super().__init__(
            f"Nothing was saved: the forecast has {n} problem{'s' if n != 1 else ''}. "
            + "; ".join(str(p) for p in self.problems[:20])
        )


@dataclass(frozen=True, slots=True)
class Stored:
    """A case's stored forecast: ``values[line_id][month]``, and who set it last, when."""

    values: dict[str, dict[str, float]]
    set_by: str | None
    set_at: datetime | None


def may_adjust(user: User) -> bool:
    return workflow.has_right(user.role, workflow.ADJUST_FORECAST)


def require_may_adjust(user: User) -> None:
    if not may_adjust(user):
        raise PermissionDenied("Only finance sets the adjusted forecast of a case.")


def cell_name(line_id: str, month: str) -> str:
    """The form's name of a line's month: ``<line_id>.<YYYY-MM>``."""
    return f"{line_id}.{month}"


def months_left(case: CaseFile, months_to_date: int) -> list[str]:
    """The calendar months after the months to date (``Realisation.months``), to the horizon."""
    start, end = months_to_date, case.horizon_months
    return [month_label(case.start_month, t) for t in range(start, end + 1)]


def stored(case_id: int) -> Stored:
    rows = db.session.scalars(
        select(ForecastValue)
        .where(ForecastValue.case_id == case_id)
        .order_by(ForecastValue.month, ForecastValue.line_id)
    ).all()
    values: dict[str, dict[str, float]] = {}
    for row in rows:
        values.setdefault(row.line_id, {})[row.month] = float(row.value)
    newest = max(rows, key=lambda r: (_aware(r.updated_at), r.id), default=None)
    if newest is None:
        return Stored(values, None, None)
    by = db.session.get(User, newest.updated_by_id) if newest.updated_by_id else None
    who = (by.name or by.email) if by is not None else None
    return Stored(values, who, _aware(newest.updated_at))


def _aware(at: datetime) -> datetime:
    """SQLite gives the stored UTC time back naive; PostgreSQL aware."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def forecast_for(values: Mapping[str, Mapping[str, float]], case: CaseFile, n: int) -> Forecast:
    """The stored values that apply to ``case`` (its approved version) after ``n`` months
    to date, by line id and case month index: lines it has, months left."""
    ids = {line.id for line in all_lines(case)}
    out: dict[str, dict[int, float]] = {}
    for line_id, months in values.items():
        if line_id not in ids:
            continue
        for month, value in months.items():
            t = month_index(case.start_month, month)
            if n <= t <= case.horizon_months:
                out.setdefault(line_id, {})[t] = value
    return out


def check_cells(
    case: CaseFile, n: int, cells: Mapping[str, Any]
) -> tuple[dict[tuple[str, str], float], list[CellProblem]]:
    """The cells of every line's months left (a cell not given is blank), checked: the
    values set by (line id, month), and every problem, each naming its line and month."""
    wanted: dict[tuple[str, str], float] = {}
    problems: list[CellProblem] = []
    for line in all_lines(case):
        for month in months_left(case, n):
            raw = cells.get(cell_name(line.id, month), "")
            value, bad = number(raw)
            if bad:
                problems.append(CellProblem(line.id, line.name, month, bad))
            elif value is not None:
                wanted[(line.id, month)] = value
    return wanted, problems


def save(actor: User, case: Case, case_file: CaseFile, n: int, cells: Mapping[str, Any]) -> int:
    """Replace the forecast of the months left of ``case`` (its approved version
    ``case_file``, ``n`` months to date) by ``cells``; returns how many values changed.
    Nothing is written unless every cell is a number or blank."""
    require_may_adjust(actor)
    if not workflow.takes_actuals(case.status):
        from cxroi.actuals.services import NotApproved

        raise NotApproved(
            f"A forecast goes to an approved case only: “{case.title}” is "
            f"{workflow.label(case.status).lower()}."
        )
    wanted, problems = check_cells(case_file, n, cells)
    if problems:
        raise ForecastRejected(problems)
    ids = {line.id for line in all_lines(case_file)}
    left = months_left(case_file, n)
    rows = {
        (r.line_id, r.month): r
        for r in db.session.scalars(
            select(ForecastValue).where(
                ForecastValue.case_id == case.id, ForecastValue.month.in_(left)
            )
        )
        if r.line_id in ids
    }
    changed = 0
    for key in sorted(set(rows) | set(wanted)):
        row, new = rows.get(key), wanted.get(key)
        old = float(row.value) if row is not None else None
        if old == new:
            continue
        line_id, month = key
        record_change(
            actor=actor,
            entity="forecast",
            entity_id=case.id,
            action="update"
            if old is not None and new is not None
            else ("create" if old is None else "delete"),
            case_id=case.id,
            field=f"{month} forecast",
            old=old,
            new=new,
            item_id=line_id,
        )
        changed += 1
        if new is None:
            db.session.delete(row)
            continue
        if row is None:
            row = ForecastValue(case_id=case.id, line_id=line_id, month=month)
            db.session.add(row)
        row.value, row.updated_at, row.updated_by_id = new, utcnow(), actor.id
    db.session.commit()
    return changed
