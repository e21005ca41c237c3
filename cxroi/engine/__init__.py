"""cxroi's finance engine: pure functions from a case file to its result.

Imports nothing from Flask, SQLAlchemy or ``models``; usable from a notebook::

    from cxroi.engine import load_case_file, analyse, result_to_dict
    result = analyse(load_case_file("examples/contact-centre.json"))
    result.metrics.npv
"""

from .analysis import DEFAULT_SEED, DEFAULT_TRIALS, analyse
from .casefile import (
    BENEFIT_PARAMETERS,
    FORMAT,
    Assumption,
    BenefitLine,
    CaseFile,
    CostLine,
    Scenario,
)
from .loader import (
    CaseValidationError,
    canonical_json,
    case_hash,
    case_to_dict,
    load_case,
    load_case_file,
    pretty_json,
    validate_case,
)
from .pricing import evaluate_metrics
from .result import METRIC_KEYS, Metrics, Result, result_from_dict, result_to_dict
from .rules import Issue
from .timeline import monthly_rate

__all__ = [
    "BENEFIT_PARAMETERS",
    "DEFAULT_SEED",
    "DEFAULT_TRIALS",
    "FORMAT",
    "METRIC_KEYS",
    "Assumption",
    "BenefitLine",
    "CaseFile",
    "CaseValidationError",
    "CostLine",
    "Issue",
    "Metrics",
    "Result",
    "Scenario",
    "analyse",
    "canonical_json",
    "case_hash",
    "case_to_dict",
    "evaluate_metrics",
    "load_case",
    "load_case_file",
    "monthly_rate",
    "pretty_json",
    "result_from_dict",
    "result_to_dict",
    "validate_case",
]
