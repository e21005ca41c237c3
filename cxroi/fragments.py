"""Answers for a page's own script: part of a page instead of a whole one.

A form on a page can be sent by ``fetch`` with the header ``X-Cxroi-Fragment: 1``
(``static/js/review.js`` does). Its view then runs the very same code as for the plain
form: the same form validation, the same service call with its permission checks. Only
the answer differs: the part of the page that changed, rendered from the template
partial the whole page uses, instead of a redirect; and an error as a short fragment
naming the field, with its 4xx status, instead of a flash message or an error page.

Every fragment answer carries the header too, so the script knows a fragment from a
page it did not ask for (a sign-in page after the session ended, say).
"""

from __future__ import annotations

from flask import Response, has_request_context, request
from markupsafe import Markup

HEADER = "X-Cxroi-Fragment"


def wanted() -> bool:
    """Whether the request asks for a fragment rather than a page."""
    return has_request_context() and request.headers.get(HEADER) == "1"


def answer(html: str, status: int = 200) -> Response:
    """A fragment, marked as one (caches keep pages and fragments apart)."""
    response = Response(html, status=status, mimetype="text/html")
    response.headers[HEADER] = "1"
    response.vary.add(HEADER)
    return response


def error(message: str, status: int, field: str | None = None) -> Response:
    """A refusal as a fragment: the message, and the field it is about (if any), which
    the script shows beside that field. Built without a template, so that it still
    answers when templates or the database cannot."""
    about = Markup(' data-field="{}"').format(field) if field else Markup("")
    html = Markup(
        '<p class="error-message" data-error-message{}>'
        '<span class="visually-hidden">Error:</span> {}</p>'
    ).format(about, message)
    return answer(str(html), status)


__all__ = ["HEADER", "answer", "error", "wanted"]
