"""Direct SQL tampering with the sealed record is detected, every time (issue 9, item 5).

A database is populated through the services (cases, edits, reviews, comments, links,
their uses, a decision, two versions, actuals, finance's forecast, the council's records),
once per backend: SQLite, and PostgreSQL when ``CXROI_TEST_DATABASE_URL`` or
``CXROI_TEST_POSTGRES_URL`` names a server (a database ``<name>_seal`` is created beside
it). Then, each inside a transaction rolled back
afterwards, an attacker with database access (past PostgreSQL's append-only triggers)
edits every column of a row of every sealed table and of the chain, deletes rows,
forges a status, un-revokes a link, rewrites a version with a recomputed hash and
re-seals the chain without the key; :func:`verify_audit` reports each.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from cxroi.approvals import links, review
from cxroi.approvals.chain import GENESIS, seal
from cxroi.approvals.steps import take_case_step
from cxroi.approvals.versions import documents
from cxroi.audit.anchor import read_anchor
from cxroi.audit.guards import guarded_tables, remove_guards
from cxroi.audit.registry import SEALED
from cxroi.audit.verify import Problem, verify_audit
from cxroi.cases.services import update_case
from cxroi.engine import load_case
from cxroi.extensions import db
from tests.approving import approve_case
from tests.appsupport import TEST_AUDIT_KEY, make_app, reset_schema

CHAIN_COLUMNS = ("seq", "prev_hash", "hash", "kind", "case_id", "payload", "at")


# -- the databases -------------------------------------------------------------------------


def _postgres_url() -> sa.URL:
    configured = os.environ.get("CXROI_TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        configured = os.environ.get("CXROI_TEST_POSTGRES_URL", "")
    if not configured.startswith("postgresql"):
        pytest.skip(
            "PostgreSQL is not configured: set CXROI_TEST_POSTGRES_URL (or "
            "CXROI_TEST_DATABASE_URL) to postgresql+psycopg://user:password@host/name (this "
            "test creates and drops its own database, <name>_seal, beside it)"
        )
    url = sa.make_url(configured)
    return url.set(database=f"{url.database}_seal")


def _on_server(url: sa.URL, statement: str) -> None:
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        server.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def sealed_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """An app on its own database, populated through the services."""
    tmp = tmp_path_factory.mktemp(f"seal-{request.param}")
    url: sa.URL | None = None
    if request.param == "sqlite":
        address = f"sqlite:///{tmp / 'cxroi.db'}"
    else:
        url = _postgres_url()
        try:
            _on_server(url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            _on_server(url, f'CREATE DATABASE "{url.database}"')
        except sa.exc.OperationalError as exc:
            pytest.skip(f"cannot create the PostgreSQL database {url.database}: {exc.orig}")
        address = url.render_as_string(hide_password=False)
    app = make_app(address, MC_TRIALS=200, AUDIT_ANCHOR_PATH=str(tmp / "audit-head"))
    reset_schema(app)
    with app.app_context():
        _populate()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if url is not None:
        _on_server(url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _populate() -> None:
    from tests.app.approvals.conftest import load_example_case, make_user

    cx, finance = make_user("cx@example.com", "cx", "Casey"), make_user("f@example.com", "finance")
    other = load_example_case(cx)  # a second case, left in draft with an edit
    update_case(cx, other.id, other.lock_version, {"title": "Another case"})
    case = load_example_case(cx)
    update_case(cx, case.id, case.lock_version, {"title": "Contact centre, revised"})
    take_case_step(case, "submit", cx)
    first = case.assumptions[0]
    review.review_assumption(case, first.key, "challenged", finance, "Where is this from?")
    (thread,) = review.threads(case)[first.key]
    review.reply(case, thread.id, cx, "From the 2026 survey.")
    review.resolve(case, thread.id, finance)
    review.start_thread(case, cx, "Ready for a look.")
    review.accept_items(case, finance, [item.id for item in review.items_of(case)])
    take_case_step(case, "sign_off", finance)  # version 1
    view = links.create_link(
        case, cx, recipient_name="Vic", recipient_email="v@example.com", scope="view"
    )
    links.open_link(view.token, action="view", ip="10.0.0.1", user_agent="ua/1")
    links.revoke_link(case, view.link.id, cx)
    take_case_step(case, "reopen", cx)  # version 1 superseded
    update_case(cx, case.id, case.lock_version, {"title": "Contact centre, v2"})
    take_case_step(case, "submit", cx)
    review.accept_items(case, finance, [item.id for item in review.items_of(case)])
    take_case_step(case, "sign_off", finance)  # version 2
    # an approver from the directory, the link and the one-time code read from the mail
    approve_case(
        case, cx, decision="approve", name="Dana", comment="Go ahead.",
        ip="10.0.0.2", user_agent="ua/2",
    )  # fmt: skip
    # After approval: a month of actuals for a line, and a CX metric of the case.
    from cxroi import orgsettings
    from cxroi.actuals import metrics as cx_metrics
    from cxroi.actuals.services import replace_months
    from cxroi.casework.actuals import Entry
    from cxroi.casework.cx_metrics import MetricEntry

    orgsettings.set_default_discount_rate(finance, 0.085)  # the organisation's default
    month = case.doc.start_month
    replace_months(cx, case.id, [Entry(month, "c1", cost=1200.0)], [month])
    cx_metrics.save(cx, case.id, [MetricEntry(month, "nps", "points", 31.0)])
    # Finance's adjusted forecast of a month left, and the council's records: a meeting
    # (held on a date) with its notes, an action whose status then moves, a decision.
    from cxroi.council import services as council
    from cxroi.realisation import forecast
    from cxroi.realisation.services import realisation_of

    initiative = realisation_of(case)
    case_doc, _ = documents(initiative.version)
    n = len(initiative.realisation.months)
    left = forecast.months_left(load_case(case_doc), n)
    forecast.save(finance, case, load_case(case_doc), n, {f"c1.{left[0]}": "950.5"})
    meeting = council.create_meeting(finance, {"month": "2026-04", "held_on": "2026-04-28"})
    council.save_notes(cx, meeting, {"note_results": "On plan.", "note_next_steps": "Review."})
    action = council.add_action(
        cx, {"action": "Call Dana", "owner": "Casey", "due_date": "2026-05-15",
             "case_id": str(case.id), "meeting_id": str(meeting.id)},
    )  # fmt: skip
    council.set_action_status(finance, action.id, "in_progress")
    council.add_decision(
        finance, {"what": "Carry on.", "decided_on": "2026-04-28", "decided_by": "The council",
                  "case_id": str(case.id), "meeting_id": str(meeting.id)},
    )  # fmt: skip
    db.session.commit()


@pytest.fixture
def attacker(sealed_app: Flask) -> Iterator[sa.Connection]:
    """A transaction past the triggers (on SQLite: dropped, and foreign keys deferred),
    rolled back afterwards."""
    with sealed_app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:  # inside the transaction (a write begins it), so that all is rolled back
            connection.execute(sa.text("UPDATE cases SET id = id WHERE 0 = 1"))
            remove_guards(connection)
            connection.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
        try:
            yield connection
        finally:
            db.session.rollback()
            db.session.remove()


def _problems() -> list[Problem]:
    report = verify_audit()
    assert not report.intact, "the tampering went unnoticed"
    return report.problems


def _table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def _newest(connection: sa.Connection, name: str) -> dict[str, Any]:
    table = _table(name)
    key = table.c.seq if name == "audit_chain" else table.c.id
    row = connection.execute(sa.select(table).order_by(key.desc()).limit(1)).one()
    return dict(row._mapping)


def _other(value: Any, column: sa.Column[Any]) -> Any:
    """A different value of the column's type, that the column can hold."""
    if value is None:
        kind = column.type.python_type
        return {
            str: "forged",
            int: 1,
            float: 1.5,
            datetime: datetime(2030, 1, 1),
            date: date(2030, 1, 1),
            dict: {"forged": 1.0},
        }[kind]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1000
    if isinstance(value, float):
        return value * 2 + 1
    if isinstance(value, dict):
        return {**value, "forged": 1.0}
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    if isinstance(value, date):  # a calendar date (a council action's due date)
        return value + timedelta(days=1)
    if isinstance(value, str):
        return value[:-1] + ("0" if value[-1:] != "0" else "1") if value else "x"
    raise AssertionError(f"no other value for {value!r}")


# -- the untouched record ------------------------------------------------------------------


def test_the_untouched_record_verifies_intact(sealed_app: Flask) -> None:
    with sealed_app.app_context():
        report = verify_audit()
        assert report.problems == []
        count = db.session.scalar(sa.text("SELECT count(*) FROM audit_chain"))
        assert report.entries == count
        tables = {t.name for t in SEALED}
        rows = sum(db.session.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables)
        assert report.rows == rows
        # the anchor outside the database holds the newest entry
        tail = db.session.execute(
            sa.text("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
        ).one()
        anchor = read_anchor(Path(sealed_app.config["AUDIT_ANCHOR_PATH"]))
        assert anchor is not None and (anchor.seq, anchor.hash) == tuple(tail)
        # every kind of sealed row is there to be tampered with
        for name in tables:
            assert db.session.scalar(sa.text(f'SELECT count(*) FROM "{name}"')) > 0, name


# -- every column of every sealed row kind ---------------------------------------------------

EDITS = [(t.name, c) for t in SEALED for c in t.columns] + [
    ("audit_chain", c) for c in CHAIN_COLUMNS
]


@pytest.mark.parametrize(("table", "column"), EDITS, ids=[f"{t}.{c}" for t, c in EDITS])
def test_editing_any_sealed_column_is_detected(
    attacker: sa.Connection, table: str, column: str
) -> None:
    row = _newest(attacker, table)
    t = _table(table)
    key = "seq" if table == "audit_chain" else "id"
    new = _other(row[column], t.c[column])
    attacker.execute(t.update().where(t.c[key] == row[key]).values({column: new}))
    problems = _problems()
    first = problems[0]
    if table == "audit_chain":
        assert first.table == "audit_chain", problems
    elif column == "id":
        assert (first.table, first.row) == (table, new), problems
        assert any(p.table == table and p.row == row["id"] for p in problems)
    else:
        assert (first.table, first.row) == (table, row["id"]), problems
        assert first.column is not None and column in first.column.split(", "), problems


def test_the_registry_covers_every_column_of_each_sealed_table(sealed_app: Flask) -> None:
    with sealed_app.app_context():
        for spec in SEALED:
            table = _table(spec.name)
            assert set(spec.columns) | set(spec.unsealed) == set(table.c.keys()), spec.name
            assert not set(spec.columns) & set(spec.unsealed), spec.name
            assert set(spec.mutable) <= set(spec.columns), spec.name
        assert set(CHAIN_COLUMNS) == set(_table("audit_chain").c.keys())


# -- deleting rows ---------------------------------------------------------------------------

DELETES = [(name, end) for name in [t.name for t in SEALED] + ["audit_chain"]
           for end in ("oldest", "newest")]  # fmt: skip


@pytest.mark.parametrize(("table", "end"), DELETES, ids=[f"{t}-{e}" for t, e in DELETES])
def test_deleting_any_row_is_detected(attacker: sa.Connection, table: str, end: str) -> None:
    t = _table(table)
    key = t.c.seq if table == "audit_chain" else t.c.id
    order = key.asc() if end == "oldest" else key.desc()
    victim = attacker.execute(sa.select(key).order_by(order).limit(1)).scalar_one()
    attacker.execute(t.delete().where(key == victim))
    problems = _problems()
    if table == "audit_chain":
        assert problems[0].table == "audit_chain", problems
        if end == "newest":
            assert "its newest entries were deleted" in problems[0].what
    elif table == "cases" and attacker.dialect.name == "sqlite":
        # its chain entries' case_id is set NULL by the foreign key: the chain breaks first
        assert problems[0].table == "audit_chain" and "case_id" in problems[0].what, problems
    else:
        assert any((p.table, p.row) == (table, victim) and "missing" in p.what for p in problems), (
            problems
        )


def test_cutting_the_tail_with_its_rows_is_detected_by_the_anchor(attacker: sa.Connection) -> None:
    # the last commit (the decision) appended several entries; remove them and what they sealed
    tail = attacker.execute(sa.text("SELECT max(seq) FROM audit_chain")).scalar_one()
    attacker.execute(sa.text("DELETE FROM audit_chain WHERE seq > :s"), {"s": tail - 3})
    (problem,) = _problems()
    assert (problem.table, problem.row) == ("audit_chain", tail)
    assert f"the chain ends at entry {tail - 3}" in problem.what


# -- the named forgeries ------------------------------------------------------------------


def test_a_forged_case_status_is_detected(attacker: sa.Connection) -> None:
    case_id = attacker.execute(sa.text("SELECT id FROM cases WHERE status = 'draft'")).scalar()
    attacker.execute(
        sa.text("UPDATE cases SET status = 'approved' WHERE id = :id"), {"id": case_id}
    )
    (problem,) = _problems()  # this case has no workflow step: its row seal names it
    assert (problem.table, problem.row, problem.column) == ("cases", case_id, "status")
    assert "status is 'approved', sealed 'draft'" in problem.what


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("UPDATE org_settings SET value = '0.5'", "is 0.5, but its newest audit event set 0.085"),
        ("DELETE FROM org_settings", "was set (audit trail) but its row is missing"),
    ],
)
def test_a_changed_or_deleted_organisation_setting_is_detected(
    attacker: sa.Connection, sql: str, what: str
) -> None:
    """The default rate every CX case gets is finance's: edited by SQL, it disagrees with
    the sealed audit event that set it."""
    attacker.execute(sa.text(sql))
    (problem,) = _problems()
    assert (problem.table, problem.column) == ("org_settings", "default_discount_rate")
    assert what in problem.what


def test_a_forged_status_of_a_decided_case_disagrees_with_the_workflow(
    attacker: sa.Connection,
) -> None:
    case_id = attacker.execute(sa.text("SELECT id FROM cases WHERE status = 'approved'")).scalar()
    attacker.execute(sa.text("UPDATE cases SET status = 'ready' WHERE id = :id"), {"id": case_id})
    problems = [(p.table, p.row, p.column) for p in _problems()]
    assert problems == [("cases", case_id, "status"), ("cases", case_id, "status")]


def test_an_unrevoked_link_is_detected(attacker: sa.Connection) -> None:
    link_id = attacker.execute(
        sa.text("SELECT id FROM shared_links WHERE revoked_at IS NOT NULL")
    ).scalar_one()
    attacker.execute(
        sa.text("UPDATE shared_links SET revoked_at = NULL, revoked_by_id = NULL WHERE id = :id"),
        {"id": link_id},
    )
    problems = _problems()
    assert (problems[0].table, problems[0].row) == ("shared_links", link_id)
    assert problems[0].column == "revoked_at, revoked_by_id"
    assert str(problems[-1]) == (
        f"shared_links row {link_id}, column revoked_at: is empty, but the link was revoked "
        f"(chain entry {_revocation_seq(attacker, link_id)})"
    )


def _revocation_seq(connection: sa.Connection, link_id: int) -> int:
    for seq, payload in connection.execute(
        sa.text("SELECT seq, payload FROM audit_chain WHERE kind = 'link'")
    ):
        data = json.loads(payload)
        if data["action"] == "revoke" and data["link_id"] == link_id:
            return int(seq)
    raise AssertionError("no revocation")


def test_a_version_rewritten_with_a_recomputed_hash_is_detected(attacker: sa.Connection) -> None:
    version_id, text = attacker.execute(
        sa.text("SELECT id, case_json FROM case_versions ORDER BY id DESC LIMIT 1")
    ).one()
    doc = json.loads(text)
    doc["discount_rate"] = -0.5
    forged = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    attacker.execute(
        sa.text("UPDATE case_versions SET case_json = :j, case_hash = :h WHERE id = :id"),
        {"j": forged, "h": hashlib.sha256(forged.encode()).hexdigest(), "id": version_id},
    )
    problems = _problems()
    assert (problems[0].table, problems[0].row) == ("case_versions", version_id)
    assert problems[0].column == "case_json, case_hash"


def test_a_chain_resealed_without_the_key_is_detected(attacker: sa.Connection) -> None:
    """The attacker forges a decision's comment and re-seals the whole chain, with a key of
    their own, so that every entry follows the one before."""
    decision_id = attacker.execute(sa.text("SELECT max(id) FROM decisions")).scalar_one()
    attacker.execute(
        sa.text("UPDATE decisions SET comment = 'Forged.' WHERE id = :id"), {"id": decision_id}
    )
    rows = attacker.execute(sa.text("SELECT seq, payload FROM audit_chain ORDER BY seq")).all()
    attacker.execute(sa.text("UPDATE audit_chain SET prev_hash = 'x' || seq"))  # keep unique
    prev = GENESIS
    for seq, payload in rows:
        data = json.loads(payload)
        if data.get("decision_id") == decision_id:
            data["comment"] = "Forged."
        if data.get("table") == "decisions" and data.get("id") == decision_id:
            data["row"]["comment"] = "Forged."
        digest = seal(prev, data, b"a key of the attacker's own")
        attacker.execute(
            sa.text(
                "UPDATE audit_chain SET prev_hash = :p, hash = :h, payload = :d WHERE seq = :s"
            ),
            {"p": prev, "h": digest, "d": json.dumps(data, sort_keys=True), "s": seq},
        )
        prev = digest
    assert TEST_AUDIT_KEY != "a key of the attacker's own"
    (problem,) = _problems()
    assert (problem.table, problem.row, problem.column) == ("audit_chain", 1, "hash")
    assert "sealed without the key" in problem.what


# -- the database's own guard ----------------------------------------------------

GUARDED = sorted(guarded_tables())


@pytest.mark.parametrize("table", GUARDED)
def test_the_database_refuses_update_and_delete_of_append_only_rows(
    sealed_app: Flask, table: str
) -> None:
    with sealed_app.app_context():
        t = _table(table)
        key = t.c.seq if table == "audit_chain" else t.c.id
        frozen = next(c for c in t.c if c.name not in guarded_tables()[table] and c is not key)
        with db.engine.connect() as conn:
            row = conn.execute(sa.select(t).order_by(key.desc()).limit(1)).one()._mapping
            for statement in (
                t.update()
                .where(key == row[key.name])
                .values({frozen.name: _other(row[frozen.name], frozen)}),
                t.delete().where(key == row[key.name]),
            ):
                with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                    conn.execute(statement)
                conn.rollback()
            for name in guarded_tables()[table]:  # what the app changes stays possible
                column = t.c[name]
                conn.execute(
                    t.update().where(key == row[key.name]).values({name: _other(row[name], column)})
                )
                conn.rollback()
    with sealed_app.app_context():
        assert verify_audit().intact


def test_the_app_may_not_start_in_production_without_the_audit_key(monkeypatch) -> None:
    from cxroi.config import ConfigError, settings

    monkeypatch.delenv("CXROI_AUDIT_KEY", raising=False)
    monkeypatch.delenv("CXROI_AUDIT_DEV_KEY", raising=False)
    monkeypatch.setenv("CXROI_SECRET_KEY", "s")
    with pytest.raises(ConfigError, match="CXROI_AUDIT_KEY is not set"):
        settings()
    monkeypatch.setenv("CXROI_AUDIT_KEY", "k" * 32)
    assert settings()["AUDIT_KEY"] == "k" * 32


def test_a_development_key_is_generated_once_and_private(tmp_path: Path, caplog) -> None:
    from cxroi.audit.keys import key_from_config

    path = tmp_path / "instance" / "audit.key"
    config = {"AUDIT_KEY": None, "AUDIT_KEY_FILE": str(path)}
    with caplog.at_level("WARNING", logger="cxroi.audit"):
        first = key_from_config(config)
    assert "generated a development audit key" in caplog.text
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(first) == 64 and key_from_config(config) == first
    assert first == path.read_text().strip().encode()


# -- the migration and the anchor -------------------------------------------------------------


def test_the_migration_refuses_to_reseal_a_chain_tampered_before_it(tmp_path: Path) -> None:
    from tests.app.test_document_migration import (
        BEFORE,
        alembic,
        fixture_tables,
        load_fixture,
        rows_now,
    )

    app = make_app(
        f"sqlite:///{tmp_path / 'old.db'}", AUDIT_ANCHOR_PATH=str(tmp_path / "audit-head")
    )
    try:
        alembic(app, "upgrade", BEFORE)
        load_fixture(app, fixture_tables())
        with app.app_context(), db.engine.begin() as conn:  # plain SHA-256: no key needed
            conn.execute(sa.text("UPDATE audit_chain SET payload = payload || ' ' WHERE seq = 2"))
        alembic(app, "upgrade", "0201_api_tokens")
        chain = rows_now(app, "audit_chain", "seq")
        with pytest.raises(RuntimeError, match="audit chain entry 2 does not verify as it was"):
            alembic(app, "upgrade", "0340_audit_seal")
        assert rows_now(app, "audit_chain", "seq") == chain  # nothing re-sealed
        assert read_anchor(tmp_path / "audit-head") is None
    finally:
        with app.app_context():
            db.engine.dispose()


def test_the_anchor_never_goes_backwards_unless_forced(tmp_path: Path) -> None:
    from cxroi.audit.anchor import Anchor, write_anchor

    path = tmp_path / "audit-head"
    assert write_anchor(path, Anchor(5, "e" * 64))
    assert not write_anchor(path, Anchor(3, "c" * 64))  # a worker that committed earlier
    assert read_anchor(path) == Anchor(5, "e" * 64)
    assert write_anchor(path, Anchor(6, "f" * 64))
    assert write_anchor(path, Anchor(2, "b" * 64), force=True)  # a migration's re-seal
    assert read_anchor(path) == Anchor(2, "b" * 64)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_concurrent_anchor_writers_keep_the_highest_head(tmp_path: Path) -> None:
    import threading

    from cxroi.audit.anchor import Anchor, write_anchor

    path = tmp_path / "audit-head"
    heads = [Anchor(seq, f"{seq:064x}") for seq in range(1, 81)]

    def worker(mine: list[Anchor]) -> None:
        for head in mine:
            write_anchor(path, head)

    threads = [threading.Thread(target=worker, args=(heads[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert read_anchor(path) == heads[-1]


def test_the_council_seal_migration_seals_the_council_rows_written_before_it(
    tmp_path: Path,
) -> None:
    """Council rows written under 0710_council (unsealed then) get a baseline seal from
    0721_council_seal: the record verifies, and a later SQL edit of one is named."""
    from tests.app.test_document_migration import alembic

    app = make_app(
        f"sqlite:///{tmp_path / 'council.db'}", AUDIT_ANCHOR_PATH=str(tmp_path / "audit-head")
    )
    try:
        alembic(app, "upgrade", "0710_council")
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO council_meetings (id, month, held_on, created_at) "
                    "VALUES (1, '2026-04', '2026-04-28', '2026-04-28 10:00:00')"
                )
            )
            conn.execute(
                sa.text("INSERT INTO council_notes (id, meeting_id, item, body) "
                        "VALUES (1, 1, 'results', 'On plan.')")
            )  # fmt: skip
            conn.execute(
                sa.text(
                    "INSERT INTO council_actions (id, meeting_id, action, owner, due_date, "
                    "status, created_at) VALUES (1, 1, 'Call Dana', 'Casey', '2026-05-15', "
                    "'open', '2026-04-28 10:00:00')"
                )
            )
        alembic(app, "upgrade", "head")
        with app.app_context():
            report = verify_audit()
            assert report.problems == [] and report.entries == 3 and report.rows == 3
            tables = db.session.scalars(sa.text("SELECT payload FROM audit_chain")).all()
            assert sorted(json.loads(p)["table"] for p in tables) == [
                "council_actions", "council_meetings", "council_notes",
            ]  # fmt: skip
            anchor = read_anchor(tmp_path / "audit-head")
            assert anchor is not None and anchor.seq == 3
            db.session.execute(sa.text("UPDATE council_actions SET due_date = '2026-06-15'"))
            (problem,) = verify_audit().problems
            assert (problem.table, problem.row, problem.column) == (
                "council_actions",
                1,
                "due_date",
            )
            assert "due_date is '2026-06-15', sealed '2026-05-15'" in problem.what
            db.session.rollback()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
