"""Web benchmark: results page and portfolio through `cxroi serve` (gunicorn) on loopback.

SQLite: seeds a temporary database with 1,000 and then 10,000 cases (each with a real
stored engine result), serves it with ``cxroi serve`` (gunicorn, 4 threads) in a
subprocess on 127.0.0.1, signs in like a browser (CSRF included), then for each
page: latency of sequential requests (median, p95) and requests/s with 4 concurrent
keep-alive clients, beside the same figures for the trivial ``/livez`` route.

PostgreSQL (issue 11), when ``CXROI_BENCH_DATABASE_URL`` names a database this benchmark
may wipe: 100,000 cases bulk-loaded with COPY (list columns and a minimal valid
document each; one real priced case for the results page), then the portfolio's first
page in every order and direction (target p95 <= 25 ms), a page 40 pages deep, two
filters, search (target p95 <= 40 ms), and the results page's and the portfolio's req/s
as a ratio of ``/livez``'s on the same server, interleaved (aim >= 0.25).
Bounded: a fixed number of requests and at most a few seconds per measurement.
Targets (issue 3): results page p95 <= 60 ms; portfolio with 10,000 cases p95 <= 100 ms.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from timing import side_by_side

ROOT = Path(__file__).resolve().parent.parent
SEQUENTIAL = 200  # requests per latency measurement
ROUNDS = 3  # latency rounds per page; the quietest round is reported (shared machines)
THROUGHPUT_SECONDS = 2.0
CLIENTS = 4
PASSWORD = "benchmark password"


def _port() -> int:
    for port in range(5050, 5060):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5050-5059")


def seed(url: str, cases: int) -> int:
    """Create the schema, one CX user, one real case and ``cases - 1`` copies; return its id."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert

    from cxroi import create_app
    from cxroi.auth.services import create_user
    from cxroi.cases.casefiles import import_case
    from cxroi.extensions import db
    from models import Case

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        user = create_user("bench@example.com", "cx", PASSWORD)
        doc = json.loads((ROOT / "examples" / "contact-centre.json").read_text())
        real = import_case(user, json.dumps(doc).encode())
        columns = {c.key: getattr(real, c.key) for c in Case.__table__.columns if c.key != "id"}
        batch = []
        for i in range(1, cases):
            row = dict(columns)
            row["title"] = f"{doc['title']} #{i}"
            scale = 0.5 + (i * 7919 % 1000) / 1000
            row["npv"] = real.npv * scale - 300_000
            row["npv_per_pv_cost"] = row["npv"] / real.pv_costs
            row["roi"] = real.roi * scale
            batch.append(row)
            if len(batch) == 1000:
                db.session.execute(insert(Case), batch)
                batch = []
        if batch:
            db.session.execute(insert(Case), batch)
        db.session.commit()
        case_id = real.id
        db.session.remove()
        db.engine.dispose()
    return case_id


class Client:
    """A keep-alive HTTP client that holds a signed-in session cookie."""

    def __init__(self, port: int, cookie: str = "") -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = cookie

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, Any]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookie = value.split(";", 1)[0]
        return response.status, text, response.headers

    def sign_in(self) -> None:
        from urllib.parse import urlencode

        _, html, _ = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        assert token, "no CSRF token on /login"
        form = {"csrf_token": token.group(1), "email": "bench@example.com", "password": PASSWORD}
        status, _, _ = self.request("POST", "/login", urlencode(form))
        assert status == 302, f"sign-in failed: {status}"


def latency(client: Client, path: str) -> tuple[float, float]:
    for _ in range(10):  # warm-up
        client.request("GET", path)
    times = []
    deadline = time.perf_counter() + 20
    for _ in range(SEQUENTIAL):
        start = time.perf_counter()
        status, _, _ = client.request("GET", path)
        times.append(time.perf_counter() - start)
        assert status == 200, f"{path}: {status}"
        if time.perf_counter() > deadline:
            break
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def throughput(port: int, cookie: str, path: str) -> float:
    counts = [0] * CLIENTS
    stop = time.perf_counter() + THROUGHPUT_SECONDS

    def work(i: int) -> None:
        client = Client(port, cookie)
        while time.perf_counter() < stop:
            client.request("GET", path)
            counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / THROUGHPUT_SECONDS


@contextlib.contextmanager
def serving(url: str) -> Iterator[tuple[int, Client]]:
    """``cxroi serve`` (4 threads) on ``url``'s database; a signed-in client."""
    port = _port()
    env = {**os.environ, "CXROI_DATABASE_URL": url, "CXROI_SECRET_KEY": "benchmark-only"}
    env.setdefault("CXROI_INSECURE_HTTP", "1")
    # The app will not start without the audit seal's key: a throw-away one for the
    # benchmark's own database.
    env.setdefault("CXROI_AUDIT_KEY", secrets.token_hex(32))
    server = subprocess.Popen(
        [sys.executable, "-m", "cxroi", "serve", "--port", str(port), "--threads", "4"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                Client(port).request("GET", "/livez")
                break
            except OSError:
                time.sleep(0.1)
        client = Client(port)
        client.sign_in()
        yield port, client
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def run(cases: int, workdir: Path) -> None:
    db_file = workdir / f"bench-{cases}.db"
    url = f"sqlite:///{db_file}"
    started = time.perf_counter()
    case_id = seed(url, cases)
    os.sync()  # let the seeding's writes reach the disk before anything is timed
    print(
        f"\n{cases:,} cases seeded in {time.perf_counter() - started:.1f} s "
        f"({db_file.stat().st_size / 1e6:.0f} MB)"
    )
    with serving(url) as (port, client):
        rows = []
        for name, path in [
            ("trivial /livez", "/livez"),
            ("case results page", f"/cases/{case_id}"),
            ("portfolio, first page", "/"),
        ]:
            med, p95 = min((latency(client, path) for _ in range(ROUNDS)), key=lambda r: r[1])
            rps = throughput(port, client.cookie, path)
            rows.append((name, med, p95, rps))
        trivial_rps = rows[0][3]
        print(f"{'page':28}{'median ms':>11}{'p95 ms':>9}{'req/s':>9}{'vs trivial':>12}  target")
        for name, _med, _p95, rps in rows[1:]:
            side_by_side(
                f"{name} req/s ({cases:,} cases, SQLite)",
                rps,
                trivial_rps,
                "/livez req/s",
                ">= 0.25",
                unit="req/s",
            )
        for name, med, p95, rps in rows:
            target = ""
            if name.startswith("case results"):
                target = f"p95 <= 60 ms: {'met' if p95 <= 0.060 else 'MISSED'}"
            elif name.startswith("portfolio") and cases >= 10_000:
                target = f"p95 <= 100 ms: {'met' if p95 <= 0.100 else 'MISSED'}"
            print(
                f"{name:28}{med * 1000:11.1f}{p95 * 1000:9.1f}{rps:9.0f}"
                f"{rps / trivial_rps:12.2f}  {target}"
            )


# -- PostgreSQL, 100,000 cases (issue 11) ----------------------------------------------

PG_CASES = 100_000
PG_SEQUENTIAL = 60  # requests per latency round (each order, each direction)
PG_ROUNDS = 3  # latency: the quietest of 3 rounds (shared machine); req/s: median of 3
OWNERS = 50
WORDS = [
    "chat",
    "returns",
    "billing",
    "onboarding",
    "loyalty",
    "survey",
    "callback",
    "refund",
    "portal",
    "app",
    "delivery",
    "complaints",
    "renewal",
    "upgrade",
    "outage",
    "kiosk",
    "voice",
    "email",
    "sms",
    "self-service",
    "identity",
    "payments",
    "retention",
    "referral",
    "statements",
    "chatbot",
    "tracking",
    "booking",
    "claims",
    "appointments",
    "feedback",
]
PLACES = [
    "north",
    "south",
    "east",
    "west",
    "central",
    "online",
    "branch",
    "store",
    "partner",
    "enterprise",
]
SEARCH_WORD = "kiosk"  # in about 1 title or description in 10


def _minimal_documents() -> tuple[str, str]:
    """A valid empty case's canonical document, split where its title goes."""
    from cxroi.engine import canonical_json, load_case

    marker = "TITLE-MARKER-7f3a"
    doc = {
        "format": "cxroi-case/2",
        "title": marker,
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": 36,
        "discount_rate": 0.1,
        "assumptions": [],
        "costs": [],
        "benefits": [],
        "scenarios": [],
    }
    text = canonical_json(load_case(doc))
    head, tail = text.split(json.dumps(marker), 1)
    return head, tail


def seed_postgres(url: str, cases: int) -> int:
    """Wipe ``url``, create the schema (with its triggers and trigram indexes), one user
    per owner and one real priced case, then COPY ``cases - 1`` list rows, each with a
    minimal valid document whose title is the row's and whose hash is its SHA-256."""
    import hashlib
    import random
    from datetime import UTC, datetime, timedelta

    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert, text

    from cxroi import create_app
    from cxroi.auth.services import create_user
    from cxroi.cases.casefiles import import_case
    from cxroi.engine import load_case
    from cxroi.extensions import db
    from cxroi.workflow import STATES
    from models import User
    from models.portfolio_total import REBUILD

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "MC_TRIALS": 500})
    rng = random.Random(11)
    with app.app_context():
        db.metadata.drop_all(db.engine)
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.metadata.create_all(db.engine)
        user = create_user("bench@example.com", "cx", PASSWORD)
        db.session.execute(
            insert(User),
            [
                {"email": f"owner{i}@example.com", "name": f"Owner {i}", "role": "cx",
                 "password_hash": user.password_hash}
                for i in range(1, OWNERS)
            ],
        )  # fmt: skip
        db.session.commit()
        owner_ids = list(db.session.scalars(text("SELECT id FROM users ORDER BY id")))
        doc = json.loads((ROOT / "examples" / "contact-centre.json").read_text())
        real = import_case(user, json.dumps(doc).encode())
        case_id = real.id
        head, tail = _minimal_documents()
        for sample in ("A title", 'Quote " and \\ and é'):
            made = head + json.dumps(sample, ensure_ascii=False) + tail
            assert load_case(made).title == sample, "the minimal document is not canonical"
        now = datetime.now(UTC)
        columns = [
            "owner_id",
            "title",
            "description",
            "currency",
            "status",
            "lock_version",
            "created_at",
            "updated_at",
            "updated_by_id",
            "case_hash",
            "computed_at",
            "npv",
            "npv_unadjusted",
            "irr",
            "roi",
            "bcr",
            "payback_months",
            "discounted_payback_months",
            "total_costs",
            "total_benefits",
            "pv_costs",
            "pv_benefits",
            "npv_per_pv_cost",
            "prob_npv_positive",
            "document",
        ]
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            # A bulk load counts once at the end (one aggregate) rather than through the
            # per-row trigger: 100k updates of a few hundred rows would leave the totals
            # table bloated with dead row versions until autovacuum catches up.
            cur.execute("ALTER TABLE cases DISABLE TRIGGER cases_portfolio_totals")
            with cur.copy(f"COPY cases ({', '.join(columns)}) FROM STDIN") as copy:
                for i in range(1, cases):
                    words = rng.sample(WORDS, 2)
                    title = f"{words[0].title()} {words[1]} {rng.choice(PLACES)} #{i}"
                    document = head + json.dumps(title, ensure_ascii=False) + tail
                    pv_costs = round(rng.uniform(50_000, 2_000_000), 2)
                    npv = None if rng.random() < 0.03 else round(rng.gauss(300_000, 900_000), 2)
                    pv_benefits = None if npv is None else pv_costs + npv
                    payback = None if npv is None or npv < 0 else round(rng.uniform(3, 60), 1)
                    changed = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
                    copy.write_row(
                        (
                            rng.choice(owner_ids), title,
                            f"Improve {rng.choice(WORDS)} for {rng.choice(PLACES)} customers",
                            rng.choices(["GBP", "EUR", "USD"], [80, 15, 5])[0],
                            rng.choice(STATES), 1, changed, changed, None,
                            hashlib.sha256(document.encode()).hexdigest(), changed,
                            npv, npv, None, None if npv is None else npv / pv_costs, None,
                            payback, payback, pv_costs, pv_benefits, pv_costs, pv_benefits,
                            None if npv is None else npv / pv_costs, None, document,
                        )
                    )  # fmt: skip
            cur.execute("ALTER TABLE cases ENABLE TRIGGER cases_portfolio_totals")
            for statement in REBUILD:
                cur.execute(statement)
            raw.commit()
        finally:
            raw.close()
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()
    return case_id


def _quietest(client: Client, path: str) -> tuple[float, float]:
    return min((latency(client, path) for _ in range(PG_ROUNDS)), key=lambda r: r[1])


def _row(name: str, times: tuple[float, float], target: float | None = None) -> None:
    med, p95 = times
    verdict = ""
    if target is not None:
        verdict = f"p95 <= {target * 1000:g} ms: {'met' if p95 <= target else 'MISSED'}"
    print(f"{name:44}{med * 1000:11.1f}{p95 * 1000:9.1f}  {verdict}")


def _next_link(html: str) -> str:
    from html import unescape

    found = re.search(r'<a rel="next" href="([^"]+)"', html)
    assert found, "no Next link"
    return unescape(found.group(1))


def run_postgres(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from cxroi.portfolio.services import SORTS

    started = time.perf_counter()
    case_id = seed_postgres(url, PG_CASES)
    print(
        f"\nPostgreSQL: {PG_CASES:,} cases seeded (COPY) in {time.perf_counter() - started:.1f} s"
    )
    with serving(url) as (port, client):
        latency_was = globals()["SEQUENTIAL"]
        globals()["SEQUENTIAL"] = PG_SEQUENTIAL
        try:
            print(f"{'portfolio page (' + format(PG_CASES, ',') + ' cases)':44}"
                  f"{'median ms':>11}{'p95 ms':>9}  target")  # fmt: skip
            for sort in SORTS:
                for direction in ("desc", "asc"):
                    path = f"/?sort={sort}&dir={direction}"
                    _row(f"first page, {sort} {direction}", _quietest(client, path), 0.025)
            deep = "/?sort=npv&dir=desc"
            for _ in range(40):
                deep = _next_link(client.request("GET", deep)[1])
            _row("page 41, npv desc (keyset)", _quietest(client, deep), 0.025)
            _row("first page, status=approved", _quietest(client, "/?status=approved"), 0.025)
            _row("first page, one owner", _quietest(client, "/?owner=2"), 0.025)
            # "kiosk north": about 1 case in 300; "kiosk": about 1 in 10 (its totals
            # aggregate ~9,500 rows: the one part of the page that still grows with cases)
            _row("search q=kiosk north (1 in 300)", _quietest(client, "/?q=kiosk+north"), 0.040)
            _row("search q=kiosk (1 case in 10)", _quietest(client, f"/?q={SEARCH_WORD}"), 0.040)
        finally:
            globals()["SEQUENTIAL"] = latency_was
        pages = [("trivial /livez", "/livez"), ("case results page", f"/cases/{case_id}"),
                 ("portfolio, first page", "/")]  # fmt: skip
        rates: dict[str, list[float]] = {name: [] for name, _ in pages}
        for _ in range(PG_ROUNDS):  # interleaved, so a busy moment hits every row alike
            for name, path in pages:
                rates[name].append(throughput(port, client.cookie, path))
        trivial = statistics.median(rates["trivial /livez"])
        print(f"{'req/s, ' + str(CLIENTS) + ' clients, median of ' + str(PG_ROUNDS):44}"
              f"{'req/s':>11}{'vs /livez':>11}  target")  # fmt: skip
        for name, _ in pages:
            rps = statistics.median(rates[name])
            target = "" if name.startswith("trivial") else (
                f">= 0.25 of /livez: {'met' if rps / trivial >= 0.25 else 'MISSED'}"
            )  # fmt: skip
            print(f"{name:44}{rps:11.0f}{rps / trivial:11.2f}  {target}")
            if not name.startswith("trivial"):
                side_by_side(f"{name} req/s (100k, PostgreSQL)", rps, trivial,
                             "/livez req/s", ">= 0.25", unit="req/s")  # fmt: skip


def main() -> None:
    print(
        f"cxroi serve (gunicorn) on 127.0.0.1, 4 threads; latency: {SEQUENTIAL} sequential "
        "requests, "
        f"quietest of {ROUNDS} rounds; req/s: {CLIENTS} keep-alive clients for "
        f"{THROUGHPUT_SECONDS:g} s; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="cxroi-bench-") as tmp:
        for cases in (1_000, 10_000):
            run(cases, Path(tmp))
    pg_url = os.environ.get("CXROI_BENCH_DATABASE_URL", "")
    if pg_url.startswith("postgresql"):
        run_postgres(pg_url)
    else:
        print(
            "\nPostgreSQL, 100,000 cases: not run. Set CXROI_BENCH_DATABASE_URL to a "
            "PostgreSQL database this benchmark may wipe, e.g. "
            "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/cxroi_bench"
        )


if __name__ == "__main__":
    main()
