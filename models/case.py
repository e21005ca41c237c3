"""A business case, stored as its document.

The case *is* its ``cxroi-case/2`` document (:attr:`Case.document`, the canonical
JSON, whose SHA-256 is :attr:`Case.case_hash`) and the engine's result for it
(:attr:`Case.result`). The other columns are what lists need (title, description for
search, status, owner, currency and the headline metrics); the save that writes the
document writes them too (:func:`cxroi.cases.services.store`), so they never disagree.
Nothing maps the document into rows: pages read :attr:`Case.doc`, the engine's typed
view of the same document.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxroi.engine import Assumption, BenefitLine, CaseFile, CostLine, Scenario, load_case
from cxroi.extensions import Base
from cxroi.workflow import DRAFT
from cxroi.workflow import label as state_label
from models._types import utcnow
from models.user import User

log = logging.getLogger(__name__)

#: The columns the portfolio sorts by (each has an index ending in ``id``).
SORT_COLUMNS = ("npv", "npv_per_pv_cost", "roi", "payback_months", "updated_at", "title")
#: The columns search reads (a trigram index each on PostgreSQL).
SEARCHED_COLUMNS = ("title", "description")


def trigram_search(conn: Connection) -> bool:
    """PostgreSQL with ``pg_trgm`` installed: search has a trigram index."""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    return found.first() is not None


def create_trigram_extension(conn: Connection) -> bool:
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm`` (PostgreSQL); False, logged, if refused.

    Without it search still works (``ILIKE`` scans the rows), only slower.
    """
    if conn.dialect.name != "postgresql":
        return False
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError:
        log.warning("pg_trgm could not be created: portfolio search will scan", exc_info=True)
        return False
    return True


def _trigrams(  # SQLAlchemy's DDLIfCallable
    ddl: Any,
    target: Any,
    bind: Connection | None,
    tables: Any = None,
    state: Any = None,
    **_kw: Any,
) -> bool:
    """Create the search indexes: always on SQLite (empty), on PostgreSQL with pg_trgm."""
    if bind is None or bind.dialect.name == "sqlite":
        return True
    return trigram_search(bind)


@event.listens_for(Base.metadata, "before_create")
def _extensions(_metadata: Any, conn: Connection, **_kw: Any) -> None:
    create_trigram_extension(conn)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # One index per portfolio sort, ending in the id that breaks ties, so a page
        # (keyset: ``WHERE (col, id) < (:v, :id) ORDER BY col, id LIMIT n``) reads n
        # index entries whatever its depth. Ascending with NULLs where the database puts
        # them: the portfolio reads non-NULL values and NULLs as two ranges (see
        # cxroi.portfolio.services), so one index serves both directions on SQLite and
        # PostgreSQL alike.
        *(Index(f"ix_cases_{column}_id", column, "id") for column in SORT_COLUMNS),
        # The portfolio's filters.
        Index("ix_cases_status", "status"),
        Index("ix_cases_currency", "currency"),
        # Search (``ILIKE '%…%'``) through trigrams on PostgreSQL. SQLite has no such
        # index and scans with LIKE: there the index is an empty partial one (WHERE 0),
        # so that both databases have the schema the models describe at no cost.
        *(
            Index(
                f"ix_cases_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
                sqlite_where=text("0"),
            ).ddl_if(callable_=_trigrams)
            for column in SEARCHED_COLUMNS
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # -- list columns, written from the document by the same save --------------------
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    #: One of :data:`cxroi.workflow.STATES`; only the workflow's steps change it.
    status: Mapped[str] = mapped_column(String(30), default=DRAFT)
    #: Optimistic lock: carried in every edit form; SQLAlchemy refuses a stale UPDATE.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When and by whom the case was archived (None: it is not). Archiving is soft: the
    #: case, its versions, links and history stay; the portfolio hides it and it is
    #: read-only until restored (:mod:`cxroi.cases.archive`; why is in the audit trail).
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: No database foreign key (added without rebuilding ``cases``): accounts are switched
    #: off, never deleted.
    archived_by_id: Mapped[int | None] = mapped_column(Integer)

    # What the engine said at the last save, so that no GET recomputes.
    case_hash: Mapped[str | None] = mapped_column(String(64))
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    npv: Mapped[float | None] = mapped_column(Float)
    npv_unadjusted: Mapped[float | None] = mapped_column(Float)
    irr: Mapped[float | None] = mapped_column(Float)
    roi: Mapped[float | None] = mapped_column(Float)
    bcr: Mapped[float | None] = mapped_column(Float)
    payback_months: Mapped[float | None] = mapped_column(Float)
    discounted_payback_months: Mapped[float | None] = mapped_column(Float)
    total_costs: Mapped[float | None] = mapped_column(Float)
    total_benefits: Mapped[float | None] = mapped_column(Float)
    pv_costs: Mapped[float | None] = mapped_column(Float)
    pv_benefits: Mapped[float | None] = mapped_column(Float)
    #: NPV per unit of PV cost: the ranking a council uses when money is short.
    npv_per_pv_cost: Mapped[float | None] = mapped_column(Float)
    prob_npv_positive: Mapped[float | None] = mapped_column(Float)
    #: The case document: canonical ``cxroi-case/2`` JSON (its SHA-256 is ``case_hash``).
    #: Deferred, like the result: lists never read it.
    document: Mapped[str] = mapped_column(Text, deferred=True)
    #: The engine's whole result document. Deferred, and the last column: SQLite keeps a
    #: large value in overflow pages, and a column after it would make every portfolio
    #: scan walk them.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    archived_by: Mapped[User | None] = relationship(
        primaryjoin="foreign(Case.archived_by_id) == User.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012

    @property
    def status_label(self) -> str:
        return state_label(self.status)

    @property
    def archived(self) -> bool:
        """Whether the case is archived (read-only, hidden from the portfolio's list)."""
        return self.archived_at is not None

    # -- the document, read ------------------------------------------------------------

    @property
    def doc(self) -> CaseFile:
        """The stored document as the engine's typed, validated object (parsed once)."""
        text = self.document
        cached = self.__dict__.get("_doc_cache")
        # Compared by value: a commit expires the column and reloads the same text.
        if cached is None or cached[0] != text:
            cached = (text, load_case(text))
            self.__dict__["_doc_cache"] = cached
        parsed: CaseFile = cached[1]
        return parsed

    @property
    def assumptions(self) -> tuple[Assumption, ...]:
        return self.doc.assumptions

    @property
    def costs(self) -> tuple[CostLine, ...]:
        return self.doc.costs

    @property
    def nothing_to_price(self) -> bool:
        return self.doc.nothing_to_price

    @property
    def benefits(self) -> tuple[BenefitLine, ...]:
        return self.doc.benefits

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return self.doc.scenarios

    @property
    def customer_problem(self) -> str | None:
        return self.doc.customer_problem

    @property
    def evidence(self) -> str | None:
        return self.doc.evidence

    @property
    def start_month(self) -> str:
        return self.doc.start_month

    @property
    def horizon_months(self) -> int:
        return self.doc.horizon_months

    @property
    def fiscal_year_start(self) -> str:
        """As the case form's choice: the calendar month, or "" for the case's own years."""
        month = self.doc.fiscal_year_start
        return "" if month is None else str(month)

    @property
    def discount_rate(self) -> float:
        return self.doc.discount_rate

    @property
    def discounting(self) -> str:
        """The case's discounting convention (the case form's choice)."""
        return self.doc.discounting

    @property
    def inflation_rate(self) -> float:
        """The case's annual inflation (0: none); its amounts are then nominal."""
        return self.doc.inflation_rate

    def assumption_by_key(self, key: str) -> Assumption | None:
        return next((a for a in self.assumptions if a.key == key), None)

    def assumption_by_id(self, item_id: str) -> Assumption | None:
        return next((a for a in self.assumptions if a.id == item_id), None)
