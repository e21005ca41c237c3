"""The app as production runs it: gunicorn with several worker processes, on loopback.

:func:`start_server` is the one place that knows how the server is started: as the
README's Production section says, ``cxroi serve --workers N`` (gunicorn) and one
``cxroi worker`` for the Monte Carlo jobs, sharing Redis. Each runs in its own process
group; ``kill9()`` sends SIGKILL to both groups at once, the whole deployment.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.appsupport import TEST_AUDIT_KEY, anchor_for
from tests.support import ROOT

#: Limits high enough for a load from one address (127.0.0.1) to pass; they are still
#: counted in Redis, shared by the workers, as in production.
LOAD_LIMITS = {
    "CXROI_LOGIN_RATE_LIMIT": "100000 per minute",
    "CXROI_LINK_RATE_LIMIT": "100000 per minute",
    "CXROI_API_RATE_LIMIT": "100000 per minute",
}
SECRET_KEY = "reliability-suite-secret-not-for-production"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of the server (and of the ``cxroi`` commands run beside it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXROI_")}
    env.update(
        CXROI_DATABASE_URL=database_url,
        CXROI_SECRET_KEY=SECRET_KEY,
        CXROI_REDIS_URL=redis_url,
        # the suite's audit key and anchor: the seeding app, the servers and the
        # commands are one installation
        CXROI_AUDIT_KEY=TEST_AUDIT_KEY,
        CXROI_AUDIT_ANCHOR=str(anchor_for(database_url)),
        CXROI_INSECURE_HTTP="1",  # plain HTTP on loopback: the client must get its cookies
        **LOAD_LIMITS,
    )
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path
    stopped: bool = field(default=False)
    helpers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def kill9(self) -> None:
        """SIGKILL the master and its workers at once (their process group), no shutdown."""
        for process in (self.process, *self.helpers):
            os.killpg(process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reap()
        self.stopped = True

    def _reap(self) -> None:
        for helper in self.helpers:
            if helper.poll() is None:
                os.killpg(helper.pid, signal.SIGTERM)
            try:
                helper.wait(timeout=30)
            except subprocess.TimeoutExpired:
                helper.kill()
                helper.wait(timeout=30)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._reap()


def start_server(
    database_url: str, redis_url: str, log_dir: Path, *, workers: int = 4, timeout: float = 60.0
) -> Server:
    """Start the app with ``workers`` processes on a free loopback port; wait for /readyz."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "cxroi",
        "serve",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
    ]
    log = log_dir / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=server_env(database_url, redis_url),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill9() reaches every worker
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    with log.open("ab") as out:
        server.helpers.append(
            subprocess.Popen(
                [sys.executable, "-m", "cxroi", "worker"],
                cwd=ROOT,
                env=server_env(database_url, redis_url),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{server.log_tail()}")
        try:
            if requests.get(f"{server.base_url}/readyz", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"the server was not ready within {timeout:.0f} s:\n{server.log_tail()}")
