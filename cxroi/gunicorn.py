"""gunicorn serving the app: ``cxroi serve`` runs it in-process (no config file).

Each worker builds its own app after the fork (no database connection, Redis client
or thread is shared across it) and first pins its BLAS/OpenMP threads.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

# How long an idle keep-alive connection stays open. A client (or the proxy in front)
# must stop reusing a connection it has left idle for about this long: sent just as the
# server closes it, a request meets a closed socket. Keep a proxy's upstream idle timeout
# below this.
KEEPALIVE_SECONDS = 5


class CxroiApplication(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from cxroi.threads import pin

        pin()
        from cxroi import create_app

        return create_app()


def serve_app(bind: str, *, workers: int, threads: int, timeout: int) -> None:
    CxroiApplication(
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "timeout": timeout,
            "graceful_timeout": 20,
            "keepalive": KEEPALIVE_SECONDS,
            "accesslog": "-",
            # %(p)s: the worker's pid, so a log shows which worker answered.
            "access_log_format": '%(h)s %(p)s "%(r)s" %(s)s %(b)s %(M)sms',
            "errorlog": "-",
            "loglevel": "info",
            "preload_app": False,
        }
    ).run()
