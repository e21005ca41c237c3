"""A case with no cost and no benefit yet has nothing to price: its pages say so rather
than show a payback of month 0, and the portfolio ranks it last by payback."""

from __future__ import annotations

import re
from html import unescape

from cxroi.extensions import db
from models import Case


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _payback_cell(page: str, title: str) -> str:
    (row,) = [r for r in re.findall(r"<tr.*?</tr>", page, re.S) if title in unescape(r)]
    (cell,) = re.findall(r'data-label="Payback">(.*?)</td>', row)
    return _text(cell)


def test_an_empty_case_has_no_payback_and_ranks_last_by_it(cx_client, make_case):
    empty = make_case(
        title="Empty so far", assumptions=[], costs=[], benefits=[], scenarios=[], correlations=[]
    )
    priced = make_case(title="Priced case")
    db.session.expire_all()
    stored = db.session.get(Case, empty.id)
    assert (stored.payback_months, stored.discounted_payback_months) == (None, None)
    assert db.session.get(Case, priced.id).payback_months is not None

    results = _text(cx_client.get(f"/cases/{empty.id}").text)
    assert "Nothing to price yet" in results
    inputs = _text(cx_client.get(f"/cases/{empty.id}/inputs").text)
    assert "Payback n/a: nothing to price yet" in inputs and "0.0 months" not in inputs

    portfolio = cx_client.get("/?sort=payback").text
    assert _payback_cell(portfolio, "Empty so far") == "—"
    assert _payback_cell(portfolio, "Priced case").endswith(" mo")
    listed = _text(portfolio)
    assert listed.index("Priced case") < listed.index("Empty so far")
