"""A business case and its parts: assumptions, cost and benefit lines, scenarios.

The rows hold what people typed; :meth:`Case.to_case_document` turns them into a
``cxroi-case/1`` document and :meth:`Case.to_case_file` into the engine's
validated :class:`~cxroi.engine.CaseFile`. Fields the format has no place for
(customer problem, evidence, confidence) are app-only columns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxroi.engine import FORMAT, CaseFile, load_case
from cxroi.extensions import db
from cxroi.workflow import DRAFT
from cxroi.workflow import label as state_label
from models._types import utcnow
from models.user import User

CONFIDENCE_LEVELS = ("low", "medium", "high")


class Case(db.Model):
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
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    customer_problem: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    start_month: Mapped[str] = mapped_column(String(7))
    horizon_months: Mapped[int] = mapped_column(Integer)
    discount_rate: Mapped[float] = mapped_column(Float)
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
    #: The engine's whole result document. Deferred, and the last column: SQLite keeps a
    #: large value in overflow pages, and a column after it would make every portfolio
    #: scan walk them.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    assumptions: Mapped[list[AssumptionRow]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="AssumptionRow.position"
    )
    costs: Mapped[list[CostLineRow]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CostLineRow.position"
    )
    benefits: Mapped[list[BenefitLineRow]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="BenefitLineRow.position"
    )
    scenarios: Mapped[list[ScenarioRow]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="ScenarioRow.position"
    )

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012

    @property
    def status_label(self) -> str:
        return state_label(self.status)

    def assumption_by_key(self, key: str) -> AssumptionRow | None:
        return next((a for a in self.assumptions if a.key == key), None)

    def to_case_document(self) -> dict[str, Any]:
        """The rows as a ``cxroi-case/1`` document (not yet validated)."""
        doc: dict[str, Any] = {
            "format": FORMAT,
            "title": self.title,
            "currency": self.currency,
            "start_month": self.start_month,
            "horizon_months": self.horizon_months,
            "discount_rate": self.discount_rate,
            "assumptions": [a.to_document() for a in self.assumptions],
            "costs": [c.to_document() for c in self.costs],
            "benefits": [b.to_document() for b in self.benefits],
            "scenarios": [s.to_document() for s in self.scenarios],
        }
        if self.description:
            doc["description"] = self.description
        return doc

    def to_case_file(self) -> CaseFile:
        """The validated case the engine prices (raises ``CaseValidationError``)."""
        return load_case(self.to_case_document())


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class AssumptionRow(db.Model):
    __tablename__ = "assumptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(Text)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)
    #: The department that owns the number (``Finance`` ones are edited by finance).
    owner: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str | None] = mapped_column(String(10))  # app-only
    notes: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="assumptions")

    @property
    def finance_owned(self) -> bool:
        return (self.owner or "").strip().lower() == "finance"

    def to_document(self) -> dict[str, Any]:
        return _drop_none(
            {
                "key": self.key,
                "label": self.label,
                "value": self.value,
                "unit": self.unit,
                "low": self.low,
                "high": self.high,
                "source": self.source or None,
                "owner": self.owner or None,
                "notes": self.notes or None,
            }
        )


class CostLineRow(db.Model):
    __tablename__ = "cost_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    # Free text of any length in the case file: Text, so no import is cut short.
    category: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    recurrence: Mapped[str] = mapped_column(String(10))
    month: Mapped[int | None] = mapped_column(Integer)
    start_month: Mapped[int | None] = mapped_column(Integer)
    end_month: Mapped[int | None] = mapped_column(Integer)
    #: ``amount``, ``escalation``, ``risk``: each a number or an assumption key.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="costs")

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "category": self.category,
            "department": self.department or None,
            "recurrence": self.recurrence,
            **self.params,
        }
        if self.recurrence == "once":
            doc["month"] = self.month
        else:
            doc["start_month"] = self.start_month
            doc["end_month"] = self.end_month
        return _drop_none(doc)


class BenefitLineRow(db.Model):
    __tablename__ = "benefit_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    ramp_start: Mapped[int] = mapped_column(Integer, default=1)
    ramp_months: Mapped[int] = mapped_column(Integer, default=0)
    #: The kind's parameters and ``risk``: each a number or an assumption key.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="benefits")

    def to_document(self) -> dict[str, Any]:
        return _drop_none(
            {
                "name": self.name,
                "kind": self.kind,
                **self.params,
                "ramp_start": self.ramp_start,
                "ramp_months": self.ramp_months,
            }
        )


class ScenarioRow(db.Model):
    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    overrides: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="scenarios")

    def to_document(self) -> dict[str, Any]:
        return {"name": self.name, "overrides": dict(self.overrides)}
