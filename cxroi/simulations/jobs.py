"""The RQ job of a simulation, run by ``cxroi worker`` (or a test's in-process worker)."""

from __future__ import annotations

from flask import Flask, current_app, has_app_context

from cxroi.extensions import db
from cxroi.simulations import Key, run

_app: Flask | None = None


def _worker_app() -> Flask:
    """The app of a worker started without one (built once, from the environment)."""
    global _app
    if _app is None:
        from cxroi import create_app

        _app = create_app()
    return _app


def simulate(case_id: int, case_hash: str, trials: int, seed: int) -> str:
    """Compute and store one simulation; ``"written"`` or ``"superseded"``.

    A failure keeps its message, in words, in the job's ``meta["error"]`` for the page.
    """
    from rq import get_current_job

    from cxroi.simulations.runners import failure_message

    app = current_app._get_current_object() if has_app_context() else _worker_app()  # type: ignore[attr-defined]
    with app.app_context():
        try:
            return run(case_id, Key(case_hash, trials, seed))
        except Exception as exc:
            db.session.rollback()
            job = get_current_job()
            if job is not None:
                job.meta["error"] = failure_message(exc)
                job.save_meta()  # type: ignore[no-untyped-call]
            raise
        finally:
            db.session.remove()
