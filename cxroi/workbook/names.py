"""Workbook-level defined names: one per assumption key, per metric, per case parameter.

An assumption key is ``[a-z][a-z0-9_]*``; most are valid spreadsheet names as they
are. A few are not (``fte2`` is also cell FTE2, ``r`` and ``c`` mean row and column
in R1C1), and a key could collide with a metric's name: those get a prefix, and
the Inputs sheet shows the name each assumption received.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from openpyxl.utils.cell import column_index_from_string
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook

_A1 = re.compile(r"^([a-z]{1,3})([0-9]+)$")
_R1C1 = re.compile(r"^(r[0-9]*c?[0-9]*|c[0-9]*)$")
#: Not names: booleans, and names Excel gives a purpose (print areas, macros, data forms).
_RESERVED = {
    "true",
    "false",
    "auto_open",
    "auto_close",
    "auto_activate",
    "auto_deactivate",
    "print_area",
    "print_titles",
    "database",
    "criteria",
    "extract",
    "data_form",
    "consolidate_area",
    "recorder",
    "sheet_title",
}
MAX_COLUMN = 16_384
MAX_ROW = 1_048_576


def is_valid_name(name: str) -> bool:
    """Whether a spreadsheet accepts ``name`` (already ``[a-z][a-z0-9_]*``) as a defined name."""
    lowered = name.lower()
    if lowered in _RESERVED or _R1C1.match(lowered):
        return False
    match = _A1.match(lowered)
    if match is None:
        return True
    letters, digits = match.groups()
    return column_index_from_string(letters) > MAX_COLUMN or int(digits) > MAX_ROW


class Names:
    """Allocates unique, valid defined names and records where each points."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._targets: dict[str, str] = {}
        self._reserved = {name.lower() for name in reserved}

    def reserves(self, name: str) -> bool:
        """Whether ``name`` is reserved (a metric's key, which no assumption may take)."""
        return name.lower() in self._reserved

    def claim(self, wanted: str, prefix: str = "a_", *, reserved: bool = False) -> str:
        """``wanted`` if free and valid, else ``prefix + wanted`` (then numbered).

        A reserved name (a metric key) goes only to a claim made with ``reserved``.
        """
        if reserved:
            if wanted.lower() not in self._reserved or wanted.lower() in self._lower():
                raise ValueError(f"{wanted!r} is not a free reserved name")
            self._targets[wanted] = ""
            return wanted
        candidates = [wanted, prefix + wanted]
        candidates += [f"{prefix}{wanted}_{i}" for i in range(2, 100)]
        taken = self._lower() | self._reserved
        for name in candidates:
            if is_valid_name(name) and name.lower() not in taken:
                self._targets[name] = ""
                return name
        raise ValueError(f"no free defined name for {wanted!r}")  # pragma: no cover

    def point(self, name: str, sheet: str, ref: str) -> None:
        """Make ``name`` (claimed) refer to ``ref`` (``$C$5``) on ``sheet``."""
        self._targets[name] = f"{quote_sheet(sheet)}!{ref}"

    def target(self, name: str) -> str:
        """Where ``name`` points (``Inputs!$C$5``); empty while it points nowhere."""
        return self._targets.get(name, "")

    def _lower(self) -> set[str]:
        return {n.lower() for n in self._targets}

    def install(self, wb: Workbook) -> None:
        for name, target in self._targets.items():
            if target:
                wb.defined_names[name] = DefinedName(name, attr_text=target)


def quote_sheet(sheet: str) -> str:
    """A sheet name as it appears in a reference (quoted when it has a space)."""
    return f"'{sheet}'" if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", sheet) else sheet
