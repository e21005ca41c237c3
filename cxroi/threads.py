"""One compute thread per serving or worker process: CPU time close to wall time.

OpenBLAS and OpenMP start a pool of helper threads per process that busy-wait; with
several gunicorn workers and queue workers on the same cores they only compete.
:func:`pin` limits them, both ways: the environment (read by libraries loaded later
and by child processes) and threadpoolctl (for those numpy has loaded already).
"""

from __future__ import annotations

import os
from typing import Any

VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
_limits: Any = None


def pin(threads: int = 1) -> list[dict[str, Any]]:
    """Limit BLAS/OpenMP pools to ``threads``; return threadpoolctl's view of them."""
    global _limits
    for name in VARIABLES:
        os.environ.setdefault(name, str(threads))
    from threadpoolctl import threadpool_info, threadpool_limits

    _limits = threadpool_limits(limits=threads)  # kept: the limit holds while it lives
    info: list[dict[str, Any]] = threadpool_info()
    return info
