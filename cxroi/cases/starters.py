"""Case templates: the common CX initiatives a new case can start from.

Each template is one of the worked example cases in ``examples/`` (whole
``cxroi-case/2`` documents with their narrative, sources and ranges), so a template is
always a case the engine prices and the suite checks. Starting from one creates a new
draft through the same path as an import: the organisation's discount rate applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cxroi.config import ROOT


@dataclass(frozen=True, slots=True)
class Starter:
    slug: str
    name: str
    summary: str
    file: str  # in examples/


STARTERS: tuple[Starter, ...] = (
    Starter(
        "contact-centre-deflection",
        "Contact-centre deflection",
        "Fewer repeat calls when agents resolve on first contact: call volumes, handling "
        "cost and the churn of customers who had to call back.",
        "contact-centre",
    ),
    Starter(
        "churn-reduction",
        "Churn-reduction programme",
        "Proactive messages before customers have to ask: churn avoided among affected "
        "customers, and the contacts that no longer come in.",
        "delivery-delays",
    ),
    Starter(
        "onboarding",
        "Onboarding",
        "A guided start for new customers: early churn reduced across each monthly cohort.",
        "sme-onboarding",
    ),
    Starter(
        "self-service-returns",
        "Self-service returns",
        "Returns moved from the phone line to a portal: handling cost saved and revenue "
        "kept by faster refunds.",
        "returns-portal",
    ),
)

BY_SLUG = {s.slug: s for s in STARTERS}


def starter_document(slug: str) -> dict[str, Any] | None:
    """The template's case document (a fresh dict), or None for an unknown slug."""
    starter = BY_SLUG.get(slug)
    if starter is None:
        return None
    doc: dict[str, Any] = json.loads((ROOT / "examples" / f"{starter.file}.json").read_text())
    return doc
