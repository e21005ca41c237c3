"""What the caller may add to a workbook besides the case and its result."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WorkbookVersion:
    """The version a workbook was exported from, shown on the Summary sheet.

    ``status`` is the case's state (``"draft"``, ``"in review"``, ``"approved"`` ...),
    ``number`` the version number, ``case_hash`` the SHA-256 of the frozen case
    document, ``frozen_at`` when it was frozen (already formatted for people).
    """

    status: str
    number: int | None = None
    case_hash: str | None = None
    frozen_at: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One entry of the case's audit trail: when, who, what, and the value before/after."""

    when: str
    who: str
    what: str
    old: str | None = None
    new: str | None = None
