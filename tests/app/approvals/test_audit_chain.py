"""The hash chain in the database and ``cxroi verify-audit``."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from sqlalchemy import func, select

from cxroi.approvals import versions
from cxroi.approvals.cli import verify_audit
from cxroi.approvals.ledger import verify_ledger
from cxroi.audit.verify import verify_audit as verify_audit_record
from cxroi.extensions import db
from models.approval import ChainEntry
from tests.approving import approve_case
from tests.appsupport import tamper


def _approve(case, users):
    return approve_case(case, users["cx"], name="Dana", ip="1.2.3.4", user_agent="ua")


def _run(app):
    runner = app.test_cli_runner()
    return runner.invoke(verify_audit, catch_exceptions=False)


def _seq_of(step: str) -> int:
    return db.session.scalar(
        select(ChainEntry.seq).where(
            ChainEntry.kind == "state", ChainEntry.payload.contains(f'"step":"{step}"')
        )
    )


def test_an_intact_record_verifies_and_the_cli_exits_0(ready_case, users, app, monkeypatch):
    _approve(ready_case, users)
    kinds = [e.kind for e in db.session.scalars(select(ChainEntry).order_by(ChainEntry.seq))]
    workflow = [k for k in kinds if k != "row"]
    # submit, sign_off, link create, link mailed, code sent, code verified, approval
    assert workflow == ["state", "state", "link", "link", "code", "code", "approval"]
    assert verify_ledger().intact
    report = verify_audit_record()
    assert report.problems == []
    assert report.entries == len(kinds)
    monkeypatch.setattr("cxroi.approvals.cli._app", lambda: nullcontext(app))
    result = _run(app)
    assert result.exit_code == 0
    assert f"audit chain intact: {len(kinds)} entries checked" in result.output


def test_an_altered_entry_is_named_and_the_cli_exits_1(ready_case, users, app, monkeypatch):
    _approve(ready_case, users)
    seq = _seq_of("sign_off")
    tamper(
        "UPDATE audit_chain SET payload = replace(payload, 'sign_off', 'approve') WHERE seq = :seq",
        {"seq": seq},
    )
    report = verify_ledger()
    assert (report.intact, report.broken_seq) == (False, seq)
    (problem,) = verify_audit_record().problems
    assert (problem.table, problem.row, problem.column) == ("audit_chain", seq, "hash")
    monkeypatch.setattr("cxroi.approvals.cli._app", lambda: nullcontext(app))
    result = _run(app)
    assert result.exit_code == 1
    assert f"audit_chain row {seq}, column hash: its payload does not match" in result.output


def test_a_deleted_entry_breaks_the_chain_at_the_next(ready_case, users):
    _approve(ready_case, users)
    seq = _seq_of("sign_off")
    tamper("DELETE FROM audit_chain WHERE seq = :seq", {"seq": seq})
    report = verify_ledger()
    assert (report.intact, report.broken_seq) == (False, seq + 1)
    (problem,) = verify_audit_record().problems
    assert str(problem) == f"audit_chain row {seq + 1}: entry {seq} is missing (deleted)"


def test_a_decision_row_edited_afterwards_is_named(ready_case, users, app, monkeypatch):
    record = _approve(ready_case, users)
    tamper(
        "UPDATE decisions SET version_hash = :h WHERE id = :id", {"h": "f" * 64, "id": record.id}
    )
    assert verify_ledger().intact
    first, second = verify_audit_record().problems
    assert (first.table, first.row, first.column) == ("decisions", record.id, "version_hash")
    assert (second.table, second.row, second.column) == ("decisions", record.id, "version_hash")
    assert "is 'ffffffffffff" in second.what and "the approval entry" in second.what
    monkeypatch.setattr("cxroi.approvals.cli._app", lambda: nullcontext(app))
    assert _run(app).exit_code == 1


def test_a_version_whose_stored_file_was_changed_is_named(ready_case):
    version = versions.current_version(ready_case)
    tamper("UPDATE case_versions SET case_json = case_json || ' '")
    problems = verify_audit_record().problems
    assert [(p.table, p.row, p.column) for p in problems] == [
        ("case_versions", version.id, "case_json"),
        ("case_versions", version.id, "case_json"),
    ]
    assert problems[1].what == "does not match its hash (case_hash)"


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
    assert verify_audit_record().intact


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


def test_concurrent_writers_of_sealed_rows_keep_one_verifiable_chain(app):
    import threading

    from cxroi.audit.services import record_change
    from models import AuditEvent

    db.session.commit()
    errors: list[str] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with app.app_context():
                    record_change(actor="test", entity="case", entity_id=None, action=f"w{n}")
                    record_change(actor="test", entity="case", entity_id=i, action=f"w{n}")
                    db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    report = verify_audit_record()
    assert report.problems == []
    assert report.rows >= events >= 60
