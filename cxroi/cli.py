"""The ``cxroi`` command line.

Engine commands (``calc``, ``validate``, ``export``) need no database; the web
application's commands (``init-db``, ``create-user``, ``demo``, ``share`` ...)
are added from :mod:`cxroi.app_cli`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from cxroi.engine import (
    DEFAULT_SEED,
    DEFAULT_TRIALS,
    FORMAT,
    CaseFile,
    CaseValidationError,
    Result,
    analyse,
    load_case_file,
    result_to_dict,
    validate_case,
)
from cxroi.engine.casefile import DISCOUNTING_LABELS
from cxroi.engine.loader import parse_json
from cxroi.engine.metrics import irr_needs_caution, irr_words
from cxroi.labels import expected_npv_label, inflation_words, rate_source_words

INVALID = 2


def _load_or_exit(path: str) -> CaseFile:
    try:
        return load_case_file(path)
    except CaseValidationError as exc:
        click.echo(f"{path}: not a valid case file", err=True)
        for issue in exc.issues:
            click.echo(f"  {issue}", err=True)
        sys.exit(INVALID)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """cxroi: price customer-experience business cases the way finance does."""


@main.command()
@click.argument("case_file", type=click.Path(dir_okay=False))
def validate(case_file: str) -> None:
    """List every problem in CASE_FILE (exit 2 if there is any)."""
    try:
        data = Path(case_file).read_bytes()
    except OSError as exc:
        click.echo(f"{case_file}: cannot read: {exc.strerror}", err=True)
        sys.exit(INVALID)
    try:
        doc = parse_json(data)
    except CaseValidationError as exc:
        issues = exc.issues
    else:
        issues = validate_case(doc)
    if issues:
        click.echo(f"{case_file}: {len(issues)} problem{'s' if len(issues) != 1 else ''}", err=True)
        for issue in issues:
            click.echo(f"  {issue}", err=True)
        sys.exit(INVALID)
    declared = doc.get("format")
    upgraded = f", loads as {FORMAT}" if declared != FORMAT else ""
    click.echo(f"{case_file}: valid {declared} file{upgraded}")


@main.command()
@click.argument("case_file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the result document as JSON.")
@click.option(
    "--trials",
    default=DEFAULT_TRIALS,
    show_default=True,
    type=click.IntRange(0),
    help="Monte Carlo trials (0 to skip).",
)
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int, help="Monte Carlo seed.")
def calc(case_file: str, as_json: bool, trials: int, seed: int) -> None:
    """Price CASE_FILE and print its metrics and analyses."""
    case = _load_or_exit(case_file)
    result = analyse(case, trials=trials, seed=seed)
    if as_json:
        click.echo(json.dumps(result_to_dict(result), indent=1))
    else:
        click.echo(summary(case, result))


@main.command()
@click.argument("case_file", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="Where to write the .xlsx workbook.",
)
def export(case_file: str, output: str) -> None:
    """Write CASE_FILE's finance workbook (live formulas) to OUTPUT."""
    from cxroi.workbook import build_workbook

    case = _load_or_exit(case_file)
    data = build_workbook(case, analyse(case))
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        click.echo(f"{output}: cannot write: {exc.strerror}", err=True)
        sys.exit(INVALID)
    click.echo(f"wrote {output} ({len(data):,} bytes)")


# -- the readable summary ---------------------------------------------------------


def _money(x: float | None, currency: str) -> str:
    if x is None:
        return "n/a"
    return f"-{currency} {abs(x):,.0f}" if x < 0 else f"{currency} {x:,.0f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _months(x: float | None) -> str:
    return "never" if x is None else f"{x:.1f} months"


def _ratio(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def _metric_rows_irr(metrics: Any) -> str:
    text = irr_words(metrics.irr, metrics.irr_note, _pct)
    return f"{text} (caution: above 1,000 %)" if irr_needs_caution(metrics.irr) else text


def _metric_rows(result: Result, cur: str) -> list[tuple[str, str, str]]:
    m, u = result.metrics, result.unadjusted
    irr = _metric_rows_irr

    def rate(x: float | None) -> str:
        return "n/a" if x is None else _pct(x)

    return [
        ("NPV", _money(m.npv, cur), _money(u.npv, cur)),
        ("IRR", irr(m), irr(u)),
        ("MIRR", rate(m.mirr), rate(u.mirr)),
        ("ROI", _pct(m.roi), _pct(u.roi)),
        ("Benefit/cost", _ratio(m.bcr), _ratio(u.bcr)),
        ("Payback", _months(m.payback_months), _months(u.payback_months)),
        (
            "Discounted payback",
            _months(m.discounted_payback_months),
            _months(u.discounted_payback_months),
        ),
        ("Total costs", _money(m.total_costs, cur), _money(u.total_costs, cur)),
        ("Total benefits", _money(m.total_benefits, cur), _money(u.total_benefits, cur)),
        ("PV costs", _money(m.pv_costs, cur), _money(u.pv_costs, cur)),
        ("PV benefits", _money(m.pv_benefits, cur), _money(u.pv_benefits, cur)),
    ]


def _discounting(case: CaseFile) -> str:
    """The convention after the rate, when it is not the default month ends."""
    if case.discounting == "end_of_month":
        return ""
    return f" (discounting: {DISCOUNTING_LABELS[case.discounting]})"


def _inflation(case: CaseFile) -> str:
    words = inflation_words(case.inflation_rate)
    return words[:1].upper() + words[1:]


def _rate_source(case: CaseFile) -> str:
    words = rate_source_words(case)
    return f" {words}" if words else ""


def summary(case: CaseFile, result: Result) -> str:
    """A plain-text report of the result, for a terminal."""
    cur = case.currency
    lines = [
        case.title,
        f"{case.horizon_months} months from {case.start_month}, "
        f"discount rate {_pct(case.discount_rate)} a year{_rate_source(case)}"
        f"{_discounting(case)}, {cur}",
        *([f"{_inflation(case)} (the discount rate is nominal)"] if case.inflation_rate else []),
        "",
        f"{'':22}{'risk-adjusted':>20}{'unadjusted':>20}",
    ]
    lines += [f"{name:22}{adj:>20}{raw:>20}" for name, adj, raw in _metric_rows(result, cur)]
    cv = result.continuing_value
    if cv is not None:
        method = cv.method.replace("_", " ")
        if cv.growth is not None:
            method += f", growth {_pct(cv.growth)} a year"
        lines += [
            "",
            f"Continuing value ({method}); headline: {cv.headline.replace('_', ' ')}",
            f"{'NPV within horizon':22}{_money(cv.npv_within_horizon, cur):>20}"
            f"{_money(result.unadjusted.npv, cur):>20}",
            f"{'Continuing value (PV)':22}{_money(cv.pv, cur):>20}"
            f"{_money(cv.pv_unadjusted, cur):>20}",
            f"{'NPV with cont. value':22}{_money(cv.npv_with_continuing_value, cur):>20}"
            f"{_money(cv.npv_with_continuing_value_unadjusted, cur):>20}",
        ]
    after = result.after_tax
    if after is not None:
        lag = f", paid {after.lag_months} months later" if after.lag_months else ""
        a = after.metrics
        lines += [
            "",
            f"After tax (tax {_pct(after.rate)}{lag}; risk-adjusted)",
            f"{'NPV after tax':22}{_money(a.npv, cur):>20}",
            f"{'IRR after tax':22}{_metric_rows_irr(a):>20}",
            f"{'Payback after tax':22}{_months(a.payback_months):>20}",
        ]
    lines += [
        "",
        "Annual cash flow (risk-adjusted)",
        f"{'year':>6}{'costs':>16}{'benefits':>16}{'net':>16}{'cumulative':>16}",
    ]
    for row in result.annual:
        lines.append(
            f"{row.year:>6}{row.costs:>16,.0f}{row.benefits:>16,.0f}"
            f"{row.net:>16,.0f}{row.cumulative:>16,.0f}"
        )
    if result.scenarios:
        lines += ["", "Scenarios"]
        for s in result.scenarios:
            lines.append(
                f"  {s.name:28} NPV {_money(s.metrics.npv, cur):>18}"
                f"  payback {_months(s.metrics.payback_months)}"
            )
    if result.tornado:
        lines += ["", "Sensitivity (NPV at low / high, largest swing first)"]
        for t in result.tornado[:5]:
            lines.append(
                f"  {t.key:24} {_money(t.npv_low, cur):>18} {_money(t.npv_high, cur):>18}"
                f"   swing {_money(t.swing, cur)}"
            )
    mc = result.monte_carlo
    if mc is not None:
        lines += [
            "",
            f"Monte Carlo ({mc.trials:,} trials, seed {mc.seed})",
            f"  E{expected_npv_label(mc.trials)[1:]} {_money(mc.mean, cur)}",
            f"  NPV P10 {_money(mc.p10, cur)}   P50 {_money(mc.p50, cur)}"
            f"   P90 {_money(mc.p90, cur)}",
            f"  P(NPV > 0) {_pct(mc.prob_npv_positive)}"
            f"   P(payback within horizon) {_pct(mc.prob_payback_within_horizon)}",
        ]
        if case.correlations:
            pairs = "; ".join(f"{p.a} ~ {p.b} {p.rho:g}" for p in case.correlations)
            lines.append(f"  Rank correlations (Iman-Conover): {pairs}")
    return "\n".join(lines)


try:  # the web application's commands, when its package is present
    from cxroi.app_cli import register as _register_app_commands
except ModuleNotFoundError as exc:  # pragma: no cover - engine-only installs
    if exc.name != "cxroi.app_cli":
        raise
else:
    _register_app_commands(main)


if __name__ == "__main__":  # pragma: no cover
    main()
