"""Monte Carlo as a job (issue 10): a save stores everything else, the job completes it.

The statistics a job stores are compared with the engine's own ``analyse`` of the same
document and trials, computed here independently.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cxroi import simulations
from cxroi.approvals.versions import documents, freeze
from cxroi.cases.casefiles import import_case
from cxroi.cases.services import ImportInvalid, apply_edit
from cxroi.engine import analyse, load_case, result_to_dict
from cxroi.engine.analysis import DEFAULT_SEED
from cxroi.extensions import db
from cxroi.simulations.caches import MemoryCache
from cxroi.simulations.runners import QUEUE_NAME, ThreadRunner
from models import Case, User
from tests.app.conftest import sign_in
from tests.appsupport import example_document

TRIALS = 500  # the tests' MC_TRIALS


def expected_mc(doc: dict[str, Any], trials: int = TRIALS) -> dict[str, Any]:
    """The engine's Monte Carlo of ``doc``, as a save before this change stored it."""
    mc: dict[str, Any] = result_to_dict(analyse(load_case(doc), trials=trials))["monte_carlo"]
    return mc


def reload(case_id: int) -> Case:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case is not None
    return case


def redis_test_url() -> str | None:
    """This module's Redis database: number 1 on CXROI_TEST_REDIS_URL's server."""
    base = os.environ.get("CXROI_TEST_REDIS_URL")
    if not base:
        return None
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/1", "", ""))


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = redis_test_url()
    if url is None:
        pytest.skip("Redis is not configured: set CXROI_TEST_REDIS_URL=redis://127.0.0.1:6379/15")
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisDown:
        pytest.skip(f"Redis does not answer at {url}")
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()


class HeldRunner:
    """A runner that keeps jobs until the test runs or fails them."""

    def __init__(self) -> None:
        self.jobs: dict[simulations.Key, int] = {}
        self.failed: dict[simulations.Key, str] = {}

    def submit(self, key: simulations.Key, case_id: int) -> None:
        self.jobs[key] = case_id

    def status(self, key: simulations.Key) -> tuple[str, str | None] | None:
        if key in self.failed:
            return (simulations.FAILED, self.failed[key])
        return (simulations.QUEUED, None) if key in self.jobs else None

    def forget(self, key: simulations.Key) -> None:
        self.failed.pop(key, None)

    def run_all(self) -> list[str]:
        done = [simulations.run(case_id, key) for key, case_id in self.jobs.items()]
        self.jobs.clear()
        return done


@pytest.fixture
def held(other_app: Callable[..., Flask]) -> Iterator[tuple[Flask, HeldRunner]]:
    app = other_app()
    runner = HeldRunner()
    app.extensions[simulations.EXTENSION] = (runner, MemoryCache())
    with app.app_context():
        yield app, runner


def nudge(item: dict[str, Any]) -> None:
    """Move an assumption's value halfway to its high (it stays in range)."""
    item["value"] = (item["value"] + item["high"]) / 2


def nudged(key: str) -> Callable[[dict[str, Any], frozenset[str]], dict[str, Any]]:
    def edit(doc: dict[str, Any], _retired: frozenset[str]) -> dict[str, Any]:
        out = json.loads(json.dumps(doc))
        item = next(a for a in out["assumptions"] if a["key"] == key)
        nudge(item)
        return out

    return edit


def ranged_key(doc: dict[str, Any]) -> str:
    """An assumption with a range that the CX owner may change (not Finance's)."""
    return str(
        next(
            a["key"]
            for a in doc["assumptions"]
            if "low" in a and "high" in a and str(a.get("owner", "")).lower() != "finance"
        )
    )


# -- without Redis ------------------------------------------------------------------------


def test_without_redis_a_thread_of_the_process_completes_the_saved_result(
    other_app: Callable[..., Flask], cx_user: User
) -> None:
    app = other_app(SIMULATIONS="thread")
    runner = app.extensions[simulations.EXTENSION][0]
    assert isinstance(runner, ThreadRunner)
    doc = example_document()
    with app.app_context():
        case = import_case(db.session.merge(cx_user), json.dumps(doc).encode())
        runner.wait()
        case = reload(case.id)
        # Everything but Monte Carlo is the engine's no-MC pricing, stored by the save.
        whole = result_to_dict(analyse(load_case(doc), trials=TRIALS))
        # (the save also stores each review item's effect on NPV beside the engine's result)
        assert {
            k: v for k, v in case.result.items() if k not in ("monte_carlo", "review_effects")
        } == {k: v for k, v in whole.items() if k != "monte_carlo"}
        assert case.result["monte_carlo"] == whole["monte_carlo"]
        assert case.prob_npv_positive == whole["monte_carlo"]["prob_npv_positive"]
        assert case.lock_version == 1  # the job's write does not make an open form stale
        assert simulations.state(case).status == simulations.DONE


def test_a_save_stores_no_monte_carlo_and_freezing_computes_it(
    held: tuple[Flask, HeldRunner], cx_user: User, finance_user: User
) -> None:
    _app, runner = held
    doc = example_document()
    case = import_case(db.session.merge(cx_user), json.dumps(doc).encode())
    assert case.result["monte_carlo"] is None and case.prob_npv_positive is None
    assert list(runner.jobs) == [simulations.Key(case.case_hash, TRIALS, DEFAULT_SEED)]
    version = freeze(case, db.session.merge(finance_user))
    assert documents(version)[1]["monte_carlo"] == expected_mc(doc)
    assert case.result["monte_carlo"] == expected_mc(doc)


# -- the pages ------------------------------------------------------------------------------


def test_the_results_page_and_status_endpoint_follow_the_simulation(
    held: tuple[Flask, HeldRunner], cx_user: User
) -> None:
    app, runner = held
    client: FlaskClient = sign_in(app.test_client(), cx_user)
    doc = example_document()
    case = import_case(db.session.merge(cx_user), json.dumps(doc).encode())
    page = client.get(f"/cases/{case.id}").text
    assert 'data-status="queued"' in page
    assert f"Waiting to simulate {TRIALS:,} trials…" in page
    assert 'data-metric="prob-npv-positive"' not in page
    status = client.get(f"/cases/{case.id}/simulation").get_json()
    assert status["status"] == "queued" and status["trials"] == TRIALS
    assert status["histogram"] is None and "Waiting to simulate" in status["html"]

    assert runner.run_all() == ["written"]
    mc = expected_mc(doc)
    status = client.get(f"/cases/{case.id}/simulation").get_json()
    assert status["status"] == "done"
    assert status["histogram"]["counts"] == mc["histogram"]["counts"]
    assert 'data-metric="prob-npv-positive"' in status["html"]
    page = client.get(f"/cases/{case.id}").text
    assert 'data-status="done"' in page and f"{TRIALS:,} trials drawing" in page
    assert re.search(r'data-metric="prob-npv-positive">[^<]+<', page)

    # A new save: the old statistics are not shown as current.
    first_hash = reload(case.id).case_hash
    assert f'data-case-hash="{first_hash}"' in page  # what the page's script compares
    key = ranged_key(doc)
    apply_edit(db.session.merge(cx_user), case.id, reload(case.id).lock_version, nudged(key))
    page = client.get(f"/cases/{case.id}").text
    assert 'data-status="queued"' in page and 'data-metric="prob-npv-positive"' not in page
    # A page drawn before the save polls a status of other content: the script sees the
    # hash differ and asks for a reload instead of showing the newer simulation.
    newer = client.get(f"/cases/{case.id}/simulation").get_json()["case_hash"]
    assert newer == reload(case.id).case_hash != first_hash

    # A failure says so, with a retry that starts it again.
    (pending,) = runner.jobs
    runner.failed[pending] = "the amounts are too large to compute"
    page = client.get(f"/cases/{case.id}").text
    assert "The simulation failed: the amounts are too large to compute" in page
    assert f"/cases/{case.id}/simulation/retry" in page
    runner.jobs.clear()
    response = client.post(f"/cases/{case.id}/simulation/retry")
    assert response.status_code == 303 and pending in runner.jobs and not runner.failed


def test_trials_per_case_up_to_a_million(held: tuple[Flask, HeldRunner], cx_user: User) -> None:
    _app, runner = held
    doc = {**example_document(), "monte_carlo_trials": 1_000}
    case = import_case(db.session.merge(cx_user), json.dumps(doc).encode())
    assert [k.trials for k in runner.jobs] == [1_000]
    runner.run_all()
    assert reload(case.id).result["monte_carlo"] == expected_mc(doc, 1_000)
    with pytest.raises(ImportInvalid) as refused:
        import_case(
            db.session.merge(cx_user),
            json.dumps({**doc, "monte_carlo_trials": 1_000_001}).encode(),
        )
    assert [str(i) for i in refused.value.issues] == [
        "monte_carlo_trials: must be from 1 to 1,000,000 trials, not 1,000,001"
    ]


# -- with Redis: RQ jobs, a shared cache ------------------------------------------------------


def work_burst(redis_url: str) -> None:
    """A real RQ worker, in this process, until the queue is empty."""
    from redis import Redis
    from rq import SimpleWorker

    SimpleWorker([QUEUE_NAME], connection=Redis.from_url(redis_url)).work(burst=True)


def test_with_redis_the_job_runs_on_an_rq_worker(
    other_app: Callable[..., Flask], redis_url: str, cx_user: User
) -> None:
    from redis import Redis
    from rq import Queue

    app = other_app(REDIS_URL=redis_url, SIMULATIONS="rq")
    doc = example_document()
    with app.app_context():
        case = import_case(db.session.merge(cx_user), json.dumps(doc).encode())
        key = simulations.Key(case.case_hash, TRIALS, DEFAULT_SEED)
        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
        assert queue.job_ids == [key.id]
        assert simulations.state(case).status == simulations.QUEUED
        simulations.submit(case)  # asked again: still one job
        assert queue.job_ids == [key.id]
        work_burst(redis_url)
        case = reload(case.id)
        assert case.result["monte_carlo"] == expected_mc(doc)
        assert simulations.state(case).status == simulations.DONE
        cached = Redis.from_url(redis_url).get(f"cxroi:{key.id}")
        assert cached is not None and json.loads(cached) == expected_mc(doc)


def test_a_newer_save_discards_the_first_jobs_result(
    other_app: Callable[..., Flask], redis_url: str, cx_user: User
) -> None:
    from redis import Redis
    from rq import Queue

    app = other_app(REDIS_URL=redis_url, SIMULATIONS="rq")
    doc = example_document()
    key = ranged_key(doc)
    with app.app_context():
        case = import_case(db.session.merge(cx_user), json.dumps(doc).encode())
        first = simulations.Key(case.case_hash, TRIALS, DEFAULT_SEED)
        apply_edit(db.session.merge(cx_user), case.id, case.lock_version, nudged(key))
        doc2 = json.loads(json.dumps(doc))
        nudge(next(a for a in doc2["assumptions"] if a["key"] == key))
        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
        assert len(queue.job_ids) == 2
        work_burst(redis_url)
        assert queue.fetch_job(first.id).return_value() == "superseded"
        case = reload(case.id)
        assert case.result["monte_carlo"] == expected_mc(doc2)
        assert case.result["monte_carlo"] != expected_mc(doc)
        # A late write of the first content's statistics changes nothing.
        assert simulations.write(case.id, first, expected_mc(doc)) is False
        assert reload(case.id).result["monte_carlo"] == expected_mc(doc2)


def test_the_cache_serves_the_same_content_without_simulating(
    other_app: Callable[..., Flask],
    redis_url: str,
    cx_user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from redis import Redis
    from rq import Queue

    app = other_app(REDIS_URL=redis_url, SIMULATIONS="rq")
    doc = example_document()
    with app.app_context():
        import_case(db.session.merge(cx_user), json.dumps(doc).encode())
        work_burst(redis_url)
        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
        assert queue.count == 0

        def no_simulating(*_args: Any, **_kwargs: Any) -> None:
            raise AssertionError("simulated although the statistics were cached")

        monkeypatch.setattr(simulations, "simulate", no_simulating)
        again = import_case(db.session.merge(cx_user), json.dumps(doc).encode())
        assert again.result["monte_carlo"] == expected_mc(doc)  # at once, from the cache
        assert again.prob_npv_positive == expected_mc(doc)["prob_npv_positive"]
        assert queue.count == 0  # nothing queued
