"""The portfolio page (also the home page)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required

from cxroi.portfolio import services
from models.case import STATUS_LABELS

bp = Blueprint("portfolio", __name__)


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    query = services.PortfolioQuery.from_args(request.args)
    page = services.portfolio_page(query, current_app.config["PORTFOLIO_PAGE_SIZE"])
    return render_template(
        "portfolio/index.html",
        query=query,
        page=page,
        sorts=services.SORTS,
        statuses=STATUS_LABELS,
        owners=services.owners(),
    )
