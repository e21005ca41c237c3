"""Cases and workbook readers shared by the workbook tests."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import formulas
import numpy as np
import openpyxl

from cxroi.engine import KINDS, CaseFile, Result, analyse, load_case, load_case_file
from cxroi.workbook import build_workbook
from tests.support import RATE_REFERENCE_DIR, reference_case_path, reference_names

METRICS = (
    "npv",
    "irr",
    "mirr",
    "roi",
    "bcr",
    "payback_months",
    "discounted_payback_months",
    "total_costs",
    "total_benefits",
    "pv_costs",
    "pv_benefits",
)
MONEY = {"npv", "total_costs", "total_benefits", "pv_costs", "pv_benefits"}
#: The continuing value's named cells, and the engine's figure each recalculates to.
CONTINUING = {
    "continuing_value": "pv",
    "npv_with_continuing_value": "npv_with_continuing_value",
    "headline_npv": "headline_npv",
}
#: The after-tax named cells, and the engine's metric each recalculates to.
AFTER_TAX = {
    "npv_after_tax": "npv",
    "irr_after_tax": "irr",
    "payback_months_after_tax": "payback_months",
}
RATES = {"irr", "mirr", "roi", "bcr"}
ERRORS = {"#VALUE!", "#NAME?", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!"}


def _base(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "cxroi-case/1",
        "title": "Synthetic case",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": 2,
        "discount_rate": 0.1,
        "assumptions": [],
        "costs": [],
        "benefits": [],
    }
    doc.update(extra)
    return doc


def multiple_irr_doc() -> dict[str, Any]:
    """Net flows -100, 230, -132: two monthly rates (10 % and 20 %) make NPV zero."""
    return _base(
        title="Two IRRs",
        costs=[
            {"name": "Up front", "category": "x", "recurrence": "once", "month": 0, "amount": 100},
            {"name": "Late", "category": "x", "recurrence": "once", "month": 2, "amount": 362},
        ],
        benefits=[{"name": "Gain", "kind": "custom", "amount": 230}],
    )


def no_cost_doc() -> dict[str, Any]:
    """Only benefits: no IRR (none), ROI and BCR not defined, payback 0.

    Its assumption keys are awkward as spreadsheet names: ``fte2`` is also a cell,
    ``irr`` is a metric's name.
    """
    return _base(
        title="No costs",
        horizon_months=14,
        assumptions=[
            {"key": "fte2", "label": "Gift", "value": 50, "unit": "GBP/month"},
            {"key": "irr", "label": "Growth", "value": 0.1, "unit": "ratio", "low": 0, "high": 1},
        ],
        benefits=[
            {
                "name": "Gift",
                "kind": "custom",
                "amount": "fte2",
                "escalation": "irr",
                "ramp_months": 3,
            }
        ],
    )


def wide_doc(horizon: int = 60) -> dict[str, Any]:
    """Sixteen lines (ten costs, six benefits) of every kind and twelve ranged assumptions."""
    assumptions = [
        ("customers", 200000, 180000, 220000, "customers"),
        ("annual_churn", 0.2, 0.15, 0.25, "ratio/year"),
        ("churn_cut", 0.1, 0.05, 0.15, "ratio"),
        ("arpu", 30.0, 27.0, 33.0, "GBP/month"),
        ("margin", 0.5, 0.45, 0.55, "ratio"),
        ("calls", 50000, 45000, 55000, "calls/month"),
        ("call_cut", 0.2, 0.1, 0.3, "ratio"),
        ("call_cost", 5.0, 4.5, 5.5, "GBP/call"),
        ("revenue", 4000000, 3800000, 4200000, "GBP/month"),
        ("uplift", 0.004, 0.002, 0.006, "ratio"),
        ("licence", 250000, 220000, 300000, "GBP/year"),
        ("build", 900000, 800000, 1100000, "GBP"),
    ]
    costs: list[dict[str, Any]] = [
        {"name": "Build", "category": "it", "recurrence": "once", "amount": "build", "risk": 0.2},
        {
            "name": "Licence",
            "category": "it",
            "recurrence": "annual",
            "amount": "licence",
            "escalation": 0.05,
        },
    ]
    for i in range(8):
        costs.append(
            {
                "name": f"Team {i + 1}",
                "category": "people",
                "recurrence": "monthly",
                "start_month": 1 + i,
                "end_month": horizon - i,
                "amount": 10000 + 1000 * i,
                "escalation": 0.03,
                "risk": 0.05,
            }
        )
    benefits: list[dict[str, Any]] = [
        {
            "name": "Churn",
            "kind": "churn",
            "customers": "customers",
            "annual_churn": "annual_churn",
            "reduction": "churn_cut",
            "arpu": "arpu",
            "margin": "margin",
            "gross_adds": 1500,
            "ramp_start": 3,
            "ramp_months": 9,
            "risk": 0.2,
        },
        {
            "name": "Calls",
            "kind": "cost_savings",
            "volume": "calls",
            "reduction": "call_cut",
            "unit_cost": "call_cost",
            "escalation": 0.02,
            "ramp_start": 2,
            "ramp_months": 6,
        },
        {
            "name": "Conversion",
            "kind": "revenue_uplift",
            "base_revenue": "revenue",
            "uplift": "uplift",
            "margin": "margin",
            "growth": 0.04,
            "ramp_months": 1,
        },
        {
            "name": "Churn 2",
            "kind": "churn",
            "customers": 10000,
            "annual_churn": 0.3,
            "reduction": 0.05,
            "arpu": 80,
            "margin": 0.4,
        },
        {
            "name": "Savings",
            "kind": "custom",
            "amount": 20000,
            "escalation": 0.02,
            "ramp_start": 4,
            "risk": 0.1,
        },
        {"name": "Fees", "kind": "custom", "amount": 5000},
    ]
    return _base(
        title="Wide case",
        horizon_months=horizon,
        assumptions=[
            {
                "key": k,
                "label": k.replace("_", " ").title(),
                "value": v,
                "low": lo,
                "high": hi,
                "unit": u,
                "source": "Test",
                "owner": "QA",
            }
            for k, v, lo, hi, u in assumptions
        ],
        costs=costs,
        benefits=benefits,
        scenarios=[{"name": "Low churn cut", "overrides": {"churn_cut": 0.05}}],
    )


def edge_docs() -> dict[str, dict[str, Any]]:
    """The longest and shortest horizons, with unusual but valid parameters."""
    longest = _base(
        title="Ten years",
        horizon_months=120,
        costs=[
            {
                "name": "Shrinking fee",
                "category": "x",
                "recurrence": "annual",
                "start_month": 3,
                "end_month": 200,
                "amount": 5,
                "escalation": -0.5,
            },
        ],
        benefits=[
            {
                "name": "Late loss",
                "kind": "revenue_uplift",
                "base_revenue": 100,
                "uplift": -0.5,
                "margin": 1,
                "growth": 0.1,
                "ramp_start": 120,
                "ramp_months": 1,
            },
        ],
    )
    shortest = _base(
        title="One month",
        horizon_months=1,
        costs=[{"name": "Fee", "category": "x", "recurrence": "monthly", "amount": 5}],
        benefits=[
            {
                "name": "All kept",
                "kind": "churn",
                "customers": 100,
                "annual_churn": 1,
                "reduction": 1,
                "arpu": 10,
                "margin": 1,
            },
        ],
    )
    return {"ten-years": longest, "one-month": shortest, "empty": _base(title="Empty")}


def annual_churn_doc() -> dict[str, Any]:
    """Two churn lines, one whose reduction cuts annual churn (format /2's choice)."""
    line = {
        "kind": "churn",
        "customers": 20000,
        "annual_churn": "churn",
        "reduction": "cut",
        "arpu": 25,
        "margin": 0.6,
        "gross_adds": 300,
        "ramp_start": 2,
        "ramp_months": 4,
    }
    return _base(
        format="cxroi-case/2",
        title="Annual churn cut",
        horizon_months=18,
        assumptions=[
            {
                "key": "churn",
                "label": "Churn",
                "value": 0.3,
                "unit": "ratio",
                "low": 0.2,
                "high": 0.4,
            },
            {"key": "cut", "label": "Cut", "value": 0.1, "unit": "ratio", "low": 0, "high": 0.2},
        ],
        costs=[{"name": "Fee", "category": "x", "recurrence": "monthly", "amount": 2000}],
        benefits=[
            {**line, "name": "Cut annual", "reduction_applies_to": "annual_churn"},
            {**line, "name": "Cut hazard", "reduction_applies_to": "monthly_hazard"},
        ],
    )


def runoff_doc() -> dict[str, Any]:
    """Customer run-off: the annual-churn case plus a referrals line and a custom line
    (no run-off), risk on one line, and the continuing value as the headline."""
    doc = annual_churn_doc()
    doc["benefits"][0]["risk"] = 0.1
    doc["benefits"] += [
        {
            "name": "Referred",
            "kind": "referrals",
            "customers": 20000,
            "referral_uplift": 0.001,
            "annual_churn": 0.25,
            "arpu": 25,
            "margin": 0.6,
        },
        {"name": "Other", "kind": "custom", "amount": 500},
    ]
    doc.update(
        title="Run-off",
        continuing_value="customer_runoff",
        headline_npv="with_continuing_value",
    )
    return doc


def gordon_doc() -> dict[str, Any]:
    """Gordon growth at 2 % on a 30-month case (the final year is months 19..30)."""
    return _base(
        format="cxroi-case/2",
        title="Gordon",
        horizon_months=30,
        discount_rate=0.09,
        continuing_value="gordon_growth",
        continuing_growth=0.02,
        assumptions=[
            {"key": "g_fee", "label": "Fee", "value": 900, "unit": "GBP", "low": 800, "high": 1200}
        ],
        costs=[
            {"name": "Build", "category": "x", "recurrence": "once", "amount": 20000},
            {"name": "Run", "category": "x", "recurrence": "monthly", "amount": "g_fee"},
        ],
        benefits=[
            {"name": "Saving", "kind": "custom", "amount": 2500, "escalation": 0.03, "risk": 0.2}
        ],
    )


def tax_doc() -> dict[str, Any]:
    """Tax at 25 % paid 3 months late; two capex lines (one up front, one in month 12
    with risk) depreciated over 24 and 10 months, an opex line, and a ramped benefit."""
    return _base(
        format="cxroi-case/2",
        title="Tax",
        horizon_months=30,
        discount_rate=0.08,
        tax_rate=0.25,
        tax_lag_months=3,
        assumptions=[
            {
                "key": "kit",
                "label": "Kit",
                "value": 24000,
                "unit": "GBP",
                "low": 20000,
                "high": 30000,
            }
        ],
        costs=[
            {
                "name": "Kit",
                "category": "it",
                "recurrence": "once",
                "amount": "kit",
                "treatment": "capex",
                "life_months": 24,
            },
            {
                "name": "Refresh",
                "category": "it",
                "recurrence": "once",
                "month": 12,
                "amount": 2000,
                "risk": 0.1,
                "treatment": "capex",
                "life_months": 10,
            },
            {"name": "Support", "category": "people", "recurrence": "monthly", "amount": 700},
        ],
        benefits=[
            {"name": "Saving", "kind": "custom", "amount": 3000, "ramp_months": 6, "risk": 0.1}
        ],
    )


def fiscal_doc() -> dict[str, Any]:
    """Gordon's case from October, in fiscal years starting in April (year 1: 6 months)."""
    return {**gordon_doc(), "title": "Fiscal", "start_month": "2026-10", "fiscal_year_start": 4}


def mid_month_doc() -> dict[str, Any]:
    """The tax case discounted at mid-month (month 0 stays undiscounted)."""
    return {**tax_doc(), "title": "Mid-month", "discounting": "mid_month"}


def actual_365_doc() -> dict[str, Any]:
    """The tax case on calendar dates from November 2027 (act/365, over a leap February)."""
    return {
        **tax_doc(),
        "title": "Act/365",
        "start_month": "2027-11",
        "discounting": "actual_365",
    }


def dated_runoff_doc() -> dict[str, Any]:
    """The run-off case on calendar dates, with a set-up cost up front (Gnumeric's XIRR
    finds no rate in the 100,000s of %): the continuing value takes month H's dated factor."""
    doc = runoff_doc()
    doc["costs"].append({"name": "Set-up", "category": "x", "recurrence": "once", "amount": 90000})
    return {**doc, "title": "Dated run-off", "discounting": "actual_365"}


def distributions_doc() -> dict[str, Any]:
    """Gordon's case with four ranged assumptions, one per distribution (the first, in
    key order, is the what-if's: its value moves, and with it its distribution's mean)."""
    doc = gordon_doc()
    doc["title"] = "Distributions"
    doc["assumptions"] = [
        {
            "key": "a_fee",
            "label": "Fee",
            "value": 900,
            "unit": "GBP",
            "low": 800,
            "high": 1200,
            "distribution": "pert",
        },
        {
            "key": "b_build",
            "label": "Build",
            "value": 20000,
            "unit": "GBP",
            "low": 15000,
            "high": 30000,
            "distribution": "uniform",
        },
        {
            "key": "c_saving",
            "label": "Saving",
            "value": 2500,
            "unit": "GBP",
            "low": 2200,
            "high": 2600,
            "distribution": "truncated_normal",
        },
        {"key": "d_risk", "label": "Risk", "value": 0.2, "unit": "ratio", "low": 0.1, "high": 0.4},
    ]
    doc["costs"][0]["amount"] = "b_build"
    doc["costs"][1]["amount"] = "a_fee"
    doc["benefits"][0].update(amount="c_saving", risk="d_risk")
    return doc


def inflation_doc() -> dict[str, Any]:
    """The run-off case at 3 % inflation: an escalating fee and custom line (real growth on
    top of inflation), churn and referrals lines inflating their arpu, a capex line taxed
    at 20 %; the run-off continues month H's nominal flow."""
    doc = runoff_doc()
    doc["costs"][0]["escalation"] = 0.02
    doc["costs"].append(
        {
            "name": "Kit",
            "category": "it",
            "recurrence": "once",
            "month": 14,
            "amount": 6000,
            "treatment": "capex",
            "life_months": 12,
        }
    )
    doc["benefits"][-1]["escalation"] = 0.01
    return {**doc, "title": "Inflation", "inflation_rate": 0.03, "tax_rate": 0.2}


def rate_gordon_doc() -> dict[str, Any]:
    """The Gordon case with its discount rate an assumption (9 %, 7-12 %), mid-month,
    taxed at 25 %: the rate's cell links to the assumption, and the continuing value,
    the after-tax NPV and the MIRR's default rates follow it."""
    doc = gordon_doc()
    doc["assumptions"].insert(
        0,
        {
            "key": "wacc",
            "label": "WACC",
            "value": 0.09,
            "unit": "ratio/year",
            "low": 0.07,
            "high": 0.12,
            "owner": "finance",
        },
    )
    return {
        **doc,
        "title": "Rate assumption, Gordon",
        "discount_rate": "wacc",
        "discounting": "mid_month",
        "tax_rate": 0.25,
    }


def rate_dated_doc() -> dict[str, Any]:
    """The inflation case on calendar dates (act/365), its rate an assumption, with a
    set-up cost up front (as the dated run-off case: Gnumeric's XIRR finds no rate in
    the 1,000s of %)."""
    doc = inflation_doc()
    doc["costs"].append({"name": "Set-up", "category": "x", "recurrence": "once", "amount": 90000})
    doc["assumptions"] = [
        *doc.get("assumptions", []),
        {
            "key": "rate",
            "label": "Rate",
            "value": 0.11,
            "unit": "ratio/year",
            "low": 0.08,
            "high": 0.15,
        },
    ]
    return {
        **doc,
        "title": "Rate assumption, act/365",
        "discount_rate": "rate",
        "format": "cxroi-case/2",
        "discounting": "actual_365",
        "start_month": "2027-11",
    }


def synthetic_docs() -> dict[str, dict[str, Any]]:
    return {
        **{
            name: json.loads(reference_case_path(name, RATE_REFERENCE_DIR).read_text())
            for name in reference_names(RATE_REFERENCE_DIR)
        },
        "rate_gordon": rate_gordon_doc(),
        "rate_dated": rate_dated_doc(),
        "inflation": inflation_doc(),
        "distributions": distributions_doc(),
        "tax": tax_doc(),
        "fiscal": fiscal_doc(),
        "mid_month": mid_month_doc(),
        "actual_365": actual_365_doc(),
        "dated_runoff": dated_runoff_doc(),
        "annual-churn": annual_churn_doc(),
        "runoff": runoff_doc(),
        "gordon": gordon_doc(),
        "multiple-irr": multiple_irr_doc(),
        "no-costs": no_cost_doc(),
        "wide": wide_doc(24),
        "referrals": referrals_doc(),
        **edge_docs(),
    }


def case_named(name: str) -> CaseFile:
    docs = synthetic_docs()
    if name in docs:
        return load_case(copy.deepcopy(docs[name]))
    return load_case_file(reference_case_path(name))


def all_case_names() -> list[str]:
    return [*reference_names(), *synthetic_docs()]


def export(name: str, folder: Path, trials: int = 2000) -> tuple[Path, CaseFile, Result]:
    case = case_named(name)
    result = analyse(case, trials=trials)
    path = folder / f"{name}.xlsx"
    path.write_bytes(build_workbook(case, result))
    return path, case, result


class Evaluated:
    """A workbook evaluated by the ``formulas`` package, read by sheet and cell."""

    def __init__(self, path: Path) -> None:
        self.file = path.name
        self.model = formulas.ExcelModel().loads(str(path)).finish()
        solution = self.model.calculate()
        self.values = {key.upper(): value for key, value in solution.items()}
        self._workbook = openpyxl.load_workbook(path)

    def _target(self, name: str) -> str:
        sheet, ref = name_target(self._workbook, name)
        return f"'[{self.file}]{sheet.upper()}'!{ref}"

    def with_inputs(
        self,
        inputs: dict[str, float],
        outputs: list[str],
        cells: dict[tuple[str, str], float] | None = None,
    ) -> dict[str, Any]:
        """Recalculate with the named input cells (and ``cells``: (sheet, ref) without a
        name) set to other values; read named outputs."""
        keys = {name: self._target(name) for name in outputs}
        changed = {self._target(name): value for name, value in inputs.items()}
        for (sheet, ref), value in (cells or {}).items():
            changed[f"'[{self.file}]{sheet.upper()}'!{ref}"] = value
        solution = self.model.calculate(inputs=changed, outputs=list(keys.values()))
        found = {k.upper(): v for k, v in solution.items()}
        out = {}
        for name, key in keys.items():
            item = np.asarray(getattr(found[key.upper()], "value", found[key.upper()])).ravel()[0]
            out[name] = item.item() if isinstance(item, np.generic) else item
        return out

    def _get(self, key: str) -> Any:
        value = self.values[key.upper()]
        array = np.asarray(getattr(value, "value", value))
        item = array.ravel()[0]
        return item.item() if isinstance(item, np.generic) else item

    def cell(self, sheet: str, ref: str) -> Any:
        return self._get(f"'[{self.file}]{sheet}'!{ref}")

    def name(self, name: str) -> Any:
        return self._get(f"'[{self.file}]'!{name}")

    def errors(self) -> list[tuple[str, Any]]:
        found = []
        for key, value in self.values.items():
            array = np.asarray(getattr(value, "value", value), dtype=object).ravel()
            found += [(key, v) for v in array if str(v) in ERRORS]
        return found


Evaluation = tuple[Evaluated, Result, openpyxl.Workbook]


def find_row(ws: Any, label: str) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == label:
            return int(row[0].row)
    raise KeyError(label)


def name_target(wb: openpyxl.Workbook, name: str) -> tuple[str, str]:
    """The (sheet, cell) a workbook-level defined name points to."""
    text = wb.defined_names[name].attr_text
    sheet, ref = text.rsplit("!", 1)
    return sheet.strip("'"), ref.replace("$", "")


def column_letters(start: int, count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(start + i) for i in range(count)]


NUMBER_TOKEN = re.compile(r"^\d+(\.\d+)?([eE][-+]?\d+)?$")


#: How random_doc bounds an assumption of each parameter unit.
_UNITS = {"ratio": "ratio", "rate": "rate", "money": "GBP", "count": "customers", "number": "n"}


def referrals_doc() -> dict[str, Any]:
    """Word of mouth: the referrals kind, with a ramp, risk and an assumption."""
    return _base(
        title="Referrals",
        horizon_months=30,
        discount_rate=0.09,
        assumptions=[
            {"key": "referral_rate", "label": "Referral rate", "value": 0.0025,
             "unit": "ratio", "low": 0.001, "high": 0.004},
        ],
        costs=[{"name": "Programme", "category": "marketing", "recurrence": "once",
                "amount": 60_000}],
        benefits=[
            {"name": "Referred customers", "kind": "referrals", "customers": 40_000,
             "referral_uplift": "referral_rate", "annual_churn": 0.2, "arpu": 25,
             "margin": 0.6, "ramp_start": 2, "ramp_months": 4, "risk": 0.1},
        ],
    )  # fmt: skip


def random_doc(seed: int) -> dict[str, Any]:
    """A valid case drawn at random: every line kind, timing, ramp and risk in play."""
    import random

    rng = random.Random(seed)
    horizon = rng.choice([1, 6, 12, 13, 24, 37, 60])
    assumptions: list[dict[str, Any]] = []

    def param(value: float, unit: str = "ratio") -> float | str:
        if rng.random() < 0.5:
            return round(value, 4)
        key = f"k{len(assumptions)}_x"
        spread = abs(value) * 0.2 or 0.01
        low, high = value - spread, value + spread
        if unit == "ratio":
            low, high = max(0.0, low), min(0.99, high)
        elif unit != "rate":
            low = max(0.0, low)
        assumptions.append(
            {"key": key, "label": key, "value": value, "unit": unit, "low": low, "high": high}
        )
        return key

    def month(lo: int = 1) -> int:
        return rng.randint(lo, horizon)

    costs: list[dict[str, Any]] = []
    for i in range(rng.randint(1, 4)):
        recurrence = rng.choice(["once", "monthly", "annual"])
        cost: dict[str, Any] = {
            "name": f"Cost {i}",
            "category": "c",
            "recurrence": recurrence,
            "amount": param(rng.uniform(100, 50_000), "GBP"),
            "escalation": param(rng.uniform(-0.05, 0.1), "rate"),
            "risk": param(rng.uniform(0, 0.3), "rate"),
        }
        if recurrence == "once":
            cost["month"] = rng.randint(0, horizon)
        else:
            start = month()
            cost["start_month"] = start
            cost["end_month"] = rng.randint(start, horizon + 5)
        costs.append(cost)
    benefits: list[dict[str, Any]] = []
    for i in range(rng.randint(1, 4)):
        kind = rng.choice(sorted(KINDS))
        line: dict[str, Any] = {"name": f"Benefit {i}", "kind": kind}
        for p in KINDS[kind].parameters:  # each kind's parameters, from the registry
            line[p.name] = param(rng.uniform(*p.example), _UNITS[p.unit])
        line.update(
            ramp_start=month(),
            ramp_months=rng.randint(0, 18),
            risk=param(rng.uniform(0, 0.5)),
        )
        benefits.append(line)
    doc = _base(
        title=f"Random case {seed}",
        horizon_months=horizon,
        discount_rate=round(rng.uniform(0.0, 0.25), 3),
        assumptions=assumptions,
        costs=costs,
        benefits=benefits,
    )
    _random_finance_scope(rng, doc)
    return doc


def _random_finance_scope(rng: Any, doc: dict[str, Any]) -> None:
    """Format /2's finance scope, drawn last (the draws above stay each seed's own):
    tax with capex lines, a continuing value, churn cut on annual churn, and inflation
    (drawn after the others, so their draws stay as they were)."""
    rate, horizon = doc["discount_rate"], doc["horizon_months"]
    scope: dict[str, Any] = {}
    if rng.random() < 0.5:
        scope.update(
            format="cxroi-case/2",
            tax_rate=round(rng.uniform(0.0, 0.4), 3),
            tax_lag_months=rng.randint(0, 6),
        )
        for cost in doc["costs"]:
            if rng.random() < 0.5:
                cost.update(treatment="capex", life_months=rng.randint(1, 60))
    method = rng.choice(["none", "customer_runoff", "gordon_growth"])
    if method == "customer_runoff" and rate > 0:
        scope.update(
            format="cxroi-case/2",
            continuing_value=method,
            headline_npv=rng.choice(["horizon", "with_continuing_value"]),
        )
    elif method == "gordon_growth" and rate > 0 and horizon >= 12:
        scope.update(
            format="cxroi-case/2",
            continuing_value=method,
            continuing_growth=round(rng.uniform(-0.05, rate * 0.9), 4),
        )
    for line in doc["benefits"]:
        if line["kind"] == "churn" and rng.random() < 0.5:
            line["reduction_applies_to"] = "annual_churn"
            scope["format"] = "cxroi-case/2"  # what /1 cannot state
    if rng.random() < 0.5:
        scope.update(format="cxroi-case/2", inflation_rate=round(rng.uniform(-0.02, 0.08), 4))
    doc.update(scope)
