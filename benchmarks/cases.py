"""Synthetic cases for benchmarks: a 60-month case with 10 cost and 6 benefit lines."""

from __future__ import annotations

from typing import Any


def large_case_document(horizon: int = 60) -> dict[str, Any]:
    """12 ranged assumptions; 10 costs of every recurrence; 6 benefits of every kind."""
    assumptions = [
        ("customers", 250_000, 230_000, 270_000),
        ("annual_churn", 0.2, 0.17, 0.23),
        ("churn_reduction", 0.06, 0.03, 0.09),
        ("arpu", 32.0, 30.0, 34.0),
        ("margin", 0.5, 0.45, 0.55),
        ("contacts", 60_000, 52_000, 68_000),
        ("deflection", 0.2, 0.1, 0.3),
        ("cost_per_contact", 4.5, 4.0, 5.0),
        ("online_revenue", 3_000_000, 2_700_000, 3_300_000),
        ("uplift", 0.01, 0.0, 0.02),
        ("licence", 150_000, 130_000, 180_000),
        ("build", 400_000, 350_000, 520_000),
    ]
    costs: list[dict[str, Any]] = [
        {
            "name": "Build",
            "category": "technology",
            "recurrence": "once",
            "month": 0,
            "amount": "build",
            "risk": 0.15,
        },
        {
            "name": "Licence",
            "category": "technology",
            "recurrence": "annual",
            "start_month": 1,
            "amount": "licence",
            "escalation": 0.04,
        },
    ]
    for i in range(8):
        costs.append(
            {
                "name": f"Team {i}",
                "category": "people",
                "recurrence": "monthly",
                "start_month": 1 + i,
                "end_month": horizon - i,
                "amount": 8000 + 500 * i,
                "escalation": 0.03,
                "risk": 0.05,
            }
        )
    benefits: list[dict[str, Any]] = [
        {
            "name": "Retention",
            "kind": "churn",
            "customers": "customers",
            "annual_churn": "annual_churn",
            "reduction": "churn_reduction",
            "arpu": "arpu",
            "margin": "margin",
            "gross_adds": 2000,
            "ramp_start": 2,
            "ramp_months": 6,
            "risk": 0.2,
        },
        {
            "name": "Deflection",
            "kind": "cost_savings",
            "volume": "contacts",
            "reduction": "deflection",
            "unit_cost": "cost_per_contact",
            "escalation": 0.02,
            "ramp_start": 3,
            "ramp_months": 9,
            "risk": 0.2,
        },
        {
            "name": "Conversion",
            "kind": "revenue_uplift",
            "base_revenue": "online_revenue",
            "uplift": "uplift",
            "margin": "margin",
            "growth": 0.05,
            "ramp_start": 4,
            "ramp_months": 6,
            "risk": 0.25,
        },
        {
            "name": "Referral",
            "kind": "churn",
            "customers": 40_000,
            "annual_churn": 0.3,
            "reduction": 0.05,
            "arpu": "arpu",
            "margin": "margin",
            "risk": 0.3,
        },
        {"name": "Recruitment", "kind": "custom", "amount": 5000, "escalation": 0.03},
        {
            "name": "Paper statements",
            "kind": "cost_savings",
            "volume": 90_000,
            "reduction": 0.4,
            "unit_cost": 0.6,
            "ramp_start": 6,
            "ramp_months": 3,
        },
    ]
    return {
        "format": "cxroi-case/1",
        "title": "Benchmark case",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": horizon,
        "discount_rate": 0.1,
        "assumptions": [
            {
                "key": k,
                "label": k,
                "value": v,
                "unit": "x",
                "low": lo,
                "high": hi,
                "source": "benchmark",
                "owner": "Finance",
            }
            for k, v, lo, hi in assumptions
        ],
        "costs": costs,
        "benefits": benefits,
        "scenarios": [{"name": "Low", "overrides": {"churn_reduction": 0.03}}],
    }


def wide_case_document(lines: int, horizon: int = 60) -> dict[str, Any]:
    """The large case's 16 lines repeated (names numbered) up to ``lines`` lines, sharing its
    12 ranged assumptions: the same mix of kinds at any width."""
    doc = large_case_document(horizon)
    pattern = [("costs", line) for line in doc["costs"]]
    pattern += [("benefits", line) for line in doc["benefits"]]
    doc["costs"], doc["benefits"] = [], []
    for i in range(lines):
        side, line = pattern[i % len(pattern)]
        doc[side].append({**line, "name": f"{line['name']} {i // len(pattern)}"})
    return doc
