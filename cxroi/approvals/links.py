"""Shared links: create, revoke, open, and the sponsor's decision through one.

Only a token's SHA-256 is stored; the token itself is returned once, to be put in
the link. Every request made with a link is logged (time, IP, user agent, what was
asked and how it was answered), including refused ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cxroi.approvals import tokens, versions
from cxroi.approvals.errors import (
    Conflict,
    InputError,
    LinkGone,
    NotFound,
    PermissionDenied,
    conflict_if_stale,
)
from cxroi.approvals.ledger import append_entry
from cxroi.audit.services import record_change
from cxroi.errors import bookkeeping
from cxroi.extensions import db
from cxroi.workflow import READY, SPONSOR, SPONSOR_DECISIONS, label, take_step
from models import Case, User
from models._types import utcnow
from models.approval import CaseVersion, Decision, LinkUse, SharedLink

MAX_NAME = 120
MAX_COMMENT = 2000


def _aware(at: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class NewLink:
    link: SharedLink
    token: str  # shown once; never stored


def may_share(user: User, case: Case) -> bool:
    return (user.role == "cx" and case.owner_id == user.id) or user.role == "finance"


def create_link(
    case: Case,
    user: User,
    *,
    recipient_name: str,
    recipient_email: str,
    scope: str,
    expires_in_days: int | None = None,
    idempotency_key: str | None = None,
    secret: str = "",
) -> NewLink:
    """A link to the case's current frozen version for one recipient; commits.

    With an ``idempotency_key`` (the form's nonce) and the app's ``secret``, creating is
    idempotent: a retry of the same form (a timeout, a double click, a reload) answers
    the link the first attempt made, with the same token, instead of making another.
    """
    if not may_share(user, case):
        raise PermissionDenied("Only the case's owner or finance can share it.")
    if idempotency_key is not None and not (
        secret and tokens.IDEMPOTENCY_KEY.fullmatch(idempotency_key)
    ):
        idempotency_key = None  # not a key this app made: an ordinary, new link
    if idempotency_key is not None and (done := _made_with(idempotency_key, case, user)):
        return NewLink(done, tokens.token_for_key(secret, idempotency_key))
    try:
        name, email = tokens.check_recipient(recipient_name, recipient_email)
        scope = tokens.check_scope(scope)
        expires_at = tokens.expiry_after(utcnow(), expires_in_days)
    except tokens.LinkInputError as exc:
        raise InputError(exc.field, str(exc)) from None
    version = versions.current_version(case)
    if version is None:
        raise Conflict(
            "Only a frozen version can be shared: finance freezes one by signing the case "
            f"off. This case is {label(case.status).lower()}."
        )
    if scope == "approve" and case.status != READY:
        raise Conflict(
            f"An approve link needs a case ready for approval; this one is "
            f"{label(case.status).lower()}. A view link is possible."
        )
    token = (
        tokens.new_token()
        if idempotency_key is None
        else tokens.token_for_key(secret, idempotency_key)
    )
    link = SharedLink(
        case_id=case.id,
        version_id=version.id,
        token_hash=tokens.hash_token(token),
        scope=scope,
        recipient_name=name,
        recipient_email=email,
        created_by_id=user.id,
        expires_at=expires_at,
        idempotency_hash=None if idempotency_key is None else tokens.hash_key(idempotency_key),
    )
    db.session.add(link)
    try:
        db.session.flush()
    except IntegrityError:  # the same form, sent twice at once: the other one made it
        db.session.rollback()
        if idempotency_key is None or not (done := _made_with(idempotency_key, case, user)):
            raise
        return NewLink(done, token)
    record_change(
        actor=user,
        entity="link",
        entity_id=link.id,
        action="create",
        case_id=case.id,
        new=f"{scope} link for {name} <{email}> to version {version.number}, "
        f"expires {expires_at:%Y-%m-%d}",
    )
    append_entry(
        "link",
        case.id,
        {
            "action": "create",
            "link_id": link.id,
            "scope": scope,
            "recipient": f"{name} <{email}>",
            "version": version.number,
            "version_hash": version.case_hash,
            "expires_at": expires_at,
            "actor": user.email,
        },
    )
    db.session.commit()
    return NewLink(link, token)


def _made_with(key: str, case: Case, user: User) -> SharedLink | None:
    """The link an earlier sending of the form with ``key`` made, if any."""
    link = db.session.scalar(
        select(SharedLink).where(SharedLink.idempotency_hash == tokens.hash_key(key))
    )
    if link is not None and (link.case_id != case.id or link.created_by_id != user.id):
        raise Conflict("This form was already used to share something else; reload the page.")
    return link


def revoke_link(case: Case, link_id: int, user: User) -> SharedLink:
    if not may_share(user, case):
        raise PermissionDenied("Only the case's owner or finance can revoke its links.")
    link = db.session.get(SharedLink, link_id)
    if link is None or link.case_id != case.id:
        raise NotFound(f"Case {case.id} has no link {link_id}.")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        link.revoked_by_id = user.id
        record_change(
            actor=user,
            entity="link",
            entity_id=link.id,
            action="revoke",
            case_id=case.id,
            old=f"{link.scope} link for {link.recipient}",
        )
        append_entry(
            "link",
            case.id,
            {"action": "revoke", "link_id": link.id, "actor": user.email},
        )
        db.session.commit()
    return link


def links_of(case_id: int) -> list[SharedLink]:
    return list(
        db.session.scalars(
            select(SharedLink)
            .where(SharedLink.case_id == case_id)
            .order_by(SharedLink.created_at.desc(), SharedLink.id.desc())
        )
    )


def state_of(link: SharedLink, now: datetime | None = None) -> str:
    return tokens.link_state(
        now=now or utcnow(),
        expires_at=_aware(link.expires_at),
        revoked_at=link.revoked_at,
        version_is_current=link.version.superseded_at is None,
    )


@dataclass(frozen=True, slots=True)
class OpenLink:
    link: SharedLink
    version: CaseVersion
    case: Case
    state: str  # valid or superseded


def _log_use(link: SharedLink, action: str, outcome: str, ip: str, user_agent: str) -> LinkUse:
    use = LinkUse(
        link_id=link.id,
        ip=(ip or "")[:64],
        user_agent=(user_agent or "")[:400],
        action=action[:40],
        outcome=outcome[:40],
    )
    db.session.add(use)
    return use


def open_link(token: str, *, action: str, ip: str, user_agent: str) -> OpenLink:
    """Resolve a token and log the use; 404 unknown, 410 expired or revoked (commits)."""
    link = None
    if tokens.looks_like_token(token):
        link = db.session.scalar(
            select(SharedLink).where(SharedLink.token_hash == tokens.hash_token(token))
        )
    if link is None:
        raise NotFound("This link is not known. Check that it was copied whole.")
    state = state_of(link)
    _log_use(link, action, state, ip, user_agent)
    with bookkeeping():  # the log of a use, not the request's own write
        db.session.commit()
    if state == tokens.REVOKED:
        raise LinkGone(
            f"This link was revoked on {_aware(link.revoked_at or link.created_at):%d %b %Y}.",
            reason="revoked",
        )
    if state == tokens.EXPIRED:
        raise LinkGone(
            f"This link expired on {_aware(link.expires_at):%d %b %Y}.", reason="expired"
        )
    case = db.session.get(Case, link.case_id)
    assert case is not None  # the link is deleted with its case
    return OpenLink(link, link.version, case, state)


def superseded_message(version: CaseVersion, case: Case) -> str:
    when = (
        _aware(version.superseded_at).strftime("%d %b %Y %H:%M UTC")
        if version.superseded_at
        else ""
    )
    return (
        f"Version {version.number} (hash {version.short_hash}) was superseded on {when}: "
        f"{version.superseded_reason or 'the case was changed'}. The case is now "
        f"{label(case.status).lower()}. Your decision was not recorded; "
        "ask the sender for a link to the new version."
    )


def decide(
    token: str,
    *,
    decision: str,
    name: str,
    comment: str,
    version_hash: str,
    ip: str,
    user_agent: str,
) -> Decision:
    """The sponsor approves, rejects or requests changes of the link's version; commits.

    403 for a view link, 409 when the version was superseded, the page showed another
    version, or the case is no longer ready; a bad name or comment names its field.
    """
    opened = open_link(token, action=decision or "decide", ip=ip, user_agent=user_agent)
    link, version, case = opened.link, opened.version, opened.case
    use = link.uses[-1] if link.uses else None

    def refuse(exc: Exception, outcome: str) -> Exception:
        if use is not None:
            use.outcome = outcome
        with bookkeeping():
            db.session.commit()
        return exc

    if link.scope != "approve":
        raise refuse(
            PermissionDenied(
                "This link lets you read the case, not decide on it. "
                "Ask the sender for an approve link."
            ),
            "forbidden: view link",
        )
    if decision not in SPONSOR_DECISIONS:
        raise refuse(
            InputError("decision", "Choose approve, reject or request changes."), "bad input"
        )
    if version.superseded_at is not None:
        raise refuse(Conflict(superseded_message(version, case)), "conflict: superseded")
    if version_hash and not tokens.same_hash(version_hash, version.case_hash):
        raise refuse(
            Conflict(
                f"The page you decided on showed another version than the one this link is for "
                f"(version {version.number}, hash {version.short_hash}). Nothing was recorded: "
                "reload the page and decide again."
            ),
            "conflict: version hash",
        )
    if case.status != READY:
        done = versions_decisions(version)
        who = f" by {done[-1].name} on {_aware(done[-1].at):%d %b %Y}" if done else ""
        raise refuse(
            Conflict(
                f"Version {version.number} is already "
                f"{label(case.status).lower()}{who}; "
                "nothing more was recorded."
            ),
            "conflict: already decided",
        )
    clean_name = (name or "").strip()
    clean_comment = (comment or "").strip()
    if not clean_name:
        raise refuse(InputError("name", "Enter your name."), "bad input")
    if len(clean_name) > MAX_NAME:
        raise refuse(
            InputError("name", f"Your name must be {MAX_NAME} characters or fewer."), "bad input"
        )
    if decision != "approve" and not clean_comment:
        raise refuse(
            InputError("comment", "Say why, so that the team knows what to change."), "bad input"
        )
    if len(clean_comment) > MAX_COMMENT:
        raise refuse(
            InputError("comment", f"The comment must be {MAX_COMMENT:,} characters or fewer."),
            "bad input",
        )
    with conflict_if_stale(
        f"Version {version.number} was decided on or changed a moment ago, while you were "
        "deciding; your decision was not recorded. Reload the page to see what happened."
    ):
        record = _record_decision(
            opened, use, decision, clean_name, clean_comment, ip=ip, user_agent=user_agent
        )
        db.session.commit()
    return record


def _record_decision(
    opened: OpenLink,
    use: LinkUse | None,
    decision: str,
    clean_name: str,
    clean_comment: str,
    *,
    ip: str,
    user_agent: str,
) -> Decision:
    """Move the case, store the decision, log it in the trail and the chain (no commit)."""
    link, version, case = opened.link, opened.version, opened.case
    old_state = case.status
    case.status = take_step(old_state, decision, SPONSOR)
    record = Decision(
        case_id=case.id,
        version_id=version.id,
        link_id=link.id,
        decision=decision,
        version_hash=version.case_hash,
        name=clean_name,
        comment=clean_comment,
        at=utcnow(),
        ip=(ip or "")[:64],
        user_agent=(user_agent or "")[:400],
    )
    db.session.add(record)
    db.session.flush()
    actor = f"{clean_name} (sponsor, via link to {link.recipient_email})"
    record_change(
        actor=actor,
        entity="case",
        entity_id=case.id,
        action=decision,
        case_id=case.id,
        field="status",
        old=old_state,
        new=case.status,
    )
    append_entry(
        "approval",
        case.id,
        {
            "decision_id": record.id,
            "decision": decision,
            "from": old_state,
            "to": case.status,
            "name": clean_name,
            "comment": clean_comment,
            "link_id": link.id,
            "recipient": link.recipient,
            "version": version.number,
            "version_hash": version.case_hash,
            "result_hash": version.result_hash,
            "decided_at": record.at,
            "ip": record.ip,
            "user_agent": record.user_agent,
        },
    )
    if use is not None:
        use.outcome = f"recorded: {decision}"
    return record


def versions_decisions(version: CaseVersion) -> list[Decision]:
    return list(
        db.session.scalars(
            select(Decision).where(Decision.version_id == version.id).order_by(Decision.at)
        )
    )
