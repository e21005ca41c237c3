"""The sponsor page shows the MIRR, and an IRR above 1,000 % a year with a caution."""

from __future__ import annotations

from typing import Any

from cxroi.approvals.summary import build_summary
from cxroi.engine import analyse, case_to_dict, load_case_file, result_to_dict
from cxroi.engine.metrics import IRR_CAUTION
from tests.support import EXAMPLES_DIR


def _frozen() -> tuple[dict[str, Any], dict[str, Any]]:
    case = load_case_file(EXAMPLES_DIR / "contact-centre.json")
    return case_to_dict(case), result_to_dict(analyse(case, trials=0))


def test_a_normal_irr_has_no_caution_and_the_mirr_is_shown() -> None:
    doc, result = _frozen()
    assert result["metrics"]["irr"] < 10
    heads = {h.label: h for h in build_summary(doc, result).headlines}
    assert heads["IRR"].caution is None
    mirr = result["metrics"]["mirr"]
    assert heads["MIRR"].value == f"{mirr * 100:.1f}%"


def test_an_irr_above_1000_percent_carries_the_caution() -> None:
    doc, result = _frozen()
    result["metrics"]["irr"] = 12.5  # 1,250 % a year
    heads = {h.label: h for h in build_summary(doc, result).headlines}
    assert heads["IRR"].caution == IRR_CAUTION
    result["metrics"]["irr"] = 10.0  # exactly 1,000 %: no caution
    heads = {h.label: h for h in build_summary(doc, result).headlines}
    assert heads["IRR"].caution is None
