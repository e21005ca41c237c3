"""What ``cxroi demo`` loads besides the case files in ``examples/``: the app-only
fields (the customer problem, its evidence, a confidence per assumption).

The cases themselves (written for this app, not the shared reference cases) are
``examples/delivery-delays.json``, ``returns-portal.json``, ``sme-onboarding.json``
and ``contact-centre.json``.
"""

from __future__ import annotations

from typing import Any

A = dict[str, Any]


#: Problem and evidence (app-only fields) by title, and confidence by assumption key.
APP_FIELDS: dict[str, A] = {
    "Proactive messages when a parcel is late": {
        "customer_problem": "Customers find out a parcel is late only when it does not arrive, "
        "then wait on the phone to learn what we already knew.",
        "evidence": "21% of contacts are 'where is my order?'; late parcels are the top "
        "detractor theme in NPS verbatims (Q3).",
    },
    "Self-service returns with instant refunds": {
        "customer_problem": "Returning an item takes a phone call and a refund takes 9 days.",
        "evidence": "Returns calls are 14,500 a month; 44% of surveyed customers would buy "
        "again sooner with an instant refund.",
    },
    "Onboarding guide for new small-business customers": {
        "customer_problem": "New small-business customers get stuck on set-up and cancel "
        "before they see the value.",
        "evidence": "First-year churn is 31% against 12% afterwards; 60% of early "
        "cancellations cite set-up problems.",
    },
}
CONFIDENCE: dict[str, str] = {
    "wismo_avoided": "medium",
    "churn_cut": "low",
    "calls_avoided": "medium",
    "repeat_uplift": "low",
    "churn_saved": "medium",
    "cost_per_contact": "high",
    "call_cost": "high",
}

DEMO_FILES = ("delivery-delays", "returns-portal", "sme-onboarding", "contact-centre")
