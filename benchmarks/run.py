"""Run every benchmark (benchmarks/bench_*.py); each prints its own medians and ratios.

Usage: python benchmarks/run.py [NAME ...]   e.g. `python benchmarks/run.py engine`
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> None:
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    for script in scripts:
        print(f"\n== {script.stem}")
        spec = importlib.util.spec_from_file_location(script.stem, script)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main()
    from reliability_figures import reliability_rows
    from timing import print_side_by_side

    reliability_rows()
    print_side_by_side()


if __name__ == "__main__":
    main(sys.argv[1:])
