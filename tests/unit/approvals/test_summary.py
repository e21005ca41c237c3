from __future__ import annotations

from cxroi.approvals.summary import build_summary, cumulative_chart, money
from cxroi.engine import analyse, case_to_dict, load_case_file, result_to_dict
from tests.support import EXAMPLES_DIR


def _frozen():
    case = load_case_file(EXAMPLES_DIR / "contact-centre.json")
    return case_to_dict(case), result_to_dict(analyse(case, trials=200))


def test_headline_npv_is_the_stored_result_in_the_case_currency():
    doc, result = _frozen()
    s = build_summary(doc, result)
    npv = s.headlines[0]
    assert npv.label == "NPV"
    assert npv.value == f"£{result['metrics']['npv']:,.0f}"
    assert npv.unadjusted == f"£{result['unadjusted']['npv']:,.0f}"


def test_top_risks_follow_the_tornado_and_assumptions_carry_review_status():
    doc, result = _frozen()
    s = build_summary(doc, result, {"repeat_reduction": "accepted"})
    assert [r.label for r in s.risks] == [t["label"] for t in result["tornado"][:3]]
    first = s.assumptions[0]
    assert (first.key, first.review, first.source) == (
        "repeat_reduction",
        "accepted",
        "Pilot team, 8 weeks",
    )
    assert s.assumptions[1].review == "unreviewed"
    assert [r.name for r in s.scenarios][:2] == ["Base case", "Pilot results halve at scale"]


def test_chart_marks_zero_and_payback_and_says_the_same_in_words():
    chart = cumulative_chart([-100.0, -50.0, 0.0, 100.0], 2.0, "GBP", width=300, height=200)
    assert chart.points.split()[0] == "0.0,200.0"
    assert chart.zero_y == 100.0
    assert chart.payback_x == 200.0
    assert "pays back after 2.0 months" in chart.text


def test_negative_money_uses_a_minus_sign():
    assert money(-1234.4, "EUR") == "−€1,234"
    assert money(-1234.4, "CHF") == "−CHF 1,234"
    assert money(None, "EUR") == "n/a"
