"""Actuals of an approved case, as entered: checked against the case's document. Pure.

An actual is one line's month: ``cost`` for a cost line; ``benefit`` and the line's
drivers (its kind's parameters, :func:`line_drivers`) for a benefit line. Months are
calendar months ``YYYY-MM`` of case months 0 (the up-front month, the month before
``start_month``) to the horizon. The three ways in (the month grid, a CSV file, the
API) all hand their raw values to :func:`check_rows`, which is the one place the rules
live; each gives every problem with where it is (row and column, or JSON path), and an
entry list only when there is none, so nothing is saved half-way.

>>> from cxroi.engine import load_case
>>> case = load_case({"format": "cxroi-case/2", "title": "T", "currency": "GBP",
...     "start_month": "2027-01", "horizon_months": 12, "discount_rate": 0.0,
...     "assumptions": [], "benefits": [{"name": "Calls", "kind": "cost_savings",
...     "volume": 100, "reduction": 0.1, "unit_cost": 5}],
...     "costs": [{"name": "Tool", "category": "it", "recurrence": "once", "amount": 9}]})
>>> line_drivers(case.benefits[0])
('volume', 'reduction', 'unit_cost', 'escalation')
>>> case_months(case)[0], case_months(case)[-1]
('2026-12', '2027-12')
>>> entries, problems = parse_csv(case, "month,line_id,benefit,volume\\n2027-03,b1,55,110\\n")
>>> entries[0], problems
(Entry(month='2027-03', line_id='b1', cost=None, benefit=55.0, drivers={'volume': 110.0}), [])
>>> _, problems = parse_csv(case, "month,line_id,cost\\n2027-03,c9,abc\\n")
>>> for p in problems: print(p)
row 2, line_id: no line has the id "c9" (the lines are c1, b1)
row 2, cost: must be a number, not "abc"
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cxroi.engine.casefile import BenefitLine, CaseFile, CostLine
from cxroi.engine.kinds import KINDS
from cxroi.engine.realisation import month_label
from cxroi.engine.schema import MONTH_PATTERN, text_problem

#: The values of a line's month besides its drivers.
VALUE_FIELDS = ("cost", "benefit")
#: No actual is larger than this in size (ten trillion): beyond any month of any line.
MAX_ACTUAL = 1e13
#: The columns that say which line and month a CSV row is; ``line_name`` is for people.
KEY_COLUMNS = ("month", "line_id")
NAME_COLUMN = "line_name"
#: At most this many rows in one CSV file.
MAX_ROWS = 20_000

Line = CostLine | BenefitLine


@dataclass(frozen=True, slots=True)
class Entry:
    """One line's actuals for one month (a value left blank is None)."""

    month: str
    line_id: str
    cost: float | None = None
    benefit: float | None = None
    drivers: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.cost is None and self.benefit is None and not self.drivers

    def values(self) -> dict[str, float]:
        """Every value that is set, by field name (``cost``, ``benefit``, each driver)."""
        out = {name: v for name in VALUE_FIELDS if (v := getattr(self, name)) is not None}
        return {**out, **self.drivers}


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, and where: ``where`` a row ("row 3") or a path, ``field`` the column."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        at = ", ".join(p for p in (self.where, self.field) if p)
        return f"{at}: {self.message}" if at else self.message

    @property
    def path(self) -> str:
        """As a JSON path, for an API problem (``lines[0].benefit``)."""
        return ".".join(p for p in (self.where, self.field) if p)


class ActualsInvalid(ValueError):
    """Input that breaks the rules; ``problems`` lists every one, each with its place."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in problems))


# -- the case's shape ---------------------------------------------------------------------


def line_drivers(line: Line) -> tuple[str, ...]:
    """The drivers a line's actuals may carry: a benefit's kind parameters; a cost: none."""
    if isinstance(line, BenefitLine):
        return KINDS[line.kind].names
    return ()


def all_lines(case: CaseFile) -> list[Line]:
    """The case's lines, costs then benefits."""
    return [*case.costs, *case.benefits]


def lines_of(case: CaseFile) -> dict[str, Line]:
    return {line.id: line for line in all_lines(case)}


def driver_columns(case: CaseFile) -> list[str]:
    """Every driver any line of the case uses, in document order (a CSV's columns)."""
    names: dict[str, None] = {}
    for line in case.benefits:
        names.update(dict.fromkeys(line_drivers(line)))
    return list(names)


def case_months(case: CaseFile) -> list[str]:
    """The calendar months that take actuals: case month 0 (the month before
    ``start_month``) to the horizon (:func:`~cxroi.engine.realisation.month_label`,
    so the realisation engine reads them by the same calendar)."""
    return [month_label(case.start_month, t) for t in range(case.horizon_months + 1)]


def month_problem(case: CaseFile, month: Any) -> str | None:
    """Why ``month`` takes no actuals of this case, or None."""
    if not isinstance(month, str) or not MONTH_PATTERN.fullmatch(month):
        shown = month if isinstance(month, str) else type(month).__name__
        return f'must be a month as YYYY-MM, not "{str(shown)[:20]}"'
    months = case_months(case)
    if month < months[0]:
        return f"{month} is before the case starts (its first month is {months[0]}, month 0)"
    if month > months[-1]:
        return f"{month} is after the case's horizon (its last month is {months[-1]})"
    return None


# -- values -------------------------------------------------------------------------------


def number(value: Any) -> tuple[float | None, str | None]:
    """A raw value as a number (None when blank), or why it is not one.

    >>> number(" 1200.5 "), number("")
    ((1200.5, None), (None, None))
    >>> number("nan")[1], number(True)[1]
    ('must be a finite number, not "nan"', 'must be a number, not true')
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"must be a number, not {str(value).lower()}"
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None, None
        problem = text_problem(text)
        if problem is not None:
            return None, problem
        try:
            parsed = float(text.replace("_", "x"))  # float() takes 1_000: people don't write it
        except ValueError:
            return None, f'must be a number, not "{text[:20]}"'
        value_out = parsed
        shown = text[:20]
    elif isinstance(value, int | float):
        try:
            value_out = float(value)
        except OverflowError:
            value_out = math.inf
        shown = str(value)[:20]
    else:
        return None, f"must be a number, not {type(value).__name__}"
    if not math.isfinite(value_out):
        return None, f'must be a finite number, not "{shown}"'
    if abs(value_out) > MAX_ACTUAL:
        return None, "must be at most 10,000,000,000,000 (10^13) in size"
    return value_out, None


# -- checking -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawRow:
    """One line's month as given: ``values`` by field (``cost``, ``benefit``, drivers)."""

    where: str
    month: Any
    line_id: Any
    values: Mapping[str, Any]
    #: How the place of the line id and month are named (a column, or a path's field).
    month_field: str = "month"
    line_field: str = "line_id"


def check_rows(case: CaseFile, rows: Iterable[RawRow]) -> tuple[list[Entry], list[Problem]]:
    """Every row checked against the case: the entries (a blank row is an empty entry,
    which clears that line's month) and every problem. Callers save the entries only
    when there is no problem."""
    lines = lines_of(case)
    entries: list[Entry] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        row_problems: list[Problem] = []
        month_bad = month_problem(case, row.month)
        if month_bad:
            row_problems.append(Problem(row.where, row.month_field, month_bad))
        line = lines.get(row.line_id) if isinstance(row.line_id, str) else None
        if line is None:
            known = ", ".join(lines) or "none"
            if row.line_id is None or row.line_id == "":
                what = "is required"
            elif not isinstance(row.line_id, str):
                what = f"must be a line id (a string), not {type(row.line_id).__name__}"
            else:
                shown = (text_problem(row.line_id) and "?") or row.line_id[:30]
                what = f'no line has the id "{shown}"'
            message = f"{what} (the lines are {known})"
            row_problems.append(Problem(row.where, row.line_field, message))
        values: dict[str, float] = {}
        for name, raw in row.values.items():
            value, bad = number(raw)
            if bad:
                row_problems.append(Problem(row.where, name, bad))
            elif value is not None:
                values[name] = value
        if line is not None:
            allowed = _fields_of(line)
            for name in values:
                if name not in allowed:
                    row_problems.append(Problem(row.where, name, _not_for(line, name)))
        if not row_problems and line is not None:
            key = (row.month, line.id)
            if key in seen:
                row_problems.append(
                    Problem(
                        row.where,
                        row.line_field,
                        f"{line.id} in {row.month} is given twice (also at {seen[key]})",
                    )
                )
            else:
                seen[key] = row.where
        problems += row_problems
        if row_problems or line is None:
            continue
        entry = Entry(
            month=row.month,
            line_id=line.id,
            cost=values.get("cost"),
            benefit=values.get("benefit"),
            drivers={k: v for k, v in values.items() if k not in VALUE_FIELDS},
        )
        entries.append(entry)  # a blank row too: it empties that line's month
    return entries, problems


def _fields_of(line: Line) -> tuple[str, ...]:
    if isinstance(line, CostLine):
        return ("cost",)
    return ("benefit", *line_drivers(line))


def _not_for(line: Line, name: str) -> str:
    if isinstance(line, CostLine):
        return f'{line.id} ("{line.name}") is a cost line: it takes a cost only'
    drivers = ", ".join(line_drivers(line))
    if name == "cost":
        return f'{line.id} ("{line.name}") is a benefit line: it takes a benefit and its drivers'
    return f'{line.id} ("{line.name}") does not use {name}: its drivers are {drivers}'


# -- CSV -----------------------------------------------------------------------------------


def template_csv(case: CaseFile, month: str, entries: Iterable[Entry] = ()) -> str:
    """The CSV a person fills in for ``month``: one row per line, the stored values in it."""
    drivers = driver_columns(case)
    by_line = {e.line_id: e for e in entries if e.month == month}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*KEY_COLUMNS, NAME_COLUMN, *VALUE_FIELDS, *drivers])
    for line in all_lines(case):
        stored = by_line.get(line.id)
        values = stored.values() if stored else {}
        writer.writerow(
            [
                month,
                line.id,
                line.name,
                *(_cell(values.get(name)) for name in (*VALUE_FIELDS, *drivers)),
            ]
        )
    return out.getvalue()


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """A file's bytes as text (UTF-8, a BOM allowed), or what is wrong with it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, Problem("", "", f"the file is not UTF-8 text (byte {exc.start + 1})")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, Problem(f"row {line}", "", "holds a NUL character: is this a CSV file?")
    return text, None


def parse_csv(case: CaseFile, text: str) -> tuple[list[Entry], list[Problem]]:
    """A CSV of actuals (as :func:`template_csv` writes it) checked against the case."""
    if "\x00" in text:
        return [], [decode(text.encode("utf-8"))[1]]  # type: ignore[list-item]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [Problem("row 1", "", f"is not CSV: {exc}")]
    if header is None or not any(h.strip() for h in header):
        return [], [Problem("row 1", "", "the file is empty: it needs a header row")]
    names = [h.strip() for h in header]
    problems: list[Problem] = []
    allowed = {*KEY_COLUMNS, NAME_COLUMN, *VALUE_FIELDS, *driver_columns(case)}
    for column in KEY_COLUMNS:
        if column not in names:
            problems.append(Problem("row 1", column, "this column is required"))
    seen_columns: set[str] = set()
    for i, name in enumerate(names):
        if name and name not in allowed:
            problems.append(
                Problem(
                    "row 1",
                    f"column {i + 1}",
                    f'"{name[:40]}" is not a column of this case\'s actuals '
                    f"(the columns are {', '.join(sorted(allowed))})",
                )
            )
        elif name and name in seen_columns:
            problems.append(Problem("row 1", name, "this column is given twice"))
        seen_columns.add(name)
    if problems:
        return [], problems
    rows: list[RawRow] = []
    try:
        for number_, cells in enumerate(reader, start=2):
            if number_ > MAX_ROWS + 1:
                return [], [Problem("", "", f"the file has more than {MAX_ROWS:,} rows")]
            if not any(c.strip() for c in cells):
                continue
            where = f"row {number_}"
            if len(cells) > len(names):
                problems.append(
                    Problem(where, "", f"has {len(cells)} cells: the header has {len(names)}")
                )
                continue
            cell = dict(zip(names, [c.strip() for c in cells], strict=False))
            # A blank header (a spreadsheet's trailing comma) names no value.
            skip = {"", *KEY_COLUMNS, NAME_COLUMN}
            values = {n: cell[n] for n in names if n in cell and n not in skip}
            rows.append(RawRow(where, cell.get("month", ""), cell.get("line_id", ""), values))
    except csv.Error as exc:
        return [], [Problem(f"row {reader.line_num}", "", f"is not CSV: {exc}")]
    entries, row_problems = check_rows(case, rows)
    return entries, problems + row_problems


def months_of(entries: Iterable[Entry]) -> list[str]:
    return sorted({e.month for e in entries})
