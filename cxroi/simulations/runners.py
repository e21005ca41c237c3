"""Who runs a simulation: an RQ queue on Redis, or a thread of this process.

Each runner has ``submit(key, case_id)`` (start it unless it is queued or running),
``status(key)`` (``(state, error)`` while queued, running or failed; None when it
knows nothing: never started, finished, or lost) and ``forget(key)`` (before a retry).

- :class:`RqRunner` (``CXROI_REDIS_URL`` set): an RQ job whose id is the key's, so a
  simulation is queued once however many workers ask; ``cxroi worker`` runs them.
- :class:`ThreadRunner` (the embedded default): one daemon thread of the same process
  runs them in order. ``make run`` then needs nothing more: no Redis, no other
  process, and the save still answers before the simulation ends. A restart loses
  the queue, which is harmless: a page asking for a lost simulation starts it again.
- :class:`InlineRunner` (``SIMULATIONS = "inline"``, the tests' default): runs the
  simulation right after the save's commit, in the request, as before this module.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from cxroi.engine import CaseValidationError
from cxroi.extensions import db
from cxroi.simulations import FAILED, QUEUED, RUNNING, Key, run

log = logging.getLogger(__name__)
QUEUE_NAME = "cxroi-simulations"
JOB = "cxroi.simulations.jobs.simulate"
Status = tuple[str, str | None] | None


def failure_message(exc: BaseException) -> str:
    """What a person is told when a simulation fails."""
    if isinstance(exc, CaseValidationError):
        return "; ".join(str(i) for i in exc.issues)
    return "an unexpected error; try again, and tell your administrator if it persists."


def redis_connection(url: str) -> Any:
    from redis import Redis

    return Redis.from_url(url)


class InlineRunner:
    def __init__(self) -> None:
        self.failed: dict[Key, str] = {}

    def submit(self, key: Key, case_id: int) -> None:
        try:
            run(case_id, key)
        except Exception as exc:
            db.session.rollback()
            log.exception("simulation %s of case %s failed", key.id, case_id)
            self.failed[key] = failure_message(exc)

    def status(self, key: Key) -> Status:
        return (FAILED, self.failed[key]) if key in self.failed else None

    def forget(self, key: Key) -> None:
        self.failed.pop(key, None)


class ThreadRunner:
    """One daemon thread, started on the first submit, runs the simulations in order."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.states: dict[Key, tuple[str, str | None]] = {}
        self._jobs: queue.Queue[tuple[Key, int]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, key: Key, case_id: int) -> None:
        with self._lock:
            if self.states.get(key, (None,))[0] in (QUEUED, RUNNING):
                return
            self.states[key] = (QUEUED, None)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="cxroi-simulations", daemon=True
                )
                self._thread.start()
        self._jobs.put((key, case_id))

    def _work(self) -> None:
        while True:
            key, case_id = self._jobs.get()
            with self._lock:
                self.states[key] = (RUNNING, None)
            try:
                with self.app.app_context():
                    try:
                        run(case_id, key)
                    finally:
                        db.session.remove()
            except Exception as exc:
                log.exception("simulation %s of case %s failed", key.id, case_id)
                with self._lock:
                    self.states[key] = (FAILED, failure_message(exc))
            else:
                with self._lock:
                    self.states.pop(key, None)
            finally:
                self._jobs.task_done()

    def wait(self) -> None:
        """Until every submitted simulation has ended (tests)."""
        self._jobs.join()

    def status(self, key: Key) -> Status:
        with self._lock:
            return self.states.get(key)

    def forget(self, key: Key) -> None:
        with self._lock:
            if self.states.get(key, (None,))[0] == FAILED:
                del self.states[key]


class RqRunner:
    """Simulations as RQ jobs on Redis, one job id per key."""

    ACTIVE = ("queued", "started", "deferred", "scheduled")

    def __init__(self, connection: Any, timeout: int) -> None:
        from rq import Queue

        self.connection = connection
        self.queue = Queue(QUEUE_NAME, connection=connection)
        self.timeout = timeout

    def _job(self, key: Key) -> Any:
        return self.queue.fetch_job(key.id)

    def submit(self, key: Key, case_id: int) -> None:
        job = self._job(key)
        if job is not None:
            if job.get_status(refresh=False) in self.ACTIVE:
                return
            job.delete()
        self.queue.enqueue(
            JOB,
            case_id,
            key.case_hash,
            key.trials,
            key.seed,
            job_id=key.id,
            job_timeout=self.timeout,
            result_ttl=3600,
            failure_ttl=24 * 3600,
        )

    def status(self, key: Key) -> Status:
        job = self._job(key)
        if job is None:
            return None
        status = job.get_status(refresh=False)
        if status == "started":
            return (RUNNING, None)
        if status in self.ACTIVE:
            return (QUEUED, None)
        if status in ("failed", "stopped", "canceled"):
            return (FAILED, job.meta.get("error") or failure_message(RuntimeError()))
        return None  # finished: the statistics are stored (or it was superseded)

    def forget(self, key: Key) -> None:
        job = self._job(key)
        if job is not None and job.get_status(refresh=False) not in self.ACTIVE:
            job.delete()


def make_runner(app: Flask) -> InlineRunner | ThreadRunner | RqRunner:
    kind = app.config.get("SIMULATIONS") or ("rq" if app.config.get("REDIS_URL") else "thread")
    makers: dict[str, Callable[[], InlineRunner | ThreadRunner | RqRunner]] = {
        "inline": InlineRunner,
        "thread": lambda: ThreadRunner(app),
        "rq": lambda: RqRunner(
            redis_connection(app.config["REDIS_URL"]), int(app.config["MC_JOB_SECONDS"])
        ),
    }
    if kind not in makers:
        raise ValueError(f"SIMULATIONS must be one of {', '.join(makers)}, not {kind!r}")
    return makers[kind]()
