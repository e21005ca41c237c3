"""Shared links: create, revoke, open, and the sponsor's decision through one.

Only a token's SHA-256 is stored. A view link's token is returned once, to be copied;
an approve link goes only to an approver from the directory whose authority covers the
case (:mod:`.approvers`), and only by mail: its token is never shown to its creator.
Deciding needs a one-time code mailed to the link's address at that moment. Mail is
sent after the transaction commits; a failure leaves the link, says so, and can be
resent (a fresh token; the old link is revoked). Every request made with a link is
logged (time, IP, user agent, what was asked and how it was answered), refused ones too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from cxroi import mail, notify
from cxroi.approvals import approvers, tokens, versions
from cxroi.approvals.errors import (
    CodeRefused,
    Conflict,
    InputError,
    LinkGone,
    MailFailed,
    NotFound,
    PermissionDenied,
    TooMany,
    conflict_if_stale,
)
from cxroi.approvals.ledger import append_entry
from cxroi.audit.services import record_change
from cxroi.errors import bookkeeping
from cxroi.extensions import db
from cxroi.workflow import (
    ARCHIVED_READ_ONLY,
    READY,
    SPONSOR,
    SPONSOR_DECISIONS,
    STATE_LABELS,
    label,
    take_step,
)
from models import Case, User
from models._types import utcnow
from models.approval import CaseVersion, Decision, LinkUse, SharedLink
from models.approver import Approver, DecisionCode

MAX_NAME = 120
MAX_COMMENT = 2000


def _aware(at: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class NewLink:
    link: SharedLink
    #: A view link's token, shown once to be copied; None for an approve link (mailed only).
    token: str | None
    #: Why the approve link's mail could not be sent (None: sent, or a view link).
    mail_error: str | None = None


def may_share(user: User, case: Case) -> bool:
    return (user.role == "cx" and case.owner_id == user.id) or user.role == "finance"


def sponsor_url(token: str) -> str:
    """The link's address: from the request when there is one, else ``BASE_URL``."""
    if has_request_context():
        return url_for("links.sponsor_page", token=token, _external=True)
    return f"{str(current_app.config['BASE_URL']).rstrip('/')}/s/{token}"


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

    An approve link needs an approver from the directory who qualifies for the case
    (:func:`.approvers.approver_for_link`); it is mailed after the commit, and its
    token is not returned.

    With an ``idempotency_key`` (the form's nonce) and the app's ``secret``, creating is
    idempotent: a retry of the same form (a timeout, a double click, a reload) answers
    the link the first attempt made, with the same token, instead of making another
    (an approve link is not mailed twice).
    """
    if not may_share(user, case):
        raise PermissionDenied("Only the case's owner or finance can share it.")
    if case.archived:
        raise Conflict(f"Nothing new is shared from an archived case. {ARCHIVED_READ_ONLY}")
    if idempotency_key is not None and not (
        secret and tokens.IDEMPOTENCY_KEY.fullmatch(idempotency_key)
    ):
        idempotency_key = None  # not a key this app made: an ordinary, new link
    if idempotency_key is not None and (done := _made_with(idempotency_key, case, user)):
        return _answer_again(done, secret, idempotency_key)
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
    approver: Approver | None = None
    if scope == "approve":
        if case.status != READY:
            raise Conflict(
                f"An approve link needs a case ready for approval; this one is "
                f"{label(case.status).lower()}. A view link is possible."
            )
        approver = approvers.approver_for_link(case, version, email)
        name, email = approver.name, approver.email
    try:
        link, token = _insert_link(
            case,
            user,
            version,
            scope,
            name,
            email,
            expires_at,
            approver,
            idempotency=None if idempotency_key is None else (secret, idempotency_key),
        )
    except IntegrityError:  # the same form, sent twice at once: the other one made it
        db.session.rollback()
        if idempotency_key is None or not (done := _made_with(idempotency_key, case, user)):
            raise
        return _answer_again(done, secret, idempotency_key)
    db.session.commit()
    if approver is None:
        return NewLink(link, token)
    return NewLink(link, None, _deliver(case, link, token, user))


def _made_with(key: str, case: Case, user: User) -> SharedLink | None:
    """The link an earlier sending of the form with ``key`` made, if any."""
    link = db.session.scalar(
        select(SharedLink).where(SharedLink.idempotency_hash == tokens.hash_key(key))
    )
    if link is not None and (link.case_id != case.id or link.created_by_id != user.id):
        raise Conflict("This form was already used to share something else; reload the page.")
    return link


def _answer_again(link: SharedLink, secret: str, key: str) -> NewLink:
    """What the first sending of the form answered: a view link's token again; for an
    approve link, its mail's outcome (it is not mailed twice)."""
    if link.scope == "view":
        return NewLink(link, tokens.token_for_key(secret, key))
    return NewLink(link, None, link.mail_error)


def _insert_link(
    case: Case,
    user: User,
    version: CaseVersion,
    scope: str,
    name: str,
    email: str,
    expires_at: datetime,
    approver: Approver | None,
    *,
    idempotency: tuple[str, str] | None = None,
) -> tuple[SharedLink, str]:
    """Add the link and its audit records to the session (no commit); returns its token.

    ``idempotency`` is (secret, form key): the token is derived from them, so that a
    retry of the form finds the same link (see :func:`create_link`).
    """
    if idempotency is None:
        token, key_hash = tokens.new_token(), None
    else:
        token = tokens.token_for_key(*idempotency)
        key_hash = tokens.hash_key(idempotency[1])
    link = SharedLink(
        case_id=case.id,
        version_id=version.id,
        token_hash=tokens.hash_token(token),
        scope=scope,
        recipient_name=name,
        recipient_email=email,
        created_by_id=user.id,
        expires_at=expires_at,
        approver_id=approver.id if approver else None,
        idempotency_hash=key_hash,
    )
    db.session.add(link)
    db.session.flush()
    _log(
        case,
        link,
        user,
        "create",
        f"{scope} link for {name} <{email}> to version {version.number}, "
        f"expires {expires_at:%Y-%m-%d}",
        ("link", "create"),
        scope=scope,
        recipient=f"{name} <{email}>",
        approver_id=link.approver_id,
        version=version.number,
        version_hash=version.case_hash,
        expires_at=expires_at,
        actor=user.email,
    )
    return link, token


def _link_mail(case: Case, link: SharedLink, token: str, sender: User) -> mail.Mail:
    version = link.version
    needed = approvers.authority_needed(version)
    return mail.Mail(
        to_name=link.recipient_name,
        to_email=link.recipient_email,
        subject=f"For your approval: {case.title} (version {version.number})",
        body=(
            f"Dear {link.recipient_name},\n\n"
            f"{sender.display_name} asks you, as an approver, to decide on the business case "
            f'"{case.title}", version {version.number} (hash {version.short_hash}), signed '
            f"off by finance. Its PV of costs is {needed.text}.\n\n"
            f"Read it and decide here:\n{sponsor_url(token)}\n\n"
            "When you press Decide, a one-time code is sent to this address; you enter it "
            "with your decision. The link is for you alone: please do not forward it.\n"
            f"It expires on {_aware(link.expires_at):%d %b %Y}.\n\n-- cxroi\n"
        ),
    )


def _deliver(case: Case, link: SharedLink, token: str, sender: User) -> str | None:
    """Mail an approve link (after its commit); record the outcome; the failure's reason."""
    try:
        where = mail.send(_link_mail(case, link, token, sender))
    except mail.MailError as exc:
        link.mail_error = str(exc)[:300]
        _log(
            case,
            link,
            sender,
            "mail failed",
            link.mail_error,
            ("link", "mail failed"),
            error=link.mail_error,
        )
        db.session.commit()
        return link.mail_error
    link.mailed_at, link.mail_error = utcnow(), None
    _log(
        case,
        link,
        sender,
        "mailed",
        f"to {link.recipient_email} ({where.split()[0]})",
        ("link", "mailed"),
        to=link.recipient_email,
    )
    db.session.commit()
    return None


def resend_link(case: Case, link_id: int, user: User) -> NewLink:
    """Mail an approve link again with a fresh token; the old link is revoked. Commits."""
    if not may_share(user, case):
        raise PermissionDenied("Only the case's owner or finance can resend its links.")
    if case.archived:
        raise Conflict(f"No link of an archived case is mailed. {ARCHIVED_READ_ONLY}")
    old = db.session.get(SharedLink, link_id)
    if old is None or old.case_id != case.id:
        raise NotFound(f"Case {case.id} has no link {link_id}.")
    if old.scope != "approve":
        raise Conflict("Only an approve link is mailed; a view link is copied from this page.")
    if old.revoked_at is not None:
        raise Conflict("This link is revoked: create a new one instead.")
    version = versions.current_version(case)
    if version is None or version.id != old.version_id or case.status != READY:
        raise Conflict(
            "This link is for a version that can no longer be decided on "
            f"(the case is {label(case.status).lower()}); nothing was sent."
        )
    approver = approvers.approver_for_link(case, version, old.recipient_email)
    expires_at = tokens.expiry_after(utcnow())
    link, token = _insert_link(
        case, user, version, "approve", approver.name, approver.email, expires_at, approver
    )
    _revoke(case, old, user, reason=f"replaced by link {link.id}")
    db.session.commit()
    return NewLink(link, None, _deliver(case, link, token, user))


def _revoke(case: Case, link: SharedLink, user: User, reason: str = "") -> None:
    link.revoked_at = utcnow()
    link.revoked_by_id = user.id
    _log(
        case,
        link,
        user,
        "revoke",
        reason or None,
        ("link", "revoke"),
        old=f"{link.scope} link for {link.recipient}",
        actor=user.email,
        reason=reason,
    )


def revoke_link(case: Case, link_id: int, user: User) -> SharedLink:
    if not may_share(user, case):
        raise PermissionDenied("Only the case's owner or finance can revoke its links.")
    link = db.session.get(SharedLink, link_id)
    if link is None or link.case_id != case.id:
        raise NotFound(f"Case {case.id} has no link {link_id}.")
    if link.revoked_at is None:
        _revoke(case, link, user)
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


def superseded_summary(version: CaseVersion, case: Case) -> str:
    """When and why ``version`` was superseded, and the case's state now."""
    when = (
        _aware(version.superseded_at).strftime("%d %b %Y %H:%M UTC")
        if version.superseded_at
        else ""
    )
    return (
        f"Version {version.number} (hash {version.short_hash}) was superseded on {when}: "
        f"{version.superseded_reason or 'the case was changed'}. The case is now "
        f"{label(case.status).lower()}."
    )


def superseded_message(version: CaseVersion, case: Case) -> str:
    """The refusal of a decision on a superseded version (nothing was recorded)."""
    return (
        f"{superseded_summary(version, case)} Your decision was not recorded; "
        "ask the sender for a link to the new version."
    )


def archived_summary(case: Case) -> str:
    """What a shared link of an archived case says, on its page and to a refused decision:
    the version and its decisions stay readable; no decision is taken while archived."""
    when = f" on {_aware(case.archived_at):%d %b %Y}" if case.archived_at else ""
    by = f" by {case.archived_by.display_name}" if case.archived_by is not None else ""
    return (
        f"This case was archived{when}{by}: no decision can be recorded on it while it is "
        "archived. The version and any decision recorded on it stay as shown on this page."
    )


def mask_email(email: str) -> str:
    """The address as a page may show it to whoever holds the link: ``d***@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _sponsor_actor(link: SharedLink) -> str:
    return f"sponsor via link to {link.recipient_email}"


Refuser = Callable[[Exception, str], Exception]


def _log(
    case: Case,
    link: SharedLink,
    by: User | str,
    change: str,
    new: str | None,
    entry: tuple[str, str],
    *,
    old: str | None = None,
    **facts: Any,
) -> None:
    """One event of a link or its codes, in both records: the history's audit row
    (``by`` did ``change``, ``old`` to ``new``) and the sealed ledger's entry (``entry``
    is its stream and action; ``facts`` follow the link's id)."""
    record_change(
        actor=by,
        entity="link",
        entity_id=link.id,
        action=change,
        case_id=case.id,
        old=old,
        new=new,
    )
    stream, action = entry
    append_entry(stream, case.id, {"action": action, "link_id": link.id, **facts})


def _refuser(use: LinkUse | None) -> Refuser:
    """Set the use's outcome, commit what was logged (and a try spent), return the error."""

    def refuse(exc: Exception, outcome: str) -> Exception:
        if use is not None:
            use.outcome = outcome
        with bookkeeping():
            db.session.commit()
        return exc

    return refuse


def _may_decide(opened: OpenLink, refuse: Refuser, signed_in: User | None) -> None:
    """Refuse unless this link, its version, the case and the person allow a decision."""
    link, version, case = opened.link, opened.version, opened.case
    if link.scope != "approve":
        raise refuse(
            PermissionDenied(
                "This link lets you read the case, not decide on it. "
                "Ask the sender for an approve link."
            ),
            "forbidden: view link",
        )
    if version.superseded_at is not None:
        raise refuse(Conflict(superseded_message(version, case)), "conflict: superseded")
    if case.archived:
        raise refuse(
            Conflict(f"{archived_summary(case)} Your decision was not recorded."),
            "conflict: archived",
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
    if signed_in is not None:
        why = approvers.team_refusal(
            case, signed_in.email, subject=f"You are signed in as {signed_in.email}, who"
        )
        if why is not None:
            raise refuse(approvers.ApproverRefused(why), "forbidden: case team")
    approver = db.session.get(Approver, link.approver_id) if link.approver_id else None
    if approver is None:
        raise refuse(
            approvers.ApproverRefused(
                "This approve link was not sent to an approver from the directory, so it "
                "cannot decide. Ask the sender for a new link."
            ),
            "forbidden: no approver",
        )
    why = approvers.limit_refusal(approver, approvers.authority_needed(version))
    if why is None:
        why = approvers.team_refusal(case, link.recipient_email, subject=link.recipient)
    if why is not None:
        raise refuse(approvers.ApproverRefused(why), "forbidden: approver")


def open_code(link: SharedLink) -> DecisionCode | None:
    """The link's newest code not yet spent nor replaced (it may have expired)."""
    return db.session.scalar(
        select(DecisionCode)
        .where(
            DecisionCode.link_id == link.id,
            DecisionCode.used_at.is_(None),
            DecisionCode.replaced_at.is_(None),
        )
        .order_by(DecisionCode.id.desc())
        .limit(1)
    )


def _code_hash(link: SharedLink, code: str) -> str:
    return tokens.hash_code(current_app.config["SECRET_KEY"], link.id, code)


def request_code(
    token: str, *, ip: str, user_agent: str, signed_in: User | None = None
) -> DecisionCode:
    """Mail a fresh one-time code to the link's address (after the commit); returns its row.

    Refused like a decision (view link, superseded, decided, a team member signed in);
    at most CODES_PER_WINDOW codes per link per CODE_WINDOW (429).
    """
    opened = open_link(token, action="ask for a code", ip=ip, user_agent=user_agent)
    link, case = opened.link, opened.case
    use = link.uses[-1] if link.uses else None
    refuse = _refuser(use)
    _may_decide(opened, refuse, signed_in)
    now = utcnow()
    recent = db.session.scalar(
        select(func.count())
        .select_from(DecisionCode)
        .where(
            DecisionCode.link_id == link.id,
            DecisionCode.created_at >= now - tokens.CODE_WINDOW,
        )
    )
    if (recent or 0) >= tokens.CODES_PER_WINDOW:
        raise refuse(
            TooMany(
                f"{tokens.CODES_PER_WINDOW} codes were sent for this link in the last hour; "
                "use the newest one, or try again later."
            ),
            "refused: too many codes",
        )
    for older in db.session.scalars(
        select(DecisionCode).where(
            DecisionCode.link_id == link.id,
            DecisionCode.used_at.is_(None),
            DecisionCode.replaced_at.is_(None),
        )
    ):
        older.replaced_at = now
    code = tokens.new_code()
    row = DecisionCode(
        link_id=link.id,
        code_hash=_code_hash(link, code),
        email=link.recipient_email,
        created_at=now,
        expires_at=now + tokens.CODE_VALID,
    )
    db.session.add(row)
    db.session.flush()
    _log(
        case,
        link,
        _sponsor_actor(link),
        "code sent",
        f"code {row.id} to {row.email}, valid until {row.expires_at:%H:%M UTC}",
        ("code", "sent"),
        code_id=row.id,
        to=row.email,
        expires_at=row.expires_at,
        ip=(ip or "")[:64],
    )
    if use is not None:
        use.outcome = "code sent"
    db.session.commit()
    message = mail.Mail(
        to_name=link.recipient_name,
        to_email=row.email,
        subject=f"Your code to decide on {case.title}: {code}",
        body=(
            f"Dear {link.recipient_name},\n\n"
            f'Your one-time code to decide on "{case.title}" is:\n\n    {code}\n\n'
            f"Enter it with your decision within {tokens.CODE_VALID.seconds // 60} minutes. "
            "If you did not ask for it, someone else has your link: tell the sender.\n\n"
            "-- cxroi\n"
        ),
    )
    try:
        mail.send(message)
    except mail.MailError as exc:
        row.replaced_at = utcnow()
        _log(
            case,
            link,
            _sponsor_actor(link),
            "code mail failed",
            str(exc)[:300],
            ("code", "mail failed"),
            code_id=row.id,
        )
        db.session.commit()
        raise MailFailed(
            "The code could not be sent just now, so you cannot decide yet. Nothing was "
            "recorded: try again in a few minutes."
        ) from exc
    return row


def _spend_a_try(row: DecisionCode) -> bool:
    """Count one try of ``row`` in the database itself, or False when none is left.

    One conditional UPDATE (``tries = tries + 1 WHERE tries < CODE_TRIES``): requests
    sent at once each spend their own try, so no more than ``CODE_TRIES`` guesses are
    ever compared, on SQLite and PostgreSQL alike (a read-then-write let 12 through).
    """
    spent = db.session.execute(
        update(DecisionCode)
        .where(DecisionCode.id == row.id, DecisionCode.tries < tokens.CODE_TRIES)
        .values(tries=DecisionCode.tries + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) != 1:
        return False
    db.session.refresh(row, ["tries"])
    flag_modified(row, "tries")  # the flush seals the row as it now stands
    return True


def _check_code(opened: OpenLink, typed: str, refuse: Refuser, ip: str) -> DecisionCode:
    """The link's open code if ``typed`` matches it; a try is spent on a wrong one."""
    link, case = opened.link, opened.case
    row = open_code(link)
    to = mask_email(link.recipient_email)
    if row is None:
        raise refuse(
            CodeRefused(
                f"A decision needs the one-time code mailed to {to} when you press Decide, "
                "and none was asked for on this link. A forwarded link alone cannot decide. "
                "Nothing was recorded.",
                heading="A code from your mail is needed to decide",
            ),
            "refused: no code",
        )
    if utcnow() >= _aware(row.expires_at):
        raise refuse(
            CodeRefused(
                f"The code mailed to {to} at {_aware(row.created_at):%H:%M UTC} expired at "
                f"{_aware(row.expires_at):%H:%M UTC} (codes are valid for "
                f"{tokens.CODE_VALID.seconds // 60} minutes). Nothing was recorded: ask for "
                "a new code.",
                heading="The code has expired",
            ),
            "refused: code expired",
        )
    if row.tries >= tokens.CODE_TRIES:
        raise refuse(
            CodeRefused(
                f"The code mailed to {to} was entered wrongly {tokens.CODE_TRIES} times and "
                "no longer works. Nothing was recorded: ask for a new code.",
                heading="No tries left for this code",
            ),
            "refused: code exhausted",
        )
    code = tokens.clean_code(typed)
    if code is None:
        raise refuse(
            InputError("code", f"Enter the 6-digit code mailed to {to}."), "bad input: code"
        )
    if not _spend_a_try(row):  # another request spent the last try meanwhile
        raise refuse(
            CodeRefused(
                f"The code mailed to {to} was entered wrongly {tokens.CODE_TRIES} times and "
                "no longer works. Nothing was recorded: ask for a new code.",
                heading="No tries left for this code",
            ),
            "refused: code exhausted",
        )
    if not tokens.same_hash(_code_hash(link, code), row.code_hash):
        left = tokens.CODE_TRIES - row.tries
        _log(
            case,
            link,
            _sponsor_actor(link),
            "code failed",
            f"code {row.id}: wrong code, {left} tries left",
            ("code", "failed"),
            code_id=row.id,
            tries=row.tries,
            ip=(ip or "")[:64],
        )
        if left <= 0:
            raise refuse(
                CodeRefused(
                    f"That code is not right, and it was the last of {tokens.CODE_TRIES} "
                    "tries. Nothing was recorded: ask for a new code.",
                    heading="No tries left for this code",
                ),
                "refused: code exhausted",
            )
        raise refuse(
            InputError(
                "code",
                f"That code is not right: {left} {'try' if left == 1 else 'tries'} left. "
                "Nothing was recorded.",
            ),
            "refused: wrong code",
        )
    row.used_at = utcnow()
    _log(
        case,
        link,
        _sponsor_actor(link),
        "code verified",
        f"code {row.id} sent to {row.email}",
        ("code", "verified"),
        code_id=row.id,
        email=row.email,
    )
    return row


def decide(
    token: str,
    *,
    decision: str,
    name: str,
    comment: str,
    version_hash: str,
    code: str,
    ip: str,
    user_agent: str,
    signed_in: User | None = None,
) -> Decision:
    """The sponsor approves, rejects or requests changes of the link's version; commits.

    403 for a view link, a member of the case's team signed in, an approver no longer
    qualified, or no usable code; 409 when the version was superseded, the page showed
    another version, or the case is no longer ready; a bad name, comment or a wrong
    code names its field. The decision stores the address the code was mailed to.
    """
    opened = open_link(token, action=decision or "decide", ip=ip, user_agent=user_agent)
    link, version = opened.link, opened.version
    use = link.uses[-1] if link.uses else None
    refuse = _refuser(use)
    _may_decide(opened, refuse, signed_in)
    if decision not in SPONSOR_DECISIONS:
        raise refuse(
            InputError("decision", "Choose approve, reject or request changes."), "bad input"
        )
    if version_hash and not tokens.same_hash(version_hash, version.case_hash):
        raise refuse(
            Conflict(
                f"The page you decided on showed another version than the one this link is for "
                f"(version {version.number}, hash {version.short_hash}). Nothing was recorded: "
                "reload the page and decide again."
            ),
            "conflict: version hash",
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
        verified = _check_code(opened, code, refuse, ip)
        record = _record_decision(
            opened,
            use,
            decision,
            clean_name,
            clean_comment,
            verified_email=verified.email,
            ip=ip,
            user_agent=user_agent,
        )
        _tell_the_team(opened, clean_name, clean_comment)
        db.session.commit()
    return record


def _tell_the_team(opened: OpenLink, name: str, comment: str) -> None:
    """Notify the case owner and the finance partner who signed the version off."""
    case, version = opened.case, opened.version
    outcome = STATE_LABELS[case.status].lower()
    signer = db.session.get(User, version.signed_off_by_id) if version.signed_off_by_id else None
    said = f" They said: {comment}" if comment else ""
    notify.notify(
        [case.owner, signer],
        "decision",
        case,
        f'"{case.title}": {outcome} by {name}',
        f"{name} decided on version {version.number} of {case.title}: {outcome}.{said}",
        f"/cases/{case.id}/versions",
    )


def _record_decision(
    opened: OpenLink,
    use: LinkUse | None,
    decision: str,
    clean_name: str,
    clean_comment: str,
    *,
    verified_email: str,
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
        verified_email=verified_email,
    )
    db.session.add(record)
    db.session.flush()
    actor = f"{clean_name} (sponsor, verified as {verified_email})"
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
            "verified_email": verified_email,
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
