"""SQLAlchemy 2.0 typed models, one module per aggregate.

Import models from here: ``from models import Case, User``.
"""

from models.audit import AuditEvent
from models.case import (
    CASE_STATUSES,
    CONFIDENCE_LEVELS,
    AssumptionRow,
    BenefitLineRow,
    Case,
    CostLineRow,
    ScenarioRow,
)
from models.user import ROLES, LoginSession, User

__all__ = [
    "CASE_STATUSES",
    "CONFIDENCE_LEVELS",
    "ROLES",
    "AssumptionRow",
    "AuditEvent",
    "BenefitLineRow",
    "Case",
    "CostLineRow",
    "LoginSession",
    "ScenarioRow",
    "User",
]
