"""The hash chain in the database and ``cxroi verify-audit``."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from sqlalchemy import select, text

from cxroi.approvals.cli import verify_audit
from cxroi.approvals.ledger import cross_check, verify_ledger
from cxroi.extensions import db
from models.approval import ChainEntry
from tests.approving import approve_case


def _approve(case, users):
    return approve_case(case, users["cx"], name="Dana", ip="1.2.3.4", user_agent="ua")


def _run(app):
    runner = app.test_cli_runner()
    return runner.invoke(verify_audit, catch_exceptions=False)


def test_an_intact_chain_verifies_and_the_cli_exits_0(ready_case, users, app, monkeypatch):
    _approve(ready_case, users)
    report = verify_ledger()
    # submit, sign_off, link create, link mailed, code sent, code verified, approval
    assert (report.intact, report.checked) == (True, 7)
    kinds = db.session.scalars(select(ChainEntry.kind).order_by(ChainEntry.seq)).all()
    assert kinds == ["state", "state", "link", "link", "code", "code", "approval"]
    assert cross_check() == []
    monkeypatch.setattr("cxroi.approvals.cli._app", lambda: nullcontext(app))
    result = _run(app)
    assert result.exit_code == 0
    assert "audit chain intact: 7 entries checked" in result.output


def test_an_altered_entry_is_named_and_the_cli_exits_1(ready_case, users, app, monkeypatch):
    _approve(ready_case, users)
    db.session.execute(
        text(
            "UPDATE audit_chain SET payload = replace(payload, 'sign_off', 'approve') WHERE seq = 2"
        )
    )
    db.session.commit()
    report = verify_ledger()
    assert (report.intact, report.broken_seq) == (False, 2)
    monkeypatch.setattr("cxroi.approvals.cli._app", lambda: nullcontext(app))
    result = _run(app)
    assert result.exit_code == 1
    assert "audit chain broken at entry 2" in result.output


def test_a_deleted_entry_breaks_the_chain_at_the_next(ready_case, users):
    _approve(ready_case, users)
    db.session.execute(text("DELETE FROM audit_chain WHERE seq = 3"))
    db.session.commit()
    report = verify_ledger()
    assert (report.intact, report.broken_seq) == (False, 4)


def test_a_decision_row_edited_afterwards_is_named(ready_case, users, app, monkeypatch):
    record = _approve(ready_case, users)
    db.session.execute(
        text("UPDATE decisions SET version_hash = :h WHERE id = :id"),
        {"h": "f" * 64, "id": record.id},
    )
    db.session.commit()
    assert verify_ledger().intact
    (problem,) = cross_check()
    assert f"decision {record.id}: version_hash differs from chain entry 7" in problem
    monkeypatch.setattr("cxroi.approvals.cli._app", lambda: nullcontext(app))
    assert _run(app).exit_code == 1


def test_a_version_whose_stored_file_was_changed_is_named(ready_case):
    db.session.execute(text("UPDATE case_versions SET case_json = case_json || ' '"))
    db.session.commit()
    (problem,) = cross_check()
    assert "version 1: the case file does not match its hash" in problem


def test_the_orm_refuses_to_change_chain_entries_and_decisions(ready_case, users):
    record = _approve(ready_case, users)
    record.name = "Someone else"
    with pytest.raises(ValueError, match="Decision rows are append-only"):
        db.session.commit()
    db.session.rollback()
    entry = db.session.get(ChainEntry, 1)
    db.session.delete(entry)
    with pytest.raises(ValueError, match="ChainEntry rows are append-only"):
        db.session.commit()
    db.session.rollback()
    assert verify_ledger().intact


def test_concurrent_appends_take_turns_and_keep_one_chain(app):
    import threading

    from cxroi.approvals.ledger import append_entry

    db.session.commit()
    errors: list[str] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with app.app_context():
                    append_entry("state", None, {"writer": n, "i": i})
                    db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_ledger()
    assert (report.intact, report.checked) == (True, 30)
