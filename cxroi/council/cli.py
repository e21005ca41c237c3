"""``cxroi realisation CASE_ID [--json]`` and ``cxroi council-pack --month YYYY-MM -o FILE``."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import click

from cxroi.errors import DomainError


@click.command("realisation")
@click.argument("case_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the realisation as JSON.")
def realisation(case_id: int, as_json: bool) -> None:
    """Plan against actuals of an approved case, its re-forecast and status."""
    from cxroi.app_cli import _app
    from cxroi.formatting import money, months
    from cxroi.realisation.services import get_case, realisation_json, realisation_of

    with _app():
        try:
            initiative = realisation_of(get_case(case_id))
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        r, adjusted = initiative.realisation, initiative.adjusted
        if as_json:
            click.echo(json.dumps(realisation_json(initiative), indent=2, allow_nan=False))
            return
        cur = r.currency
        click.echo(f"{r.title}: {r.status.upper()} ({r.status_reason})")
        click.echo(f"{'Month':<9}{'Plan net':>14}{'Actual net':>14}{'Variance':>14}")
        for m, p, a, v in zip(r.months, r.plan_net, r.actual_net, r.variance, strict=True):
            click.echo(f"{m:<9}{money(p, cur):>14}{money(a, cur):>14}{money(v, cur):>14}")
        click.echo(f"Realised NPV to date: {money(r.realised_npv_to_date, cur)}")
        click.echo(
            f"Re-forecast NPV: {money(r.forecast_npv, cur)}, payback "
            f"{months(r.forecast_payback_months)} (approved {money(r.approved_npv, cur)}, "
            f"{months(r.approved_payback_months)})"
        )
        if adjusted is not None:
            click.echo(
                f"Finance-adjusted forecast NPV: {money(adjusted.forecast_npv, cur)}, payback "
                f"{months(adjusted.forecast_payback_months)} (set by "
                f"{initiative.forecast.set_by or 'finance'})"
            )
        for d in r.driver_variances:
            click.echo(f"  {d.text}")
        for drift in r.drifts:
            click.echo(f"  Drift: {drift.text}")


@click.command("council-pack")
@click.option("--month", required=True, help="The month of the pack, YYYY-MM.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write: .pdf for the PDF pack, .xlsx for the workbook.",
)
def council_pack(month: str, output: Path) -> None:
    """Write the monthly CX council pack (PDF, or the workbook when OUTPUT ends .xlsx)."""
    from cxroi.app_cli import _app
    from cxroi.council import pack

    with _app():
        try:
            body = pack.workbook(month) if output.suffix.lower() == ".xlsx" else pack.pdf(month)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
    output.write_bytes(body)
    click.echo(f"Wrote {output} ({len(body):,} bytes).")


def _after_demo() -> None:
    from cxroi.app_cli import _app
    from cxroi.council.demo import prepare_demo_council
    from cxroi.realisation.demo import prepare_demo_actuals

    with _app():
        lines = [*(prepare_demo_actuals() or ()), *(prepare_demo_council() or ())]
    for line in lines:
        click.echo(line)


def register(group: click.Group) -> None:
    """Add ``realisation`` and ``council-pack``; make ``demo`` end with a council."""
    group.add_command(realisation)
    group.add_command(council_pack)
    demo = group.commands.get("demo")
    if demo is not None and demo.callback is not None:
        load_demo = demo.callback

        @functools.wraps(load_demo)
        def demo_with_council(*args: Any, **kwargs: Any) -> Any:
            done = load_demo(*args, **kwargs)
            _after_demo()
            return done

        demo.callback = demo_with_council
