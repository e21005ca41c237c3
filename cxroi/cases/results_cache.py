"""The results page's stored part, made once per content and kept per process.

Most of the results page is a function of the case's stored result and document alone:
the monthly and annual tables, the scenarios, the sensitivity and break-even tables. A
request used to parse the result's JSON and the document, arrange the figures and
render those tables (a 61-month case: ~1,800 template loop steps), every time, although
they change only when the case is saved or its simulation is stored.

Here they are kept per case, with the exact inputs they were made from: the document's
text, the result's text (read as text, never parsed on a hit) and the currency. A
request reads those three with the case and reuses an entry only when all three are
equal, character for character, so any change (a save, a workflow step that re-prices,
a simulation written into the result, a restore, an edit by SQL) is seen on the very
next request, in every process. What depends on the reader or the moment (the header,
the permissions, the simulation's state, the CSRF tokens) is rendered per request.

The entry's parsed result and document are shared between requests: read-only. Nothing
on the results page mutates them (a simulation's write builds a new dict).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup
from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.orm import undefer
from sqlalchemy.orm.attributes import set_committed_value

from cxroi.cases import presenters
from cxroi.engine import CaseFile
from cxroi.extensions import db
from models import Case

EXTENSION = "cxroi.results_cache"
#: The sections of ``cases/results.html`` drawn from the stored view alone (macros of
#: :data:`TEMPLATE`, each called with the view and the currency).
TEMPLATE = "cases/_results_stored.html"
SECTIONS = ("details", "scenarios", "annual", "tornado", "break_even")
#: Bounds per process: entries, and characters of documents and results kept (a
#: 16-line case's result is ~50 kB of JSON, a 200-line one ~320 kB).
MAX_ENTRIES = 256
MAX_CHARS = 4_000_000


@dataclass(frozen=True)
class Entry:
    """What one case's content gives the page, and the content it was made from."""

    document: str
    result_text: str | None
    currency: str
    case_file: CaseFile
    result: dict[str, Any] | None
    #: :func:`presenters.stored_view` (None: never priced).
    view: dict[str, Any] | None
    #: Each of :data:`SECTIONS`, rendered (empty when ``view`` is None).
    html: dict[str, Markup] = field(default_factory=dict)

    @property
    def chars(self) -> int:
        return len(self.document) + len(self.result_text or "")

    def made_from(self, document: str, result_text: str | None, currency: str) -> bool:
        return (
            self.result_text == result_text
            and self.document == document
            and self.currency == currency
        )


class ResultsCache:
    """Entries by case id, least recently used dropped first; safe across threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[int, Entry] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        #: Counted for tests and profiling: entries made, and entries reused.
        self.made = 0
        self.reused = 0

    def get(
        self, case_id: int, document: str, result_text: str | None, currency: str
    ) -> Entry | None:
        with self._lock:
            entry = self._entries.get(case_id)
            if entry is None or not entry.made_from(document, result_text, currency):
                return None
            self._entries.move_to_end(case_id)
            self.reused += 1
            return entry

    def put(self, case_id: int, entry: Entry) -> None:
        with self._lock:
            self.made += 1
            if (old := self._entries.pop(case_id, None)) is not None:
                self._chars -= old.chars
            if entry.chars > self.max_chars:
                return  # larger than the whole budget: made per request, never kept
            self._entries[case_id] = entry
            self._chars += entry.chars
            while len(self._entries) > self.max_entries or self._chars > self.max_chars:
                _, dropped = self._entries.popitem(last=False)
                self._chars -= dropped.chars

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = ResultsCache()


def cache() -> ResultsCache:
    found: ResultsCache = current_app.extensions[EXTENSION]
    return found


#: The case with its document, and its result as text (built once: every results page
#: runs it).
_CASE_AND_RESULT_TEXT = (
    select(Case, cast(Case.result, Text))
    .where(Case.id == bindparam("case_id"))
    .options(undefer(Case.document))
)


def load(case_id: int) -> tuple[Case, Entry] | None:
    """The case (its result and parsed document in place, as if loaded) and its entry;
    None when there is no such case."""
    row = db.session.execute(_CASE_AND_RESULT_TEXT, {"case_id": case_id}).one_or_none()
    if row is None:
        return None
    case, result_text = row
    document, currency = case.document, case.currency
    entry = cache().get(case.id, document, result_text, currency)
    if entry is None:
        result = None if result_text is None else json.loads(result_text)
        set_committed_value(case, "result", result)
        view = presenters.stored_view(case)
        html: dict[str, Markup] = {}
        if view is not None:
            macros = current_app.jinja_env.get_template(TEMPLATE).module
            html = {name: getattr(macros, name)(view, currency) for name in SECTIONS}
        entry = Entry(document, result_text, currency, case.doc, result, view, html)
        cache().put(case.id, entry)
    else:
        set_committed_value(case, "result", entry.result)
        case.__dict__["_doc_cache"] = (document, entry.case_file)  # parsed already
    return case, entry
