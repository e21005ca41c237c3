"""Who is calling the API: a personal token in ``Authorization: Bearer``, nothing else.

Session cookies never authenticate an API call (the API is exempt from CSRF because
it reads no cookie). A read token may only read: any other method is 403 before the
request reaches a service. Roles are the services' business, as on the web.
"""

from __future__ import annotations

from flask import g, request

from cxroi.api import tokens
from cxroi.api.problems import READ_ONLY_TOKEN, ApiProblem
from models import ApiToken, User

#: Methods that only a ``write`` token may use.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Endpoints anyone may read: the API's own description.
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})

_CHALLENGE = 'Bearer realm="cxroi"'


def authenticate() -> None:
    """``before_request`` of the API: set the caller, or refuse with 401 / 403."""
    if request.method == "OPTIONS" or request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    if not header:
        raise ApiProblem(
            401,
            "Send a personal API token: Authorization: Bearer <token>. "
            "Make one on your profile page or with `cxroi api-token create`.",
            headers={"WWW-Authenticate": _CHALLENGE},
        )
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise ApiProblem(
            401,
            "The Authorization header must be: Bearer <token>.",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_request"'},
        )
    token = tokens.token_for(credentials.strip())
    if token is None:
        raise ApiProblem(
            401,
            "This token is not valid: it is unknown or revoked, or its account is switched off.",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
        )
    if request.method in WRITE_METHODS and not token.can_write:
        raise ApiProblem(
            403,
            f'The token "{token.name}" has the read scope: it cannot change anything. '
            "Use a token with the write scope.",
            type_=READ_ONLY_TOKEN,
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="insufficient_scope"'},
        )
    g.api_token = token


def caller() -> User:
    """The user the request's token acts for (only inside an authenticated API request)."""
    token: ApiToken = g.api_token
    return token.user
