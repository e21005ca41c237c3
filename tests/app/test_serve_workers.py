"""`cxroi serve --workers 4` (gunicorn) shares the login limit through Redis (issue 10).

Starts the real server on a free loopback port against a temporary SQLite database and
posts wrong logins from a bounded client, several at a time so that more than one
worker answers; the access log names the worker (pid) of each answer.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.app.test_simulations import redis_test_url

LIMIT = 10
ATTEMPTS = 32
SERVE = [sys.executable, "-m", "cxroi", "serve", "--workers", "4", "--threads", "1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(100):
        if server.poll() is not None:
            pytest.fail(f"cxroi serve exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/livez", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"cxroi serve did not answer: {log.read_text()[-2000:]}")


def wait_for_workers(base: str, log: Path, wanted: int = 2, seconds: float = 90) -> None:
    """Wait until at least ``wanted`` workers answer (each builds the app after its fork, so
    on a busy machine the first may serve alone for a while): concurrent /livez probes until
    the access log shows that many worker pids."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(
                pool.map(
                    lambda _i: urllib.request.urlopen(base + "/livez", timeout=10).read(), range(8)
                )
            )
        pids = {line.split()[1] for line in log.read_text().splitlines() if '"GET /livez' in line}
        if len(pids) >= wanted:
            return
        time.sleep(0.5)
    pytest.fail(f"fewer than {wanted} workers answered within {seconds:.0f} s")


def attempt(base: str) -> int:
    """One wrong login with a fresh session and its CSRF token; the answer's status."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(base + "/login", timeout=30) as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "the login form has a CSRF token"
    body = urlencode(
        {"csrf_token": token.group(1), "email": "nobody@example.com", "password": "wrong"}
    ).encode()
    try:
        with opener.open(base + "/login", data=body, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.mark.slow
def test_the_login_limit_holds_across_four_gunicorn_workers(tmp_path: Path) -> None:
    url = redis_test_url()
    if url is None:
        pytest.skip("Redis is not configured: set CXROI_TEST_REDIS_URL=redis://127.0.0.1:6379/15")
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    redis = Redis.from_url(url)
    try:
        redis.flushdb()
    except RedisDown:
        pytest.skip(f"Redis does not answer at {url}")
    env = {
        **os.environ,
        "CXROI_SECRET_KEY": "test-secret-for-serve",
        "CXROI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "CXROI_REDIS_URL": url,
        "CXROI_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
        "CXROI_INSECURE_HTTP": "1",  # plain HTTP on loopback: the client keeps its cookies
    }
    env.pop("CXROI_RATELIMIT_STORAGE_URI", None)
    env.pop("CXROI_RATELIMIT_STORAGE", None)
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "cxroi", "init-db"], env=env, cwd=root, check=True, timeout=120
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*SERVE, "--bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(base, server, log)
            wait_for_workers(base, log)
            with ThreadPoolExecutor(max_workers=4) as pool:
                statuses = list(pool.map(lambda _i: attempt(base), range(ATTEMPTS)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    redis.flushdb()
    lines = [line for line in log.read_text().splitlines() if '"POST /login' in line]
    workers = {line.split()[1] for line in lines}
    assert len(lines) == ATTEMPTS
    assert len(workers) > 1, f"one worker answered every login: {workers}"
    assert statuses.count(429) == ATTEMPTS - LIMIT, statuses
    # The first LIMIT reach the form, which refuses the wrong password (400).
    assert {s for s in statuses if s != 429} == {400}, statuses
