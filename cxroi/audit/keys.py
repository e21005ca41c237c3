"""The audit chain's key: an HMAC key kept outside the database.

Production sets ``CXROI_AUDIT_KEY`` (the app refuses to start without it, see
:mod:`cxroi.config`). In debug and test mode, or with ``CXROI_AUDIT_DEV_KEY=1``, a key is
generated once into ``instance/audit.key`` (mode 0600) and read from there afterwards,
like a development secret; a log line says so.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app

log = logging.getLogger("cxroi.audit")


def dev_key(path: Path) -> bytes:
    """The development key in ``path``, generated (0600) the first time."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it a moment ago
        return _read(path)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    log.warning(
        "CXROI_AUDIT_KEY is not set: generated a development audit key in %s. "
        "Production sets CXROI_AUDIT_KEY (kept outside the database).",
        path,
    )
    return _read(path)


def _read(path: Path) -> bytes:
    text = path.read_text().strip()
    if not text:
        raise RuntimeError(f"the audit key file {path} is empty")
    return text.encode("utf-8")


def key_from_config(config: Mapping[str, Any]) -> bytes:
    """``AUDIT_KEY`` when set, else the development key file (``AUDIT_KEY_FILE``)."""
    key = config.get("AUDIT_KEY")
    if key:
        return key if isinstance(key, bytes) else str(key).encode("utf-8")
    path = Path(config["AUDIT_KEY_FILE"])
    key_bytes = dev_key(path)
    log.info("audit chain key read from %s (development key)", path)
    return key_bytes


def current_key() -> bytes:
    """The running app's audit key (resolved once per app)."""
    cached = current_app.extensions.get("cxroi_audit_key")
    if cached is None:
        cached = key_from_config(current_app.config)
        current_app.extensions["cxroi_audit_key"] = cached
    key: bytes = cached
    return key
