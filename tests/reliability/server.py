"""The app as production runs it: gunicorn with several worker processes, on loopback.

:func:`start_server` is the one place that knows how the server is started. Until
``cxroi serve --workers N`` exists it runs gunicorn itself; switch the ``argv`` below to
``[sys.executable, "-m", "cxroi", "serve", "--workers", str(workers), "--port", ...]``
when it does.
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
        CXROI_RATELIMIT_STORAGE_URI=redis_url,
        **LOAD_LIMITS,
    )
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path
    stopped: bool = field(default=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def kill9(self) -> None:
        """SIGKILL the master and its workers at once (their process group), no shutdown."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.stopped = True

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


def start_server(
    database_url: str, redis_url: str, log_dir: Path, *, workers: int = 4, timeout: float = 60.0
) -> Server:
    """Start the app with ``workers`` processes on a free loopback port; wait for /readyz."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "wsgi:app",
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
