"""The council pack's workbook: an Actuals sheet of live formulas and an Initiatives sheet.

Pure (no Flask, SQLAlchemy or models): it takes the engine's
:class:`~cxroi.engine.realisation.Realisation` of each initiative. The plan and actual
net flows are values (the approved version's and the reported months'); everything
else is a formula, so the workbook recalculates to the app's figures:

- ``Actuals``: one row per initiative and month; variance ``= actual − plan``, the
  cumulative plan and actual as running sums, the discount factor ``(1 + m)^−d`` with
  the case's monthly rate and the month's discount time d in months under the case's
  convention (t at month ends, t − ½ mid-month, 12 × days/365 on calendar dates:
  :func:`~cxroi.engine.timeline.discount_months`), and the discounted actual;
- ``Initiatives``: per initiative, the sums to date and the realised NPV to date
  (``SUM`` of the discounted actuals), beside the approved NPV and the re-forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from cxroi.engine.realisation import Realisation, month_index

from .styles import money
from .writer import workbook_bytes

ACTUALS_HEADERS = (
    "Initiative",
    "Month",
    "Month index",
    "Plan net",
    "Actual net",
    "Variance (actual − plan)",
    "Cumulative plan",
    "Cumulative actual",
    "Monthly rate",
    "Discount factor",
    "Discounted actual",
    "Discount time (months)",
)
INITIATIVE_HEADERS = (
    "Initiative",
    "Status",
    "Months reported",
    "Plan to date",
    "Actual to date",
    "Variance to date",
    "Realised NPV to date",
    "Approved NPV",
    "Re-forecast NPV",
)


@dataclass(frozen=True)
class PackInitiative:
    title: str
    start_month: str
    monthly_rate: float
    realisation: Realisation
    #: Each case month's discount time in months (t = 0..H, the case's convention:
    #: :func:`~cxroi.engine.timeline.discount_months`); empty: month ends, t itself.
    discount_months: Sequence[float] = ()


@dataclass(frozen=True)
class Rows:
    """Where an initiative's months sit on the Actuals sheet (inclusive)."""

    first: int
    last: int


def _discount_time(item: PackInitiative, t: int) -> float:
    return float(item.discount_months[t]) if item.discount_months else float(t)


def build_pack_workbook(month: str, initiatives: Sequence[PackInitiative]) -> Workbook:
    wb = Workbook()
    summary = wb.active
    summary.title = "Initiatives"
    actuals = wb.create_sheet("Actuals")
    bold = Font(bold=True)
    actuals.append(ACTUALS_HEADERS)
    summary.append(INITIATIVE_HEADERS)
    for cell in (*actuals[1], *summary[1]):
        cell.font = bold
    row = 2
    placed: list[tuple[PackInitiative, Rows | None]] = []
    for item in initiatives:
        r = item.realisation
        if not r.months:
            placed.append((item, None))
            continue
        first = row
        for i, label in enumerate(r.months):
            n = row
            actuals.append(
                [
                    item.title,
                    label,
                    month_index(item.start_month, label),
                    r.plan_net[i],
                    r.actual_net[i],
                    f"=E{n}-D{n}",
                    f"=D{n}" if n == first else f"=G{n - 1}+D{n}",
                    f"=E{n}" if n == first else f"=H{n - 1}+E{n}",
                    item.monthly_rate,
                    f"=(1+I{n})^(-L{n})",
                    f"=E{n}*J{n}",
                    _discount_time(item, month_index(item.start_month, label)),
                ]
            )
            row += 1
        placed.append((item, Rows(first, row - 1)))
    for s, (item, rows) in enumerate(placed, start=2):
        r = item.realisation
        if rows is None:
            summary.append([item.title, r.status, 0, 0, 0, 0, 0, r.approved_npv, r.forecast_npv])
            continue
        a, b = rows.first, rows.last
        summary.append(
            [
                item.title,
                r.status,
                b - a + 1,
                f"=SUM(Actuals!D{a}:D{b})",
                f"=SUM(Actuals!E{a}:E{b})",
                f"=E{s}-D{s}",
                f"=SUM(Actuals!K{a}:K{b})",
                r.approved_npv,
                r.forecast_npv,
            ]
        )
    for s, (item, rows) in enumerate(placed, start=2):
        # Each initiative's money in its own currency, in the workbook's one money format.
        fmt = money(item.realisation.currency)
        for col in "DEFGHI":
            summary[f"{col}{s}"].number_format = fmt
        if rows is not None:
            for n in range(rows.first, rows.last + 1):
                for col in "DEFGHK":
                    actuals[f"{col}{n}"].number_format = fmt
    for ws in (actuals, summary):
        for i in range(1, ws.max_column + 1):
            ws.column_dimensions[get_column_letter(i)].width = 40 if i == 1 else 16
    summary.cell(row=len(placed) + 3, column=1, value=f"Council pack for {month}")
    return wb


def pack_workbook_bytes(month: str, initiatives: Sequence[PackInitiative]) -> bytes:
    return workbook_bytes(build_pack_workbook(month, initiatives))
