"""The download name of a workbook is safe to send in a header and to save anywhere."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cxroi.workbook import WorkbookVersion, workbook_filename


def test_filename_is_the_title_as_a_slug_with_the_version() -> None:
    version = WorkbookVersion(status="approved", number=3)
    assert workbook_filename("Lead qualification & expectations", version) == (
        "lead-qualification-expectations-v3.xlsx"
    )


def test_a_title_with_no_usable_characters_still_gives_a_name() -> None:
    assert workbook_filename("«»  ") == "business-case.xlsx"


@given(st.text(max_size=300))
def test_filename_is_plain_ascii_whatever_the_title(title: str) -> None:
    name = workbook_filename(title)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.xlsx", name)
    assert len(name) <= 85
