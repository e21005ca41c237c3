"""The CX council: its page, meeting agenda, audited actions and decisions, the pack."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cxroi.actuals import services as actuals
from cxroi.approvals.versions import freeze
from cxroi.cli import main
from cxroi.council import pack
from cxroi.extensions import db
from cxroi.formatting import money
from cxroi.workflow import APPROVED
from models import AuditEvent, CouncilAction, CouncilDecision, CouncilMeeting

ANNUAL = 1.01**12 - 1.0  # 1 % a month

DOC: dict[str, Any] = {
    "format": "cxroi-case/2",
    "title": "Fewer repeat calls",
    "currency": "GBP",
    "start_month": "2026-01",
    "horizon_months": 12,
    "discount_rate": ANNUAL,
    "assumptions": [
        {"id": "a1", "key": "volume", "label": "Repeat calls per month", "value": 1000,
         "unit": "calls", "low": 800, "high": 1200},
    ],
    "costs": [
        {"id": "c1", "name": "Build", "category": "technology", "recurrence": "once",
         "amount": 1000, "month": 0},
    ],
    "benefits": [
        {"id": "b1", "name": "Calls avoided", "kind": "cost_savings", "volume": "volume",
         "reduction": 0.1, "unit_cost": 2, "ramp_start": 1, "ramp_months": 0},
    ],
}  # fmt: skip

#: The actuals, by calendar month: case month 0 (the up-front month) is 2025-12, the month
#: before start_month; months 1-3 are 2026-01 to 2026-03.
ACTUALS_CSV = (
    b"month,line_id,cost,benefit,volume\n"
    b"2025-12,c1,1100,,\n"
    b"2026-01,b1,,150,900\n"
    b"2026-02,b1,,150,700\n"
    b"2026-03,b1,,100,600\n"
)
MONTHS = ["2025-12", "2026-01", "2026-02", "2026-03"]
# The plan by hand: the build's 1,000 up front; 1,000 calls x 10 % x £2 = £200 a month after.
PLAN_NET = [-1000.0, 200.0, 200.0, 200.0]
ACTUAL_NET = [-1100.0, 150.0, 150.0, 100.0]
# By hand: -1100 + 150/1.01 + 150/1.01^2 + 100/1.01^3 (month 0 is not discounted)
REALISED = -1100 + 150 / 1.01 + 150 / 1.01**2 + 100 / 1.01**3


def _approve(case: Any, finance_user: Any) -> Any:
    case.status = APPROVED
    freeze(case, finance_user)
    db.session.commit()
    return case


@pytest.fixture
def approved(make_case, finance_user):
    """The case approved, its actuals entered through the actuals service (a CSV import),
    so the council reads them from the actuals table."""
    case = _approve(make_case(json.loads(json.dumps(DOC))), finance_user)
    saved = actuals.import_csv(finance_user, case.id, ACTUALS_CSV)
    assert saved.changed == 7  # c1's cost; b1's benefit and volume in three months
    return case


def _events(entity: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity == entity)))


def test_council_page_lists_the_initiative_realised_and_drifting(approved, cx_client):
    page = cx_client.get("/council/")
    assert page.status_code == 200
    text = page.text
    assert "Fewer repeat calls" in text
    assert money(REALISED, "GBP") == "−£707"
    assert '<td class="num realised">−£707</td>' in text
    assert "rag-amber" in text  # 150, 150, 100 against 200: below 80 % three months running
    assert "Repeat calls per month was 600 in 2026-03, below the assumed range" in text
    assert "<svg" in text


def test_cx_records_an_action_and_finance_a_decision_both_audited(
    approved, cx_client, finance_client
):
    r = cx_client.post(
        "/council/actions",
        data={
            "action": "Call the top 20 repeat callers",
            "owner": "Dana (contact centre)",
            "due_date": "2026-05-15",
            "status": "open",
            "case_id": str(approved.id),
        },
    )
    assert r.status_code == 302
    r = finance_client.post(
        "/council/decisions",
        data={
            "what": "Keep funding; review volume in June",
            "decided_on": "2026-04-30",
            "decided_by": "CX council",
            "case_id": str(approved.id),
        },
    )
    assert r.status_code == 302
    action = db.session.scalar(select(CouncilAction))
    decision = db.session.scalar(select(CouncilDecision))
    assert action.owner == "Dana (contact centre)" and action.case_id == approved.id
    assert decision.decided_by == "CX council"
    (ev,) = _events("council_action")
    assert ev.actor == "casey@example.com" and ev.case_id == approved.id
    assert json.loads(ev.new)["action"] == "Call the top 20 repeat callers"
    (dv,) = _events("council_decision")
    assert dv.actor == "fran@example.com"
    r = cx_client.post(f"/council/actions/{action.id}/status", data={"status": "done"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(CouncilAction, action.id).status == "done"
    update = [e for e in _events("council_action") if e.action == "update"]
    assert [(e.field, e.old, e.new) for e in update] == [("status", "open", "done")]
    page = cx_client.get("/council/").text
    assert "Call the top 20 repeat callers" in page and "Keep funding" in page


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("due_date", "next week", "due_date: enter a date"),
        ("owner", "", "owner: this cannot be empty"),
        ("case_id", "99999", "case_id: there is no case 99999"),
        ("status", "finished", "status: choose"),
    ],
)
def test_bad_action_input_is_a_400_naming_the_field(approved, cx_client, field, value, words):
    data = {"action": "x", "owner": "o", "due_date": "2026-05-01", "status": "open"}
    data[field] = value
    r = cx_client.post("/council/actions", data=data)
    assert r.status_code == 400
    assert words in r.text
    assert db.session.scalar(select(func.count()).select_from(CouncilAction)) == 0
    assert _events("council_action") == []


def test_decision_needs_a_date(approved, finance_client):
    r = finance_client.post(
        "/council/decisions", data={"what": "w", "decided_on": "30/04/2026", "decided_by": "b"}
    )
    assert r.status_code == 400 and "decided_on" in r.text


def test_meeting_follows_the_agenda_and_notes_are_audited(approved, admin_client):
    r = admin_client.post("/council/meetings", data={"month": "2026-04", "held_on": "2026-04-28"})
    assert r.status_code == 302
    assert admin_client.post("/council/meetings", data={"month": "2026-04"}).status_code == 409
    assert admin_client.post("/council/meetings", data={"month": "2026-13"}).status_code == 400
    r = admin_client.post(
        "/council/meetings/2026-04/notes",
        data={"note_results": "Volume fell; benefit behind plan."},
    )
    assert r.status_code == 302
    page = admin_client.get("/council/meetings/2026-04").text
    headings = [
        "Last meeting&#39;s actions reviewed",
        "Results",
        "Department reports",
        "Initiatives",
        "Decisions",
        "Next steps",
    ]
    positions = [page.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "Volume fell; benefit behind plan." in page
    meeting = db.session.scalar(select(CouncilMeeting))
    notes = [e for e in _events("council_meeting") if e.field == "note_results"]
    assert notes[0].new == "Volume fell; benefit behind plan." and notes[0].entity_id == meeting.id


def test_forms_carry_csrf_and_a_post_without_it_is_refused(approved, other_app, cx_client):
    page = cx_client.get("/council/").text
    for form in ("action-form", "decision-form", "meeting-form"):
        start = page.index(f'id="{form}"')
        assert 'name="csrf_token"' in page[start : page.index("</form>", start)]
    strict = other_app(WTF_CSRF_ENABLED=True)
    r = strict.test_client().post(
        "/council/decisions", data={"what": "w", "decided_on": "2026-04-30", "decided_by": "b"}
    )
    assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CouncilDecision)) == 0


def test_cli_realisation_json(approved, monkeypatch, db_url):
    monkeypatch.setenv("CXROI_DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["realisation", str(approved.id), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["title"] == "Fewer repeat calls"
    assert doc["months"] == MONTHS
    assert doc["plan_net"] == pytest.approx(PLAN_NET)
    assert doc["actual_net"] == pytest.approx(ACTUAL_NET)
    assert doc["variance"] == pytest.approx(
        [a - p for a, p in zip(ACTUAL_NET, PLAN_NET, strict=True)]
    )
    assert doc["realised_npv_to_date"] == pytest.approx(REALISED)
    assert doc["forecast_payback_months"] == pytest.approx(6.5)
    assert doc["status"] == "amber"
    missing = CliRunner().invoke(main, ["realisation", "99999"])
    assert missing.exit_code == 1 and "no case 99999" in missing.output


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) not installed: apt-get install poppler-utils")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def test_pdf_pack_carries_each_title_and_realised_figure(
    approved, make_case, finance_user, cx_client, tmp_path, monkeypatch, db_url
):
    problem = pack.weasyprint_problem()
    if problem is not None:
        pytest.skip(problem)
    other = make_case(json.loads(json.dumps(DOC)), title="Proactive delivery texts")
    other.status = APPROVED
    freeze(other, finance_user)
    db.session.commit()
    page = cx_client.get("/council/").text
    r = cx_client.get("/council/pack.pdf?month=2026-04")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = _pdftotext(r.data, tmp_path)
    for title, figure in (
        ("Fewer repeat calls", money(REALISED, "GBP")),
        ("Proactive delivery texts", money(0.0, "GBP")),
    ):
        assert title in page and figure in page
        assert title in text
        line = next(ln for ln in text.splitlines() if title in ln and "£" in ln)
        assert figure in line, line
    assert cx_client.get("/council/pack.pdf?month=April").status_code == 400
    monkeypatch.setenv("CXROI_DATABASE_URL", db_url)
    out = tmp_path / "cli.pdf"
    result = CliRunner().invoke(main, ["council-pack", "--month", "2026-04", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Fewer repeat calls" in _pdftotext(out.read_bytes(), tmp_path)


def test_demo_council_has_two_meetings_with_actions_and_decisions(approved, cx_user):
    from cxroi.council.demo import prepare_demo_council

    lines = prepare_demo_council()
    assert lines == ["CX council: meetings 2026-09 and 2026-10, two actions and two decisions."]
    months = db.session.scalars(select(CouncilMeeting.month).order_by(CouncilMeeting.month))
    assert list(months) == ["2026-09", "2026-10"]
    actions = list(db.session.scalars(select(CouncilAction)))
    assert [a.status for a in actions] == ["done", "open"]
    assert {a.case_id for a in actions} == {approved.id}
    assert db.session.scalar(select(func.count()).select_from(CouncilDecision)) == 2
    assert prepare_demo_council() is None  # once only


def test_actuals_entered_on_the_grid_are_what_the_council_prices(
    make_case, finance_user, finance_client
):
    """Finance enters two months on the actuals grid of an approved case; the council's
    realisation (read from the actuals table) has their variance and realised NPV."""
    from cxroi.engine.realisation import to_dict
    from cxroi.realisation.services import realisation_of

    case = _approve(make_case(json.loads(json.dumps(DOC)), title="Grid case"), finance_user)
    empty = to_dict(realisation_of(case).realisation)
    assert empty["months"] == [] and empty["realised_npv_to_date"] == 0.0
    for month, data in (
        ("2025-12", {"c1.cost": "900"}),
        ("2026-02", {"b1.benefit": "260", "b1.volume": "1300"}),
    ):
        r = finance_client.post(f"/cases/{case.id}/actuals/{month}", data=data)
        assert r.status_code == 302, r.text
    db.session.expire_all()
    got = to_dict(realisation_of(db.session.get(type(case), case.id)).realisation)
    # To date: months 0-2. 2026-01 has no actual: its benefit counts nothing (prudent).
    assert got["months"] == ["2025-12", "2026-01", "2026-02"]
    assert got["actual_net"] == pytest.approx([-900.0, 0.0, 260.0])
    assert got["variance"] == pytest.approx([100.0, -200.0, 60.0])
    assert got["realised_npv_to_date"] == pytest.approx(-900 + 260 / 1.01**2)
    assert got["planned_npv_to_date"] == pytest.approx(-1000 + 200 / 1.01 + 200 / 1.01**2)
    page = finance_client.get("/council/").text
    assert f'<td class="num realised">{money(-900 + 260 / 1.01**2, "GBP")}</td>' in page


def test_without_weasyprint_the_pdf_pack_is_a_clear_503(approved, cx_client, monkeypatch):
    monkeypatch.setattr(pack, "weasyprint_problem", lambda: "The PDF pack needs WeasyPrint")
    r = cx_client.get("/council/pack.pdf?month=2026-04")
    assert r.status_code == 503 and "The PDF pack needs WeasyPrint" in r.text
    assert cx_client.get("/council/pack.xlsx?month=2026-04").status_code == 200
