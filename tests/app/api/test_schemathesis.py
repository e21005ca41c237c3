"""Schemathesis against the API in-process (WSGI): every check on, stateful links followed.

The calls go through the app's WSGI entry in an empty context each (as a real server
would run them), authenticated as a CX user with a write token through the schema's
own security scheme, so that the ``ignored_auth`` check can take the token away.

The database holds a case of that user frozen as version 1 through the real services
(submitted, every assumption accepted by finance, signed off, approved), and each operation that
takes a path also gets it as an explicit example (its id, version 1, its ETag and
document), so that every operation is called once with values that exist. Every
response is counted by operation, and each test asserts that the operations it covers
answered 2xx at least once: a run where they only ever answered 404 checks no response
schema and must fail, not pass.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask

from cxroi.cases import services
from models import Case, User
from tests.app.api.conftest import freeze
from tests.approving import approve_case

# Every check is on. Outcomes the schema cannot rule out for a request that matches it
# are listed per operation, each for its reason:
# - 422 on create/replace: the engine's rules that span fields (an assumption key that
#   exists, months within the horizon, a value within low..high) are not JSON Schema;
# - 412 on replace: a well-formed If-Match that is not the case's current ETag (the
#   precondition is evaluated before the document is judged, so a schema-violating
#   body with a stale If-Match is refused with 412 too: rejected all the same);
# - 428 when If-Match is missing: RFC 6585's status for exactly that.
# Response time is not checked: speed is never asserted in a test.
CONFIG = """
[generation]
max-examples = 60

[checks]
enabled = true

[checks.missing_required_header]
expected-statuses = [400, 401, 403, 406, 415, 422, 428]

[[operations]]
include-operation-id = "createCase"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 422, 429]

# - actuals and metrics: a month or metric name in the path that the case does not take,
#   a line id it does not have, a driver its line does not use (422); a case no longer
#   approved after a replace (409).
[[operations]]
include-operation-id = "replaceMonthActuals"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 422, 429]

[[operations]]
include-operation-id = "putCaseMetric"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 422, 429]

[[operations]]
include-operation-id = "putOrgMetric"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 422, 429]

[[operations]]
include-operation-id = "replaceCase"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 412, 422, 429]
checks.negative_data_rejection.expected-statuses = [
  400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429,
]
"""


class Answers:
    """The statuses each operation (by ``operationId``) answered during a run."""

    def __init__(self) -> None:
        self.statuses: dict[str, list[int]] = defaultdict(list)

    def hook(self) -> Callable[[Any, Any, Any], None]:
        """An ``after_call`` hook recording each response to a generated call."""

        def after_call(_context: Any, case: Any, response: Any) -> None:
            if case.method.upper() != case.operation.method.upper():
                return  # e.g. the coverage phase's OPTIONS: not a call of this operation
            operation_id = case.operation.definition.raw["operationId"]
            self.statuses[operation_id].append(response.status_code)

        return after_call

    def without_2xx(self, operation_ids: set[str]) -> dict[str, list[int]]:
        """The operations of ``operation_ids`` that never answered 2xx, with what they did."""
        return {
            op: sorted(set(self.statuses[op]))
            for op in sorted(operation_ids)
            if not any(200 <= status < 300 for status in self.statuses[op])
        }


def _examples_on(case: Case, token: str) -> Callable[[Any, list[Any]], None]:
    """A ``before_add_examples`` hook: each operation with a path gets one call on ``case``
    (version 1; for replace, its current ETag and document), with the token (an example
    made here does not get the configured auth)."""
    etag, document = f'"{case.case_hash}"', services.document_of(case)
    path = {"case_id": case.id, "number": 1, "month": "2027-04", "name": "nps"}
    bodies = {
        "replaceMonthActuals": {"lines": [{"line_id": "c4", "cost": 1500}]},
        "putCaseMetric": {"value": 0.031, "unit": "ratio"},
        "putOrgMetric": {"value": 31},
    }

    def add(context: Any, examples: list[Any]) -> None:
        operation = context.operation
        params = {p.name: path[p.name] for p in operation.path_parameters}
        if not params:
            return
        headers = {"Authorization": f"Bearer {token}"}
        if operation.definition.raw["operationId"] == "replaceCase":
            headers["If-Match"] = etag
            examples.append(
                operation.Case(
                    path_parameters=params,
                    headers=headers,
                    body=document,
                    media_type="application/json",
                )
            )
        elif (body := bodies.get(operation.definition.raw["operationId"])) is not None:
            examples.append(
                operation.Case(
                    path_parameters=params,
                    headers=headers,
                    body=body,
                    media_type="application/json",
                )
            )
        else:
            examples.append(operation.Case(path_parameters=params, headers=headers))

    return add


@pytest.fixture
def answers() -> Answers:
    return Answers()


@pytest.fixture
def api_schema(
    app: Flask,
    cx_user: User,
    finance_user: User,
    make_case: Callable[..., Case],
    make_token: Callable[..., str],
    answers: Answers,
) -> Any:
    seeded = freeze(make_case(), cx_user, finance_user)  # owned by the token's user
    approve_case(seeded, finance_user)  # approved: it takes actuals and metrics
    token = make_token(cx_user, "write")

    def isolated(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return contextvars.Context().run(app, environ, start_response)

    config = schemathesis.Config.from_str(
        CONFIG + f'\n[auth.openapi.bearerAuth]\nbearer = "{token}"\n'
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated, config=config)
    schema.hook("before_add_examples")(_examples_on(seeded, token))
    schema.hook("after_call")(answers.hook())
    return schema


@pytest.fixture
def every_operation_answers_2xx(api_schema: Any, answers: Answers) -> Iterator[None]:
    """After the run (every operation's examples): each operation answered 2xx at least once."""
    yield
    every = {op.definition.raw["operationId"] for op in _operations(api_schema)}
    assert len(every) == 14
    assert answers.without_2xx(every) == {}, "operations that never answered 2xx"


def _operations(api_schema: Any) -> list[Any]:
    return [result.ok() for result in api_schema.get_all_operations()]


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.usefixtures("every_operation_answers_2xx")
@schema.parametrize()
def test_every_operation_passes_every_check(case: Any) -> None:
    case.call_and_validate()


def test_stateful_links_pass_every_check(api_schema: Any) -> None:
    """Links followed: create → read → replace (with the ETag) → versions.

    Which links a run follows is drawn with true randomness by schemathesis, so no status
    is asserted here; that every operation answers 2xx is the stateless test's guarantee.
    """
    from hypothesis import HealthCheck, settings

    api_schema.as_state_machine().run(
        settings=settings(
            max_examples=40,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
