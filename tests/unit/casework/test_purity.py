"""cxroi.casework is pure: edits of a document need no Flask, SQLAlchemy or models."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT

FORBIDDEN = ("flask", "sqlalchemy", "models", "werkzeug", "wtforms")


def test_editing_a_document_imports_no_web_or_database_package() -> None:
    code = (
        "import sys\n"
        "from cxroi import casework\n"
        "from cxroi.engine import case_to_dict, load_case_file\n"
        "doc = case_to_dict(load_case_file('examples/contact-centre.json'))\n"
        "doc, new_id = casework.add_item(doc, 'costs', {'name': 'x'})\n"
        "assert new_id.startswith('c')\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
