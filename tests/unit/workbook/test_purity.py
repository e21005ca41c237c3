"""cxroi.workbook is pure: usable from a notebook without Flask, SQLAlchemy or the models."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT

FORBIDDEN = ("flask", "sqlalchemy", "models", "werkzeug", "wtforms")


def test_building_a_workbook_imports_no_web_or_database_package() -> None:
    code = (
        "import sys\n"
        "from cxroi.engine import analyse, load_case_file\n"
        "from cxroi.workbook import build_workbook\n"
        "from tests.support import reference_case_path\n"
        "case = load_case_file(reference_case_path('field-expenses'))\n"
        "assert build_workbook(case, analyse(case, trials=0))[:2] == b'PK'\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
