"""Ranking by NPV across currencies says it is not like with like, and offers one
currency at a time; ratio orders, the same in any currency, say nothing."""

from __future__ import annotations

import re
from html import unescape


def _notes(page: str) -> list[str]:
    found = re.findall(r'<p class="notice mixed-currencies"[^>]*>(.*?)</p>', page, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", n)).split()) for n in found]


def test_mixed_currencies_ranked_by_npv_are_flagged(cx_client, make_case):
    make_case(title="Pound case")
    make_case(title="Euro case", currency="EUR")
    (note,) = _notes(cx_client.get("/").text)
    assert note.startswith("Cases in EUR and GBP are ranked by their own NPVs, not converted")
    links = re.findall(r'<a href="([^"]*)">only (EUR|GBP)</a>', cx_client.get("/").text)
    assert [(cur, f"currency={cur}" in unescape(href)) for href, cur in links] == [
        ("EUR", True),
        ("GBP", True),
    ]
    assert _notes(cx_client.get("/?sort=npv_per_cost").text) == []
    only = cx_client.get("/?currency=EUR").text
    assert _notes(only) == [] and "Euro case" in only and "Pound case" not in only


def test_one_currency_is_not_flagged(cx_client, make_case):
    make_case(title="Pound case")
    make_case(title="Another pound case")
    assert _notes(cx_client.get("/").text) == []
