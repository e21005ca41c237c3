"""The demo's second life: nine months of actuals and CX metrics for the approved case.

Entered through the actuals and metrics services as finance would (audited, sealed, and
alerting on drift): costs a little over plan, benefits behind it and slipping, and one
driver that leaves its assumed range in the last three months. Added once, and only
when the approved case has no actuals yet.
"""

from __future__ import annotations

from sqlalchemy import select

from cxroi.actuals import metrics, services
from cxroi.approvals.versions import documents
from cxroi.casework.actuals import Entry, line_drivers, lines_of
from cxroi.casework.cx_metrics import MetricEntry
from cxroi.engine import load_case
from cxroi.engine.realisation import month_label, plan_lines
from cxroi.extensions import db
from cxroi.realisation.services import realisation_of
from cxroi.workflow import APPROVED
from models import Actual, Case, User

MONTHS = 9
#: Realised benefit as a share of plan, month by month (amber by the default rules).
BENEFIT_SHARE = (0.97, 0.95, 0.93, 0.9, 0.86, 0.82, 0.78, 0.74, 0.7)
COST_SHARE = 1.06
#: NPS and contacts month by month: NPS falls before the money does.
NPS = (34.0, 33.0, 31.0, 29.0, 27.0, 26.0, 24.0, 23.0, 22.0)
CONTACTS = (21000.0, 20600.0, 20900.0, 21400.0, 21800.0, 22300.0, 22600.0, 23100.0, 23500.0)


def prepare_demo_actuals() -> list[str] | None:
    """Enter the actuals and metrics; the lines to print, or None when nothing was done."""
    finance = db.session.scalar(select(User).where(User.role == "finance").order_by(User.id))
    case = db.session.scalar(select(Case).where(Case.status == APPROVED).order_by(Case.id))
    if finance is None or case is None:
        return None
    if db.session.scalar(select(Actual.id).where(Actual.case_id == case.id).limit(1)):
        return None
    initiative = realisation_of(case)
    doc = case.doc
    _, result = documents(initiative.version)
    plan = plan_lines(load_case(initiative.version.case_json), result)
    costs = {c.id for c in doc.costs}
    drifting = _drifting_driver(case)
    entries: list[Entry] = []
    months = [month_label(doc.start_month, t) for t in range(1, MONTHS + 1)]
    for t, month in enumerate(months, start=1):
        for line_id, values in plan.items():
            planned = float(values[t]) if t < len(values) else 0.0
            if line_id in costs:
                if planned:
                    entries.append(Entry(month, line_id, round(planned * COST_SHARE, 2)))
                continue
            drivers: dict[str, float] = {}
            if drifting is not None and drifting[0] == line_id:
                _, name, inside, outside = drifting
                drivers[name] = outside if t > MONTHS - 3 else inside
            benefit = round(planned * BENEFIT_SHARE[t - 1], 2)
            entries.append(Entry(month, line_id, None, benefit, drivers))
    services.replace_months(finance, case.id, entries, months)
    metrics.save(
        finance,
        case.id,
        [MetricEntry(m, "nps", "score", v) for m, v in zip(months, NPS, strict=True)],
    )
    metrics.save(
        finance,
        None,
        [MetricEntry(m, "contacts", "count", v) for m, v in zip(months, CONTACTS, strict=True)],
    )
    return [
        f"Actuals: {MONTHS} months for {case.title} ({months[0]} to {months[-1]}), "
        "with one driver outside its range; NPS for the case and contacts for everyone."
    ]


def _drifting_driver(case: Case) -> tuple[str, str, float, float] | None:
    """(line id, driver, a value inside its assumption's range, one below it)."""
    doc = case.doc
    for line_id, line in lines_of(doc).items():
        for name in line_drivers(line):
            ref = getattr(line, "params", {}).get(name)
            if not isinstance(ref, str):
                continue
            a = doc.assumption(ref)
            if a.low is None or a.high is None or a.low <= 0:
                continue
            return line_id, name, a.value, round(a.low * 0.9, 6)
    return None
