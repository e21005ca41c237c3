"""Regenerate ``populated-0100.json``: a database at revision ``0100_approvals``, in use.

The fixture is what ``tests/app/test_document_migration.py`` loads before it runs the
``0200_case_document`` migration. It must be made by the code that wrote databases at
``0100_approvals`` (cases as rows: commit 82e54f7), through that code's own services,
so that the rows are what real use leaves behind. Run it from a checkout of this
repository (not by the suite)::

    git worktree add /tmp/cxroi-0100 82e54f7
    python tests/data/migration/make_fixture.py --old-checkout /tmp/cxroi-0100
    git worktree remove /tmp/cxroi-0100

It builds a SQLite database in a temporary directory with the old code's
``cxroi init-db`` path (the Alembic migrations up to ``0100_approvals``), then:

- users: two CX, two finance (one switched off by the admin), an admin, a login session;
- case 1 (delivery-delays, imported): narrative and confidences added, an assumption
  renamed (its uses follow), a cost, a benefit and a scenario added, a case thread;
  submitted, one assumption challenged (a challenge thread, answered, resolved) and
  every assumption accepted, signed off (version 1); an approve and a view link, the
  view link opened and later revoked; the sponsor approves;
- case 2 (returns-portal, imported): reviewed (one verdict with a comment), signed off,
  the sponsor requests changes; reopened (version 1 superseded), then the commented
  and accepted assumption is renamed and another one changed;
- case 3 (sme-onboarding, imported, another owner): an assumption added, discussed and
  reviewed, then deleted after a return to draft; a challenged assumption renamed and
  the new key accepted after a second submission (two verdicts for one assumption);
- case 4 (contact-centre, imported): finance changes the discount rate and one of its
  assumptions;
- case 5 (created from the form, no lines at first): one assumption and one cost added.

Shared-link tokens are fixed (:data:`LINK_TOKENS`) so that a test can open the links;
every other value (times, password hashes) is whatever the run produced. Every table
is written to the JSON file as ``{table: [row, ...]}`` in foreign-key order, rows by
primary key, datetimes as ISO 8601 text in UTC, JSON columns as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "populated-0100.json"
OLD_COMMIT = "82e54f7"
PASSWORD = "correct horse battery"

#: The token of each shared link, in the order the links are made (only hashes are stored).
LINK_TOKENS = {
    "case1-approve": "fixture-case1-approve-link-token-0001",
    "case1-view": "fixture-case1-view-link-token-00000002",
    "case2-approve": "fixture-case2-approve-link-token-0003",
}
SPONSOR_CLIENT = {"ip": "203.0.113.7", "user_agent": "fixture-browser/1.0"}


def _old_app(old_checkout: Path, db_path: Path) -> Any:
    sys.path.insert(0, str(old_checkout))
    import models.case

    if not hasattr(models.case, "AssumptionRow"):
        raise SystemExit(
            f"{old_checkout} does not store cases as rows: use a checkout of {OLD_COMMIT}"
        )
    from cxroi import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "fixture",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MC_TRIALS": 200,
            "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        }
    )


def _fixed_tokens() -> None:
    from cxroi.approvals import tokens

    pending = iter(LINK_TOKENS.values())
    tokens.new_token = lambda: next(pending)


def _assumption(case: Any, key: str) -> Any:
    row = case.assumption_by_key(key)
    assert row is not None, key
    return row


def _edit_assumption(actor: Any, case: Any, old_key: str, **changes: Any) -> Any:
    from cxroi.cases import parts

    row = _assumption(case, old_key)
    values = {name: getattr(row, name) for name in parts.ASSUMPTION_FIELDS} | changes
    return parts.save_assumption(actor, case.id, case.lock_version, row.id, values)


def _new_assumption(actor: Any, case: Any, **values: Any) -> Any:
    from cxroi.cases import parts

    blank = dict.fromkeys(parts.ASSUMPTION_FIELDS)
    return parts.save_assumption(actor, case.id, case.lock_version, None, blank | values)


def _import(actor: Any, old_checkout: Path, name: str) -> Any:
    from cxroi.cases.casefiles import import_case

    return import_case(actor, (old_checkout / "examples" / f"{name}.json").read_bytes())


def populate(old_checkout: Path) -> None:
    """Use the old app's services to leave the database as months of use would."""
    from cxroi.approvals import links, review
    from cxroi.approvals.steps import take_case_step
    from cxroi.auth.services import create_user, set_role_and_active, start_session
    from cxroi.cases import parts
    from cxroi.cases.services import create_case, update_case

    _fixed_tokens()
    admin = create_user("ada@example.com", "admin", PASSWORD, name="Ada Admin", actor="setup")
    casey = create_user("casey@example.com", "cx", PASSWORD, name="Casey Author", actor=admin)
    otto = create_user("otto@example.com", "cx", PASSWORD, name="Otto Other", actor=admin)
    fran = create_user("fran@example.com", "finance", PASSWORD, name="Fran Finance", actor=admin)
    fred = create_user("fred@example.com", "finance", PASSWORD, name="Fred Left", actor=admin)
    set_role_and_active(admin, fred.id, "finance", False)
    start_session(casey)

    # -- case 1: edited, reviewed with a challenge, signed off, approved -------------------
    c1 = _import(casey, old_checkout, "delivery-delays")
    c1 = update_case(
        casey,
        c1.id,
        c1.lock_version,
        {
            "customer_problem": "Customers learn that a parcel is late only when it does "
            "not arrive, then queue on the phone to hear what we already knew.",
            "evidence": "21% of contacts ask where an order is; late parcels lead the "
            "detractor themes of the Q3 survey.",
        },
    )
    _edit_assumption(casey, c1, "wismo_avoided", confidence="medium")
    _edit_assumption(fran, c1, "cost_per_contact", confidence="high")
    _edit_assumption(casey, c1, "churn_cut", key="churn_cut_pts", confidence="low")
    parts.save_cost(
        casey,
        c1.id,
        c1.lock_version,
        None,
        {
            "name": "Message template upkeep",
            "category": "people",
            "department": "CX",
            "recurrence": "monthly",
            "month": None,
            "start_month": 6,
            "end_month": None,
            "params": {"amount": 1200.0, "escalation": 0.03, "risk": 0.0},
        },
    )
    parts.save_benefit(
        casey,
        c1.id,
        c1.lock_version,
        None,
        {
            "name": "Fewer goodwill vouchers",
            "kind": "custom",
            "ramp_start": 4,
            "ramp_months": 6,
            "params": {"amount": 2500.0, "escalation": 0.0, "risk": 0.2},
        },
    )
    parts.save_scenario(
        casey,
        c1.id,
        c1.lock_version,
        None,
        {"name": "Half the churn effect", "overrides": {"churn_cut_pts": 0.01}},
    )
    thread = review.start_thread(c1, casey, "Is the carrier feed live in every market?")
    review.reply(c1, thread.id, fran, "Only in the UK and Ireland; costs assume both.")
    review.resolve(c1, thread.id, casey)
    take_case_step(c1, "submit", casey, note="ready for finance")
    review.review_assumption(
        c1, "wismo_avoided", "challenged", fran, "35% is above the pilot's 28%: source?"
    )
    challenge = review.threads(c1)["wismo_avoided"][0]
    review.reply(c1, challenge.id, casey, "The pilot ran in winter; summer peaks are higher.")
    for row in c1.assumptions:
        review.review_assumption(c1, row.key, "accepted", fran)
    review.resolve(c1, challenge.id, fran)
    take_case_step(c1, "sign_off", fran, note="numbers agreed")
    approve = links.create_link(
        c1, casey, recipient_name="Sam Sponsor", recipient_email="sam@example.com", scope="approve"
    )
    view = links.create_link(
        c1, fran, recipient_name="Cleo CFO", recipient_email="cleo@example.com", scope="view"
    )
    links.open_link(view.token, action="view", **SPONSOR_CLIENT)
    links.decide(
        approve.token,
        decision="approve",
        name="Sam Sponsor",
        comment="Go ahead.",
        version_hash=approve.link.version.case_hash,
        **SPONSOR_CLIENT,
    )
    links.revoke_link(c1, view.link.id, fran)

    # -- case 2: signed off, changes requested, reopened and edited ------------------------
    c2 = _import(casey, old_checkout, "returns-portal")
    take_case_step(c2, "submit", casey)
    for row in c2.assumptions:
        comment = "Matches the loyalty study." if row.key == "repeat_uplift" else None
        review.review_assumption(c2, row.key, "accepted", fran, comment)
    take_case_step(c2, "sign_off", fran)
    approve2 = links.create_link(
        c2, casey, recipient_name="Sam Sponsor", recipient_email="sam@example.com", scope="approve"
    )
    links.decide(
        approve2.token,
        decision="request_changes",
        name="Sam Sponsor",
        comment="Show the refund losses by quarter.",
        version_hash=approve2.link.version.case_hash,
        **SPONSOR_CLIENT,
    )
    take_case_step(c2, "reopen", casey, note="answering the sponsor")
    _edit_assumption(casey, c2, "repeat_uplift", key="repeat_purchase_uplift")
    _edit_assumption(casey, c2, "calls_avoided", value=0.55)

    # -- case 3: an assumption deleted after review, two verdicts for one assumption -------
    c3 = _import(otto, old_checkout, "sme-onboarding")
    _new_assumption(
        otto,
        c3,
        key="pilot_sites",
        label="Sites in the pilot",
        value=4.0,
        unit="sites",
        owner="CX",
        notes="Not used by any line yet.",
    )
    review.start_thread(c3, fran, "Which four sites?", key="pilot_sites")
    take_case_step(c3, "submit", otto)
    review.review_assumption(c3, "pilot_sites", "accepted", fran)
    review.review_assumption(c3, "churn_saved", "challenged", fran, "15% needs a source.")
    take_case_step(c3, "return_to_draft", fran, note="see the challenge")
    row = _assumption(c3, "pilot_sites")
    parts.delete_part(otto, c3.id, c3.lock_version, "assumptions", row.id)
    _edit_assumption(
        otto, c3, "churn_saved", key="churn_saved_ratio", source="Pilot, 3 regions, 2026"
    )
    take_case_step(c3, "submit", otto)
    review.review_assumption(c3, "churn_saved_ratio", "accepted", fran)

    # -- case 4: finance's inputs changed --------------------------------------------------
    c4 = _import(casey, old_checkout, "contact-centre")
    update_case(fran, c4.id, c4.lock_version, {"discount_rate": 0.085})
    _edit_assumption(fran, c4, "arpu", value=30.5, confidence="high", notes="2026 price list")

    # -- case 5: made in the form, then filled in ------------------------------------------
    c5 = create_case(
        otto,
        {
            "title": "Callback instead of queueing",
            "description": "",
            "customer_problem": "Callers wait 14 minutes on average at peak.",
            "evidence": None,
            "currency": "EUR",
            "start_month": "2027-03",
            "horizon_months": 24,
            "discount_rate": None,
        },
    )
    _new_assumption(
        otto,
        c5,
        key="callback_fee",
        label="Callback service fee",
        value=800.0,
        unit="EUR/month",
        low=600.0,
        high=1100.0,
        source="Vendor quote",
        owner="IT",
        confidence="medium",
    )
    parts.save_cost(
        otto,
        c5.id,
        c5.lock_version,
        None,
        {
            "name": "Callback service",
            "category": "technology",
            "department": "IT",
            "recurrence": "monthly",
            "month": None,
            "start_month": 1,
            "end_month": 18,
            "params": {"amount": "callback_fee", "escalation": 0.0, "risk": 0.1},
        },
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def dump() -> dict[str, list[dict[str, Any]]]:
    """Every table of the app, parents first, rows by primary key."""
    from sqlalchemy import select

    from cxroi.extensions import db

    out: dict[str, list[dict[str, Any]]] = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).mappings()
        out[table.name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--old-checkout", type=Path, required=True, help=f"a checkout of {OLD_COMMIT}"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        app = _old_app(args.old_checkout.resolve(), Path(tmp) / "cxroi-0100.db")
        from cxroi.extensions import db
        from cxroi.migrate import upgrade_to_head

        upgrade_to_head(app)
        with app.app_context():
            populate(args.old_checkout.resolve())
            db.session.expire_all()
            tables = dump()
            db.session.remove()
            db.engine.dispose()
    args.out.write_text(json.dumps(tables, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}: " + ", ".join(f"{t} {len(r)}" for t, r in tables.items()))


if __name__ == "__main__":
    main()
