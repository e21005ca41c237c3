"""One test per rule of cxroi-case/1: every error reported, each with its JSON path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from cxroi.engine import CaseValidationError, load_case, validate_case


def valid_doc() -> dict[str, Any]:
    return {
        "format": "cxroi-case/1",
        "title": "Faster refunds",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": 24,
        "discount_rate": 0.1,
        "assumptions": [
            {
                "key": "customers",
                "label": "Customers",
                "value": 1000,
                "unit": "customers",
                "low": 900,
                "high": 1100,
            },
            {"key": "churn", "label": "Annual churn", "value": 0.2, "unit": "ratio"},
            {
                "key": "reduction",
                "label": "Churn reduction",
                "value": 0.1,
                "unit": "ratio",
                "low": 0.05,
                "high": 0.15,
            },
        ],
        "costs": [
            {
                "name": "Set-up",
                "category": "technology",
                "recurrence": "once",
                "month": 0,
                "amount": 10000,
            },
            {
                "name": "Licence",
                "category": "technology",
                "recurrence": "annual",
                "start_month": 1,
                "end_month": 24,
                "amount": 1200,
            },
        ],
        "benefits": [
            {
                "name": "Kept",
                "kind": "churn",
                "customers": "customers",
                "annual_churn": "churn",
                "reduction": "reduction",
                "arpu": 30,
                "margin": 0.5,
            },
        ],
        "scenarios": [{"name": "Low", "overrides": {"reduction": 0.05}}],
    }


def errors_of(doc: Any) -> dict[str, str]:
    return {issue.path: issue.message for issue in validate_case(doc)}


def broken(change: Any) -> dict[str, str]:
    doc = valid_doc()
    change(doc)
    return errors_of(doc)


def test_the_valid_document_has_no_errors() -> None:
    assert validate_case(valid_doc()) == []
    assert load_case(valid_doc()).title == "Faster refunds"


def test_format_must_be_cxroi_case_1_or_2() -> None:
    assert broken(lambda d: d.update(format="cxroi-case/3"))["format"] == (
        'must be "cxroi-case/2" (or "cxroi-case/1")'
    )
    assert broken(lambda d: d.update(format="cxroi-case/2")) == {}


def test_unknown_top_level_field_is_an_error() -> None:
    errors = broken(lambda d: d.update(colour="blue"))
    assert errors["colour"] == "is not a field of this format"


def test_unknown_field_in_a_line_is_named_by_its_path() -> None:
    errors = broken(lambda d: d["benefits"][0].update(reductio=0.1))
    assert errors["benefits[0].reductio"] == "is not a field of this format"


def test_missing_required_fields_are_each_reported() -> None:
    errors = broken(lambda d: (d.pop("title"), d["costs"][0].pop("amount")))
    assert errors["title"] == "is required"
    assert errors["costs[0].amount"] == "is required"


def test_title_must_not_be_empty_or_too_long() -> None:
    assert "title" in broken(lambda d: d.update(title=""))
    assert "title" in broken(lambda d: d.update(title="x" * 201))


def test_wrong_type_is_an_error() -> None:
    errors = broken(lambda d: d.update(horizon_months="36"))
    assert errors["horizon_months"] == "must be a number"


def test_booleans_are_not_numbers() -> None:
    assert "discount_rate" in broken(lambda d: d.update(discount_rate=True))


def test_non_finite_numbers_are_errors() -> None:
    assert broken(lambda d: d.update(discount_rate=float("nan")))["discount_rate"] == (
        "must be a finite number"
    )
    text = json.dumps(valid_doc()).replace('"discount_rate": 0.1', '"discount_rate": Infinity')
    issues = validate_case(text)
    assert issues and "not valid JSON" in issues[0].message


def test_invalid_json_is_reported_with_line_and_column() -> None:
    issues = validate_case('{"format": "cxroi-case/1",')
    assert len(issues) == 1 and "line 1" in issues[0].message


def test_a_document_must_be_an_object() -> None:
    assert errors_of([1, 2]) == {"": "a case file must be a JSON object"}


def test_horizon_must_be_1_to_120() -> None:
    assert "horizon_months" in broken(lambda d: d.update(horizon_months=0))
    assert "horizon_months" in broken(lambda d: d.update(horizon_months=121))
    assert "horizon_months" not in broken(lambda d: d.update(horizon_months=120))


def test_horizon_must_be_whole() -> None:
    assert broken(lambda d: d.update(horizon_months=12.5))["horizon_months"] == (
        "must be a whole number"
    )


def test_discount_rate_must_be_above_minus_one() -> None:
    assert "discount_rate" in broken(lambda d: d.update(discount_rate=-1))
    assert "discount_rate" not in broken(lambda d: d.update(discount_rate=-0.5))


def test_currency_must_be_an_iso_code() -> None:
    assert "currency" in broken(lambda d: d.update(currency="pounds"))


def test_start_month_must_be_yyyy_mm() -> None:
    assert "start_month" in broken(lambda d: d.update(start_month="2027-13"))
    assert "start_month" in broken(lambda d: d.update(start_month="Jan 2027"))


def test_assumption_keys_must_be_identifiers() -> None:
    assert "assumptions[0].key" in broken(lambda d: d["assumptions"][0].update(key="Customers"))
    assert "assumptions[0].key" in broken(lambda d: d["assumptions"][0].update(key="a" * 41))


def test_duplicate_assumption_keys_are_errors() -> None:
    errors = broken(lambda d: d["assumptions"][1].update(key="customers"))
    assert "duplicate key" in errors["assumptions[1].key"]


def test_value_must_lie_between_low_and_high() -> None:
    assert (
        "below low"
        in broken(lambda d: d["assumptions"][0].update(value=800))["assumptions[0].value"]
    )
    assert (
        "above high"
        in broken(lambda d: d["assumptions"][0].update(value=1200))["assumptions[0].value"]
    )


def test_low_above_high_is_an_error() -> None:
    errors = broken(lambda d: d["assumptions"][0].update(low=1100, high=900))
    assert "is above high" in errors["assumptions[0].low"]


def test_unknown_assumption_key_names_the_parameter() -> None:
    errors = broken(lambda d: d["benefits"][0].update(reduction="churn_reductio"))
    assert errors["benefits[0].reduction"] == 'unknown assumption "churn_reductio"'


def test_a_parameter_is_a_number_or_a_key() -> None:
    errors = broken(lambda d: d["costs"][0].update(amount="Ten thousand"))
    assert "must be a number or the key of an assumption" in errors["costs[0].amount"]


def test_churn_outside_0_to_1_is_an_error() -> None:
    assert "benefits[0].annual_churn" in broken(lambda d: d["benefits"][0].update(annual_churn=1.4))


def test_an_assumption_used_as_churn_must_lie_in_0_to_1() -> None:
    errors = broken(lambda d: d["assumptions"][1].update(value=1.5))
    assert 'assumption "churn" has value 1.5' in errors["benefits[0].annual_churn"]


def test_benefit_risk_must_be_at_least_0_and_below_1() -> None:
    assert "benefits[0].risk" in broken(lambda d: d["benefits"][0].update(risk=1))
    assert "benefits[0].risk" in broken(lambda d: d["benefits"][0].update(risk=-0.1))


def test_cost_risk_must_not_be_negative() -> None:
    assert "costs[0].risk" in broken(lambda d: d["costs"][0].update(risk=-0.2))
    assert "costs[0].risk" not in broken(lambda d: d["costs"][0].update(risk=1.5))


def test_escalation_must_be_above_minus_one() -> None:
    assert "costs[1].escalation" in broken(lambda d: d["costs"][1].update(escalation=-1))


def test_once_month_past_the_horizon_is_an_error() -> None:
    errors = broken(lambda d: d["costs"][0].update(month=25))
    assert errors["costs[0].month"] == "must be from 0 to the horizon 24, not 25"


def test_end_before_start_is_an_error() -> None:
    errors = broken(lambda d: d["costs"][1].update(start_month=6, end_month=3))
    assert errors["costs[1].end_month"] == "month 3 is before start_month 6"


def test_end_past_the_horizon_is_cut_not_an_error() -> None:
    doc = valid_doc()
    doc["costs"][1]["end_month"] = 99
    assert load_case(doc).costs[1].end_month == 24


def test_start_month_of_a_recurring_cost_must_be_within_the_horizon() -> None:
    assert "costs[1].start_month" in broken(lambda d: d["costs"][1].update(start_month=0))
    assert "costs[1].start_month" in broken(lambda d: d["costs"][1].update(start_month=25))


def test_timing_fields_of_the_other_recurrence_are_errors() -> None:
    assert "costs[0].start_month" in broken(lambda d: d["costs"][0].update(start_month=2))
    assert "costs[1].month" in broken(lambda d: d["costs"][1].update(month=2))


def test_recurrence_must_be_known() -> None:
    assert "costs[0].recurrence" in broken(lambda d: d["costs"][0].update(recurrence="weekly"))


def test_benefit_kind_must_be_known() -> None:
    errors = broken(lambda d: d["benefits"][0].update(kind="magic"))
    assert "unknown kind" in errors["benefits[0].kind"]


def test_benefit_parameters_depend_on_kind() -> None:
    errors = broken(lambda d: d["benefits"][0].pop("arpu"))
    assert errors["benefits[0].arpu"] == "is required"


def test_ramp_must_start_within_the_horizon_and_last_zero_or_more() -> None:
    assert "benefits[0].ramp_start" in broken(lambda d: d["benefits"][0].update(ramp_start=0))
    assert "benefits[0].ramp_start" in broken(lambda d: d["benefits"][0].update(ramp_start=25))
    assert "benefits[0].ramp_months" in broken(lambda d: d["benefits"][0].update(ramp_months=-1))


def test_scenario_overrides_must_name_known_assumptions() -> None:
    errors = broken(lambda d: d["scenarios"][0]["overrides"].update(reductoin=0.1))
    assert errors["scenarios[0].overrides.reductoin"] == 'unknown assumption "reductoin"'


def test_scenario_overrides_must_respect_the_parameter_domain() -> None:
    errors = broken(lambda d: d["scenarios"][0]["overrides"].update(churn=2))
    assert "benefits[0].annual_churn" in errors["scenarios[0].overrides.churn"]


def test_duplicate_scenario_names_are_errors() -> None:
    errors = broken(lambda d: d["scenarios"].append({"name": "Low", "overrides": {}}))
    assert "duplicate scenario name" in errors["scenarios[1].name"]


def test_every_error_is_reported_in_one_pass() -> None:
    doc = valid_doc()
    doc["horizon_months"] = 200
    doc["assumptions"][0]["value"] = 5000
    doc["costs"][0]["amount"] = "nope_key"
    doc["benefits"][0]["margin"] = "wrong"
    doc["extra"] = 1
    with pytest.raises(CaseValidationError) as caught:
        load_case(doc)
    paths = [issue.path for issue in caught.value.issues]
    assert paths == [
        "horizon_months",
        "assumptions[0].value",
        "costs[0].amount",
        "benefits[0].margin",
        "extra",
    ]
    assert 'benefits[0].margin: unknown assumption "wrong"' in str(caught.value)


def test_validation_never_mutates_the_input() -> None:
    doc = valid_doc()
    before = copy.deepcopy(doc)
    validate_case(doc)
    load_case(doc)
    assert doc == before


def test_a_null_id_is_an_id_to_assign_and_the_document_reloads() -> None:
    doc = valid_doc()
    doc["format"] = "cxroi-case/2"
    doc["scenarios"] = [{"id": None, "name": "Low", "overrides": {}}]
    case = load_case(doc)
    assert case.scenarios[0].id == "s1"
    from cxroi.engine import canonical_json

    assert load_case(canonical_json(case)).scenarios[0].id == "s1"


def test_a_v1_document_may_not_carry_what_only_v2_defines() -> None:
    doc = valid_doc()
    assert doc["format"] == "cxroi-case/1"
    doc["customer_problem"] = "Long waits"
    doc["costs"][0]["id"] = "c9"
    doc["assumptions"][0]["confidence"] = "low"
    errors = errors_of(doc)
    for path in ("customer_problem", "costs[0].id", "assumptions[0].confidence"):
        assert errors[path].startswith("is not a field of cxroi-case/1")


def test_numbers_beyond_ten_to_the_thirteen_and_nul_text_are_refused_with_their_path() -> None:
    doc = valid_doc()
    doc["assumptions"][0]["value"] = 2e13
    doc["title"] = "A\x00B"
    errors = errors_of(doc)
    assert errors["assumptions[0].value"] == "must be at most 10,000,000,000,000 (10^13) in size"
    assert "NUL" in errors["title"]


def test_ten_to_the_thirteen_itself_is_an_amount_a_case_may_have() -> None:
    doc = valid_doc()
    doc["assumptions"][0]["value"] = -1e13
    doc["assumptions"][0].pop("low", None)
    doc["assumptions"][0].pop("high", None)
    assert "assumptions[0].value" not in errors_of(doc)


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("title", "Bell\x07", "\\u0007"),
        ("title", "two\nlines", "\\u000a"),  # a title is one line
        ("description", "esc \x1b[31m red", "\\u001b"),
        ("description", "C1 \x85 next line", "\\u0085"),
        ("description", "DEL \x7f", "\\u007f"),
    ],
)
def test_control_characters_are_refused_naming_the_field(path, value, words) -> None:
    doc = valid_doc()
    doc[path] = value
    errors = errors_of(doc)
    assert errors[path].startswith("must not contain control characters"), errors
    assert words in errors[path]


def test_narrative_may_hold_line_breaks_and_tabs() -> None:
    doc = valid_doc()
    doc["description"] = "Line one\r\nline two\n\tindented"
    assert errors_of(doc) == {}


@pytest.mark.parametrize(
    ("counts", "path", "message"),
    [
        (
            {"assumptions": 301},
            "assumptions",
            "a case has at most 300 assumptions; this one has 301",
        ),
        ({"scenarios": 21}, "scenarios", "a case has at most 20 scenarios; this one has 21"),
        (
            {"costs": 200, "benefits": 101},
            "benefits",
            "a case has at most 300 lines, costs and benefits together; this one has 301 "
            "(200 costs, 101 benefits)",
        ),
        (
            {"costs": 5000},
            "costs",
            "a case has at most 300 lines, costs and benefits together; this one has 5,000 "
            "(5,000 costs, 0 benefits)",
        ),
    ],
)
def test_a_case_past_the_limits_is_refused_naming_the_section(counts, path, message) -> None:
    doc = valid_doc()
    doc["benefits"] = []
    for section, n in counts.items():
        doc[section] = [{"anything": i} for i in range(n)]  # not even looked at
    assert errors_of(doc) == {path: message}


def test_a_case_at_the_limits_is_valid() -> None:
    doc = valid_doc()
    cost = doc["costs"][0]
    doc["costs"] = [{**cost, "name": f"Cost {i}"} for i in range(300)]
    doc["benefits"] = []
    base = doc["assumptions"][0]
    extra = [
        {"key": f"spare_{i}", "label": "Spare", "value": 1, "unit": "x"}
        for i in range(300 - len(doc["assumptions"]))
    ]
    doc["assumptions"] = [base, *doc["assumptions"][1:], *extra]
    doc["scenarios"] = [
        {"name": f"S{i}", "overrides": {base["key"]: base["value"]}} for i in range(20)
    ]
    assert errors_of(doc) == {}


def test_a_parameter_that_is_no_number_nor_key_is_quoted_in_the_message() -> None:
    doc = valid_doc()
    doc["costs"][0]["amount"] = "Ten thousand!"
    issues = validate_case(doc)
    assert [(i.path, i.message) for i in issues] == [
        ("costs[0].amount", "must be a number or the key of an assumption, not 'Ten thousand!'")
    ]
