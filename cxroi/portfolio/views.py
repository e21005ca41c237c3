"""The portfolio page (also the home page)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required

from cxroi.portfolio import services
from cxroi.workflow import ARCHIVED, ARCHIVED_LABEL, STATE_LABELS
from models import Case

bp = Blueprint("portfolio", __name__)


def npv_chart(cases: list[Case]) -> dict[str, Any] | None:
    """Bars of NPV for the page's cases in its most common currency (never mixed)."""
    counts = Counter(c.currency for c in cases if c.npv is not None)
    if not counts:
        return None
    currency, count = counts.most_common(1)[0]
    if count < 2:
        return None
    rows = [
        {"title": c.title, "npv": c.npv}
        for c in cases
        if c.currency == currency and c.npv is not None
    ]
    return {"currency": currency, "rows": rows, "all": count == len(cases)}


@bp.get("/")
@login_required
def index() -> str:
    query = services.PortfolioQuery.from_args(request.args)
    page = services.portfolio_page(query, current_app.config["PORTFOLIO_PAGE_SIZE"])
    chart = npv_chart(page.cases)
    return render_template(
        "portfolio/index.html",
        chart=chart,
        query=query,
        page=page,
        sorts=services.SORTS,
        links=query.filters(),
        statuses={**STATE_LABELS, ARCHIVED: ARCHIVED_LABEL},
        owners=services.owners(),
    )
