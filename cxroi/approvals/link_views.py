"""The sponsor's pages, reached by a shared link without an account.

Thin: each route opens the link through :mod:`.links` (which logs the use) and
renders; a refusal becomes its status page (403, 404, 409, 410). Every response
sends ``Referrer-Policy: no-referrer`` so the token never leaks in a Referer header.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from cxroi.approvals import links
from cxroi.approvals.approvers import ApproverRefused
from cxroi.approvals.errors import CodeRefused, DomainError, InputError, LinkGone
from cxroi.approvals.forms import CodeRequestForm, DecisionForm
from cxroi.approvals.summary import build_summary
from cxroi.approvals.versions import documents
from cxroi.extensions import limiter
from cxroi.workbooks import version_workbook
from cxroi.workflow import APPROVED, READY, label
from models import User

bp = Blueprint("links", __name__, url_prefix="/s")


def _link_limit() -> str:
    return str(current_app.config.get("LINK_RATE_LIMIT", "60 per minute"))


limiter.limit(_link_limit)(bp)

HEADINGS = {
    403: "This link cannot be used to decide",
    404: "Link not found",
    409: "This version can no longer be decided on",
    410: "This link no longer works",
    429: "Too many codes asked for",
    503: "The mail could not be sent",
}


@bp.after_request
def no_referrer(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _client() -> dict[str, str]:
    return {
        "ip": request.remote_addr or "",
        "user_agent": request.headers.get("User-Agent", ""),
    }


def _signed_in() -> User | None:
    """The account signed in in this browser, if any (a team member may not decide)."""
    return current_user if current_user.is_authenticated else None


def _error_page(exc: DomainError, token: str | None = None) -> tuple[str, int]:
    status = exc.status
    tone = "error" if status in (403, 409) else "warning"
    detail = None
    heading = HEADINGS.get(status, "This link cannot be used")
    back = None
    if isinstance(exc, LinkGone):
        detail = "Links expire after a set time and can be revoked by the case owner or finance."
    if isinstance(exc, CodeRefused):
        heading, back = exc.heading, token
    elif isinstance(exc, ApproverRefused):
        heading = "You may not decide on this case"
    elif status in (429, 503):
        back = token
    return (
        render_template(
            "approvals/link_error.html",
            heading=heading,
            message=exc.message,
            detail=detail,
            status=status,
            tone=tone,
            back_token=back,
        ),
        status,
    )


def _page(
    token: str,
    opened: links.OpenLink,
    form: DecisionForm,
    notice: dict[str, str] | None,
    status: int = 200,
) -> ResponseReturnValue:
    case_doc, result_doc = documents(opened.version)
    # A version is frozen only when finance has accepted every assumption (sign-off rule).
    statuses = {a["key"]: "accepted" for a in case_doc.get("assumptions", [])}
    summary = build_summary(case_doc, result_doc, statuses)
    can_decide = (
        opened.link.scope == "approve"
        and opened.state == "valid"
        and opened.case.status == READY
        and not opened.case.archived
    )
    code = links.open_code(opened.link) if can_decide else None
    if notice is None:
        notice = _notice(opened)
    return (
        render_template(
            "approvals/sponsor.html",
            s=summary,
            token=token,
            link=opened.link,
            version=opened.version,
            state=opened.case.status if opened.state == "valid" else "superseded",
            state_label=label(opened.case.status) if opened.state == "valid" else "Superseded",
            can_decide=can_decide,
            code=code,
            code_to=links.mask_email(opened.link.recipient_email),
            code_form=CodeRequestForm(),
            form=form,
            notice=notice,
            decisions=links.versions_decisions(opened.version),
        ),
        status,
    )


def _notice(opened: links.OpenLink) -> dict[str, str] | None:
    if opened.state == "superseded":
        # What this page lists below: the decisions recorded on this version before it was
        # superseded stand on it; no new one can be made here.
        decided = links.versions_decisions(opened.version)
        recorded = (
            f"The decision recorded on it ({decided[-1].label.lower()} by {decided[-1].name}) "
            "stays on this version, listed below; no new decision can be made here."
            if decided
            else "No decision was recorded on this version, and none can be made here now."
        )
        return {
            "tone": "warning",
            "heading": "A newer version exists",
            "message": links.superseded_summary(opened.version, opened.case) + " " + recorded,
        }
    if opened.case.archived:
        return {
            "tone": "warning",
            "heading": "Archived",
            "message": links.archived_summary(opened.case),
        }
    if opened.link.scope == "view":
        return {
            "tone": "info",
            "heading": "For your information",
            "message": "This link lets you read the case; "
            "decisions are made through an approve link.",
        }
    if opened.case.status != READY:
        return {
            "tone": "success" if opened.case.status == APPROVED else "info",
            "heading": label(opened.case.status),
            "message": "A decision on this version has been recorded; see below.",
        }
    return None


@bp.get("/<token>")
def sponsor_page(token: str) -> ResponseReturnValue:
    try:
        opened = links.open_link(token, action="view", **_client())
    except DomainError as exc:
        return _error_page(exc)
    return _page(token, opened, DecisionForm(), None)


@bp.post("/<token>/code")
def send_code(token: str) -> ResponseReturnValue:
    """Mail a one-time code to the link's address; the page then asks for it."""
    form = CodeRequestForm()
    if not form.validate_on_submit():
        return sponsor_page(token)
    try:
        row = links.request_code(token, signed_in=_signed_in(), **_client())
    except DomainError as exc:
        return _error_page(exc, token)
    opened = links.open_link(token, action="view after code sent", **_client())
    notice = {
        "tone": "info",
        "heading": "A code is on its way",
        "message": f"We sent a 6-digit code to {links.mask_email(row.email)}. Enter it below "
        f"with your decision before {row.expires_at:%H:%M UTC}.",
    }
    return _page(token, opened, DecisionForm(), notice)


@bp.post("/<token>/decision")
def decide(token: str) -> ResponseReturnValue:
    form = DecisionForm()
    decision = request.form.get("decision", "")
    if not form.validate_on_submit():
        # A field failed (a missing CSRF token is refused before this view): show the page
        # again with the messages; nothing is recorded.
        try:
            opened = links.open_link(
                token, action=f"{decision or 'decide'} (invalid form)", **_client()
            )
        except DomainError as exc:
            return _error_page(exc)
        return _page(token, opened, form, None, 400)
    try:
        record = links.decide(
            token,
            decision=decision,
            name=form.name.data or "",
            comment=form.comment.data or "",
            version_hash=form.version_hash.data or "",
            code=form.code.data or "",
            signed_in=_signed_in(),
            **_client(),
        )
    except InputError as exc:
        field = getattr(form, exc.field, None)
        if field is not None:
            field.errors = [*field.errors, exc.message]
        opened = links.open_link(token, action="view after invalid decision", **_client())
        return _page(token, opened, form, None, 400)
    except DomainError as exc:  # 403 view link, team, code; 409 superseded or decided; 410
        return _error_page(exc, token)
    opened = links.open_link(token, action="view after decision", **_client())
    notice = {
        "tone": "success" if record.decision == "approve" else "info",
        "heading": f"{record.label}: thank you, {record.name}",
        "message": f"Your decision on version {opened.version.number} "
        f"(hash {record.version_hash[:12]}) was recorded at {record.at:%H:%M UTC, %d %b %Y}, "
        f"verified by the code sent to {record.verified_email}.",
    }
    return _page(token, opened, DecisionForm(), notice)


@bp.get("/<token>/workbook.xlsx")
def workbook(token: str) -> ResponseReturnValue:
    try:
        opened = links.open_link(token, action="download workbook", **_client())
    except DomainError as exc:
        return _error_page(exc)
    data, filename = version_workbook(opened.version, opened.case)
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
