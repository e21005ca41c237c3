"""The monthly council pack: a PDF (WeasyPrint, charts drawn on the server as SVG) and a
workbook whose Actuals sheet recalculates to the app's figures.

Both are built inside an application context: the PDF is the ``council/pack.html``
template with the app's own number filters, so its text carries each initiative's
figures exactly as the council page shows them.
"""

from __future__ import annotations

import json
from typing import Any

from flask import render_template

from cxroi.approvals.errors import NotFound
from cxroi.council import services
from cxroi.engine.casefile import rate_of
from cxroi.engine.timeline import monthly_rate
from cxroi.errors import DomainError
from cxroi.realisation.charts import cumulative_svg
from cxroi.realisation.services import Initiative, approved_initiatives
from cxroi.workbook.actuals import PackInitiative, pack_workbook_bytes
from models.council import AGENDA, CouncilMeeting


def _meeting(month: str) -> CouncilMeeting | None:
    try:
        return services.meeting_for(month)
    except NotFound:
        return None


def html(month: str, initiatives: list[Initiative] | None = None) -> str:
    month = services.parse_month(month)
    initiatives = approved_initiatives() if initiatives is None else initiatives
    meeting = _meeting(month)
    return render_template(
        "council/pack.html",
        month=month,
        meeting=meeting,
        agenda=AGENDA,
        initiatives=initiatives,
        charts={
            i.case.id: cumulative_svg(
                i.realisation.months,
                i.realisation.cumulative_plan,
                i.realisation.cumulative_actual,
                title=i.case.title,
            )
            for i in initiatives
        },
        actions=services.actions(open_only=False),
        decisions=[d for d in services.decisions() if d.decided_on.strftime("%Y-%m") <= month],
    )


#: The Debian packages WeasyPrint loads at import (``.ci/run`` installs them).
PDF_SYSTEM_PACKAGES = (
    "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 "
    "libglib2.0-0 fonts-dejavu-core"
)


class PdfUnavailable(DomainError):
    """WeasyPrint or the system libraries it loads (Pango, HarfBuzz ...) are missing."""

    status = 503


def weasyprint_problem() -> str | None:
    """Why the PDF pack cannot be made on this machine, or None when it can."""
    try:
        import weasyprint  # noqa: F401  # heavy: imported when a pack is asked for
    except (ImportError, OSError) as exc:  # OSError: a shared library cannot be loaded
        return (
            f"The PDF pack needs WeasyPrint and its system libraries ({exc}); install "
            f"them with apt-get install {PDF_SYSTEM_PACKAGES}. The workbook pack "
            "(pack.xlsx) does not need them."
        )
    return None


def pdf(month: str) -> bytes:
    problem = weasyprint_problem()
    if problem is not None:
        raise PdfUnavailable(problem)
    from weasyprint import HTML

    document: bytes = HTML(string=html(month)).write_pdf()
    return document


def workbook(month: str) -> bytes:
    month = services.parse_month(month)
    items = [
        PackInitiative(
            title=i.case.title,
            start_month=str(_version_doc(i)["start_month"]),
            monthly_rate=monthly_rate(rate_of(_version_doc(i)) or 0.0),
            realisation=i.realisation,
        )
        for i in approved_initiatives()
    ]
    return pack_workbook_bytes(month, items)


def _version_doc(initiative: Initiative) -> dict[str, Any]:
    """The approved version's case document (its start month and discount rate)."""
    doc: dict[str, Any] = json.loads(initiative.version.case_json)
    return doc
