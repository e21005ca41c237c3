"""Finance reviews every number: each item kind, changed since accepted, sign-off refused
until all accepted, selection and since-sign-off acceptance, the audit rows, the pages."""

from __future__ import annotations

import copy
import re

import pytest
from sqlalchemy import select

from cxroi.approvals import review, versions
from cxroi.approvals.errors import Conflict, InputError
from cxroi.approvals.steps import take_case_step
from cxroi.cases import parts
from cxroi.cases.services import apply_edit
from cxroi.extensions import db
from models import AuditEvent, ItemReview
from tests.app.approvals.web import csrf_from, post_form, sign_in


@pytest.fixture
def in_review(case, users):
    take_case_step(case, "submit", users["cx"])
    return case


def _ids(case):
    return [i.id for i in review.items_of(case)]


def _edit(case, user, change):
    """A CX edit through the one pipeline (the document as a dict, changed in place)."""

    def edit(doc, _retired):
        doc = copy.deepcopy(doc)
        change(doc)
        return doc

    return apply_edit(user, case.id, case.lock_version, edit)


def test_every_kind_of_item_is_reviewed_and_sign_off_waits_for_all(in_review, users):
    case, fin = in_review, users["finance"]
    statuses = review.review_statuses(case)
    kinds = {s.item.kind for s in statuses.values()}
    assert kinds == {"assumption", "cost", "benefit", "scenario", "setting"}
    doc = case.doc
    settings = ["discount_rate", "horizon_months", "start_month", "continuing_value", "tax_rate"]
    assert [i for i, s in statuses.items() if s.item.kind == "setting"] == settings
    expected = len(doc.assumptions) + len(doc.costs) + len(doc.benefits) + len(doc.scenarios) + 5
    assert len(statuses) == expected
    # Every assumption accepted is no longer enough: the lines and settings are pending.
    for a in case.assumptions:
        review.review_assumption(case, a.key, "accepted", fin)
    with pytest.raises(Conflict, match="every item") as exc:
        take_case_step(case, "sign_off", fin)
    pending = len(case.costs) + len(case.benefits) + len(case.doc.scenarios) + 5
    assert f"{pending} not accepted yet" in exc.value.message
    assert case.benefits[0].name in exc.value.message
    assert case.status == "in_review"
    review.accept_items(case, fin, [i for i in _ids(case) if i != "b1"])
    with pytest.raises(Conflict, match=f"1 not accepted yet: {case.benefits[0].name}"):
        take_case_step(case, "sign_off", fin)
    review.review_item(case, "b1", "accepted", fin)
    take_case_step(case, "sign_off", fin)
    assert case.status == "ready"


def test_a_line_changed_since_accepted_says_what_changed(in_review, users):
    case, fin, cx = in_review, users["finance"], users["cx"]
    review.review_item(case, "b2", "accepted", fin)
    review.review_item(case, "c1", "accepted", fin)
    take_case_step(case, "withdraw", cx)
    old_risk = case.doc.benefits[1].risk
    _edit(case, cx, lambda d: d["benefits"][1].update(risk=0.35, ramp_months=5))
    status = review.review_statuses(case)["b2"]
    assert (status.status, status.stale) == ("unreviewed", True)
    assert {(c.field, c.old, c.new) for c in status.changes} == {
        ("risk", old_risk, 0.35),
        ("ramp_months", 3, 5),
    }
    assert review.review_statuses(case)["c1"].status == "accepted"  # untouched
    # The page shows it, old → new.
    take_case_step(case, "submit", cx)
    from flask import current_app

    page = sign_in(current_app, fin).get(f"/cases/{case.id}/review").text
    card = page[page.index('id="item-b2"') :]
    card = card[: card.index('class="review-card"')]
    assert "Changed since accepted" in card
    # By the field's name and as people write it: the risk a percentage.
    assert (
        f"<li>Risk: {old_risk:.1%} → 35.0%</li>" in card and "<li>Ramp months: 3 → 5</li>" in card
    )


def test_the_discount_rate_is_an_item_finance_reaccepts_after_changing_it(in_review, users):
    case, fin = in_review, users["finance"]
    review.review_item(case, "discount_rate", "accepted", fin)
    _edit(case, fin, lambda d: d.update(discount_rate=0.11))
    status = review.review_statuses(case)["discount_rate"]
    assert status.stale and [(c.field, c.old, c.new) for c in status.changes] == [
        ("discount_rate", 0.09, 0.11)
    ]


def test_accepting_a_selection_is_one_commit_with_one_audit_row_per_item(in_review, users):
    case, fin = in_review, users["finance"]
    chosen = ["c1", "b1", "horizon_months"]
    statuses = review.accept_items(case, fin, chosen)
    assert [s.status for s in statuses] == ["accepted"] * 3
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "item_review").order_by(AuditEvent.id)
    ).all()
    assert [(r.item_id, r.action, r.old, r.new) for r in rows] == [
        (i, "accept_selected", "unreviewed", "accepted") for i in chosen
    ]
    stored = {r.item_id for r in db.session.scalars(select(ItemReview))}
    assert stored == set(chosen)


def test_a_selection_is_all_or_nothing(in_review, users):
    case, fin = in_review, users["finance"]
    with pytest.raises(InputError, match='no review item "zz"'):
        review.accept_items(case, fin, ["c1", "zz"])
    with pytest.raises(InputError, match="at least one"):
        review.accept_items(case, fin, [])
    # Confirmed against an older content: refused, nothing accepted.
    items = {i.id: i for i in review.items_of(case)}
    with pytest.raises(Conflict, match="Changed since you confirmed"):
        review.accept_items(
            case, fin, ["c1", "c2"], confirmed={"c1": items["c1"].fingerprint, "c2": "0" * 64}
        )
    assert db.session.scalars(select(ItemReview)).all() == []


def test_accept_everything_unchanged_since_the_last_sign_off(ready_case, users):
    case, fin, cx = ready_case, users["finance"], users["cx"]
    # Version 2: CX changes one line and adds a £35k cost.
    take_case_step(case, "reopen", cx)
    _edit(case, cx, lambda d: d["costs"][0].update(amount=95000))

    def add_cost(d):
        d["costs"].append(
            {"name": "Extra agents", "category": "people", "recurrence": "once", "amount": 35000}
        )

    _edit(case, cx, add_cost)
    take_case_step(case, "submit", cx)
    new_id = case.doc.costs[-1].id
    # Verdicts bound to unchanged content still hold: nothing to accept again...
    assert review.unchanged_since_sign_off(case) == []
    assert {s.item.id for s in review.pending(case)} == {"c1", new_id}
    # ...but a version signed off before lines and settings were reviewed left them
    # without a verdict: those unchanged since are accepted in one go.
    _forget_verdicts(case, lambda i: not i.startswith("a"))
    unchanged = {i.id for i in review.unchanged_since_sign_off(case)}
    assert unchanged == {i for i in _ids(case) if not i.startswith("a")} - {"c1", new_id}
    review.accept_items(case, fin, sorted(unchanged), action=review.ACCEPT_UNCHANGED)
    pending = {s.item.id for s in review.pending(case)}
    assert pending == {"c1", new_id}
    # A changed item cannot be slipped into an "unchanged" acceptance.
    with pytest.raises(Conflict, match="Not unchanged"):
        review.accept_items(case, fin, ["c1"], action=review.ACCEPT_UNCHANGED)
    # And the changes view lists what moved since version 1.
    version, deltas = review.changes_since_sign_off(case)
    assert version.number == 1
    by_id = {d.item_id: d for d in deltas}
    assert set(by_id) == {"c1", new_id}
    assert by_id[new_id].change == "added"
    assert [(c.field, c.old, c.new) for c in by_id["c1"].fields] == [("amount", 85000, 95000)]
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == review.ACCEPT_UNCHANGED)
    ).all()
    assert {r.item_id for r in rows} == unchanged


def _forget_verdicts(case, which):
    """As a version signed off when only assumptions were reviewed left the case."""
    for row in db.session.scalars(select(ItemReview).where(ItemReview.case_id == case.id)):
        if which(row.item_id):
            db.session.delete(row)
    db.session.commit()


def test_items_sort_by_their_effect_on_npv(in_review):
    rows = review.review_rows(in_review)
    swings = [r.effect.swing for r in rows]
    assert swings == sorted(swings, reverse=True)
    assert {r.item.id for r in rows} == set(_ids(in_review))
    # The stored effects are the ones the engine gives for the case as it stands.
    from cxroi.engine.review_items import npv_effects

    assert {r.item.id: r.effect for r in rows} == npv_effects(in_review.doc)


def test_a_challenge_on_a_line_opens_a_thread_on_that_line(in_review, users):
    case, fin = in_review, users["finance"]
    review.review_item(case, "c2", "challenged", fin, "Which licence tier?")
    (thread,) = review.item_threads(case)["c2"]
    assert thread.kind == "challenge" and thread.body == "Which licence tier?"


# -- the pages --------------------------------------------------------------------------


def test_the_page_lists_every_item_with_its_effect_biggest_first(app, in_review, users):
    fin = sign_in(app, users["finance"])
    page = fin.get(f"/cases/{in_review.id}/review").text
    order = re.findall(r'<li class="review-card" id="item-([^"]+)"', page)
    assert order == [r.item.id for r in review.review_rows(in_review)]
    assert set(order) == set(_ids(in_review))
    assert 'data-effect="discount_rate">±10 %: 8.10% / 9.90%: NPV' in page
    assert "<table" not in page[page.index('id="items"') : page.index('id="discussion"')]


def test_accept_a_selection_through_the_confirmation_page(app, in_review, users):
    case = in_review
    fin = sign_in(app, users["finance"])
    url = f"/cases/{case.id}/review"
    first = post_form(
        fin, url, f"/cases/{case.id}/review/accept", {"mode": "selection", "item": ["c1", "b2"]}
    )
    assert first.status_code == 200 and "Accept 2 items?" in first.text
    assert review.pending(case) and db.session.scalars(select(ItemReview)).all() == []
    fields = dict(re.findall(r'name="(fp-[^"]+)" value="([^"]+)"', first.text))
    confirm = fin.post(
        f"/cases/{case.id}/review/accept",
        data={
            "csrf_token": csrf_from(first.text),
            "mode": "selection",
            "confirm": "1",
            "item": ["c1", "b2"],
            **fields,
        },
    )
    assert confirm.status_code == 302
    statuses = review.review_statuses(case)
    assert statuses["c1"].status == statuses["b2"].status == "accepted"
    assert "Accepted 2 items." in fin.get(url).text
    # Without the CSRF token: refused, nothing more accepted.
    bad = fin.post(
        f"/cases/{case.id}/review/accept",
        data={"mode": "selection", "confirm": "1", "item": ["c2"], "fp-c2": "x"},
    )
    assert bad.status_code in (302, 400)
    assert review.review_statuses(case)["c2"].status == "unreviewed"


def test_the_changes_page_and_the_unchanged_button(app, ready_case, users):
    case, cx = ready_case, users["cx"]
    take_case_step(case, "reopen", cx)
    _edit(case, cx, lambda d: d.update(horizon_months=30))
    take_case_step(case, "submit", cx)
    _forget_verdicts(case, lambda i: not i.startswith("a"))
    fin = sign_in(app, users["finance"])
    page = fin.get(f"/cases/{case.id}/review/changes").text
    assert (
        'id="change-horizon_months"' in page and "<li>Horizon: 36 months → 30 months</li>" in page
    )
    review_page = fin.get(f"/cases/{case.id}/review").text
    assert 'id="bulk-accept-unchanged"' in review_page
    confirm = post_form(
        fin, f"/cases/{case.id}/review", f"/cases/{case.id}/review/accept", {"mode": "unchanged"}
    )
    assert 'id="confirm-horizon_months"' not in confirm.text and 'id="confirm-c1"' in confirm.text
    fields = dict(re.findall(r'name="(fp-[^"]+)" value="([^"]+)"', confirm.text))
    ids = re.findall(r'name="item" value="([^"]+)"', confirm.text)
    done = fin.post(
        f"/cases/{case.id}/review/accept",
        data={
            "csrf_token": csrf_from(confirm.text),
            "mode": "unchanged",
            "confirm": "1",
            "item": ids,
            **fields,
        },
    )
    assert done.status_code == 302
    # The lines running to month 36 were cut at the new horizon: changed too, so pending.
    moved = {d.item_id for d in review.changes_since_sign_off(case)[1]}
    assert moved == {"c2", "c4", "horizon_months"}
    assert {s.item.id for s in review.pending(case)} == moved
    assert versions.latest_version(case.id).number == 1


def test_bad_bulk_input_is_a_clear_4xx(app, in_review, users):
    fin = sign_in(app, users["finance"])
    case = in_review
    url = f"/cases/{case.id}/review"
    r = post_form(fin, url, f"/cases/{case.id}/review/accept", {"mode": "nope"})
    assert r.status_code == 400
    r = post_form(
        fin,
        url,
        f"/cases/{case.id}/review/accept",
        {"mode": "selection", "confirm": "1", "item": "zz"},
    )
    assert r.status_code == 400 and "zz" in r.text
    cx = sign_in(app, users["cx"])
    r = post_form(
        cx,
        url,
        f"/cases/{case.id}/review/accept",
        {"mode": "selection", "confirm": "1", "item": "c1"},
    )
    assert r.status_code == 403
    assert db.session.scalars(select(ItemReview)).all() == []


def test_rename_keeps_review_of_line_unchanged_parts(in_review, users):
    """A line's verdict follows its id: renaming the line is a change finance sees."""
    case, fin, cx = in_review, users["finance"], users["cx"]
    review.review_item(case, "c1", "accepted", fin)
    take_case_step(case, "withdraw", cx)
    _edit(case, cx, lambda d: d["costs"][0].update(name="KB set-up"))
    status = review.review_statuses(case)["c1"]
    assert status.stale and [c.field for c in status.changes] == ["name"]
    assert parts is not None


def test_swapping_two_assumption_keys_needs_review_again(ready_case, users):
    """The review's repro: two keys swapped (every value unchanged) multiplied the NPV and
    went through sign-off unseen. Now the lines using them are unreviewed again."""
    from cxroi.cases.casefiles import replace_document
    from cxroi.engine import case_to_dict

    cx, finance = users["cx"], users["finance"]
    before = ready_case.npv
    doc = case_to_dict(ready_case.doc)
    by_key = {a["key"]: a for a in doc["assumptions"]}
    # two assumptions CX may edit, used by the two benefit lines and the scenario
    by_key["churn_reduction"]["key"] = "repeat_reduction"
    by_key["repeat_reduction"]["key"] = "churn_reduction"
    case = replace_document(cx, ready_case.id, doc, ready_case.case_hash)  # a new draft
    assert case.npv != before
    take_case_step(case, "submit", cx)
    with pytest.raises(Conflict, match="not accepted yet") as refused:
        take_case_step(case, "sign_off", finance)
    assert "Subscribers kept" in str(refused.value)
    # both benefit lines and both scenarios (each overrides one of the two) use them
    assert {s.item.id for s in review.pending(case)} == {"b1", "b2", "s1", "s2"}
