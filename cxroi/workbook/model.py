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


def workbook_filename(title: str, version: WorkbookVersion | None = None) -> str:
    """A safe download name for a case's workbook: ``lead-qualification-v3.xlsx``.

    ASCII letters, digits and hyphens only (at most 80 before the suffix), so it
    needs no quoting in a Content-Disposition header or a shell.
    """
    slug = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in title)
    slug = "-".join(part for part in slug.split("-") if part)[:80].strip("-") or "business-case"
    if version is not None and version.number is not None:
        slug += f"-v{version.number}"
    return f"{slug}.xlsx"
