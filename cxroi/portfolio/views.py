"""The portfolio page (also the home page)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup, escape

from cxroi.formatting import money, pct, ratio, signed_class, when
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


_ROW = (
    "\n  <tr>\n"
    '    <td class="num rank">{rank}</td>\n'
    '    <th scope="row"><a href="{url}">{title}</a></th>\n'
    '    <td data-label="Owner">{owner}</td>\n'
    '    <td data-label="Status"><span class="badge badge-{status}">{status_label}</span>'
    "{archived}</td>\n"
    '    <td class="{npv_class}" data-label="NPV">{npv}</td>\n'
    '    <td class="{per_cost_class}" data-label="NPV / PV cost">{per_cost}</td>\n'
    '    <td class="{roi_class}" data-label="ROI">{roi}</td>\n'
    '    <td class="num" data-label="Payback">{payback}</td>\n'
    '    <td data-label="Last change">{changed}</td>\n'
    "  </tr>\n  "
)


def table_rows(cases: list[Case], first_rank: int) -> Markup:
    """The table's rows, each value escaped: made here rather than by a template loop,
    which was the largest part of the page's own work (25 rows of nine cells, each
    through a filter, and a URL built per row)."""
    probe = url_for("cases.show", case_id=1)
    prefix = probe[:-1] if probe.endswith("/1") else None
    archived = Markup(' <span class="badge badge-archived">{}</span>').format(ARCHIVED_LABEL)
    rows = []
    for rank, c in enumerate(cases, start=first_rank + 1):
        url = f"{prefix}{c.id}" if prefix else url_for("cases.show", case_id=c.id)
        payback = "\u2014" if c.payback_months is None else f"{c.payback_months:.1f} mo"
        rows.append(
            _ROW.format(
                rank=rank,
                url=escape(url),
                title=escape(c.title),
                owner=escape(c.owner.display_name),
                status=escape(c.status),
                status_label=escape(c.status_label),
                archived=archived if c.archived else "",
                npv_class=signed_class(c.npv),
                npv=escape(money(c.npv, c.currency)),
                per_cost_class=signed_class(c.npv_per_pv_cost),
                per_cost=escape(ratio(c.npv_per_pv_cost)),
                roi_class=signed_class(c.roi),
                roi=escape(pct(c.roi)),
                payback=escape(payback),
                changed=escape(when(c.updated_at)),
            )
        )
    return Markup("".join(rows))


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
        rows=table_rows(page.cases, page.first_rank),
        sorts=services.SORTS,
        links=query.filters(),
        statuses={**STATE_LABELS, ARCHIVED: ARCHIVED_LABEL},
        owners=services.owners(),
    )
