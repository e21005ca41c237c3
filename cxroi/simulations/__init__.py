"""Monte Carlo leaves the request: a save prices everything else, the simulation follows.

A save (:func:`cxroi.cases.services.store`) prices the base case, scenarios, tornado
and break-even at once and stores that result with ``monte_carlo`` empty; after the
commit, :func:`submit` hands the simulation to a runner (:mod:`.runners`): an RQ queue
on Redis when ``CXROI_REDIS_URL`` is set, otherwise a thread of the same process.

A simulation is named by its :class:`Key`, (case hash, trials, seed), and its
statistics are cached under that key (:mod:`.caches`: Redis, or the process's memory).
The job writes them into the stored result only while the case still has that hash
(:func:`write`, a compare-and-set): a newer save supersedes it, so a stale result is
never shown as current. :func:`complete` computes a missing simulation in the request,
for what must be whole at once (freezing a version, a workbook download).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy import Table, select, update

from cxroi.engine import CaseFile, monte_carlo_to_dict, simulate
from cxroi.engine.analysis import DEFAULT_SEED
from cxroi.extensions import db
from models import Case

NONE, QUEUED, RUNNING, DONE, FAILED = "none", "queued", "running", "done", "failed"
#: The states in which the page keeps asking.
PENDING = (QUEUED, RUNNING)
EXTENSION = "cxroi.simulations"


@dataclass(frozen=True, slots=True)
class Key:
    """What a simulation's statistics depend on: the document, the trials, the seed."""

    case_hash: str
    trials: int
    seed: int

    @property
    def id(self) -> str:
        return f"mc-{self.case_hash}-{self.trials}-{self.seed}"


@dataclass(frozen=True, slots=True)
class State:
    """Where a case's simulation stands, in words for its pages."""

    status: str
    trials: int | None
    message: str
    monte_carlo: dict[str, Any] | None = None

    @property
    def pending(self) -> bool:
        return self.status in PENDING


def trials_for(case_file: CaseFile) -> int:
    """The case's own ``monte_carlo_trials``, else the app's default."""
    return case_file.monte_carlo_trials or int(current_app.config["MC_TRIALS"])


def key_for(case_file: CaseFile, digest: str) -> Key:
    return Key(digest, trials_for(case_file), int(current_app.config["MC_SEED"]))


def needs_simulation(case_file: CaseFile) -> bool:
    """Whether the case has anything uncertain: an assumption with a low and a high."""
    return any(a.has_range for a in case_file.assumptions)


def stored_statistics(result: dict[str, Any] | None, key: Key) -> dict[str, Any] | None:
    """The stored result's Monte Carlo, if it is the one ``key`` names."""
    mc = (result or {}).get("monte_carlo")
    if mc and mc.get("trials") == key.trials and mc.get("seed") == key.seed:
        return dict(mc)
    return None


# -- the app's runner and cache ----------------------------------------------------------


def init_app(app: Flask) -> None:
    from cxroi.simulations.caches import make_cache
    from cxroi.simulations.runners import make_runner

    app.config.setdefault("MC_SEED", DEFAULT_SEED)
    app.extensions[EXTENSION] = (make_runner(app), make_cache(app))
    from cxroi.simulations.views import bp

    app.register_blueprint(bp)


def runner() -> Any:
    return current_app.extensions[EXTENSION][0]


def cache() -> Any:
    return current_app.extensions[EXTENSION][1]


# -- a save, a page, a retry --------------------------------------------------------------


def cached_statistics(case_file: CaseFile, digest: str) -> dict[str, Any] | None:
    """Statistics already computed for this content (a save uses them at once)."""
    if not needs_simulation(case_file):
        return None
    found: dict[str, Any] | None = cache().get(key_for(case_file, digest))
    return found


def submit(case: Case) -> None:
    """After a commit: start the case's simulation unless its result is already whole."""
    case_file = case.doc
    key = key_for(case_file, case.case_hash or "")
    if needs_simulation(case_file) and stored_statistics(case.result, key) is None:
        runner().submit(key, case.id)


def state(case: Case) -> State:
    """The simulation's state for the case's current content (never an older one's)."""
    case_file = case.doc
    if not needs_simulation(case_file):
        return State(
            NONE,
            None,
            "No assumption has a low and a high value, so there is nothing uncertain to simulate.",
        )
    key = key_for(case_file, case.case_hash or "")
    mc = stored_statistics(case.result, key)
    if mc is None:
        known = runner().status(key)
        if known is None:  # never started, or lost (a restart): cached, or start it now
            mc = cache().get(key)
            if mc is not None and write(case.id, key, mc):
                return _done(key, mc)
            runner().submit(key, case.id)
            known = (QUEUED, None)
        status, error = known
        if status == FAILED:
            return State(FAILED, key.trials, f"The simulation failed: {error}")
        verb = "Simulating" if status == RUNNING else "Waiting to simulate"
        return State(status, key.trials, f"{verb} {key.trials:,} trials…")
    return _done(key, mc)


def _done(key: Key, mc: dict[str, Any]) -> State:
    return State(DONE, key.trials, f"Simulated {key.trials:,} trials.", mc)


def retry(case: Case) -> None:
    """Forget a failed simulation of the case's content and start it again."""
    key = key_for(case.doc, case.case_hash or "")
    runner().forget(key)
    submit(case)


# -- the job, and what must be whole at once --------------------------------------------


def compute(case_file: CaseFile, key: Key) -> dict[str, Any] | None:
    """The statistics for ``key``: from the cache, else computed now and cached."""
    mc: dict[str, Any] | None = cache().get(key)
    if mc is None:
        found = simulate(case_file, trials=key.trials, seed=key.seed)
        if found is None:
            return None
        mc = monte_carlo_to_dict(found)
        cache().set(key, mc)
    return mc


def run(case_id: int, key: Key) -> str:
    """The job: compute the statistics for ``key`` and store them if still current.

    Returns ``"written"``, or ``"superseded"`` when the case has other content now (a
    newer save; nothing is written). A case too large to simulate raises
    ``CaseValidationError`` naming where.
    """
    case = db.session.get(Case, case_id)
    if case is None or case.case_hash != key.case_hash:
        db.session.rollback()
        return "superseded"
    case_file = case.doc
    db.session.rollback()  # no transaction held open while simulating
    mc = compute(case_file, key)
    if mc is None:
        return "superseded"
    return "written" if write(case_id, key, mc) else "superseded"


def write(case_id: int, key: Key, mc: dict[str, Any]) -> bool:
    """Put the statistics into the stored result if the case still has ``key``'s hash.

    A compare-and-set on the hash, with a plain UPDATE: the case's lock version is not
    bumped (an editor's open form stays valid) and no audit row is written (the
    statistics follow from the document). Commits.
    """
    table = cast(Table, Case.__table__)
    current = table.c
    result = db.session.scalar(
        select(current.result).where(current.id == case_id, current.case_hash == key.case_hash)
    )
    if result is None:
        db.session.rollback()
        return False
    done = db.session.execute(
        update(table)
        .where(current.id == case_id, current.case_hash == key.case_hash)
        .values(result={**result, "monte_carlo": mc}, prob_npv_positive=mc["prob_npv_positive"])
    )
    db.session.commit()
    return bool(getattr(done, "rowcount", 0))


def complete(case_file: CaseFile, digest: str, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with its Monte Carlo, computed now (from the cache if there) if missing.

    For what must be whole at once: a frozen version stores the statistics its
    approval was based on; a workbook shows them.
    """
    if not needs_simulation(case_file):
        return result
    key = key_for(case_file, digest)
    if stored_statistics(result, key) is not None:
        return result
    return {**result, "monte_carlo": compute(case_file, key)}
