"""Listing cases for the portfolio from the stored summary columns (never recomputed).

Pages are keyset pages: a page is "the ``n`` cases after (or before) this key" in the
chosen order, where the key is the sort value and id of a row (:class:`PageKey`), so
the hundredth page costs what the first does. The order is the sort column in the
chosen direction, ties broken by id in the same direction, cases without a value
(NULL) last. That order is read as two index ranges, the cases with a value
(``(col, id) < (:v, :id)``) and then those without (``col IS NULL AND id < :id``), which
is what lets one ascending ``(col, id)`` index serve both directions on SQLite and
PostgreSQL (the two place NULLs differently; neither range holds both kinds).

Totals per currency come from ``portfolio_totals``, which the database keeps as cases
change (:mod:`models.portfolio_total`); only a text search aggregates its matches.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from cxroi import orgsettings, workflow
from cxroi.engine.schema import text_problem
from cxroi.errors import DomainError
from cxroi.extensions import db
from cxroi.workflow import STATES
from models import Case, PortfolioTotal, User
from models._types import MAX_ID

#: The longest key and search text a request may carry.
MAX_KEY_CHARS = 2_000
MAX_QUERY_CHARS = 100


@dataclass(frozen=True)
class Sort:
    label: str
    column: InstrumentedAttribute[Any]
    #: "number", "text" or "time": what a key's value must be.
    kind: str
    default_direction: str = "desc"
    #: Whether it compares amounts of money: cases in different currencies are then not
    #: ranked like with like (ratios and months are the same in any currency).
    in_money: bool = False

    @property
    def nullable(self) -> bool:
        return bool(self.column.property.columns[0].nullable)


#: Sort keys people can choose, and the columns behind them (each has an index).
SORTS: dict[str, Sort] = {
    "npv": Sort("NPV", Case.npv, "number", in_money=True),
    "npv_per_cost": Sort("NPV per unit of PV cost", Case.npv_per_pv_cost, "number"),
    "roi": Sort("ROI", Case.roi, "number"),
    "payback": Sort("Payback", Case.payback_months, "number", "asc"),
    "updated": Sort("Last change", Case.updated_at, "time"),
    "title": Sort("Title", Case.title, "text", "asc"),
}


class BadPortfolioRequest(DomainError):
    """A query-string argument that cannot be a portfolio request (400, naming it)."""


@dataclass(frozen=True)
class PageKey:
    """A row's place in an order: its sort value (None: no value), its id, its rank."""

    value: float | str | datetime | None
    id: int
    #: The row's 0-based position in the whole order (for the "#" column; display only).
    rank: int

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        raw = json.dumps([value, self.id, self.rank], separators=(",", ":"), allow_nan=False)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, name: str, token: str, sort: Sort) -> PageKey:
        """The key in ``token``, or :class:`BadPortfolioRequest` naming ``name``."""

        def bad(why: str) -> BadPortfolioRequest:
            return BadPortfolioRequest(
                f"The page key '{name}' {why}. Use the portfolio's Next and Previous links, "
                "or open the portfolio again from its first page."
            )

        if len(token) > MAX_KEY_CHARS:
            raise bad(f"is longer than {MAX_KEY_CHARS:,} characters")
        if not re.fullmatch(r"[A-Za-z0-9_-]*", token):
            raise bad("holds characters a page key never has")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
            raise bad("is not a page key") from None
        if not isinstance(data, list) or len(data) != 3:
            raise bad("is not a page key")
        value, row_id, rank = data
        if not _is_int(row_id) or not 1 <= row_id <= MAX_ID:
            raise bad(f"must name a case id from 1 to {MAX_ID:,}")
        if not _is_int(rank) or not 0 <= rank <= MAX_ID:
            raise bad(f"must hold a position from 0 to {MAX_ID:,}")
        return cls(_key_value(value, sort, bad), row_id, rank)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _key_value(value: Any, sort: Sort, bad: Any) -> float | str | datetime | None:
    if value is None:
        if not sort.nullable:
            raise bad(f"must hold a {sort.label.lower()} (this order has no empty values)")
        return None
    if sort.kind == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise bad(f"must hold a number for the order by {sort.label}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise bad("holds a number too large to be a stored figure")
        return number
    if not isinstance(value, str):
        raise bad(f"must hold text for the order by {sort.label.lower()}")
    if len(value) > MAX_KEY_CHARS:
        raise bad("holds a value longer than any stored one")
    if (problem := text_problem(value)) is not None:
        raise bad(f"holds text that {problem}")
    if sort.kind == "time":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise bad("must hold a date and time") from None
    return value


@dataclass(frozen=True)
class PortfolioQuery:
    q: str = ""
    status: str = ""
    owner: int | None = None
    currency: str = ""
    sort: str = "npv"
    direction: str = "desc"
    #: "all": the totals count every case the filter selects; else (the default, with no
    #: status chosen) only :data:`workflow.COUNTED_IN_TOTALS`.
    counted: str = ""
    #: Show the page after this key, or (``before``) the page that ends just before it.
    after: PageKey | None = None
    before: PageKey | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> PortfolioQuery:
        """Unknown sorts and filters fall back to their defaults; a bad key or text is 400."""
        sort = args.get("sort", "npv")
        sort = sort if sort in SORTS else "npv"
        direction = args.get("dir") or SORTS[sort].default_direction
        try:
            owner = int(args["owner"]) if args.get("owner") else None
        except ValueError:
            owner = None
        if owner is not None and not 1 <= owner <= MAX_ID:
            owner = None
        status = args.get("status", "")
        currency = (args.get("currency") or "").strip().upper()
        q = (args.get("q") or "").strip()[:MAX_QUERY_CHARS]
        if (problem := text_problem(q)) is not None:
            raise BadPortfolioRequest(f"The search text 'q' {problem}.")
        keys = {name: args.get(name) or "" for name in ("after", "before")}
        if keys["after"] and keys["before"]:
            raise BadPortfolioRequest("Give one page key, 'after' or 'before', not both.")
        decoded = {
            name: PageKey.decode(name, token, SORTS[sort]) if token else None
            for name, token in keys.items()
        }
        return cls(
            q=q,
            status=status if status in STATES or status == workflow.ARCHIVED else "",
            owner=owner,
            currency=currency if re.fullmatch(r"[A-Z]{3}", currency) else "",
            sort=sort,
            direction="asc" if direction == "asc" else "desc",
            after=decoded["after"],
            before=decoded["before"],
            counted="all" if args.get("counted") == "all" else "",
        )

    def filters(self) -> dict[str, Any]:
        """The query-string arguments of the filters and order (for links)."""
        return {
            "q": self.q or None,
            "status": self.status or None,
            "owner": self.owner,
            "currency": self.currency or None,
            "sort": self.sort,
            "dir": self.direction,
            "counted": self.counted or None,
        }

    @property
    def totals_scoped(self) -> bool:
        """Whether the totals count only approved and in-flight cases."""
        return not self.status and self.counted != "all"


@dataclass(frozen=True)
class PortfolioPage:
    cases: list[Case]
    #: How many cases the filter selects (all pages).
    total: int
    #: The 0-based position of the page's first case in the whole order.
    first_rank: int
    #: Keys for the "Previous" and "Next" links (None: no such page).
    before: PageKey | None
    after: PageKey | None
    #: Per currency (money in different currencies is never added up):
    #: ``(currency, cases, sum NPV, sum PV costs, sum PV benefits)``; with no status
    #: chosen, of approved and in-flight cases only unless the query asks for all.
    totals: list[tuple[str, int, float, float, float]]
    #: The same totals converted to the reporting currency at finance's rates (None: no
    #: reporting currency chosen, or every total is in it already).
    converted: ConvertedTotals | None = None


@dataclass(frozen=True)
class ConvertedTotals:
    """Totals of several currencies in the reporting one, at the rates finance set.

    A currency without a rate is left out of the sums (listed in ``missing`` with its number
    of cases): never added up in the wrong currency."""

    reporting: str
    cases: int
    npv: float
    pv_costs: float
    pv_benefits: float
    #: The rates used (the reporting currency itself needs none).
    rates: list[orgsettings.FxRate]
    #: ``(currency, cases)`` of the totals left out: no rate to the reporting currency.
    missing: list[tuple[str, int]]


def converted_totals(
    totals: Sequence[tuple[str, int, float, float, float]], fx: orgsettings.FxRates | None
) -> ConvertedTotals | None:
    """Each currency's totals times its rate, added up; None when there is nothing to convert.

    >>> from datetime import date
    >>> eur = orgsettings.FxRate("EUR", 0.85, date(2026, 11, 1), None, date(2026, 11, 2))
    >>> fx = orgsettings.FxRates("GBP", {"EUR": eur})
    >>> c = converted_totals([("EUR", 2, 1000.0, 400.0, 1400.0), ("GBP", 1, 10.0, 5.0, 15.0),
    ...                       ("USD", 3, 7.0, 1.0, 8.0)], fx)
    >>> (c.cases, c.npv, c.pv_costs, c.missing)
    (3, 860.0, 345.0, [('USD', 3)])
    """
    if fx is None or all(t[0] == fx.reporting for t in totals):
        return None
    cases, npv, pv_costs, pv_benefits = 0, 0.0, 0.0, 0.0
    used: list[orgsettings.FxRate] = []
    missing: list[tuple[str, int]] = []
    for currency, count, t_npv, t_costs, t_benefits in totals:
        rate = fx.rate_of(currency)
        if rate is None:
            missing.append((currency, count))
            continue
        if currency != fx.reporting:
            used.append(fx.rates[currency])
        cases += count
        npv += t_npv * rate
        pv_costs += t_costs * rate
        pv_benefits += t_benefits * rate
    return ConvertedTotals(fx.reporting, cases, npv, pv_costs, pv_benefits, used, missing)


def search_condition(text_query: str) -> ColumnElement[bool]:
    """Title or description contains ``text_query``, any case (ILIKE on PostgreSQL, which
    the trigram indexes serve; ``lower() LIKE lower()`` on SQLite). ``%`` and ``_`` are
    literal."""
    escaped = re.sub(r"([/%_])", r"/\1", text_query)
    pattern = f"%{escaped}%"
    return or_(Case.title.ilike(pattern, escape="/"), Case.description.ilike(pattern, escape="/"))


def _conditions(query: PortfolioQuery) -> list[ColumnElement[bool]]:
    """The filters of ``query`` as WHERE conditions on ``cases``."""
    conditions: list[ColumnElement[bool]] = []
    if query.q:
        conditions.append(search_condition(query.q))
    # Archived cases are listed (and added up) only under their own filter.
    if query.status == workflow.ARCHIVED:
        conditions.append(Case.archived_at.is_not(None))
    else:
        conditions.append(Case.archived_at.is_(None))
        if query.status:
            conditions.append(Case.status == query.status)
    if query.owner:
        conditions.append(Case.owner_id == query.owner)
    if query.currency:
        conditions.append(Case.currency == query.currency)
    return conditions


Totals = list[tuple[str, int, float, float, float]]


def totals(query: PortfolioQuery, *, scoped: bool = False) -> Totals:
    """Totals per currency of the cases the filter selects (``scoped``: only those in
    :data:`workflow.COUNTED_IN_TOTALS`)."""
    every, counted = totals_and_counted(query)
    return counted if scoped else every


def totals_and_counted(query: PortfolioQuery) -> tuple[Totals, Totals]:
    """Totals per currency of the cases the filter selects, and of those among them in
    :data:`workflow.COUNTED_IN_TOTALS`, from one statement.

    Read from the kept totals (a few rows) unless the filter searches text; a search
    aggregates the cases it matches, once, per currency and status (a broad search
    matches thousands of cases: a second aggregate for the counted ones read them all
    again). The few (currency, status) sums are added up here.
    """
    if query.q:
        source: Any = Case
        count: Any = func.count(Case.id)
        conditions = _conditions(query)
    else:
        # An archived case is kept under the status "archived" (models.portfolio_total).
        source = PortfolioTotal
        count = func.sum(PortfolioTotal.cases)
        conditions = [
            PortfolioTotal.status == query.status
            if query.status
            else PortfolioTotal.status != workflow.ARCHIVED
        ]
        if query.owner:
            conditions.append(PortfolioTotal.owner_id == query.owner)
        if query.currency:
            conditions.append(PortfolioTotal.currency == query.currency)
    stmt = (
        select(
            source.currency,
            source.status,
            count,
            func.sum(source.npv),
            func.sum(source.pv_costs),
            func.sum(source.pv_benefits),
        )
        .where(*conditions)
        .group_by(source.currency, source.status)
        .order_by(source.currency, source.status)
    )
    every: dict[str, list[Any]] = {}
    counted: dict[str, list[Any]] = {}
    for currency, status, cases, *sums in db.session.execute(stmt):
        if not cases:  # a kept row may be left at zero cases
            continue
        scopes = [every, counted] if status in workflow.COUNTED_IN_TOTALS else [every]
        for scope in scopes:
            acc = scope.setdefault(currency, [0, 0.0, 0.0, 0.0])
            acc[0] += int(cases)
            for i, value in enumerate(sums, start=1):
                acc[i] += value or 0.0
    return _listed(every), _listed(counted)


def _listed(by_currency: dict[str, list[Any]]) -> Totals:
    return [(currency, *acc) for currency, acc in sorted(by_currency.items())]


class Order:
    """The portfolio order for one sort and direction, read as two index ranges."""

    def __init__(self, query: PortfolioQuery) -> None:
        self.sort = SORTS[query.sort]
        self.ascending = query.direction == "asc"
        self.conditions = _conditions(query)

    def statement(self, limit: int) -> Select[Case]:
        stmt = select(Case).where(*self.conditions).options(joinedload(Case.owner))
        return stmt.limit(limit)

    def valued_query(self, key: PageKey | None, forward: bool, limit: int) -> Select[Case]:
        """Cases with a value, from ``key`` (exclusive; None: from the end it starts at)."""
        column = self.sort.column
        ascending = self.ascending == forward
        stmt = self.statement(limit).where(column.is_not(None))
        if key is not None and key.value is not None:
            here = tuple_(column, Case.id)
            bound = tuple_(key.value, key.id)
            stmt = stmt.where(here > bound if ascending else here < bound)
        # No NULLS FIRST/LAST: this range has no NULL, and the default order is the index's
        # own (forwards or backwards) on both databases.
        order = (column.asc(), Case.id.asc()) if ascending else (column.desc(), Case.id.desc())
        return stmt.order_by(*order)

    def empty_query(self, key: PageKey | None, forward: bool, limit: int) -> Select[Case]:
        """Cases without a value (ordered by id), from ``key`` (exclusive)."""
        ascending = self.ascending == forward
        stmt = self.statement(limit).where(self.sort.column.is_(None))
        if key is not None and key.value is None:
            stmt = stmt.where(Case.id > key.id if ascending else Case.id < key.id)
        return stmt.order_by(Case.id.asc() if ascending else Case.id.desc())

    def valued(self, key: PageKey | None, forward: bool, limit: int) -> list[Case]:
        return list(db.session.scalars(self.valued_query(key, forward, limit)))

    def empty(self, key: PageKey | None, forward: bool, limit: int) -> list[Case]:
        if not self.sort.nullable:
            return []
        return list(db.session.scalars(self.empty_query(key, forward, limit)))

    def after(self, key: PageKey | None, limit: int) -> list[Case]:
        """Up to ``limit`` cases following ``key`` (None: from the start), in order."""
        if key is not None and key.value is None:
            return self.empty(key, True, limit)
        rows = self.valued(key, True, limit)
        if len(rows) < limit:
            rows += self.empty(None, True, limit - len(rows))
        return rows

    def before(self, key: PageKey, limit: int) -> list[Case]:
        """Up to ``limit`` cases preceding ``key``, nearest first."""
        if key.value is not None:
            return self.valued(key, False, limit)
        rows = self.empty(key, False, limit)
        if len(rows) < limit:
            rows += self.valued(None, False, limit - len(rows))
        return rows

    def key(self, case: Case, rank: int) -> PageKey:
        value = getattr(case, self.sort.column.key)
        return PageKey(value, case.id, rank)


def portfolio_page(query: PortfolioQuery, page_size: int) -> PortfolioPage:
    order = Order(query)
    every, counted = totals_and_counted(query)
    kept = counted if query.totals_scoped else every
    total = sum(t[1] for t in every)
    cases: Sequence[Case] = []
    if query.before is not None:
        preceding = order.before(query.before, page_size + 1)
        if len(preceding) >= page_size:
            cases = preceding[:page_size][::-1]
            first_rank = max(0, query.before.rank - page_size)
            has_before = len(preceding) > page_size
            has_after = True
    if not cases:  # the first page, a page after a key, or "before" reached the start
        key = query.after
        following = order.after(key, page_size + 1)
        if key is not None and not following:  # nothing left after it (cases went): start
            key = None
            following = order.after(None, page_size + 1)
        cases = following[:page_size]
        first_rank = 0 if key is None else key.rank + 1
        has_before = key is not None and bool(cases)
        has_after = len(following) > page_size
    return PortfolioPage(
        cases=list(cases),
        total=total,
        first_rank=first_rank,
        before=order.key(cases[0], first_rank) if has_before else None,
        after=order.key(cases[-1], first_rank + len(cases) - 1) if has_after else None,
        totals=kept,
        converted=converted_totals(kept, orgsettings.fx_rates()),
    )


@dataclass(frozen=True)
class NumberedPage:
    cases: list[Case]
    total: int
    page: int
    pages: int


def numbered_page(query: PortfolioQuery, page: int, page_size: int) -> NumberedPage:
    """Page ``page`` (1-based; past the last: the last) in the portfolio's order, by OFFSET.

    The JSON API's paging (its published contract); the web page uses keys. Same order
    as the keyset ranges: the value in the chosen direction, NULLs last, then the id.
    """
    order = Order(query)
    total = sum(t[1] for t in totals(query))
    pages = max(1, -(-total // page_size))
    page = min(page, pages)
    column = order.sort.column
    by = (column.asc(), Case.id.asc()) if order.ascending else (column.desc(), Case.id.desc())
    stmt = order.statement(page_size).order_by(by[0].nulls_last(), by[1])
    cases = list(db.session.scalars(stmt.offset((page - 1) * page_size)))
    return NumberedPage(cases=cases, total=total, page=page, pages=pages)


@dataclass(frozen=True)
class Owner:
    """A choice of the owner filter: the user's id and the name shown."""

    id: int
    display_name: str


def owners() -> list[Owner]:
    """People who own at least one case (for the filter): users with a kept total.

    Their ids and names only (the filter shows nothing else): no user object is built
    per owner on every portfolio page."""
    owning = (
        select(PortfolioTotal.owner_id)
        .group_by(PortfolioTotal.owner_id)
        .having(func.sum(PortfolioTotal.cases) > 0)
    )
    rows = db.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(owning)).order_by(User.email)
    )
    # The name a user shows, as User.display_name gives it.
    return [Owner(id_, User.shown_name(name, email)) for id_, name, email in rows]
