"""Web benchmark: results page and portfolio through waitress on loopback.

Seeds a temporary SQLite database with 1,000 and then 10,000 cases (each with a real
stored engine result), serves it with ``cxroi serve`` (waitress, 4 threads) in a
subprocess on 127.0.0.1, signs in like a browser (CSRF included), then for each
page: latency of sequential requests (median, p95) and requests/s with 4 concurrent
keep-alive clients, beside the same figures for the trivial ``/healthz`` route.
Bounded: a fixed number of requests and at most a few seconds per measurement.
Targets (issue 3): results page p95 <= 60 ms; portfolio with 10,000 cases p95 <= 100 ms.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

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
    from cxroi.cases.services import import_case
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
    port = _port()
    env = {**os.environ, "CXROI_DATABASE_URL": url, "CXROI_SECRET_KEY": "benchmark-only"}
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
                Client(port).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        client = Client(port)
        client.sign_in()
        rows = []
        for name, path in [
            ("trivial /healthz", "/healthz"),
            ("case results page", f"/cases/{case_id}"),
            ("portfolio, first page", "/"),
        ]:
            med, p95 = min((latency(client, path) for _ in range(ROUNDS)), key=lambda r: r[1])
            rps = throughput(port, client.cookie, path)
            rows.append((name, med, p95, rps))
        trivial_rps = rows[0][3]
        print(f"{'page':28}{'median ms':>11}{'p95 ms':>9}{'req/s':>9}{'vs trivial':>12}  target")
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
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    print(
        f"waitress on 127.0.0.1 (4 threads); latency: {SEQUENTIAL} sequential requests, "
        f"quietest of {ROUNDS} rounds; req/s: {CLIENTS} keep-alive clients for "
        f"{THROUGHPUT_SECONDS:g} s; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="cxroi-bench-") as tmp:
        for cases in (1_000, 10_000):
            run(cases, Path(tmp))


if __name__ == "__main__":
    main()
