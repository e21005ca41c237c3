"""The registry of line kinds is the one definition the rest reads."""

from __future__ import annotations

import json

from cxroi.engine import KINDS, load_case
from cxroi.engine.kinds import docs_table
from cxroi.engine.rules import PARAMETER_DOMAINS
from cxroi.engine.schema import BENEFIT_MODELS
from tests.support import ROOT


def test_the_docs_tables_are_made_from_the_registry() -> None:
    text = (ROOT / "docs" / "case-format.md").read_text()
    block = text.split("<!-- kinds:start -->\n")[1].split("<!-- kinds:end -->")[0]
    assert block == docs_table()
    for name in KINDS:
        assert f"| `{name}` |" in block


def test_schema_and_rules_cover_every_kind_and_parameter() -> None:
    for name, kind in KINDS.items():
        fields = set(BENEFIT_MODELS[name].model_fields)
        assert set(kind.names) <= fields
        assert set(PARAMETER_DOMAINS[name]) == {*kind.names, "risk"}


def test_a_missing_optional_parameter_takes_the_registry_default() -> None:
    doc = {
        "format": "cxroi-case/2",
        "title": "t",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": 12,
        "discount_rate": 0.1,
        "assumptions": [],
        "costs": [],
        "benefits": [
            {"name": "b", "kind": name, **dict.fromkeys(kind.required, 1)}
            for name, kind in KINDS.items()
        ],
    }
    case = load_case(doc)
    for line in case.benefits:
        for p, default in KINDS[line.kind].defaults.items():
            assert line.params[p] == default


def test_an_annual_rate_above_a_thousand_percent_is_refused_naming_the_field() -> None:
    """The review stored an escalation of 1e13 a year: finite, and a 130-digit cost."""
    from cxroi.engine import validate_case
    from tests.support import EXAMPLES_DIR

    doc = json.loads((EXAMPLES_DIR / "contact-centre.json").read_text())
    doc["costs"][0]["escalation"] = 1e13
    doc["discount_rate"] = 10.5
    issues = {i.path: i.message for i in validate_case(doc)}
    assert "costs[0].escalation" in issues and "10" in issues["costs[0].escalation"]
    assert issues["discount_rate"].startswith("must be greater than -1 to 10")
    doc["costs"][0]["escalation"], doc["discount_rate"] = 10.0, 10.0  # 1,000 %: the limit
    assert validate_case(doc) == []
