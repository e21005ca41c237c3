"""SQLAlchemy 2.0 typed models, one module per aggregate.

Import models from here: ``from models import Case, User``.
"""

from models.actual import Actual, MetricValue
from models.api_token import TOKEN_SCOPES, ApiToken
from models.approval import CaseVersion, ChainEntry, Decision, LinkUse, SharedLink
from models.approver import Approver, DecisionCode
from models.audit import AuditEvent
from models.case import Case
from models.council import CouncilAction, CouncilDecision, CouncilMeeting, CouncilNote
from models.forecast import ForecastValue
from models.notification import Notification, NotificationSetting
from models.portfolio_total import PortfolioTotal
from models.review import REVIEW_STATUSES, AssumptionReview, Comment, ItemReview
from models.setting import OrgSetting
from models.user import ROLES, LoginSession, User

__all__ = [
    "REVIEW_STATUSES",
    "ROLES",
    "TOKEN_SCOPES",
    "Actual",
    "ApiToken",
    "Approver",
    "AssumptionReview",
    "AuditEvent",
    "Case",
    "CaseVersion",
    "ChainEntry",
    "Comment",
    "CouncilAction",
    "CouncilDecision",
    "CouncilMeeting",
    "CouncilNote",
    "Decision",
    "DecisionCode",
    "ForecastValue",
    "ItemReview",
    "LinkUse",
    "LoginSession",
    "MetricValue",
    "Notification",
    "NotificationSetting",
    "OrgSetting",
    "PortfolioTotal",
    "SharedLink",
    "User",
]
