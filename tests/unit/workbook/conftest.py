"""Shared fixtures: each case is exported and evaluated by ``formulas`` once per session."""

from __future__ import annotations

from collections.abc import Callable

import openpyxl
import pytest

from .cases import Evaluated, Evaluation, export


@pytest.fixture(scope="session")
def evaluate(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Evaluation]:
    """``evaluate(name)``: the case's workbook evaluated by ``formulas`` (cached)."""
    cache: dict[str, Evaluation] = {}

    def get(name: str) -> Evaluation:
        if name not in cache:
            path, _case, result = export(name, tmp_path_factory.mktemp("formulas"))
            cache[name] = (Evaluated(path), result, openpyxl.load_workbook(path))
        return cache[name]

    return get
