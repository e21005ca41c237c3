"""The chain's head, anchored outside the database (``instance/audit-head``).

After each commit that appends to the chain, the newest (seq, hash) is written here,
atomically (a temporary file, then ``os.replace``) under an exclusive ``fcntl`` lock, and
never backwards: workers that commit out of order leave the highest seq. ``cxroi
verify-audit`` then notices a database whose chain stops short of the anchor (its tail was
cut) or whose anchored entry no longer has the anchored hash.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str


def read_anchor(path: Path) -> Anchor | None:
    """The anchored head, or None when there is no anchor file yet."""
    try:
        data = json.loads(path.read_text())
        return Anchor(int(data["seq"]), str(data["hash"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the audit anchor {path} is unreadable: {exc}") from None


def write_anchor(path: Path, head: Anchor, *, force: bool = False) -> bool:
    """Record ``head`` unless the anchor is already at a later entry (or at this one).

    ``force`` replaces it whatever it holds (a migration that re-seals the chain).
    Returns whether the file was written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = None if force else read_anchor(path)
        except ValueError:
            current = None
        if current is not None and current.seq >= head.seq:
            return False
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump({"seq": head.seq, "hash": head.hash}, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True
