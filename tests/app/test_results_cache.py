"""The results page's stored part is kept per content: reused while the case's document,
result and currency are the same, made again the moment any of them changes."""

from __future__ import annotations

import copy
import re
from html import unescape

from sqlalchemy import select, update

from cxroi.cases import results_cache
from cxroi.cases.results_cache import Entry, ResultsCache
from cxroi.engine import load_case
from cxroi.extensions import db
from cxroi.formatting import money
from models import Case
from tests.appsupport import example_document, rewrite_document


def page(client, case_id: int) -> str:
    """The results page without what differs per request (CSRF tokens)."""
    html = client.get(f"/cases/{case_id}").text
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def fresh(client, case_id: int) -> str:
    """The page made from nothing kept."""
    results_cache.cache().clear()
    return page(client, case_id)


def all_metrics(html: str) -> dict[str, str]:
    section = html.split('id="details-h"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]*)</th><td class="num">([^<]*)</td>', section)
    return {unescape(k): unescape(v) for k, v in rows}


def test_the_second_request_reuses_the_first_ones_part_and_shows_the_same(
    app, cx_client, make_case
):
    case = make_case()
    kept = results_cache.cache()
    kept.clear()
    made, reused = kept.made, kept.reused
    first = page(cx_client, case.id)
    assert (kept.made - made, kept.reused - reused) == (1, 0)
    again = page(cx_client, case.id)
    assert (kept.made - made, kept.reused - reused) == (1, 1)
    assert again == first == fresh(cx_client, case.id)
    db.session.refresh(case)
    assert all_metrics(first)["PV of costs"] == money(case.pv_costs, "GBP")


def test_a_save_shows_at_once(app, cx_client, make_case):
    case = make_case()
    before = page(cx_client, case.id)
    rewrite_document(case, discount_rate=0.2)  # store(): a new document and result
    after = page(cx_client, case.id)
    db.session.refresh(case)
    assert all_metrics(after)["PV of costs"] == money(case.pv_costs, "GBP")
    assert all_metrics(after)["PV of costs"] != all_metrics(before)["PV of costs"]
    assert after == fresh(cx_client, case.id)


def test_a_result_changed_in_the_database_alone_shows_at_once(app, cx_client, make_case):
    """A simulation's write, a repair by SQL: no save, no new lock version, and still the
    next page has it (the entry is checked against the result's own text)."""
    case = make_case()
    page(cx_client, case.id)
    result = copy.deepcopy(db.session.scalar(select(Case.result).where(Case.id == case.id)))
    result["annual"][1]["costs"] = 123_456_789.0
    db.session.execute(update(Case).where(Case.id == case.id).values(result=result))
    db.session.commit()
    after = page(cx_client, case.id)
    assert money(123_456_789.0, "GBP") in unescape(after)
    assert after == fresh(cx_client, case.id)


def test_a_new_currency_alone_shows_at_once(app, cx_client, make_case):
    case = make_case()
    assert "€" not in unescape(page(cx_client, case.id))
    db.session.execute(update(Case).where(Case.id == case.id).values(currency="EUR"))
    db.session.commit()
    after = unescape(page(cx_client, case.id))
    assert all_metrics(after)["PV of costs"].startswith("€")


def test_a_case_never_priced_and_a_missing_case(app, cx_client, make_case):
    case = make_case()
    db.session.execute(update(Case).where(Case.id == case.id).values(result=None))
    db.session.commit()
    assert "This case has not been priced yet." in page(cx_client, case.id)
    assert cx_client.get("/cases/987654").status_code == 404


def _entry(document: str, result_text: str = "{}") -> Entry:
    case_file = load_case(example_document())
    return Entry(document, result_text, "GBP", case_file, {}, None)


def test_the_cache_drops_the_least_recently_used_and_keeps_within_its_budget():
    kept = ResultsCache(max_entries=2, max_chars=100)
    kept.put(1, _entry("a" * 10))
    kept.put(2, _entry("b" * 10))
    assert kept.get(1, "a" * 10, "{}", "GBP") is not None  # 1 is now the most recent
    kept.put(3, _entry("c" * 10))
    assert kept.get(2, "b" * 10, "{}", "GBP") is None  # the least recently used went
    assert kept.get(1, "a" * 10, "{}", "GBP") is not None
    assert kept.get(1, "a" * 10, "{} ", "GBP") is None  # any other content: not reused
    assert kept.get(1, "a" * 10, "{}", "EUR") is None
    kept.put(4, _entry("d" * 90))  # within the budget only alone
    assert len(kept) == 1 and kept.get(4, "d" * 90, "{}", "GBP") is not None
    kept.put(5, _entry("e" * 200))  # larger than the whole budget: never kept
    assert kept.get(5, "e" * 200, "{}", "GBP") is None and len(kept) == 1
