"""A line's note (``note`` in cxroi-case/2) and an assumption's notes survive the editor.

Each edit here is what a browser does: open the form, keep what it shows, change one
field and submit it. The form must carry every field of the item, or a save (which
replaces the item) loses it.
"""

from __future__ import annotations

import io
import json
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from cxroi.cases.services import document_of
from cxroi.engine.schema import MAX_NARRATIVE
from cxroi.extensions import db
from models import Case
from tests.appsupport import example_document

COST_NOTE = "Vendor quote of 12 May, 3-year term.\nSet-up only; the licence is c2."
BENEFIT_NOTE = "Pilot: 2 teams for 8 weeks, churn measured against a control group."
ASSUMPTION_NOTES = "Finance's plan figure, not the pilot's."


class FormReader(HTMLParser):
    """The fields of the page's editor form (``class="form"``) as a browser would send them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._textarea_fresh = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.in_form = a.get("method") == "post" and "form" in a.get("class", "").split()
        elif not self.in_form:
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea, self._textarea_fresh = a["name"], True
            self.fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif (
            tag == "option"
            and self._select is not None
            and (self._select not in self.fields or "selected" in a)
        ):
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            if self._textarea_fresh:  # HTML drops one line break right after <textarea>
                data = data.removeprefix("\r\n") if data.startswith("\r\n") else data
                data = data.removeprefix("\n")
                self._textarea_fresh = False
            self.fields[self._textarea] += data


def form_as_shown(client: FlaskClient, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200, page.text
    reader = FormReader()
    reader.feed(page.text)
    assert "lock_version" in reader.fields, f"no editor form on {url}"
    return reader.fields


def stored(case_id: int) -> dict[str, Any]:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case is not None
    return document_of(case)


def item(doc: dict[str, Any], section: str, item_id: str) -> dict[str, Any]:
    return next(i for i in doc[section] if i["id"] == item_id)


@pytest.fixture
def case_with_notes(cx_client: FlaskClient) -> Case:
    """The contact-centre example with notes on c1, b1 and an assumption, imported as a file."""
    doc = example_document()
    item(doc, "costs", "c1")["note"] = COST_NOTE
    item(doc, "benefits", "b1")["note"] = BENEFIT_NOTE
    doc["assumptions"][0].update(notes=ASSUMPTION_NOTES, confidence="low", owner="CX")
    response = cx_client.post(
        "/cases/import",
        data={"case_file": (io.BytesIO(json.dumps(doc).encode()), "case.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    db.session.expire_all()
    case = db.session.scalars(select(Case)).one()
    assert item(document_of(case), "costs", "c1")["note"] == COST_NOTE
    return case


def test_editing_a_cost_keeps_its_note(cx_client, case_with_notes):
    url = f"/cases/{case_with_notes.id}/costs/c1"
    form = form_as_shown(cx_client, url)
    assert form["note"] == COST_NOTE
    assert form["amount"] == "85000"
    form["amount"] = "90000"
    response = cx_client.post(url, data=form)
    assert response.status_code == 302, response.text
    cost = item(stored(case_with_notes.id), "costs", "c1")
    assert cost["amount"] == 90000
    assert cost["note"] == COST_NOTE


def test_editing_a_benefit_keeps_its_note(cx_client, case_with_notes):
    url = f"/cases/{case_with_notes.id}/benefits/b1"
    form = form_as_shown(cx_client, url)
    assert form["note"] == BENEFIT_NOTE
    assert form["gross_adds"] == "900"
    form["gross_adds"] = "950"
    response = cx_client.post(url, data=form)
    assert response.status_code == 302, response.text
    benefit = item(stored(case_with_notes.id), "benefits", "b1")
    assert (benefit["gross_adds"], benefit["note"]) == (950, BENEFIT_NOTE)


def test_editing_an_assumption_keeps_its_notes_and_confidence(cx_client, case_with_notes):
    first = example_document()["assumptions"][0]
    url = f"/cases/{case_with_notes.id}/assumptions/{first['id']}"
    form = form_as_shown(cx_client, url)
    assert (form["notes"], form["confidence"]) == (ASSUMPTION_NOTES, "low")
    form["label"] = "Renamed label"
    response = cx_client.post(url, data=form)
    assert response.status_code == 302, response.text
    saved = item(stored(case_with_notes.id), "assumptions", first["id"])
    assert (saved["label"], saved["notes"], saved["confidence"]) == (
        "Renamed label",
        ASSUMPTION_NOTES,
        "low",
    )


@pytest.mark.parametrize(("section", "item_id"), [("costs", "c2"), ("benefits", "b2")])
def test_a_note_typed_in_the_form_is_saved_with_plain_line_breaks(
    cx_client, case_with_notes, section, item_id
):
    url = f"/cases/{case_with_notes.id}/{section}/{item_id}"
    form = form_as_shown(cx_client, url)
    assert form["note"] == ""
    form["note"] = "  List price, 2026.\r\nFinance to confirm the discount.  "
    assert cx_client.post(url, data=form).status_code == 302
    saved = item(stored(case_with_notes.id), section, item_id)
    assert saved["note"] == "List price, 2026.\nFinance to confirm the discount."


def test_clearing_a_note_leaves_it_out_of_the_document(cx_client, case_with_notes):
    url = f"/cases/{case_with_notes.id}/costs/c1"
    form = form_as_shown(cx_client, url)
    form["note"] = "   "
    assert cx_client.post(url, data=form).status_code == 302
    assert "note" not in item(stored(case_with_notes.id), "costs", "c1")


def test_a_new_benefit_of_any_kind_takes_a_note(cx_client, case_with_notes):
    url = f"/cases/{case_with_notes.id}/benefits/new/referrals"
    form = form_as_shown(cx_client, url)
    form.update(
        name="Word of mouth",
        customers="subscribers",
        referral_uplift="0.001",
        annual_churn="annual_churn",
        arpu="arpu",
        margin="margin",
        note="NPS survey: 40% would recommend.",
    )
    assert cx_client.post(url, data=form).status_code == 302
    added = stored(case_with_notes.id)["benefits"][-1]
    assert (added["kind"], added["note"]) == ("referrals", "NPS survey: 40% would recommend.")


def test_a_note_longer_than_the_engine_allows_is_refused_beside_the_field(
    cx_client, case_with_notes
):
    url = f"/cases/{case_with_notes.id}/costs/c1"
    form = form_as_shown(cx_client, url)
    form["note"] = "x" * (MAX_NARRATIVE + 1)
    form["amount"] = "1"
    response = cx_client.post(url, data=form)
    assert response.status_code == 400
    html = unescape(response.text)
    assert 'id="note-error"' in html
    assert f"The note can have at most {MAX_NARRATIVE:,} characters." in html
    cost = item(stored(case_with_notes.id), "costs", "c1")
    assert (cost["amount"], cost["note"]) == (85000, COST_NOTE)  # nothing saved


def test_a_note_of_exactly_the_limit_is_saved(cx_client, case_with_notes):
    url = f"/cases/{case_with_notes.id}/benefits/b1"
    form = form_as_shown(cx_client, url)
    form["note"] = "y" * MAX_NARRATIVE
    assert cx_client.post(url, data=form).status_code == 302
    assert item(stored(case_with_notes.id), "benefits", "b1")["note"] == "y" * MAX_NARRATIVE


def test_the_inputs_page_shows_each_line_note_under_its_name(cx_client, case_with_notes):
    url = f"/cases/{case_with_notes.id}/costs/c2"
    form = form_as_shown(cx_client, url)
    form["note"] = "Quote < £90k & signed"
    assert cx_client.post(url, data=form).status_code == 302
    html = cx_client.get(f"/cases/{case_with_notes.id}/inputs").text
    cost = row_header(html, "costs", "Knowledge base set-up")
    assert '<span class="line-note"><span class="visually-hidden">Note: </span>' in cost
    assert unescape(cost).endswith(COST_NOTE + "</span>")
    assert unescape(row_header(html, "benefits", "Subscribers kept")).endswith(
        BENEFIT_NOTE + "</span>"
    )
    assert "Quote &lt; £90k &amp; signed</span>" in row_header(
        html, "costs", "Knowledge base licence"
    )
    assert "line-note" not in row_header(html, "benefits", "Repeat calls avoided")


def row_header(html: str, section: str, name: str) -> str:
    """The row header of the line called ``name`` in the section's table."""
    table = html.split(f'id="{section}"', 1)[1].split("</table>", 1)[0]
    return table.split(f'<th scope="row">{name} ', 1)[1].split("</th>", 1)[0]
