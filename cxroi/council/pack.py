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
from cxroi.engine.timeline import monthly_rate
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


def pdf(month: str) -> bytes:
    from weasyprint import HTML  # heavy: imported when a pack is asked for

    document: bytes = HTML(string=html(month)).write_pdf()
    return document


def workbook(month: str) -> bytes:
    month = services.parse_month(month)
    items = [
        PackInitiative(
            title=i.case.title,
            start_month=str(_version_doc(i)["start_month"]),
            monthly_rate=monthly_rate(float(_version_doc(i)["discount_rate"])),
            realisation=i.realisation,
        )
        for i in approved_initiatives()
    ]
    return pack_workbook_bytes(month, items)


def _version_doc(initiative: Initiative) -> dict[str, Any]:
    """The approved version's case document (its start month and discount rate)."""
    doc: dict[str, Any] = json.loads(initiative.version.case_json)
    return doc
