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

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxroi.engine import Assumption, BenefitLine, CaseFile, CostLine, Scenario, load_case
from cxroi.extensions import Base
from cxroi.workflow import DRAFT
from cxroi.workflow import label as state_label
from models._types import utcnow
from models.user import User


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_npv", "npv"),
        Index("ix_cases_npv_per_pv_cost", "npv_per_pv_cost"),
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_status", "status"),
        # Covers the portfolio's totals per currency, so they never read the wide rows.
        Index("ix_cases_totals", "currency", "npv", "pv_costs", "pv_benefits"),
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

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012

    @property
    def status_label(self) -> str:
        return state_label(self.status)

    # -- the document, read ------------------------------------------------------------

    @property
    def doc(self) -> CaseFile:
        """The stored document as the engine's typed, validated object (parsed once)."""
        text = self.document
        cached = self.__dict__.get("_doc_cache")
        if cached is None or cached[0] is not text:
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
    def discount_rate(self) -> float:
        return self.doc.discount_rate

    def assumption_by_key(self, key: str) -> Assumption | None:
        return next((a for a in self.assumptions if a.key == key), None)

    def assumption_by_id(self, item_id: str) -> Assumption | None:
        return next((a for a in self.assumptions if a.id == item_id), None)
