"""An edited workbook read back: the Inputs sheet's input cells as changes to the case.

The exported workbook's Inputs sheet is laid out from the case by :func:`write_inputs`;
laying it out again for the same case (a scratch sheet, never saved) says which cell
holds which input, so the reader never copies the layout's rules. A workbook is read
back only against the content it was exported from: its Summary carries that
content's hash. Only input cells are read (blue on yellow): the discount rate, each
assumption's value, low and high, and each line's own parameters; a change anywhere
else is not part of the case and is ignored.
"""

from __future__ import annotations

import copy
import math
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook

from cxroi.engine import BenefitLine, CaseFile, CostLine
from cxroi.engine.casefile import Param

from .calculations import WORKBOOK_METRICS
from .inputs import (
    TIMING_LABELS,
    benefit_parameters,
    cost_parameters,
    parameter_of,
    write_inputs,
)
from .layout import INPUTS, SUMMARY
from .names import Names

#: The Summary label beside the content's hash (see summary.py).
HASH_LABEL = "Case hash (SHA-256)"
MAX_BYTES = 5_000_000

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class InputCell:
    """An input cell of the Inputs sheet: where it is, what it sets, its value at export."""

    ref: str  # "C21"
    path: Path  # into the case document: ("assumptions", 3, "value")
    what: str  # 'Calls a month (calls): value'
    value: float
    percent: bool
    integer: bool = False  # a month or a count of months

    @property
    def document_path(self) -> str:
        """The path as the case format's errors write it: ``assumptions[3].value``."""
        return "".join(
            f"[{step}]" if isinstance(step, int) else (f".{step}" if n else step)
            for n, step in enumerate(self.path)
        )

    @property
    def where(self) -> str:
        return f"Inputs!{self.ref} ({self.what})"


@dataclass(frozen=True, slots=True)
class Change:
    cell: InputCell
    new: float


class WorkbookUnreadable(ValueError):
    """The upload cannot be read back; ``problems`` are ``(where, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{w}: {m}" for w, m in problems))
        self.problems = problems


def _cell_of(target: str) -> tuple[str, int]:
    """("C", 21) of ``Inputs!$C$21``."""
    match = re.search(r"!\$([A-Z]+)\$(\d+)$", target)
    assert match is not None, target
    return match.group(1), int(match.group(2))


def input_cells(case: CaseFile) -> list[InputCell]:
    """Every input cell the exported workbook of ``case`` has on its Inputs sheet."""
    scratch = Workbook().active
    assert scratch is not None
    names = Names(reserved=WORKBOOK_METRICS)
    refs = write_inputs(scratch, case, names, 0.0)

    def at(name: str) -> tuple[str, int]:
        return _cell_of(names.target(name))

    cells: list[InputCell] = []
    column, row = at(refs.discount_rate)
    if case.discount_rate_key is None:  # else a link to its assumption, read there
        cells.append(
            InputCell(
                f"{column}{row}", ("discount_rate",), "Discount rate", case.discount_rate, True
            )
        )
    for key, name, value in (
        ("mirr_finance_rate", refs.mirr_finance, case.mirr_finance_rate),
        ("mirr_reinvestment_rate", refs.mirr_reinvestment, case.mirr_reinvestment_rate),
    ):
        if value is not None:
            column, row = at(name)
            label = "MIRR finance rate" if key == "mirr_finance_rate" else "MIRR reinvestment rate"
            cells.append(InputCell(f"{column}{row}", (key,), label, value, True))
    if refs.inflation_rate:  # written only when the case states one
        column, row = at(refs.inflation_rate)
        cells.append(
            InputCell(f"{column}{row}", ("inflation_rate",), "Inflation", case.inflation_rate, True)
        )
    for i, a in enumerate(case.assumptions):
        _, row = at(refs.assumption_names[a.key])
        percent = "%" in str(scratch.cell(row, 3).number_format)
        for column, field, value in (
            ("C", "value", a.value),
            ("E", "low", a.low),
            ("F", "high", a.high),
        ):
            if value is not None:
                what = f"{a.label} ({a.key}): {field}"
                cells.append(
                    InputCell(f"{column}{row}", ("assumptions", i, field), what, value, percent)
                )
    lines: list[tuple[str, int, CostLine | BenefitLine, dict[str, Param], dict[str, str]]] = [
        ("costs", i, line, params, where)
        for i, (line, params, where) in enumerate(
            zip(case.costs, cost_parameters(case), refs.cost_params, strict=True)
        )
    ]
    lines += [
        ("benefits", i, line, params, where)
        for i, (line, params, where) in enumerate(
            zip(case.benefits, benefit_parameters(case), refs.benefit_params, strict=True)
        )
    ]
    for side, i, line, params, where in lines:
        for pname, param in params.items():
            target = _document_field(line, pname)
            if isinstance(param, str) or param is None or target is None:
                continue  # a link to an assumption, or derived (the recurrence's period)
            col, line_row = _cell_of(where[pname])
            definition = parameter_of(line, pname)
            label = definition.label if definition else TIMING_LABELS[pname]
            cells.append(
                InputCell(
                    f"{col}{line_row}",
                    (side, i, target),
                    f"{line.name}: {label}",
                    float(param),
                    "%" in str(scratch.cell(line_row, 3).number_format),
                    integer=definition is None,
                )
            )
    return cells


def _document_field(line: CostLine | BenefitLine, pname: str) -> str | None:
    """The document field a workbook parameter row sets; None when it is derived."""
    if not isinstance(line, CostLine):
        return pname
    if pname == "first_month":
        return "month" if line.recurrence == "once" else "start_month"
    if pname == "last_month":
        return None if line.recurrence == "once" or line.end_month is None else "end_month"
    if pname == "every_months":
        return None
    return pname


def content_hash(data: bytes) -> str | None:
    """The content hash a workbook was exported with (None when it has none)."""
    book = _open(data)
    if SUMMARY not in book.sheetnames:
        return None
    for row in book[SUMMARY].iter_rows(min_row=1, max_row=40, max_col=2, values_only=True):
        if row and row[0] == HASH_LABEL and isinstance(row[1], str):
            return row[1]
    return None


def _open(data: bytes) -> Any:
    if len(data) > MAX_BYTES:
        raise WorkbookUnreadable([("file", "is larger than 5 MB; a cxroi workbook is far smaller")])
    try:
        return load_workbook(BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise WorkbookUnreadable(
            [("file", f"is not an Excel workbook cxroi can read ({type(exc).__name__})")]
        ) from None


def read_changes(case: CaseFile, data: bytes) -> list[Change]:
    """The input cells whose value differs from ``case``'s (the content exported).

    Raises :class:`WorkbookUnreadable` naming each cell that holds no usable number.
    """
    book = _open(data)
    if INPUTS not in book.sheetnames:
        raise WorkbookUnreadable([("file", "has no Inputs sheet: is it a cxroi workbook?")])
    sheet = book[INPUTS]
    cells = input_cells(case)
    last = max((int(re.sub(r"[A-Z]+", "", c.ref)) for c in cells), default=1)
    grid = {
        f"{col}{r}": v
        for r, row in enumerate(
            sheet.iter_rows(min_row=1, max_row=last, max_col=6, values_only=True), start=1
        )
        for col, v in zip("ABCDEF", row, strict=False)
    }
    problems: list[tuple[str, str]] = []
    changes: list[Change] = []
    for cell in cells:
        value = grid.get(cell.ref)
        where = cell.where
        if isinstance(value, str) and value.startswith("="):
            problems.append((where, "holds a formula; type the number itself"))
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append((where, "must be a number" if value is not None else "is empty"))
            continue
        number = float(value)
        if not math.isfinite(number):
            problems.append((where, "must be a finite number"))
            continue
        if cell.integer and not number.is_integer():
            problems.append((where, "must be a whole number of months"))
            continue
        if not _same(number, cell.value):
            changes.append(Change(cell, number))
    if problems:
        raise WorkbookUnreadable(problems)
    return changes


def _same(read: float, exported: float) -> bool:
    """Whether a value read back is the one exported: a spreadsheet keeps 15 significant
    digits, so 0.30000000000000004 comes back as 0.3 and is no change.

    >>> _same(0.3, 0.1 + 0.2), _same(0.31, 0.3)
    (True, False)
    """
    return read == exported or f"{read:.15g}" == f"{exported:.15g}"


def apply_changes(doc: dict[str, Any], changes: list[tuple[Path, float]]) -> dict[str, Any]:
    """A copy of ``doc`` with each ``(path, value)`` set (a whole number stays an integer)."""
    doc = copy.deepcopy(doc)
    for path, value in changes:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = int(value) if float(value).is_integer() and abs(value) < 2**53 else value
    return doc
