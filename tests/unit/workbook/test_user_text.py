"""Proof (d): user text that looks like a formula stays text, shown exactly as typed."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from cxroi.engine import analyse, load_case
from cxroi.workbook import AuditRow, WorkbookVersion, build_workbook
from cxroi.workbook.styles import put_text

from .cases import wide_doc
from .recalc import libreoffice_recalculated

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot hold at all (tab, LF and CR it can).
UNSTORABLE = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")
# ... and the engine refuses DEL and C1 controls in any text.
UNSTORABLE += "".join(chr(c) for c in range(0x7F, 0xA0))

chars = st.characters(blacklist_categories=("Cs",), blacklist_characters=UNSTORABLE)
formula_like = st.builds(
    lambda first, rest: (first + rest)[:200],
    st.sampled_from(TRIGGERS),
    st.text(chars, max_size=40)
    | st.sampled_from(["SUM(1,2)", "1+1", 'HYPERLINK("http://x","y")', "cmd|' /C calc'!A0"]),
)


def _one_line(text: str) -> str:
    """A one-line field holds no control character (the engine's text rule), so a tab or
    a CR can start only multi-line text (notes, texts[4]); here another trigger does."""
    if text[:1] in ("\t", "\r"):
        text = "=" + text[1:]
    return "".join(" " if c in "\t\n\r" else c for c in text)


def _doc_with_text(texts: list[str]) -> dict[str, Any]:
    doc = wide_doc(horizon=6)
    doc["costs"] = doc["costs"][:2]
    doc["benefits"] = doc["benefits"][:2]
    title, label, source, owner, notes, unit, cost, category, benefit, scenario = texts
    doc["title"] = title
    doc["description"] = notes
    a = doc["assumptions"][0]
    a.update(label=label, source=source, owner=owner, notes=notes, unit=unit)
    doc["costs"][0].update(name=cost, category=category, department=owner)
    doc["benefits"][0]["name"] = benefit
    doc["scenarios"][0]["name"] = scenario
    return doc


def _texts_in(wb: openpyxl.Workbook) -> dict[str, list[openpyxl.cell.cell.Cell]]:
    found: dict[str, list[openpyxl.cell.cell.Cell]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    found.setdefault(unescape(cell.value), []).append(cell)
    return found


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(formula_like, min_size=10, max_size=10))
def test_user_text_beginning_like_a_formula_is_written_as_quoted_text(texts: list[str]) -> None:
    # A tag per text, so that a text such as "=npv" is never mistaken for the
    # workbook's own formula of the same spelling.
    texts = [f"{text[:190]} \u27e6{i}\u27e7" for i, text in enumerate(texts)]
    texts = [t if i == 4 else _one_line(t) for i, t in enumerate(texts)]
    case = load_case(_doc_with_text(texts))
    audit = [AuditRow(texts[0], texts[1], texts[2], texts[3], texts[4])]
    version = WorkbookVersion(status=texts[5], case_hash=texts[6], frozen_at=texts[7])
    data = build_workbook(case, analyse(case, trials=0), version=version, audit=audit)
    wb = openpyxl.load_workbook(BytesIO(data))
    found = _texts_in(wb)
    for text in texts:
        assert text in found, f"{text!r} not found as text"
        for cell in found[text]:
            assert cell.data_type == "s", f"{text!r} became {cell.data_type}"
            assert cell.quotePrefix, f"{text!r} in {cell.parent.title}!{cell.coordinate}"


@given(st.text(chars, max_size=30))
def test_text_is_written_as_typed_and_quoted_only_when_it_could_be_a_formula(text: str) -> None:
    wb = openpyxl.Workbook()
    cell = put_text(wb.active["A1"], text)
    buffer = BytesIO()
    wb.save(buffer)
    back = openpyxl.load_workbook(BytesIO(buffer.getvalue())).active["A1"]
    assert cell.data_type == "s"
    assert unescape(back.value or "") == text
    assert bool(back.quotePrefix) == text.startswith(TRIGGERS)


def test_characters_xml_cannot_hold_are_replaced_not_fatal() -> None:
    wb = openpyxl.Workbook()
    cell = put_text(wb.active["A1"], "=bell\x07")
    assert cell.value == "=bell\ufffd"
    assert cell.quotePrefix


@pytest.mark.libreoffice
def test_libreoffice_reads_formula_like_user_text_as_text(tmp_path: Path) -> None:
    # texts[4] is multi-line (notes): the only kind of field a tab or CR may start
    texts = ["=1+1", "+1", "-1", "@SUM(1)", "\r=3\t=2", "=2", "=A1", "-x", "+", "=NOW()"]
    case = load_case(_doc_with_text(texts))
    source = tmp_path / "text.xlsx"
    source.write_bytes(build_workbook(case, analyse(case, trials=0)))
    (converted,) = libreoffice_recalculated(
        [source], tmp_path / "out", tmp_path / "profile", timeout=120
    )
    wb = openpyxl.load_workbook(converted, data_only=True)
    found = _texts_in(wb)
    for text in texts:
        assert text in found, f"{text!r} lost after LibreOffice"
        assert all(c.data_type == "s" for c in found[text])
