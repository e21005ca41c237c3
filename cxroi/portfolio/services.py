"""Listing cases for the portfolio from the stored summary columns (never recomputed)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import joinedload

from cxroi.extensions import db
from cxroi.workflow import STATES
from models import Case, User
from models._types import MAX_ID

#: Sort keys people can choose, and the columns behind them.
SORTS: dict[str, tuple[str, Any]] = {
    "npv": ("NPV", Case.npv),
    "npv_per_cost": ("NPV per unit of PV cost", Case.npv_per_pv_cost),
    "roi": ("ROI", Case.roi),
    "payback": ("Payback", Case.payback_months),
    "updated": ("Last change", Case.updated_at),
    "title": ("Title", Case.title),
}
DEFAULT_DIRECTION = {"payback": "asc", "title": "asc"}


@dataclass(frozen=True)
class PortfolioQuery:
    q: str = ""
    status: str = ""
    owner: int | None = None
    currency: str = ""
    sort: str = "npv"
    direction: str = "desc"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> PortfolioQuery:
        sort = args.get("sort", "npv")
        sort = sort if sort in SORTS else "npv"
        direction = args.get("dir") or DEFAULT_DIRECTION.get(sort, "desc")
        try:  # past the last page is the last page; no page is past MAX_ID
            page = min(max(1, int(args.get("page", 1))), MAX_ID)
        except ValueError:
            page = 1
        try:
            owner = int(args["owner"]) if args.get("owner") else None
        except ValueError:
            owner = None
        if owner is not None and not 0 <= owner <= MAX_ID:  # no user has that id
            owner = 0
        status = args.get("status", "")
        currency = (args.get("currency") or "").strip().upper()
        return cls(
            q=(args.get("q") or "").strip()[:100],
            status=status if status in STATES else "",
            owner=owner,
            currency=currency if re.fullmatch(r"[A-Z]{3}", currency) else "",
            sort=sort,
            direction="asc" if direction == "asc" else "desc",
            page=page,
        )


@dataclass(frozen=True)
class PortfolioPage:
    cases: list[Case]
    total: int
    page: int
    pages: int
    #: Per currency (money in different currencies is never added up):
    #: ``(currency, cases, sum NPV, sum PV costs, sum PV benefits)``.
    totals: list[tuple[str, int, float, float, float]]


def _conditions(query: PortfolioQuery) -> list[ColumnElement[bool]]:
    """The filters of ``query`` as WHERE conditions (the totals and the page share them)."""
    conditions: list[ColumnElement[bool]] = []
    if query.q:
        like = f"%{query.q.lower()}%"
        conditions.append(
            or_(func.lower(Case.title).like(like), func.lower(Case.description).like(like))
        )
    if query.status:
        conditions.append(Case.status == query.status)
    if query.owner:
        conditions.append(Case.owner_id == query.owner)
    if query.currency:
        conditions.append(Case.currency == query.currency)
    return conditions


def portfolio_page(query: PortfolioQuery, page_size: int) -> PortfolioPage:
    column = SORTS[query.sort][1]
    order = column.asc() if query.direction == "asc" else column.desc()
    totals = [
        (row[0], int(row[1]), row[2] or 0.0, row[3] or 0.0, row[4] or 0.0)
        for row in db.session.execute(
            select(
                Case.currency,
                func.count(Case.id),
                func.sum(Case.npv),
                func.sum(Case.pv_costs),
                func.sum(Case.pv_benefits),
            )
            .where(*_conditions(query))
            .group_by(Case.currency)
            .order_by(Case.currency)
        )
    ]
    total = sum(t[1] for t in totals)
    pages = max(1, -(-total // page_size))
    page = min(query.page, pages)
    stmt = (
        select(Case)
        .where(*_conditions(query))
        .options(joinedload(Case.owner))
        .order_by(order.nulls_last(), Case.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    cases = list(db.session.scalars(stmt))
    return PortfolioPage(
        cases=cases,
        total=total,
        page=page,
        pages=pages,
        totals=totals,
    )


def owners() -> list[User]:
    """People who own at least one case (for the filter)."""
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(select(Case.owner_id).distinct())).order_by(User.email)
        )
    )
