"""SQLAlchemy 2.0 typed models, one module per aggregate.

Import models from here: ``from models import Case, User``.
"""

from models.api_token import TOKEN_SCOPES, ApiToken
from models.approval import CaseVersion, ChainEntry, Decision, LinkUse, SharedLink
from models.audit import AuditEvent
from models.case import Case
from models.portfolio_total import PortfolioTotal
from models.review import REVIEW_STATUSES, AssumptionReview, Comment
from models.user import ROLES, LoginSession, User

__all__ = [
    "REVIEW_STATUSES",
    "ROLES",
    "TOKEN_SCOPES",
    "ApiToken",
    "AssumptionReview",
    "AuditEvent",
    "Case",
    "CaseVersion",
    "ChainEntry",
    "Comment",
    "Decision",
    "LinkUse",
    "LoginSession",
    "PortfolioTotal",
    "SharedLink",
    "User",
]
