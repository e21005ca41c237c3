"""The portfolio lists stored figures: sort, filter, totals per currency, pages."""

from __future__ import annotations

import json
import re
from html import unescape

from click.testing import CliRunner
from sqlalchemy import func, select

from cxroi.cli import main
from cxroi.extensions import db
from cxroi.formatting import money, pct
from models import Case, User
from tests.appsupport import example_document


def titles(html: str) -> list[str]:
    return [
        unescape(t) for t in re.findall(r'<th scope="row"><a href="/cases/\d+">([^<]*)</a>', html)
    ]


def seed(make_case):
    doc = example_document()
    big = make_case(doc, title="Big", discount_rate=0.05)
    small = make_case({**doc, "costs": doc["costs"][:2]}, title="Lean")
    loss = make_case({**doc, "benefits": [], "scenarios": []}, title="Loss maker")
    euro = make_case(doc, title="Euro one", currency="EUR")
    return big, small, loss, euro


def test_ranked_by_npv_then_by_npv_per_pv_cost(cx_client, make_case):
    big, small, loss, euro = seed(make_case)
    by_npv = titles(cx_client.get("/?sort=npv").text)
    expected = [c.title for c in sorted([big, small, loss, euro], key=lambda c: -c.npv)]
    assert by_npv == expected
    per_cost = titles(cx_client.get("/?sort=npv_per_cost").text)
    expected = [c.title for c in sorted([big, small, loss, euro], key=lambda c: -c.npv_per_pv_cost)]
    assert per_cost == expected
    assert titles(cx_client.get("/?sort=title&dir=asc").text) == sorted(expected)


def test_filter_by_text_status_and_owner(cx_client, make_case, make_user):
    seed(make_case)
    other = make_user("cx")
    make_case(example_document(), owner=other, title="Someone else's")
    assert titles(cx_client.get("/?q=euro").text) == ["Euro one"]
    assert titles(cx_client.get("/?status=approved").text) == []
    assert titles(cx_client.get(f"/?owner={other.id}").text) == ["Someone else's"]


def test_totals_are_per_currency_and_follow_the_filter(cx_client, make_case):
    big, small, loss, euro = seed(make_case)
    html = unescape(cx_client.get("/?counted=all").text)
    gbp_total = money(big.npv + small.npv + loss.npv, "GBP")
    assert f"3 cases in GBP: total NPV {gbp_total}" in re.sub(r"<[^>]+>", "", html).replace(
        "\n", " "
    )
    assert money(euro.npv, "EUR") in html
    assert "1 case in EUR" in re.sub(r"<[^>]+>", "", html)


def test_totals_count_approved_and_in_flight_cases_unless_asked_for_all(cx_client, make_case):
    big, small, loss, _euro = seed(make_case)  # all drafts
    default = re.sub(r"<[^>]+>", "", unescape(cx_client.get("/").text)).replace("\n", " ")
    assert "Totals count approved and in-flight cases" in default
    assert "cases in GBP" not in default and "case in EUR" not in default
    assert all(t in default for t in ("Big", "Lean", "Loss maker"))  # still listed
    big.status, loss.status = "approved", "rejected"
    db.session.commit()
    default = re.sub(r"<[^>]+>", "", unescape(cx_client.get("/").text)).replace("\n", " ")
    assert f"1 case in GBP: total NPV {money(big.npv, 'GBP')}" in default
    every = re.sub(r"<[^>]+>", "", unescape(cx_client.get("/?counted=all").text))
    total = money(big.npv + small.npv + loss.npv, "GBP")
    assert f"3 cases in GBP: total NPV {total}" in every.replace("\n", " ")
    assert "Count only approved and in-flight cases" in every
    # A chosen status is counted whatever it is.
    rejected = re.sub(r"<[^>]+>", "", unescape(cx_client.get("/?status=rejected").text))
    assert f"1 case in GBP: total NPV {money(loss.npv, 'GBP')}" in rejected.replace("\n", " ")


def test_negative_npv_is_shown_muted_red_with_a_minus(cx_client, make_case):
    _, _, loss, _ = seed(make_case)
    assert loss.npv < 0
    html = unescape(cx_client.get("/").text)
    assert f'<td class="num neg" data-label="NPV">{money(loss.npv, "GBP")}</td>' in html
    assert money(loss.npv, "GBP").startswith("\u2212£")


def test_bad_query_arguments_fall_back_to_defaults(cx_client, make_case):
    seed(make_case)
    assert (
        cx_client.get("/?sort=drop+table&dir=sideways&page=x&owner=y&status=z").status_code == 200
    )


def test_demo_creates_one_user_per_role_and_cases(app, monkeypatch, db_url):
    monkeypatch.setenv("CXROI_DATABASE_URL", db_url)
    monkeypatch.setenv("CXROI_MC_TRIALS", "200")
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "cx@example.com" in result.output and "password:" in result.output
    db.session.expire_all()
    roles = db.session.scalars(select(User.role).order_by(User.role)).all()
    assert roles == ["admin", "cx", "finance"]
    assert db.session.scalar(select(func.count(Case.id))) == 4
    again = CliRunner().invoke(main, ["demo", "--if-empty"])
    assert "already has users" in again.output


def test_portfolio_chart_shows_npv_of_the_main_currency(cx_client, make_case):
    big, small, loss, _euro = seed(make_case)
    html = unescape(cx_client.get("/").text)
    data = json.loads(re.search(r'id="portfolio-data">(.*?)</script>', html, re.S).group(1))
    assert data["currency"] == "GBP"
    ranked = sorted([big, small, loss], key=lambda c: -c.npv)
    assert [r["title"] for r in data["rows"]] == [c.title for c in ranked]
    assert [r["npv"] for r in data["rows"]] == [c.npv for c in ranked]
    assert "GBP cases on this page" in html


def test_a_search_totals_its_matches_counted_or_all_from_one_aggregate(cx_client, make_case):
    """A search adds up what it matches: only approved and in-flight cases by default,
    every match under "Count every case"; the one statement gives both."""
    big, small, loss, euro = seed(make_case)
    other = make_case(example_document(), title="Big again")
    big.status, other.status, small.status = "approved", "in_review", "approved"
    db.session.commit()

    def text_of(url: str) -> str:
        return re.sub(r"<[^>]+>", "", unescape(cx_client.get(url).text)).replace("\n", " ")

    counted = text_of("/?q=big")  # "Big" and "Big again" match; "Lean" does not
    assert f"2 cases in GBP: total NPV {money(big.npv + other.npv, 'GBP')}" in counted
    assert f"PV of costs {money(big.pv_costs + other.pv_costs, 'GBP')}" in counted
    other.status = "draft"
    db.session.commit()
    counted = text_of("/?q=big")
    assert f"1 case in GBP: total NPV {money(big.npv, 'GBP')}" in counted
    every = text_of("/?q=big&counted=all")
    assert f"2 cases in GBP: total NPV {money(big.npv + other.npv, 'GBP')}" in every
    # Nothing counted among the matches: no totals line at all, the matches still listed.
    none_counted = text_of("/?q=loss")
    assert "case in GBP" not in none_counted and "Loss maker" in none_counted
    assert f"1 case in GBP: total NPV {money(loss.npv, 'GBP')}" in text_of("/?q=loss&counted=all")
    assert f"1 case in EUR: total NPV {money(euro.npv, 'EUR')}" in text_of("/?q=euro&counted=all")


def test_a_row_escapes_what_people_typed_and_shows_each_figure_as_its_filter_does(
    cx_client, make_case, cx_user
):
    case = make_case(title='Chat <script>alert("x")</script> & co')
    cx_user.name = "O'Brien <b>"
    case.payback_months, case.roi = None, -0.25
    db.session.commit()
    html = cx_client.get("/?counted=all").text
    row = html.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert (
        "<script>" not in row and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in row
    )
    assert f'<a href="/cases/{case.id}">' in row
    assert '<td data-label="Owner">O&#39;Brien &lt;b&gt;</td>' in row
    assert '<td class="num" data-label="Payback">\u2014</td>' in row
    assert f'<td class="num neg" data-label="ROI">{pct(-0.25)}</td>' in row
    assert f'data-label="NPV">{money(case.npv, "GBP")}</td>' in unescape(row)
    assert '<td class="num rank">1</td>' in row
