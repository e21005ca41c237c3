"""Example cases for ``cxroi demo``, written for this app (not the shared reference cases).

Each is a ``cxroi-case/1`` document plus the app-only fields: the customer problem,
its evidence, and a confidence per assumption.
"""

from __future__ import annotations

from typing import Any

A = dict[str, Any]


def _a(
    key: str,
    label: str,
    value: float,
    unit: str,
    low: float | None,
    high: float | None,
    source: str,
    owner: str,
) -> A:
    out: A = {
        "key": key,
        "label": label,
        "value": value,
        "unit": unit,
        "source": source,
        "owner": owner,
    }
    if low is not None:
        out["low"], out["high"] = low, high
    return out


DELIVERY_UPDATES: A = {
    "format": "cxroi-case/1",
    "title": "Proactive messages when a parcel is late",
    "description": "Tell customers before they have to ask: a text and an e-mail with a new "
    "delivery slot as soon as the carrier flags a delay.",
    "currency": "EUR",
    "start_month": "2027-01",
    "horizon_months": 36,
    "discount_rate": 0.08,
    "assumptions": [
        _a(
            "wismo_contacts",
            "'Where is my order?' contacts",
            38000,
            "contacts/month",
            33000,
            42000,
            "Contact reasons, Q3 average",
            "Customer Service",
        ),
        _a(
            "wismo_avoided",
            "Share of those contacts avoided",
            0.35,
            "ratio",
            0.2,
            0.45,
            "Pilot in Benelux, 6 weeks",
            "CX",
        ),
        _a(
            "cost_per_contact",
            "Cost per contact",
            3.9,
            "EUR/contact",
            3.5,
            4.3,
            "Contact centre cost model",
            "Finance",
        ),
        _a(
            "active_customers",
            "Active customers",
            410000,
            "customers",
            None,
            None,
            "CRM, December",
            "Finance",
        ),
        _a(
            "churn",
            "Baseline annual churn",
            0.24,
            "ratio/year",
            0.22,
            0.26,
            "Retention dashboard",
            "Finance",
        ),
        _a(
            "churn_cut",
            "Relative churn reduction",
            0.02,
            "ratio",
            0.0,
            0.04,
            "NPS verbatims: late parcels are the top detractor theme",
            "CX",
        ),
        _a(
            "order_margin",
            "Monthly margin per customer",
            6.2,
            "EUR/month",
            5.8,
            6.6,
            "Management accounts",
            "Finance",
        ),
        _a(
            "messaging_fee",
            "Messaging platform fee",
            9500,
            "EUR/month",
            8000,
            12000,
            "Vendor quote",
            "IT",
        ),
    ],
    "costs": [
        {
            "name": "Carrier delay feed integration",
            "category": "technology",
            "department": "IT",
            "recurrence": "once",
            "month": 0,
            "amount": 140000,
            "risk": 0.25,
        },
        {
            "name": "Messaging platform",
            "category": "technology",
            "department": "IT",
            "recurrence": "monthly",
            "start_month": 3,
            "amount": "messaging_fee",
            "escalation": 0.04,
        },
        {
            "name": "Message content and testing",
            "category": "people",
            "department": "CX",
            "recurrence": "once",
            "month": 2,
            "amount": 35000,
        },
    ],
    "benefits": [
        {
            "name": "Fewer 'where is my order?' contacts",
            "kind": "cost_savings",
            "volume": "wismo_contacts",
            "reduction": "wismo_avoided",
            "unit_cost": "cost_per_contact",
            "escalation": 0.03,
            "ramp_start": 3,
            "ramp_months": 4,
            "risk": 0.1,
        },
        {
            "name": "Customers kept after a late delivery",
            "kind": "churn",
            "customers": "active_customers",
            "annual_churn": "churn",
            "reduction": "churn_cut",
            "arpu": "order_margin",
            "margin": 1,
            "ramp_start": 4,
            "ramp_months": 6,
            "risk": 0.3,
        },
    ],
    "scenarios": [
        {
            "name": "Customers ignore the messages",
            "overrides": {"wismo_avoided": 0.2, "churn_cut": 0},
        },
        {"name": "Roll-out to every market", "overrides": {"wismo_contacts": 52000}},
    ],
}

RETURNS_PORTAL: A = {
    "format": "cxroi-case/1",
    "title": "Self-service returns with instant refunds",
    "description": "Replace the returns phone line with a portal that books a courier and "
    "refunds on scan at the drop-off point.",
    "currency": "GBP",
    "start_month": "2027-04",
    "horizon_months": 48,
    "discount_rate": 0.1,
    "assumptions": [
        _a(
            "return_calls",
            "Returns calls per month",
            14500,
            "calls/month",
            12000,
            16000,
            "Telephony MI",
            "Customer Service",
        ),
        _a(
            "calls_avoided",
            "Share of returns calls avoided",
            0.6,
            "ratio",
            0.45,
            0.75,
            "Benchmark from two retailers",
            "CX",
        ),
        _a(
            "call_cost",
            "Cost per call",
            5.1,
            "GBP/call",
            4.7,
            5.6,
            "Contact centre cost model",
            "Finance",
        ),
        _a(
            "repeat_revenue",
            "Monthly revenue from returning customers",
            2300000,
            "GBP/month",
            None,
            None,
            "Sales ledger",
            "Finance",
        ),
        _a(
            "repeat_uplift",
            "Uplift in repeat purchases",
            0.012,
            "ratio",
            0.004,
            0.02,
            "Survey: 44% would buy again sooner with instant refunds",
            "CX",
        ),
        _a(
            "gross_margin",
            "Gross margin",
            0.38,
            "ratio",
            None,
            None,
            "Management accounts",
            "Finance",
        ),
    ],
    "costs": [
        {
            "name": "Portal build",
            "category": "technology",
            "department": "IT",
            "recurrence": "once",
            "month": 0,
            "amount": 260000,
            "risk": 0.2,
        },
        {
            "name": "Courier booking integration",
            "category": "technology",
            "department": "IT",
            "recurrence": "once",
            "month": 2,
            "amount": 45000,
            "risk": 0.1,
        },
        {
            "name": "Platform run cost",
            "category": "technology",
            "department": "IT",
            "recurrence": "annual",
            "start_month": 4,
            "amount": 38000,
            "escalation": 0.05,
        },
        {
            "name": "Early refund losses",
            "category": "operations",
            "department": "Finance",
            "recurrence": "monthly",
            "start_month": 4,
            "amount": 4200,
            "risk": 0.3,
        },
    ],
    "benefits": [
        {
            "name": "Returns calls avoided",
            "kind": "cost_savings",
            "volume": "return_calls",
            "reduction": "calls_avoided",
            "unit_cost": "call_cost",
            "ramp_start": 4,
            "ramp_months": 3,
            "risk": 0.1,
        },
        {
            "name": "Customers buy again sooner",
            "kind": "revenue_uplift",
            "base_revenue": "repeat_revenue",
            "uplift": "repeat_uplift",
            "margin": "gross_margin",
            "growth": 0.02,
            "ramp_start": 6,
            "ramp_months": 6,
            "risk": 0.35,
        },
    ],
    "scenarios": [
        {"name": "No change in buying", "overrides": {"repeat_uplift": 0}},
        {"name": "Customers still phone", "overrides": {"calls_avoided": 0.4}},
    ],
}

SME_ONBOARDING: A = {
    "format": "cxroi-case/1",
    "title": "Onboarding guide for new small-business customers",
    "description": "A named guide calls each new small-business customer in week one and "
    "week six, and fixes set-up problems before they turn into cancellations.",
    "currency": "GBP",
    "start_month": "2027-02",
    "horizon_months": 24,
    "discount_rate": 0.1,
    "assumptions": [
        _a(
            "sme_base",
            "Small-business customers in first year",
            5200,
            "customers",
            4800,
            5600,
            "CRM",
            "Finance",
        ),
        _a(
            "early_churn",
            "Annual churn in the first year",
            0.31,
            "ratio/year",
            0.27,
            0.35,
            "Cohort analysis FY26",
            "Finance",
        ),
        _a(
            "churn_saved",
            "Relative churn reduction",
            0.15,
            "ratio",
            0.05,
            0.25,
            "Pilot with 300 customers",
            "CX",
        ),
        _a(
            "sme_arpu",
            "Monthly revenue per customer",
            84,
            "GBP/month",
            78,
            90,
            "Billing",
            "Finance",
        ),
        _a(
            "sme_margin",
            "Contribution margin",
            0.52,
            "ratio",
            None,
            None,
            "Management accounts",
            "Finance",
        ),
        _a(
            "new_smes",
            "New small-business customers per month",
            260,
            "customers/month",
            220,
            300,
            "Sales forecast",
            "Sales",
        ),
        _a(
            "guide_cost",
            "Guides' salary cost",
            21000,
            "GBP/month",
            19000,
            24000,
            "HR, 4 guides",
            "Finance",
        ),
    ],
    "costs": [
        {
            "name": "Onboarding guides",
            "category": "people",
            "department": "Customer Service",
            "recurrence": "monthly",
            "start_month": 1,
            "amount": "guide_cost",
            "escalation": 0.03,
        },
        {
            "name": "Hiring and training",
            "category": "people",
            "department": "HR",
            "recurrence": "once",
            "month": 0,
            "amount": 30000,
        },
    ],
    "benefits": [
        {
            "name": "New customers kept",
            "kind": "churn",
            "customers": "sme_base",
            "annual_churn": "early_churn",
            "reduction": "churn_saved",
            "arpu": "sme_arpu",
            "margin": "sme_margin",
            "gross_adds": "new_smes",
            "ramp_start": 2,
            "ramp_months": 3,
            "risk": 0.2,
        },
    ],
    "scenarios": [
        {"name": "Pilot effect halves", "overrides": {"churn_saved": 0.075}},
    ],
}

#: Problem and evidence (app-only fields) by title, and confidence by assumption key.
APP_FIELDS: dict[str, A] = {
    DELIVERY_UPDATES["title"]: {
        "customer_problem": "Customers find out a parcel is late only when it does not arrive, "
        "then wait on the phone to learn what we already knew.",
        "evidence": "21% of contacts are 'where is my order?'; late parcels are the top "
        "detractor theme in NPS verbatims (Q3).",
    },
    RETURNS_PORTAL["title"]: {
        "customer_problem": "Returning an item takes a phone call and a refund takes 9 days.",
        "evidence": "Returns calls are 14,500 a month; 44% of surveyed customers would buy "
        "again sooner with an instant refund.",
    },
    SME_ONBOARDING["title"]: {
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

DEMO_CASES = (DELIVERY_UPDATES, RETURNS_PORTAL, SME_ONBOARDING)
