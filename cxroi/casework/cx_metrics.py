"""CX and business metrics as entered: monthly series by name, for a case or the whole
organisation. Pure; the one place their input rules live (grid, CSV, API).

>>> entries, problems = parse_csv("month,name,unit,value\\n2027-03,nps,score,31\\n")
>>> entries, problems
([MetricEntry(month='2027-03', name='nps', unit='score', value=31.0)], [])
>>> _, problems = parse_csv("month,name,value\\n2027-03,happiness,4\\n")
>>> print(problems[0].where, problems[0].field, problems[0].message[:50])
row 2 unit is required for a metric of your own ("happiness")
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cxroi.casework.actuals import MAX_ROWS, Problem, number
from cxroi.engine.schema import KEY_PATTERN, MONTH_PATTERN, text_problem

#: The standard metrics: name → (label, unit). Any other name is a custom metric with a unit.
STANDARD: Mapping[str, tuple[str, str]] = {
    "nps": ("Net Promoter Score", "score"),
    "csat": ("Customer satisfaction (CSAT)", "%"),
    "ces": ("Customer effort score (CES)", "score"),
    "complaints": ("Complaints", "count"),
    "fcr": ("First-contact resolution", "ratio"),
    "churn_rate": ("Churn rate", "ratio"),
    "revenue": ("Revenue", "money"),
    "contacts": ("Contacts", "count"),
    "cost_to_serve": ("Cost to serve", "money"),
}
COLUMNS = ("month", "name", "unit", "value")
MAX_UNIT = 40
#: Months a metric may have: from 2000 to 2100 (a case's metrics: the case's months).
FIRST_MONTH, LAST_MONTH = "2000-01", "2100-12"


@dataclass(frozen=True, slots=True)
class MetricEntry:
    month: str
    name: str
    unit: str
    value: float


def label(name: str) -> str:
    return STANDARD[name][0] if name in STANDARD else name.replace("_", " ").capitalize()


def name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not KEY_PATTERN.fullmatch(name):
        return (
            "must be a metric name: a lowercase letter, then lowercase letters, digits or _,"
            " at most 40 characters"
        )
    return None


def month_problem(month: Any, months: tuple[str, str] = (FIRST_MONTH, LAST_MONTH)) -> str | None:
    if not isinstance(month, str) or not MONTH_PATTERN.fullmatch(month):
        return "must be a month as YYYY-MM"
    if not months[0] <= month <= months[1]:
        return f"{month} is outside {months[0]} to {months[1]}"
    return None


@dataclass(frozen=True, slots=True)
class RawMetric:
    where: str
    month: Any
    name: Any
    unit: Any
    value: Any


def check(
    rows: Iterable[RawMetric], months: tuple[str, str] = (FIRST_MONTH, LAST_MONTH)
) -> tuple[list[MetricEntry], list[Problem]]:
    """Every row checked: the entries, and every problem (row/path and field)."""
    entries: list[MetricEntry] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        found: list[Problem] = []
        if bad := month_problem(row.month, months):
            found.append(Problem(row.where, "month", bad))
        if bad := name_problem(row.name):
            found.append(Problem(row.where, "name", bad))
        unit = row.unit.strip() if isinstance(row.unit, str) else row.unit
        if unit in (None, ""):
            if isinstance(row.name, str) and row.name in STANDARD:
                unit = STANDARD[row.name][1]
            elif not name_problem(row.name):
                found.append(
                    Problem(
                        row.where,
                        "unit",
                        f'is required for a metric of your own ("{row.name}"); the standard '
                        f"ones are {', '.join(STANDARD)}",
                    )
                )
        elif not isinstance(unit, str) or len(unit) > MAX_UNIT or text_problem(unit):
            message = f"must be text of at most {MAX_UNIT} characters"
            found.append(Problem(row.where, "unit", message))
        value, bad = number(row.value)
        if bad:
            found.append(Problem(row.where, "value", bad))
        elif value is None:
            found.append(Problem(row.where, "value", "is required"))
        if not found:
            key = (row.month, row.name)
            if key in seen:
                message = f"{row.name} in {row.month} is given twice (also at {seen[key]})"
                found.append(Problem(row.where, "name", message))
            seen[key] = row.where
        problems += found
        if not found and value is not None:
            entries.append(MetricEntry(row.month, row.name, unit, value))
    return entries, problems


def template_csv(month: str, entries: Iterable[MetricEntry] = ()) -> str:
    """The CSV for ``month``: the standard metrics, then any others stored, values filled."""
    stored = {e.name: e for e in entries if e.month == month}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for name, (_, unit) in STANDARD.items():
        e = stored.pop(name, None)
        writer.writerow([month, name, e.unit if e else unit, "" if e is None else f"{e.value:g}"])
    for name, e in sorted(stored.items()):
        writer.writerow([month, name, e.unit, f"{e.value:g}"])
    return out.getvalue()


def parse_csv(
    text: str, months: tuple[str, str] = (FIRST_MONTH, LAST_MONTH)
) -> tuple[list[MetricEntry], list[Problem]]:
    """A metrics CSV (month, name, unit, value); a row with a blank value is skipped (the
    template lists every standard metric)."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return [], [Problem(f"row {line}", "", "holds a NUL character: is this a CSV file?")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        return [], [Problem("row 1", "", f"is not CSV: {exc}")]
    if not any(header):
        return [], [Problem("row 1", "", "the file is empty: it needs a header row")]
    required = ("month", "name", "value")
    problems = [Problem("row 1", c, "this column is required") for c in required if c not in header]
    problems += [
        Problem("row 1", f"column {i + 1}", f'"{h[:40]}" is not a column ({", ".join(COLUMNS)})')
        for i, h in enumerate(header)
        if h and h not in COLUMNS
    ]
    if problems:
        return [], problems
    rows: list[RawMetric] = []
    try:
        for n, cells in enumerate(reader, start=2):
            if n > MAX_ROWS + 1:
                return [], [Problem("", "", f"the file has more than {MAX_ROWS:,} rows")]
            cell = dict(zip(header, [c.strip() for c in cells], strict=False))
            if not any(cells) or not cell.get("value"):
                continue
            rows.append(
                RawMetric(
                    f"row {n}", cell.get("month"), cell.get("name"), cell.get("unit"), cell["value"]
                )
            )
    except csv.Error as exc:
        return [], [Problem(f"row {reader.line_num}", "", f"is not CSV: {exc}")]
    return check(rows, months)
