"""A save and a workbook download, through the app on one worker (issue 11, item 4).

In-process (Flask's test client, SQLite in a temporary directory), so the figures are
the app's own work: routing, the session, validation, pricing without Monte Carlo, the
store and audit, and for the download the workbook built from the stored result. The
simulation a save asks for is left to a worker (a runner that only records the
request), as it is with Redis in production; a trivial route is timed in the same run.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cases import large_case_document, wide_case_document
from timing import median_wall_and_cpu, report, side_by_side

HORIZON = 60
PASSWORD = "correct horse battery staple 42"


class WorkerRunner:
    """Stands for the separate worker: a save's simulation is queued, not run here."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, key: Any, case_id: int) -> None:
        self.submitted += 1

    def status(self, key: Any) -> None:
        return None

    def forget(self, key: Any) -> None:
        return None


def _app(workdir: Path) -> Any:
    from cxroi import create_app
    from cxroi.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench-requests.db'}",
            "WTF_CSRF_ENABLED": False,
            "SIMULATIONS": "inline",  # imports store their simulation, as a worker would
        }
    )
    with app.app_context():
        db.create_all()
    return app


def _leave_simulations_to_a_worker(app: Any) -> None:
    from cxroi.simulations import EXTENSION

    _runner, cache = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = (WorkerRunner(), cache)


def _imported(app: Any, doc: dict[str, Any]) -> int:
    from cxroi.auth.services import create_user
    from cxroi.cases.casefiles import import_case
    from models import User

    with app.app_context():
        from cxroi.extensions import db

        user = db.session.query(User).filter_by(email="bench@example.com").one_or_none()
        if user is None:
            user = create_user("bench@example.com", "cx", PASSWORD)
        return int(import_case(user, json.dumps(doc).encode()).id)


def _token(app: Any) -> str:
    from cxroi.api import tokens
    from cxroi.extensions import db
    from models import User

    with app.app_context():
        user = db.session.query(User).filter_by(email="bench@example.com").one()
        return tokens.create_token(user, "bench", "write")[1]


def _saver(app: Any, token: str, case_id: int) -> Any:
    """One save per call: the case's document with its first cost's amount nudged."""
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get(f"/api/v1/cases/{case_id}", headers=auth)
    assert first.status_code == 200, first.text
    state = {"doc": first.json.get("document", first.json)}
    state["etag"] = first.headers["ETag"]
    state["n"] = 0

    def save() -> None:
        doc = copy.deepcopy(state["doc"])
        state["n"] += 1
        cost = doc["costs"][0]
        if isinstance(cost["amount"], (int, float)):
            cost["amount"] = float(cost["amount"]) + state["n"]
        else:  # an assumption's key: nudge the title instead (still a new document)
            doc["title"] = f"{doc['title'].split(' #')[0]} #{state['n']}"
        response = client.put(
            f"/api/v1/cases/{case_id}", json=doc, headers={**auth, "If-Match": state["etag"]}
        )
        assert response.status_code == 200, response.text[:500]
        state["etag"] = response.headers["ETag"]

    return save


def _downloader(app: Any, case_id: int) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert response.status_code == 302, response.text[:500]

    def download() -> None:
        got = client.get(f"/cases/{case_id}/workbook.xlsx")
        assert got.status_code == 200 and got.data[:2] == b"PK", got.status_code

    return download


def main() -> None:
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        small = _imported(app, large_case_document(HORIZON))
        wide = _imported(app, wide_case_document(200, HORIZON))
        token = _token(app)
        client = app.test_client()
        trivial, trivial_cpu = median_wall_and_cpu(lambda: client.get("/livez"), 101)
        report("trivial route /livez", trivial, None, trivial_cpu)
        # The download first, while each case's stored result has its simulation.
        down16, down16_cpu = median_wall_and_cpu(_downloader(app, small), 15)
        report("workbook download, 16 lines", down16, 0.080, down16_cpu)
        _leave_simulations_to_a_worker(app)
        save16, save16_cpu = median_wall_and_cpu(_saver(app, token, small), 21)
        report("save (API PUT), 16 lines", save16, 0.030, save16_cpu)
        save200, save200_cpu = median_wall_and_cpu(_saver(app, token, wide), 9)
        report("save (API PUT), 200 lines", save200, 0.150, save200_cpu)
        side_by_side("save, 16 lines", save16, trivial, "the trivial route")
        side_by_side("workbook download, 16 lines", down16, trivial, "the trivial route")


if __name__ == "__main__":  # python benchmarks/bench_requests.py, from any directory
    import sys

    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here), str(here.parent)]
    main()
