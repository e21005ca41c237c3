"""Assemble the workbook: every sheet, the defined names, properties, and the bytes."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook

from cxroi.engine import CaseFile, Result

from . import layout
from .analyses import write_monte_carlo, write_scenarios, write_sensitivity
from .calculations import WORKBOOK_METRICS, write_calculations
from .checks import write_checks
from .continuing import CONTINUING_KEYS, write_continuing_inputs, write_continuing_value
from .inputs import write_inputs
from .model import AuditRow, WorkbookVersion
from .names import Names
from .notes import write_audit, write_notes
from .styles import clean_text, protect
from .summary import write_annual, write_summary
from .tax import TAX_KEYS, write_tax, write_tax_inputs
from .writer import workbook_bytes


def _irr_start(result: Result) -> float:
    """Where the spreadsheet's IRR search starts: the app's monthly root, or 0."""
    irr = result.metrics.irr
    return 0.0 if irr is None else float((1.0 + irr) ** (1.0 / 12.0) - 1.0)


def build_workbook(
    case: CaseFile,
    result: Result,
    *,
    version: WorkbookVersion | None = None,
    audit: Sequence[AuditRow] | None = None,
) -> bytes:
    """The case's finance workbook (.xlsx) with live formulas, as bytes.

    Sheets: Summary, Inputs, Calculations, Annual, Scenarios, Sensitivity,
    Monte Carlo, Checks, Notes, and Audit when ``audit`` is given. Every headline
    metric is a formula carrying a defined name equal to its key (``npv``, ``irr``
    ...), and recalculates to ``result``'s value.
    """
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = layout.SUMMARY
    sheets = {
        title: wb.create_sheet(title)
        for title in (
            layout.INPUTS,
            layout.CALCULATIONS,
            layout.ANNUAL,
            layout.SCENARIOS,
            layout.SENSITIVITY,
            layout.MONTE_CARLO,
            layout.CHECKS,
            layout.NOTES,
        )
    }
    # The metric names must equal the result document's keys: no assumption may take one.
    names = Names(reserved=(*WORKBOOK_METRICS, *CONTINUING_KEYS, *TAX_KEYS))
    inputs = write_inputs(sheets[layout.INPUTS], case, names, _irr_start(result))
    growth = write_continuing_inputs(sheets[layout.INPUTS], case, names)
    tax = write_tax_inputs(sheets[layout.INPUTS], case, result, names)
    calc = write_calculations(sheets[layout.CALCULATIONS], case, result, inputs, names)
    write_continuing_value(sheets[layout.CALCULATIONS], case, calc, inputs, names, growth)
    write_tax(sheets[layout.CALCULATIONS], case, result, calc, inputs, names, tax)
    annual_rows = write_annual(sheets[layout.ANNUAL], case, result, calc)
    write_scenarios(sheets[layout.SCENARIOS], case, result)
    write_sensitivity(sheets[layout.SENSITIVITY], case, result)
    write_monte_carlo(sheets[layout.MONTE_CARLO], case, result, inputs)
    check_names = write_checks(sheets[layout.CHECKS], result, calc, annual_rows["total"], names)
    write_notes(sheets[layout.NOTES])
    if audit is not None:
        write_audit(wb.create_sheet(layout.AUDIT), audit)
    write_summary(summary, case, result, inputs, calc, check_names, version)
    names.install(wb)
    for ws in wb.worksheets:
        if ws.title not in (layout.NOTES, layout.AUDIT):
            protect(ws)
    props = wb.properties
    props.title = clean_text(case.title)
    props.subject = "Business case: finance workbook"
    props.creator = "cxroi"
    props.lastModifiedBy = "cxroi"
    props.description = clean_text(case.description or "")
    props.keywords = "cxroi, business case, NPV, IRR, payback"
    return workbook_bytes(wb)
