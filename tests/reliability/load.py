"""A small load client: simulated users as threads, each with its own HTTP session.

Each user signs in (with the CSRF token of the login form) and then, until told to stop,
picks an action at random: reads (portfolio, results page, sponsor page by a view link,
API GET) and writes (a cost line saved through its form, an API PUT with ``If-Match``, a
comment, a view link created). Every write the server acknowledged (2xx/3xx) is recorded
with its effect, which :func:`missing_writes` looks for in the database afterwards.
Every response is timed per kind; any 5xx keeps its body, for the error-page checks.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import sqlalchemy as sa

from cxroi.gunicorn import KEEPALIVE_SECONDS
from tests.appsupport import PASSWORD
from tests.reliability.seed import Seeded

TIMEOUT = (5, 120)  # connect, read: a save under load can take seconds, never minutes
# A session left idle this long drops its pooled connections before the next request, as
# a browser or proxy does: the server closes idle keep-alive connections after
# KEEPALIVE_SECONDS, and a request sent on one at that instant meets a closed socket
# (the one ConnectionError in 3,788 requests of a CI run). Half the server's figure
# leaves room for a loaded machine's scheduling.
CLIENT_IDLE_SECONDS = KEEPALIVE_SECONDS / 2
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
LOCK = re.compile(r'name="lock_version" type="hidden" value="(\d+)"')

#: (action, weight): about half reads, half writes.
MIX = (
    ("portfolio", 12),
    ("results", 12),
    ("sponsor", 10),
    ("api_get", 12),
    ("form_save", 18),
    ("api_put", 14),
    ("comment", 14),
    ("link_create", 8),
)


@dataclass(frozen=True)
class Ack:
    """An acknowledged write: what must be in the database afterwards."""

    kind: str  # "cost" (form or API), "comment", "link"
    case_id: int
    marker: str  # the cost's name, the comment's body, the link's recipient email


@dataclass(frozen=True)
class Failure:
    kind: str
    method: str
    path: str
    status: int
    content_type: str
    body: str


@dataclass
class Recorder:
    """What every simulated user saw; thread-safe."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)  # 5xx
    refused: list[Failure] = field(default_factory=list)  # unexpected 4xx
    connection_errors: Counter[str] = field(default_factory=Counter)
    connection_error_details: list[str] = field(default_factory=list)  # the first few, whole
    acks: list[Ack] = field(default_factory=list)

    def response(self, kind: str, seconds: float, r: requests.Response) -> None:
        with self.lock:
            self.timings.setdefault(kind, []).append(seconds)
            self.statuses[kind, r.status_code] += 1
            if r.status_code >= 400:
                failure = Failure(
                    kind,
                    r.request.method or "",
                    r.request.path_url,
                    r.status_code,
                    r.headers.get("Content-Type", ""),
                    r.text[:2000],
                )
                (self.failures if r.status_code >= 500 else self.refused).append(failure)

    def connection_error(self, kind: str, exc: Exception) -> None:
        with self.lock:
            self.connection_errors[f"{kind}: {type(exc).__name__}"] += 1
            if len(self.connection_error_details) < 5:
                self.connection_error_details.append(f"{kind}: {exc!r}")

    def ack(self, ack: Ack) -> None:
        with self.lock:
            self.acks.append(ack)

    def summary(self) -> dict[str, Any]:
        """p50/p95 (ms) and counts per request kind, and the totals."""
        per_kind = {}
        for kind, times in sorted(self.timings.items()):
            ms = sorted(t * 1000 for t in times)
            cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
            per_kind[kind] = {
                "count": len(ms),
                "p50_ms": round(cuts[49], 1),
                "p95_ms": round(cuts[94], 1),
                "max_ms": round(ms[-1], 1),
            }
        return {
            "requests": sum(self.statuses.values()),
            "by_kind": per_kind,
            "statuses": {f"{k} {s}": n for (k, s), n in sorted(self.statuses.items())},
            "5xx": len(self.failures),
            "unexpected_4xx": len(self.refused),
            "connection_errors": dict(self.connection_errors),
            "connection_error_details": list(self.connection_error_details),
            "acknowledged_writes": dict(Counter(a.kind for a in self.acks)),
        }


class SimUser:
    """One simulated user: a browser session, an API token and an anonymous sponsor."""

    def __init__(
        self,
        number: int,
        base_url: str,
        seeded: Seeded,
        recorder: Recorder,
        think: tuple[float, float],
    ) -> None:
        self.number = number
        self.base = base_url
        self.account = seeded.account_of(number)
        self.case_id = seeded.drafts[number]
        self.recorder = recorder
        self.think = think
        self.random = random.Random(number)
        self.browser = requests.Session()
        self.sponsor = requests.Session()
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Bearer {self.account.api_token}"
        self.last_used: dict[int, float] = {}
        self.signed_in = False
        self.serial = 0

    def close(self) -> None:
        for s in (self.browser, self.sponsor, self.api):
            s.close()

    # -- plumbing --------------------------------------------------------------------------

    def call(
        self, kind: str, session: requests.Session, method: str, path: str, **kw: Any
    ) -> requests.Response | None:
        start = time.perf_counter()
        if start - self.last_used.get(id(session), start) > CLIENT_IDLE_SECONDS:
            session.close()  # its adapters stay mounted and open fresh connections
        try:
            r = session.request(
                method, self.base + path, timeout=TIMEOUT, allow_redirects=False, **kw
            )
        except requests.RequestException as exc:
            self.recorder.connection_error(kind, exc)
            return None
        finally:
            self.last_used[id(session)] = time.perf_counter()
        self.recorder.response(kind, time.perf_counter() - start, r)
        return r

    def tag(self, what: str) -> str:
        self.serial += 1
        return f"{what}-u{self.number}-{self.serial}"

    def csrf_of(self, r: requests.Response | None) -> str | None:
        if r is None or r.status_code != 200:
            return None
        found = CSRF.search(r.text)
        return found.group(1) if found else None

    # -- actions ---------------------------------------------------------------------------

    def sign_in(self) -> bool:
        token = self.csrf_of(self.call("login_form", self.browser, "GET", "/login"))
        if token is None:
            return False
        r = self.call(
            "login",
            self.browser,
            "POST",
            "/login",
            data={"email": self.account.email, "password": PASSWORD, "csrf_token": token},
        )
        self.signed_in = r is not None and r.status_code == 302
        return self.signed_in

    def portfolio(self) -> None:
        self.call("portfolio", self.browser, "GET", "/")

    def results(self) -> None:
        self.call("results", self.browser, "GET", f"/cases/{self.case_id}")

    def sponsor_page(self) -> None:
        self.call("sponsor", self.sponsor, "GET", f"/s/{self.account.view_token}")

    def api_get(self) -> None:
        self.call("api_get", self.api, "GET", f"/api/v1/cases/{self.case_id}")

    def form_save(self) -> None:
        path = f"/cases/{self.case_id}/costs/new"
        page = self.call("form_get", self.browser, "GET", path)
        token = self.csrf_of(page)
        lock = LOCK.search(page.text) if page is not None else None
        if token is None or lock is None:
            return
        name = self.tag("form")
        form = {
            "csrf_token": token,
            "lock_version": lock.group(1),
            "name": name,
            "category": "technology",
            "department": "IT",
            "recurrence": "once",
            "month": "1",
            "amount": "1000",
            "escalation": "",
            "risk": "",
        }
        r = self.call("form_save", self.browser, "POST", path, data=form)
        if r is not None and r.status_code == 302:
            self.recorder.ack(Ack("cost", self.case_id, name))

    def api_put(self) -> None:
        path = f"/api/v1/cases/{self.case_id}"
        got = self.call("api_get", self.api, "GET", path)
        if got is None or got.status_code != 200:
            return
        doc = got.json()["document"]
        name = self.tag("api")
        cost = {"name": name, "category": "technology", "recurrence": "once", "month": 2}
        doc["costs"].append({**cost, "amount": 500})
        r = self.call(
            "api_put",
            self.api,
            "PUT",
            path,
            data=json.dumps(doc),
            headers={"Content-Type": "application/json", "If-Match": got.headers["ETag"]},
        )
        if r is not None and r.status_code == 200:
            self.recorder.ack(Ack("cost", self.case_id, name))

    def comment(self) -> None:
        token = self.csrf_of(
            self.call("review_page", self.browser, "GET", f"/cases/{self.case_id}/review")
        )
        if token is None:
            return
        body = self.tag("comment")
        r = self.call(
            "comment",
            self.browser,
            "POST",
            f"/cases/{self.case_id}/comments",
            data={"csrf_token": token, "body": body, "assumption_key": ""},
        )
        if r is not None and r.status_code == 302:
            self.recorder.ack(Ack("comment", self.case_id, body))

    def link_create(self) -> None:
        case_id = self.account.frozen_case
        page = self.call("links_page", self.browser, "GET", f"/cases/{case_id}/links")
        token = self.csrf_of(page)
        if token is None:
            return
        email = f"{self.tag('link')}@example.com"
        r = self.call(
            "link_create",
            self.browser,
            "POST",
            f"/cases/{case_id}/links",
            data={
                "csrf_token": token,
                "recipient_name": "Load Sponsor",
                "recipient_email": email,
                "scope": "view",
                "expires_in_days": "14",
            },
        )
        if r is not None and r.status_code == 200 and "/s/" in r.text:
            self.recorder.ack(Ack("link", case_id, email))

    def run(self, stop: threading.Event) -> None:
        actions: dict[str, Callable[[], None]] = {
            "portfolio": self.portfolio,
            "results": self.results,
            "sponsor": self.sponsor_page,
            "api_get": self.api_get,
            "form_save": self.form_save,
            "api_put": self.api_put,
            "comment": self.comment,
            "link_create": self.link_create,
        }
        names, weights = zip(*MIX, strict=True)
        try:
            while not stop.is_set():
                if not self.signed_in and not self.sign_in():
                    stop.wait(0.5)
                    continue
                actions[self.random.choices(names, weights)[0]]()
                stop.wait(self.random.uniform(*self.think))
        finally:
            self.close()


@dataclass
class Load:
    """Simulated users running in threads until :meth:`stop`."""

    recorder: Recorder
    stop_event: threading.Event
    threads: list[threading.Thread]

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=180)
        assert not any(t.is_alive() for t in self.threads), "a simulated user did not stop"


def start_load(
    base_url: str,
    seeded: Seeded,
    users: int,
    *,
    recorder: Recorder | None = None,
    think: tuple[float, float] = (0.1, 0.5),
) -> Load:
    recorder = recorder or Recorder()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=SimUser(n, base_url, seeded, recorder, think).run,
            args=(stop,),
            name=f"user-{n}",
            daemon=True,
        )
        for n in range(users)
    ]
    for t in threads:
        t.start()
    return Load(recorder, stop, threads)


def run_load(base_url: str, seeded: Seeded, users: int, seconds: float) -> Recorder:
    load = start_load(base_url, seeded, users)
    time.sleep(seconds)
    load.stop()
    return load.recorder


# -- afterwards --------------------------------------------------------------------------


def missing_writes(database_url: str, acks: list[Ack]) -> list[Ack]:
    """The acknowledged writes whose effect is not in the database."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            costs = {
                (row.id, cost["name"])
                for row in conn.execute(sa.text("SELECT id, document FROM cases"))
                for cost in json.loads(row.document)["costs"]
            }
            comments = {
                (row.case_id, row.body)
                for row in conn.execute(sa.text("SELECT case_id, body FROM comments"))
            }
            links = {
                (row.case_id, row.recipient_email)
                for row in conn.execute(
                    sa.text("SELECT case_id, recipient_email FROM shared_links")
                )
            }
    finally:
        engine.dispose()
    found = {"cost": costs, "comment": comments, "link": links}
    return [a for a in acks if (a.case_id, a.marker) not in found[a.kind]]
