"""The finance workbook: ``build_workbook(case, result) -> bytes`` (see issue 4)."""
