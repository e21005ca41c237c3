"""Simulation statistics cached by :class:`~cxroi.simulations.Key`.

On Redis when ``CXROI_REDIS_URL`` is set (every worker process shares it), else in
the process's memory (the embedded default is one process; the stored result in the
database is the lasting copy either way).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from cxroi.simulations import Key

PREFIX = "cxroi:"


class MemoryCache:
    """The newest ``size`` results of this process."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Key, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return None if found is None else dict(found)

    def set(self, key: Key, value: dict[str, Any]) -> None:
        with self._lock:
            self._items[key] = dict(value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class RedisCache:
    """One Redis string of JSON per key, kept ``ttl`` seconds after it is written."""

    def __init__(self, connection: Any, ttl: int) -> None:
        self.connection = connection
        self.ttl = ttl

    def get(self, key: Key) -> dict[str, Any] | None:
        raw = self.connection.get(PREFIX + key.id)
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)
        return value

    def set(self, key: Key, value: dict[str, Any]) -> None:
        self.connection.set(PREFIX + key.id, json.dumps(value, allow_nan=False), ex=self.ttl)


def make_cache(app: Flask) -> MemoryCache | RedisCache:
    url = app.config.get("REDIS_URL")
    if url:
        from cxroi.simulations.runners import redis_connection

        return RedisCache(redis_connection(url), int(app.config["MC_CACHE_SECONDS"]))
    return MemoryCache()
