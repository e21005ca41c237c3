"""The approval part of ``cxroi demo``: one case taken through review to "ready for
approval", with an approve link for the sponsor printed."""

from __future__ import annotations

from sqlalchemy import select

from cxroi.approvals import links, review, versions
from cxroi.approvals.steps import take_case_step
from cxroi.extensions import db
from cxroi.workflow import DRAFT
from models import Case, User

DEMO_SPONSOR = ("Sam Sponsor", "sponsor@example.com")


def ready_demo_case() -> tuple[Case, links.NewLink] | None:
    """Submit, review and sign off the demo's first draft case; return it and an approve link.

    None when the demo users are missing or a case already has a version (demo ran before).
    """
    cx = db.session.scalar(select(User).where(User.role == "cx").order_by(User.id))
    finance = db.session.scalar(select(User).where(User.role == "finance").order_by(User.id))
    if cx is None or finance is None:
        return None
    if db.session.scalar(select(Case.id).where(Case.status != DRAFT).limit(1)) is not None:
        return None
    case = db.session.scalar(
        select(Case).where(Case.owner_id == cx.id, Case.status == DRAFT).order_by(Case.id)
    )
    if case is None:
        return None
    take_case_step(case, "submit", cx, note="demo")
    review.accept_items(case, finance, [item.id for item in review.items_of(case)])
    take_case_step(case, "sign_off", finance, note="demo")
    assert versions.current_version(case) is not None
    new = links.create_link(
        case,
        cx,
        recipient_name=DEMO_SPONSOR[0],
        recipient_email=DEMO_SPONSOR[1],
        scope="approve",
    )
    return case, new
