"""cxroi's finance engine: pure functions from a case file to its result.

Imports nothing from Flask, SQLAlchemy or ``models``; usable from a notebook::

    from cxroi.engine import load_case_file, analyse, result_to_dict
    result = analyse(load_case_file("examples/contact-centre.json"))
    result.metrics.npv
"""

from .analysis import DEFAULT_SEED, DEFAULT_TRIALS, analyse, simulate
from .casefile import (
    CONFIDENCE_LEVELS,
    FORMAT,
    FORMAT_V1,
    REGISTER_FIELDS,
    Assumption,
    BenefitLine,
    CaseDocument,
    CaseFile,
    CostLine,
    Register,
    Scenario,
)
from .kinds import COST_PARAMETERS, KINDS, LineKind, Parameter
from .loader import (
    CaseValidationError,
    canonical_json,
    case_hash,
    case_to_dict,
    load_case,
    load_case_file,
    next_id,
    pretty_json,
    upgrade,
    validate_case,
)
from .pricing import evaluate_metrics
from .result import (
    METRIC_KEYS,
    ContinuingValue,
    Metrics,
    Result,
    monte_carlo_to_dict,
    result_from_dict,
    result_to_dict,
)
from .rules import Issue
from .timeline import monthly_rate

__all__ = [
    "CONFIDENCE_LEVELS",
    "COST_PARAMETERS",
    "DEFAULT_SEED",
    "DEFAULT_TRIALS",
    "FORMAT",
    "FORMAT_V1",
    "KINDS",
    "METRIC_KEYS",
    "REGISTER_FIELDS",
    "Assumption",
    "BenefitLine",
    "CaseDocument",
    "CaseFile",
    "CaseValidationError",
    "ContinuingValue",
    "CostLine",
    "Issue",
    "LineKind",
    "Metrics",
    "Parameter",
    "Register",
    "Result",
    "Scenario",
    "analyse",
    "canonical_json",
    "case_hash",
    "case_to_dict",
    "evaluate_metrics",
    "load_case",
    "load_case_file",
    "monte_carlo_to_dict",
    "monthly_rate",
    "next_id",
    "pretty_json",
    "result_from_dict",
    "result_to_dict",
    "simulate",
    "upgrade",
    "validate_case",
]
