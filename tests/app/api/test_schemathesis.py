"""Schemathesis against the API in-process (WSGI): every check on, stateful links followed.

The calls go through the app's WSGI entry in an empty context each (as a real server
would run them), authenticated as a CX user with a write token through the schema's
own security scheme, so that the ``ignored_auth`` check can take the token away.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask

from models import User

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

[[operations]]
include-operation-id = "replaceCase"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 412, 422, 429]
checks.negative_data_rejection.expected-statuses = [
  400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429,
]
"""


@pytest.fixture
def api_schema(app: Flask, cx_user: User, make_token: Callable[..., str]) -> Any:
    def isolated(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return contextvars.Context().run(app, environ, start_response)

    config = schemathesis.Config.from_str(
        CONFIG + f'\n[auth.openapi.bearerAuth]\nbearer = "{make_token(cx_user, "write")}"\n'
    )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_passes_every_check(case: Any) -> None:
    case.call_and_validate()


def test_stateful_links_pass_every_check(api_schema: Any) -> None:
    """Links followed: create → read → replace (with the ETag) → versions."""
    from hypothesis import HealthCheck, settings

    api_schema.as_state_machine().run(
        settings=settings(
            max_examples=40,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
