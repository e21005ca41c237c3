"""Serving and worker processes pin BLAS/OpenMP pools to one thread (issue 11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pin_limits_every_pool_numpy_loaded_to_one_thread() -> None:
    code = (
        "import json, numpy; from cxroi.threads import pin; "
        "info = pin(); import os; "
        "print(json.dumps([[i['internal_api'], i['num_threads']] for i in info] "
        "+ [os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS']]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    *pools, openblas, omp = json.loads(out.stdout)
    assert (openblas, omp) == ("1", "1")
    assert pools, "numpy loads a BLAS library that threadpoolctl sees"
    assert all(threads == 1 for _api, threads in pools), pools
