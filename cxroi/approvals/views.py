"""Signed-in pages of review and approval: the review page, steps, comments, versions,
links, history and "what awaits me". Thin: parse the form, call a service, render."""

from __future__ import annotations

import math
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from cxroi import fragments, labels, notify
from cxroi.approvals import approvers, inbox, ledger, links, review, steps, versions
from cxroi.approvals import tokens as link_tokens
from cxroi.approvals.errors import DomainError, InputError
from cxroi.approvals.forms import CommentForm, LinkForm, ReviewForm, StepForm
from cxroi.audit.services import events_for_case
from cxroi.extensions import db
from cxroi.formatting import figure, money, pct, with_unit
from cxroi.workflow import (
    HOLDER_WORDS,
    NEXT_HOLDER,
    READY,
    REVIEW,
    SPONSOR,
    STEPS,
    allowed_steps,
    label,
    may_edit,
)
from models import Case
from models._types import MAX_ID

bp = Blueprint("approvals", __name__)


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404, description=f"There is no case {case_id}.")
    return case


def _back(case_id: int, anchor: str = "") -> ResponseReturnValue:
    target = url_for("approvals.review_page", case_id=case_id)
    return redirect(f"{target}#{anchor}" if anchor else target)


def _form_errors(form: FlaskForm) -> str:
    return " ".join(e for errs in form.errors.values() for e in errs)


def value_text(value: Any) -> str:
    """A reviewed field's value on the page: numbers readable, nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return figure(value)
    return str(value)


def effect_text(row: review.ReviewRow, currency: str) -> str:
    """The effect on NPV in words: what was moved, and NPV at each end."""
    effect, item = row.effect, row.item
    if effect is None or effect.basis == "none":
        return "No effect on NPV."
    if not (math.isfinite(effect.npv_low) and math.isfinite(effect.npv_high)):
        return "Its effect on NPV is too large to compute."
    if item.kind in ("cost", "benefit"):
        moved = "The line 10 % lower / higher"
    elif item.id == "horizon_months":
        moved = f"{effect.low:g} / {effect.high:g} months"
    elif item.id == "discount_rate" and effect.basis == "nudge":
        moved = f"±10 %: {pct(effect.low, 2)} / {pct(effect.high, 2)}"
    elif item.id == "discount_rate":  # an assumption sets it: that assumption's range
        moved = f"Its assumption's range: {pct(effect.low, 2)} / {pct(effect.high, 2)}"
    else:
        unit = str(item.fields.get("unit") or "")
        low, high = (
            with_unit(v, unit, currency) if unit else figure(v) for v in (effect.low, effect.high)
        )
        moved = (
            f"Its range: {low} / {high}"
            if effect.basis == "range"
            else f"±10 % (no range): {low} / {high}"
        )
    return (
        f"{moved}: NPV {money(effect.npv_low, currency)} / {money(effect.npv_high, currency)} "
        f"(swing {money(effect.swing, currency)})."
    )


def review_context(case: Case) -> dict[str, Any]:
    """Everything the review page shows (used by the page and its error re-render)."""
    version = versions.current_version(case)
    owner = case.owner_id == current_user.id
    role_steps = [
        s
        for s in allowed_steps(
            case.status, current_user.role, is_owner=owner, archived=case.archived
        )
        if s != "reopen" or version
    ]
    rows = review.review_rows(case)
    return {
        "case": case,
        "rows": rows,
        "accepted_count": sum(1 for r in rows if r.status.status == review.ACCEPTED),
        "unchanged": review.unchanged_since_sign_off(case),
        "threads": review.item_threads(case),
        "effect_text": effect_text,
        "value_text": value_text,
        "words": case_words(case),
        "version": version,
        "latest": versions.latest_version(case.id),
        "superseded_decisions": [
            (v, d) for v in versions.versions_of(case.id) if v.is_superseded for d in v.decisions
        ],
        "steps": [STEPS[s] for s in role_steps],
        "next_holder": HOLDER_WORDS.get(NEXT_HOLDER.get(case.status) or ""),
        "state_label": label(case.status),
        "may_review": may_edit(
            case.status, current_user.role, REVIEW, is_owner=owner, archived=case.archived
        ),
        "awaits_sponsor": NEXT_HOLDER.get(case.status) == SPONSOR,
        "may_share": links.may_share(current_user, case),
        "step_form": StepForm(),
        "comment_form": CommentForm(),
    }


@bp.get("/cases/<int:case_id>/review")
@login_required
def review_page(case_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    return render_template("approvals/review.html", **review_context(case))


@bp.post("/cases/<int:case_id>/steps/<step>")
@login_required
def take_step(case_id: int, step: str) -> ResponseReturnValue:
    case = _case(case_id)
    form = StepForm()
    if step not in STEPS:
        abort(404, description=f'There is no step "{step}".')
    if not form.validate_on_submit():
        flash(_form_errors(form) or "The form could not be read; try again.", "error")
        return _back(case_id)
    steps.take_case_step(case, step, current_user, note=form.note.data or "")
    flash(STEPS[step].done_message(case.title, case.status), "success")
    if step == "reopen":
        return redirect(url_for("approvals.review_page", case_id=case_id))
    return _back(case_id)


@bp.post("/cases/<int:case_id>/assumptions/<key>/review")
@login_required
def review_assumption(case_id: int, key: str) -> ResponseReturnValue:
    """The first URL of a verdict, naming an assumption by key (kept for old links)."""
    case = _case(case_id)
    row = case.assumption_by_key(key)
    if row is None:
        abort(404, description=f'Case {case_id} has no assumption "{key}".')
    return review_item(case_id, row.id)


@bp.post("/cases/<int:case_id>/items/<item_id>/review")
@login_required
def review_item(case_id: int, item_id: str) -> ResponseReturnValue:
    """Accept or challenge one item. The page's script sends the same form by fetch and
    gets the item's card back (:mod:`cxroi.fragments`); the plain form is redirected."""
    case = _case(case_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        if fragments.wanted():
            raise _first_error(form)
        flash(f'Item "{item_id}": {_form_errors(form)}', "error")
        return _back(case_id, f"item-{item_id}")
    status = review.review_item(
        case,
        item_id,
        form.verdict.data,
        current_user,
        form.comment.data,
        seen=form.fingerprint.data or None,
    )
    if fragments.wanted():
        return _item_fragment(case, status.item.id, _verdict_done(status))
    return _back(case_id, f"item-{item_id}")


def _verdict_done(status: review.ReviewStatus) -> str:
    """What the page announces once a verdict is recorded."""
    name = f"“{status.item.label}”"
    if status.status == review.ACCEPTED:
        return f"{name} is accepted."
    if status.status == review.CHALLENGED:
        return f"{name} is challenged: your challenge is in its thread."
    return f"{name} is unreviewed again."


def _first_error(form: FlaskForm) -> InputError:
    """A form's first invalid field, as the error that names it."""
    unread = ("form", ["The form could not be read; try again."])
    name, messages = next(iter(form.errors.items()), unread)
    return InputError(str(name), " ".join(str(m) for m in messages))


def _item_fragment(case: Case, item_id: str, message: str) -> ResponseReturnValue:
    """One item's card as the review page renders it (the same partial), the count of
    accepted items, and what to announce."""
    context = review_context(case)
    row = next(r for r in context["rows"] if r.item.id == item_id)
    return fragments.answer(
        render_template("approvals/_review_fragment.html", row=row, message=message, **context)
    )


def _thread_fragment(case: Case, thread_id: int, message: str) -> ResponseReturnValue:
    """One thread as the review page renders it (the same partial), and what to announce."""
    thread = review.get_thread(case, thread_id)
    return fragments.answer(
        render_template(
            "approvals/_review_fragment.html",
            case=case,
            t=thread,
            message=message,
            step_form=StepForm(),
            comment_form=CommentForm(),
        )
    )


@bp.post("/cases/<int:case_id>/review/accept")
@login_required
def accept_items(case_id: int) -> ResponseReturnValue:
    """Accept a selection, or everything unchanged since the last sign-off: the first POST
    shows what would be accepted; the confirmation POST (``confirm``) accepts it."""
    case = _case(case_id)
    form = StepForm()
    if not form.validate_on_submit():
        flash(_form_errors(form) or "The form could not be read; try again.", "error")
        return _back(case_id)
    mode = request.form.get("mode", "selection")
    if mode not in ("selection", "unchanged"):
        raise InputError("mode", 'Choose "selection" or "unchanged".')
    action = review.ACCEPT_UNCHANGED if mode == "unchanged" else review.ACCEPT_SELECTED
    if request.form.get("confirm") == "1":
        ids = request.form.getlist("item")
        confirmed = {i: request.form.get(f"fp-{i}", "") for i in ids}
        accepted = review.accept_items(case, current_user, ids, confirmed=confirmed, action=action)
        flash(f"Accepted {len(accepted)} item{'s' if len(accepted) != 1 else ''}.", "success")
        return _back(case_id, "items")
    if mode == "unchanged":
        chosen = review.unchanged_since_sign_off(case)
        if not chosen:
            flash(
                "Nothing to accept: no item is both unaccepted and unchanged since the "
                "last signed-off version.",
                "error",
            )
            return _back(case_id, "items")
    else:
        wanted = set(request.form.getlist("item"))
        chosen = [i for i in review.items_of(case) if i.id in wanted]
        if not chosen:
            flash("Choose at least one item to accept.", "error")
            return _back(case_id, "items")
    return render_template(
        "approvals/review_confirm.html",
        case=case,
        items=chosen,
        mode=mode,
        form=StepForm(),
        value_text=value_text,
        words=case_words(case),
        version=versions.latest_version(case.id),
        state_label=label(case.status),
    )


@bp.get("/cases/<int:case_id>/review/changes")
@login_required
def review_changes(case_id: int) -> ResponseReturnValue:
    """What moved since the last signed-off version: item, field, old → new."""
    case = _case(case_id)
    version, deltas = review.changes_since_sign_off(case)
    npv_then = None
    if version is not None:
        npv_then = (versions.documents(version)[1].get("metrics") or {}).get("npv")
    return render_template(
        "approvals/review_changes.html",
        case=case,
        version=version,
        deltas=deltas,
        npv_then=npv_then,
        value_text=value_text,
        words=case_words(case),
        state_label=label(case.status),
    )


@bp.post("/cases/<int:case_id>/comments")
@login_required
def add_comment(case_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    form = CommentForm()
    key = form.assumption_key.data or None
    item_id = form.item_id.data or None
    if key is not None:
        row = case.assumption_by_key(key)
        item_id = row.id if row is not None else item_id
    anchor = f"item-{item_id}" if item_id else "discussion"
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(case_id, anchor)
    review.start_thread(case, current_user, form.body.data or "", key, item_id=item_id)
    return _back(case_id, anchor)


@bp.post("/cases/<int:case_id>/comments/<int:thread_id>/reply")
@login_required
def reply(case_id: int, thread_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    form = CommentForm()
    if not form.validate_on_submit():
        if fragments.wanted():
            raise _first_error(form)
        flash(_form_errors(form), "error")
        return _back(case_id, f"thread-{thread_id}")
    review.reply(case, thread_id, current_user, form.body.data or "")
    if fragments.wanted():
        return _thread_fragment(case, thread_id, "Your reply is in the thread.")
    return _back(case_id, f"thread-{thread_id}")


@bp.post("/cases/<int:case_id>/comments/<int:thread_id>/resolve")
@login_required
def resolve(case_id: int, thread_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    form = StepForm()
    if not form.validate_on_submit():
        if fragments.wanted():
            raise _first_error(form)
        flash(_form_errors(form), "error")
        return _back(case_id, f"thread-{thread_id}")
    resolved = request.form.get("resolved") != "0"
    review.resolve(case, thread_id, current_user, resolved=resolved)
    if fragments.wanted():
        done = "The thread is resolved." if resolved else "The thread is open again."
        return _thread_fragment(case, thread_id, done)
    return _back(case_id, f"thread-{thread_id}")


# -- versions ----------------------------------------------------------------------------


@bp.get("/cases/<int:case_id>/versions")
@login_required
def versions_page(case_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    all_versions = versions.versions_of(case.id)
    diff = old = new = None
    error = None
    if "old" in request.args or "new" in request.args:
        try:
            a, b = int(request.args.get("old", "")), int(request.args.get("new", ""))
        except ValueError:
            error = "Choose two versions to compare (old and new must be version numbers)."
        else:
            if not (0 <= a <= MAX_ID and 0 <= b <= MAX_ID):  # the database could not look
                error = f"Case {case.id} has no version {a if not 0 <= a <= MAX_ID else b}."
            else:
                try:
                    old, new, diff = versions.compare(case.id, a, b)
                except DomainError as exc:
                    error = exc.message
    return render_template(
        "approvals/versions.html",
        case=case,
        versions=all_versions,
        decisions={v.id: links.versions_decisions(v) for v in all_versions},
        diff=diff,
        old=old,
        new=new,
        error=error,
        state_label=label(case.status),
    ), 400 if error else 200


@bp.get("/cases/<int:case_id>/versions/<int:number>.json")
@login_required
def version_file(case_id: int, number: int) -> ResponseReturnValue:
    version = versions.get_version(case_id, number)
    return (
        version.case_json,
        200,
        {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": f'attachment; filename="case-{case_id}-v{number}.json"',
            "X-Case-SHA256": version.case_hash,
        },
    )


# -- links -------------------------------------------------------------------------------


def _links_page(
    case: Case,
    form: LinkForm,
    new_link: links.NewLink | None = None,
    status: int = 200,
    refusal: str | None = None,
) -> ResponseReturnValue:
    version = versions.current_version(case)
    may_share = links.may_share(current_user, case)
    offer_approve = bool(version and may_share and case.status == READY)
    return render_template(
        "approvals/links.html",
        case=case,
        form=form,
        links=links.links_of(case.id),
        state_of=links.state_of,
        version=version,
        new_link=new_link,
        # Only a view link's address is ever shown; an approve link is in its mail alone.
        new_url=links.sponsor_url(new_link.token) if new_link and new_link.token else None,
        may_share=may_share,
        offer_approve=offer_approve,
        authority=approvers.authority_needed(version) if offer_approve and version else None,
        qualifying=approvers.qualifying(case, version) if offer_approve and version else [],
        refusal=refusal,
        revoke_form=StepForm(),
        state_label=label(case.status),
    ), status


def _fresh_link_form() -> LinkForm:
    form = LinkForm(formdata=None)
    form.idempotency_key.data = link_tokens.new_idempotency_key()
    return form


@bp.get("/cases/<int:case_id>/links")
@login_required
def links_page(case_id: int) -> ResponseReturnValue:
    return _links_page(_case(case_id), _fresh_link_form())


@bp.post("/cases/<int:case_id>/links")
@login_required
def create_link(case_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return _links_page(case, form, status=400)
    try:
        new = links.create_link(
            case,
            current_user,
            recipient_name=form.recipient_name.data or "",
            recipient_email=form.recipient_email.data or "",
            scope=form.scope.data,
            expires_in_days=form.expires_in_days.data,
            idempotency_key=form.idempotency_key.data or None,
            secret=current_app.config["SECRET_KEY"],
        )
    except InputError as exc:
        getattr(form, exc.field).errors = [exc.message]
        return _links_page(case, form, status=400)
    except DomainError as exc:  # not a qualifying approver, case team, not ready
        return _links_page(case, form, status=exc.status, refusal=exc.message)
    # the token is shown only now, after the commit; the next form has a new key
    return _links_page(case, _fresh_link_form(), new_link=new)


@bp.post("/cases/<int:case_id>/links/<int:link_id>/resend")
@login_required
def resend_link(case_id: int, link_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    form = StepForm()
    if not form.validate_on_submit():
        flash(_form_errors(form) or "The form could not be read; try again.", "error")
        return redirect(url_for("approvals.links_page", case_id=case_id))
    try:
        new = links.resend_link(case, link_id, current_user)
    except DomainError as exc:
        return _links_page(case, _fresh_link_form(), status=exc.status, refusal=exc.message)
    return _links_page(case, _fresh_link_form(), new_link=new)


@bp.post("/cases/<int:case_id>/links/<int:link_id>/revoke")
@login_required
def revoke_link(case_id: int, link_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    form = StepForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
    else:
        link = links.revoke_link(case, link_id, current_user)
        flash(f"The link for {link.recipient} is revoked.", "success")
    return redirect(url_for("approvals.links_page", case_id=case_id))


# -- history and what awaits me ------------------------------------------------------------


@bp.get("/cases/<int:case_id>/history")
@login_required
def history(case_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    return render_template(
        "approvals/history.html",
        case=case,
        events=list(reversed(events_for_case(case.id))),
        chain=list(reversed(ledger.entries_for_case(case.id))),
        state_label=label(case.status),
        w=case_words(case),
    )


def case_words(case: Case) -> labels.CaseWords:
    """The case's words (cxroi.labels), with everyone it involves by name: the accounts,
    the approver directory and the recipients of the case's links."""
    from sqlalchemy import select

    from models import Approver, SharedLink, User

    people = {u.email: u.display_name for u in db.session.scalars(select(User))}
    people.update({a.email: a.name for a in db.session.scalars(select(Approver))})
    shared = db.session.scalars(select(SharedLink).where(SharedLink.case_id == case.id))
    people.update({link.recipient_email: link.recipient_name for link in shared})
    former: dict[str, str] = {}
    for version in versions.versions_of(case.id):
        doc = versions.documents(version)[0]
        for section, name in (("assumptions", "label"), *((s, "name") for s in _LINES)):
            former.update({p["id"]: p[name] for p in doc.get(section, []) if "id" in p})
    return labels.CaseWords(case, people, former)


_LINES = ("costs", "benefits", "scenarios")


@bp.get("/awaiting")
@login_required
def awaiting() -> ResponseReturnValue:
    return render_template(
        "approvals/inbox.html",
        inbox=inbox.inbox_for(current_user),
        notifications=notify.unread_for(current_user),
        kinds=notify.KINDS,
        read_form=FlaskForm(),
    )


@bp.post("/awaiting/read")
@login_required
def mark_notifications_read() -> ResponseReturnValue:
    """Clear the notifications list (they stay in the record, marked read)."""
    count = notify.mark_all_read(current_user)
    flash(f"{count} notification{'s' if count != 1 else ''} marked as read.", "success")
    return redirect(url_for("approvals.awaiting"))
