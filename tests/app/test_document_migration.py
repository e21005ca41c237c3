"""The 0200_case_document migration on a database that was in use at 0100_approvals.

``tests/data/migration/populated-0100.json`` is such a database, made through the old
app's services by ``tests/data/migration/make_fixture.py``. Each run builds a fresh
database (a SQLite file; and a PostgreSQL database ``<name>_migration`` created
beside ``CXROI_TEST_DATABASE_URL``'s, never the suite's own), migrates it to
``0100_approvals``, loads the fixture, migrates to head and checks what came out
against the fixture's rows.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from cxroi.approvals.ledger import verify_ledger
from cxroi.approvals.review import review_statuses, threads
from cxroi.audit.verify import verify_audit
from cxroi.engine import analyse, canonical_json, load_case
from cxroi.extensions import db
from cxroi.migrate import alembic_config
from models import AssumptionReview, Case, Comment
from tests.appsupport import PASSWORD, make_app
from tests.data.migration.make_fixture import LINK_TOKENS

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "migration" / "populated-0100.json"
BEFORE, AFTER = "0100_approvals", "0200_case_document"
#: The columns of ``cases`` that move into the document.
MOVED = ("customer_problem", "evidence", "start_month", "horizon_months", "discount_rate")
#: Tables the migration must leave exactly as they were.
UNTOUCHED = (
    "users",
    "login_sessions",
    "case_versions",
    "shared_links",
    "link_uses",
    "decisions",
    "audit_chain",
)
TITLES = {
    "delivery": "Proactive messages when a parcel is late",
    "returns": "Self-service returns with instant refunds",
    "sme": "Onboarding guide for new small-business customers",
    "contact": "First-contact resolution in the contact centre",
    "callback": "Callback instead of queueing",
}


# -- databases -------------------------------------------------------------------------


def _postgres_url() -> sa.URL:
    """A PostgreSQL server to migrate on, whichever database the suite itself runs on:
    the suite's (``CXROI_TEST_DATABASE_URL``) when it is PostgreSQL, else
    ``CXROI_TEST_POSTGRES_URL`` (``.ci/run`` sets it for the SQLite run too)."""
    configured = os.environ.get("CXROI_TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        configured = os.environ.get("CXROI_TEST_POSTGRES_URL", "")
    if not configured.startswith("postgresql"):
        pytest.skip(
            "PostgreSQL is not configured: set CXROI_TEST_POSTGRES_URL (or "
            "CXROI_TEST_DATABASE_URL) to postgresql+psycopg://user:password@host/name (this "
            "test creates and drops its own database, <name>_migration, beside it)"
        )
    url = sa.make_url(configured)
    return url.set(database=f"{url.database}_migration")


def _server(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _recreate_postgres(url: sa.URL) -> None:
    server = _server(url)
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"cannot create the PostgreSQL database {url.database}: {exc.orig}")
    finally:
        server.dispose()


def _drop_postgres(url: sa.URL) -> None:
    server = _server(url)
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of an empty database of each kind, removed afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('migration') / 'cxroi.db'}"
        return
    url = _postgres_url()
    _recreate_postgres(url)
    yield url.render_as_string(hide_password=False)
    _drop_postgres(url)


def alembic(app: Flask, action: str, revision: str) -> None:
    """``alembic upgrade|downgrade <revision>`` on the app's database, as init-db runs it."""
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        getattr(command, action)(cfg, revision)


# -- the fixture -------------------------------------------------------------------------


def fixture_tables() -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = json.loads(FIXTURE.read_text())
    return tables


def load_fixture(app: Flask, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the fixture's rows into the tables as the database has them now."""
    with app.app_context(), db.engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn, only=list(tables))
        for name, rows in tables.items():
            table = meta.tables[name]
            stamps = [c.name for c in table.columns if isinstance(c.type, sa.DateTime)]
            if rows:
                conn.execute(
                    table.insert(),
                    [
                        {**row, **{c: _stamp(row[c]) for c in stamps if row[c] is not None}}
                        for row in rows
                    ],
                )
        if conn.dialect.name == "postgresql":  # ids were given: move the sequences on
            for name, rows in tables.items():
                if rows and "id" in meta.tables[name].columns:
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT max(id) FROM {name}))"
                        )
                    )


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def plain(value: Any) -> Any:
    """A value read back, spelt as the fixture spells it (datetimes as UTC ISO text)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    return value


def rows_now(app: Flask, table: str, order: str = "id") -> list[dict[str, Any]]:
    with app.app_context(), db.engine.connect() as conn:
        meta = sa.MetaData()
        reflected = sa.Table(table, meta, autoload_with=conn)
        result = conn.execute(sa.select(reflected).order_by(reflected.c[order])).mappings()
        return [{k: plain(v) for k, v in row.items()} for row in result]


@dataclass
class Old:
    """The fixture's rows of one case, parts in position order."""

    case: dict[str, Any]
    assumptions: list[dict[str, Any]]
    costs: list[dict[str, Any]]
    benefits: list[dict[str, Any]]
    scenarios: list[dict[str, Any]]

    def item_of(self, key: str) -> str:
        """The id the old rows' assumption ``key`` must have: a<position + 1>."""
        return next(f"a{i + 1}" for i, a in enumerate(self.assumptions) if a["key"] == key)


def old_cases(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Old]:
    def parts(table: str, case_id: int) -> list[dict[str, Any]]:
        rows = [r for r in tables[table] if r["case_id"] == case_id]
        return sorted(rows, key=lambda r: (r["position"], r["id"]))

    out = {}
    for case in tables["cases"]:
        name = next(n for n, title in TITLES.items() if title == case["title"])
        out[name] = Old(
            case,
            parts("assumptions", case["id"]),
            parts("cost_lines", case["id"]),
            parts("benefit_lines", case["id"]),
            parts("scenarios", case["id"]),
        )
    return out


# -- the migrated database ---------------------------------------------------------------


@dataclass
class Migrated:
    app: Flask
    tables: dict[str, list[dict[str, Any]]]
    old: dict[str, Old]


@pytest.fixture
def migrated(database: str) -> Iterator[Migrated]:
    app = make_app(database, MC_TRIALS=200)
    try:
        alembic(app, "upgrade", BEFORE)
        tables = fixture_tables()
        load_fixture(app, tables)
        alembic(app, "upgrade", "head")
        with app.app_context():
            yield Migrated(app, tables, old_cases(tables))
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()


def documents(app: Flask) -> dict[int, dict[str, Any]]:
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, document FROM cases")).all()
    return {row.id: json.loads(row.document) for row in rows}


# -- the checks ---------------------------------------------------------------------------


def test_fixture_is_a_used_database_at_0100() -> None:
    """What the other tests rely on is in the fixture (guards a regenerated file)."""
    tables = fixture_tables()
    old = old_cases(tables)
    assert set(old) == set(TITLES)
    keys = {(r["case_id"], r["assumption_key"]) for r in tables["assumption_reviews"]}
    returns, sme = old["returns"].case["id"], old["sme"].case["id"]
    assert (returns, "repeat_uplift") in keys  # given before the rename
    assert not any(a["key"] == "repeat_uplift" for a in old["returns"].assumptions)
    assert {(sme, "pilot_sites"), (sme, "churn_saved"), (sme, "churn_saved_ratio")} <= keys
    assert {r["status"] for r in tables["assumption_reviews"]} == {"accepted", "challenged"}
    assert {r["kind"] for r in tables["audit_chain"]} == {"state", "link", "approval"}
    assert [v["superseded_at"] is None for v in tables["case_versions"]] == [True, False]
    assert {d["decision"] for d in tables["decisions"]} == {"approve", "request_changes"}
    assert any(c["assumption_key"] is None for c in tables["comments"])
    assert {c["status"] for c in tables["cases"]} >= {"approved", "draft", "in_review"}


def test_every_case_is_its_v2_document_with_ids_in_position_order(migrated: Migrated) -> None:
    docs = documents(migrated.app)
    assert set(docs) == {o.case["id"] for o in migrated.old.values()}
    for old in migrated.old.values():
        row, doc = old.case, docs[old.case["id"]]
        assert doc["format"] == "cxroi-case/2"
        for name in ("title", "currency", "start_month", "horizon_months", "discount_rate"):
            assert doc[name] == row[name], name
        for name in ("description", "customer_problem", "evidence"):
            assert doc.get(name) == (row[name] or None), name

        assert [a["id"] for a in doc["assumptions"]] == [
            f"a{i}" for i in range(1, len(old.assumptions) + 1)
        ]
        for a, r in zip(doc["assumptions"], old.assumptions, strict=True):
            for name in ("key", "label", "value", "unit", "low", "high"):
                assert a.get(name) == r[name], (a["id"], name)
            for name in ("source", "owner", "notes", "confidence"):
                assert a.get(name) == (r[name] or None), (a["id"], name)

        assert [c["id"] for c in doc["costs"]] == [f"c{i}" for i in range(1, len(old.costs) + 1)]
        for c, r in zip(doc["costs"], old.costs, strict=True):
            for name in ("name", "category", "department", "recurrence"):
                assert c.get(name) == r[name], (c["id"], name)
            assert {k: c[k] for k in r["params"]} == r["params"]
            if r["recurrence"] == "once":
                assert c["month"] == r["month"]
            else:
                assert c["start_month"] == r["start_month"]
                # an open end is the horizon once the loader has read the document
                assert c["end_month"] == (r["end_month"] or row["horizon_months"])

        assert [b["id"] for b in doc["benefits"]] == [
            f"b{i}" for i in range(1, len(old.benefits) + 1)
        ]
        for b, r in zip(doc["benefits"], old.benefits, strict=True):
            for name in ("name", "kind", "ramp_start", "ramp_months"):
                assert b[name] == r[name], (b["id"], name)
            assert {k: b[k] for k in r["params"]} == r["params"]

        assert [(s["id"], s["name"], s["overrides"]) for s in doc["scenarios"]] == [
            (f"s{i}", r["name"], r["overrides"]) for i, r in enumerate(old.scenarios, 1)
        ]


def test_narrative_and_renames_arrive(migrated: Migrated) -> None:
    docs = documents(migrated.app)
    delivery = docs[migrated.old["delivery"].case["id"]]
    assert delivery["customer_problem"].startswith("Customers learn that a parcel is late")
    by_key = {a["key"]: a for a in delivery["assumptions"]}
    assert by_key["churn_cut_pts"]["confidence"] == "low"  # renamed, and its uses followed
    assert {b.get("reduction") for b in delivery["benefits"]} >= {"churn_cut_pts"}
    assert any("churn_cut_pts" in s["overrides"] for s in delivery["scenarios"])
    callback = docs[migrated.old["callback"].case["id"]]
    assert "description" not in callback and "evidence" not in callback
    assert callback["costs"][0]["amount"] == "callback_fee"


def test_hash_is_the_documents_and_the_stored_result_is_kept(migrated: Migrated) -> None:
    now = {r["id"]: r for r in rows_now(migrated.app, "cases")}
    docs = documents(migrated.app)
    for before in migrated.tables["cases"]:
        after = now[before["id"]]
        text = after["document"]
        assert after["case_hash"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert after["case_hash"] != before["case_hash"]  # the /1 hash is gone
        assert canonical_json(load_case(text)) == text
        kept = {k: v for k, v in before.items() if k != "case_hash" and k not in MOVED}
        assert {k: after[k] for k in kept} == kept
        # The document prices as the rows did (the fixture ran 200 trials).
        result = analyse(load_case(docs[before["id"]]), trials=200)
        stored = before["result"]["metrics"]
        assert result.metrics.npv == pytest.approx(stored["npv"], rel=1e-9, abs=1e-6)
        assert result.metrics.pv_costs == pytest.approx(stored["pv_costs"], rel=1e-9)
        assert result.metrics.total_benefits == pytest.approx(stored["total_benefits"], rel=1e-9)


def test_columns_and_part_tables_are_gone_and_result_is_last(migrated: Migrated) -> None:
    with migrated.app.app_context(), db.engine.connect() as conn:
        inspector = sa.inspect(conn)
        tables = set(inspector.get_table_names())
        columns = [c["name"] for c in inspector.get_columns("cases")]
        review_columns = {c["name"] for c in inspector.get_columns("assumption_reviews")}
        comment_columns = {c["name"] for c in inspector.get_columns("comments")}
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    # Upgraded to the head, which is 0200 or a migration chained after it.
    script = ScriptDirectory.from_config(alembic_config())
    assert version == script.get_current_head()
    assert AFTER in {r.revision for r in script.iterate_revisions(version, BEFORE)}
    assert not tables & {"assumptions", "cost_lines", "benefit_lines", "scenarios"}
    assert not set(columns) & set(MOVED)
    assert columns[-2:] == ["document", "result"]
    assert "assumption_key" not in review_columns | comment_columns
    assert "item_id" in review_columns & comment_columns


def test_schema_matches_the_models(migrated: Migrated) -> None:
    with migrated.app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_reviews_point_at_the_assumptions_ids(migrated: Migrated) -> None:
    old = migrated.old
    returns, sme = old["returns"], old["sme"]
    expected = {}
    for review in migrated.tables["assumption_reviews"]:
        case = next(o for o in old.values() if o.case["id"] == review["case_id"])
        key = review["assumption_key"]
        expected[review["id"]] = (
            case.item_of(key) if any(a["key"] == key for a in case.assumptions) else None
        )
    by_key = {
        (r["case_id"], r["assumption_key"]): r["id"] for r in migrated.tables["assumption_reviews"]
    }
    # renamed after the review: the verdict follows the assumption
    expected[by_key[(returns.case["id"], "repeat_uplift")]] = returns.item_of(
        "repeat_purchase_uplift"
    )
    # deleted: a placeholder; renamed, but the new key has its own verdict: a placeholder
    expected[by_key[(sme.case["id"], "pilot_sites")]] = "gone:pilot_sites"
    expected[by_key[(sme.case["id"], "churn_saved")]] = "gone:churn_saved"
    assert None not in expected.values()

    now = {r.id: r for r in db.session.scalars(sa.select(AssumptionReview))}
    assert {i: r.item_id for i, r in now.items()} == expected
    before = {r["id"]: r for r in migrated.tables["assumption_reviews"]}
    for review_id, review in now.items():
        was = before[review_id]
        assert (review.status, review.reviewer_id, plain(review.reviewed_at)) == (
            was["status"],
            was["reviewer_id"],
            was["reviewed_at"],
        )


def test_verdicts_read_as_they_did_and_a_rename_keeps_its_verdict(migrated: Migrated) -> None:
    def statuses(name: str) -> dict[str, tuple[str, bool]]:
        case = db.session.get(Case, migrated.old[name].case["id"])
        assert case is not None
        # The assumptions' verdicts (the lines and settings were not reviewed back then).
        return {
            s.key: (s.status, s.stale)
            for s in review_statuses(case).values()
            if s.item.kind == "assumption"
        }

    delivery = statuses("delivery")
    assert delivery == {a["key"]: ("accepted", False) for a in migrated.old["delivery"].assumptions}
    returns = statuses("returns")
    assert returns["repeat_purchase_uplift"] == ("accepted", False)
    assert returns["calls_avoided"] == ("unreviewed", True)  # changed after the verdict
    assert {s for k, s in returns.items() if k != "calls_avoided"} == {("accepted", False)}
    sme = statuses("sme")
    assert sme["churn_saved_ratio"] == ("accepted", False)
    assert {s for k, s in sme.items() if k != "churn_saved_ratio"} == {("unreviewed", False)}


def test_threads_point_at_the_assumptions_ids(migrated: Migrated) -> None:
    old = migrated.old
    comments = {c["id"]: c for c in migrated.tables["comments"]}

    def expected(comment: dict[str, Any]) -> str | None:
        root = comments[comment["thread_id"]] if comment["thread_id"] else comment
        case = next(o for o in old.values() if o.case["id"] == root["case_id"])
        key = root["assumption_key"]
        renamed = {"repeat_uplift": "repeat_purchase_uplift", "churn_saved": "churn_saved_ratio"}
        if key is None:
            return None
        if key == "pilot_sites":
            return "gone:pilot_sites"
        return case.item_of(renamed.get(key, key))

    now = {c.id: c for c in db.session.scalars(sa.select(Comment))}
    assert {i: c.item_id for i, c in now.items()} == {i: expected(c) for i, c in comments.items()}
    for comment_id, comment in now.items():
        assert comment.body == comments[comment_id]["body"]

    returns = db.session.get(Case, old["returns"].case["id"])
    sme = db.session.get(Case, old["sme"].case["id"])
    assert returns is not None and sme is not None
    assert [r.body for r in threads(returns)["repeat_purchase_uplift"]] == [
        "Matches the loyalty study."
    ]
    assert [r.kind for r in threads(sme)["churn_saved_ratio"]] == ["challenge"]
    assert [r.body for r in threads(sme)[None]] == ["Which four sites?"]  # deleted assumption


def test_versions_links_decisions_and_the_chain_are_untouched(migrated: Migrated) -> None:
    for table in UNTOUCHED:
        if table == "audit_chain":
            continue
        now, before = rows_now(migrated.app, table, "id"), migrated.tables[table]
        assert len(now) == len(before), table
        # columns added by later revisions (a link's idempotency_hash, approver_id) are empty
        assert [{k: r[k] for k in b} for r, b in zip(now, before, strict=True)] == before, table
        assert all(
            v is None for r, b in zip(now, before, strict=True) for k, v in r.items() if k not in b
        )
    # The chain keeps its entries, re-sealed with the key (0340_audit_seal), and then seals
    # every existing row of the sealed tables.
    unsealed = ("prev_hash", "hash")
    chain = rows_now(migrated.app, "audit_chain", "seq")
    before = migrated.tables["audit_chain"]
    assert [{k: v for k, v in r.items() if k not in unsealed} for r in chain[: len(before)]] == [
        {k: v for k, v in r.items() if k not in unsealed} for r in before
    ]
    assert {r["kind"] for r in chain[len(before) :]} == {"row"}
    report = verify_ledger()
    assert report.intact, str(report)
    assert report.checked == len(chain)
    full = verify_audit()
    assert full.problems == []


def test_audit_trail_keeps_its_rows_and_names_the_items(migrated: Migrated) -> None:
    now = {r["id"]: r for r in rows_now(migrated.app, "audit_events")}
    assert len(now) == len(migrated.tables["audit_events"])
    for before in migrated.tables["audit_events"]:
        assert {k: now[before["id"]][k] for k in before} == before
    delivery = migrated.old["delivery"]
    renamed = next(r for r in now.values() if r["field"] == "key" and r["old"] == "churn_cut")
    assert renamed["item_id"] == delivery.item_of("churn_cut_pts")
    deleted = next(
        r for r in now.values() if r["entity"] == "assumption" and r["action"] == "delete"
    )
    assert deleted["item_id"] is None  # the assumption is gone
    users = [r for r in now.values() if r["entity"] in ("user", "case")]
    assert {r["item_id"] for r in users} == {None}


def test_the_app_works_on_the_migrated_database(migrated: Migrated) -> None:
    client = migrated.app.test_client()
    response = client.post("/login", data={"email": "casey@example.com", "password": PASSWORD})
    assert response.status_code == 302, response.text
    for old in migrated.old.values():
        case_id = old.case["id"]
        assert client.get(f"/cases/{case_id}").status_code == 200
        assert client.get(f"/cases/{case_id}/review").status_code == 200
    sponsor = migrated.app.test_client()
    page = sponsor.get(f"/s/{LINK_TOKENS['case1-approve']}")
    assert page.status_code == 200
    assert "Proactive messages" in page.text
    assert sponsor.get(f"/s/{LINK_TOKENS['case1-view']}").status_code == 410  # revoked

    # New rows get fresh ids (PostgreSQL's sequences moved past the fixture's).
    from cxroi.approvals import review
    from models import User

    fran = db.session.scalar(sa.select(User).where(User.email == "fran@example.com"))
    sme = db.session.get(Case, migrated.old["sme"].case["id"])
    assert fran is not None and sme is not None
    review.review_assumption(sme, "early_churn", "accepted", fran)
    early = sme.assumption_by_key("early_churn")
    assert early is not None and review_statuses(sme)[early.id].status == "accepted"


def test_downgrade_brings_the_rows_back(database: str) -> None:
    app = make_app(database, MC_TRIALS=200)
    try:
        alembic(app, "upgrade", BEFORE)
        tables = fixture_tables()
        load_fixture(app, tables)
        alembic(app, "upgrade", "head")
        first = documents(app)
        alembic(app, "downgrade", BEFORE)

        horizon = {c["id"]: c["horizon_months"] for c in tables["cases"]}

        def parts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            ordered = sorted(rows, key=lambda r: (r["case_id"], r["position"]))
            out = [{k: v for k, v in r.items() if k != "id"} for r in ordered]
            for r in out:  # the document spells an open end as the horizon
                if r.get("recurrence", "once") != "once" and r["end_month"] is None:
                    r["end_month"] = horizon[r["case_id"]]
            return out

        for table in ("assumptions", "benefit_lines", "scenarios", "cost_lines"):
            assert parts(rows_now(app, table)) == parts(tables[table]), table
        cases_now = {r["id"]: r for r in rows_now(app, "cases")}
        for before in tables["cases"]:
            after = cases_now[before["id"]]
            assert after["case_hash"] is None
            assert {k: after[k] for k in before if k != "case_hash"} == {
                k: v for k, v in before.items() if k != "case_hash"
            }
        keys = {r["id"]: r["assumption_key"] for r in rows_now(app, "assumption_reviews")}
        was = {r["id"]: r["assumption_key"] for r in tables["assumption_reviews"]}
        renamed = [i for i in was if was[i] == "repeat_uplift"]
        assert {i: k for i, k in keys.items() if i not in renamed} == {
            i: k for i, k in was.items() if i not in renamed
        }
        assert [keys[i] for i in renamed] == ["repeat_purchase_uplift"]  # kept with the row
        with app.app_context():
            assert verify_ledger().intact  # still sealed with the key

        alembic(app, "upgrade", "head")
        assert documents(app) == first
        # The chain is read through today's models, so it is checked at the head again:
        # down and up again, every approval still matches its sealed entry.
        with app.app_context():
            assert verify_ledger().intact and verify_audit().problems == []
    finally:
        with app.app_context():
            db.engine.dispose()


def _loaded(database: str, tables: dict[str, list[dict[str, Any]]]) -> Flask:
    app = make_app(database, MC_TRIALS=200)
    alembic(app, "upgrade", BEFORE)
    load_fixture(app, tables)
    return app


def test_a_case_that_is_no_valid_document_stops_it_before_any_change(database: str) -> None:
    tables = fixture_tables()
    callback = old_cases(tables)["callback"]
    callback.costs[0]["params"]["amount"] = "no_such_assumption"
    app = _loaded(database, tables)
    try:
        with pytest.raises(RuntimeError) as failure:
            alembic(app, "upgrade", "head")
        message = str(failure.value)
        assert "changed nothing" in message
        assert f"case {callback.case['id']} ('Callback instead of queueing'): costs[0].amount" in (
            message
        )
        assert "no_such_assumption" in message
        with app.app_context(), db.engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("cases")}
        assert version == BEFORE
        assert "document" not in columns and "customer_problem" in columns
        for table in ("cases", "assumptions", "cost_lines", "assumption_reviews", "comments"):
            assert rows_now(app, table) == tables[table], table
    finally:
        with app.app_context():
            db.engine.dispose()


def test_odd_rows_are_kept_not_lost(database: str, caplog: pytest.LogCaptureFixture) -> None:
    """Values the forms never wrote, and keys no record explains, still migrate."""
    tables = fixture_tables()
    old = old_cases(tables)
    contact = old["contact"]
    contact.assumptions[0]["confidence"] = " High"
    contact.assumptions[1]["confidence"] = "certain"
    contact.case["description"] = ""
    case_id = contact.case["id"]
    long_key = "a_key_that_this_case_never_had"
    tables["assumption_reviews"].append(
        {
            **tables["assumption_reviews"][0],
            "id": 1000,
            "case_id": case_id,
            "assumption_key": long_key,
        }
    )
    root = {**tables["comments"][0], "id": 1000, "case_id": case_id, "thread_id": None}
    tables["comments"] += [
        {**root, "assumption_key": "ghost"},
        {**root, "id": 1001, "assumption_key": "ghost", "thread_id": 1000, "body": "Still?"},
    ]
    app = _loaded(database, tables)
    try:
        alembic(app, "upgrade", "head")
        doc = documents(app)[case_id]
        assert doc["assumptions"][0]["confidence"] == "high"
        assert "confidence" not in doc["assumptions"][1]
        assert "description" not in doc
        assert "'certain'" in caplog.text
        assert doc["assumptions"][1]["key"] in caplog.text

        reviews = {r["id"]: r for r in rows_now(app, "assumption_reviews")}
        placeholder = reviews[1000]["item_id"]
        digest = hashlib.sha256(long_key.encode()).hexdigest()[:8]
        assert placeholder == f"gone:{long_key[:10]}~{digest}"
        assert len(placeholder) <= 24
        comments = {r["id"]: r for r in rows_now(app, "comments")}
        assert comments[1000]["item_id"] == comments[1001]["item_id"] == "gone:ghost"
        with app.app_context():
            case = db.session.get(Case, case_id)
            assert case is not None
            assumptions = [s for s in review_statuses(case).values() if s.item.kind == "assumption"]
            assert len(assumptions) == len(contact.assumptions)
            assert [c.body for c in threads(case)[None]] == [root["body"]]
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
