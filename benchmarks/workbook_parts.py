"""Prove a faster workbook writer writes the same files: save every case's parts, then compare.

    python benchmarks/workbook_parts.py save DIR    # on the commit before the change
    python benchmarks/workbook_parts.py check DIR   # after it: each part byte for byte

Cases: the reference cases, the examples, the workbook tests' synthetic cases, random
cases, and the benchmark's (60 months × 16 lines, and 200 lines), each with a version
stamp and an audit trail holding hostile text. Each case's result is priced once, at
``save``, and pickled beside its parts, so ``check`` builds from the very same result
whatever the engine does in between. Only ``docProps/core.xml`` (its saved-at time) is
left out of the comparison.
"""

from __future__ import annotations

import io
import pickle
import sys
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _cases() -> dict[str, Any]:
    from cases import large_case_document, wide_case_document

    from cxroi.engine import load_case, load_case_file
    from tests.support import EXAMPLES_DIR
    from tests.unit.workbook.cases import all_case_names, case_named, random_doc

    found = {name: case_named(name) for name in all_case_names()}
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        found[f"example-{path.stem}"] = load_case_file(path)
    for seed in range(12):
        found[f"random-{seed}"] = load_case(random_doc(seed))
    found["bench-16"] = load_case(large_case_document(60))
    found["bench-200"] = load_case(wide_case_document(200, 60))
    return found


def _extras() -> dict[str, Any]:
    from cxroi.workbook import AuditRow, WorkbookVersion

    audit = [
        AuditRow("2026-01-02 03:04:05", "ann@example.com", "case created"),
        AuditRow("2026-01-03 10:00:00", "=cmd|' /C calc'!A0", "cost amount", "1", "+2"),
        AuditRow("2026-01-04 11:00:00", "bob", "note _x0041_ \r\n\t", None, "-3\u0001"),
    ]
    stamp = WorkbookVersion("approved", 3, "ab" * 32, "2026-01-05 12:00 UTC")
    return {"version": stamp, "audit": audit}


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _build(case: Any, result: Any, plain: bool) -> bytes:
    from cxroi.workbook import build_workbook

    return build_workbook(case, result) if plain else build_workbook(case, result, **_extras())


def save(folder: Path) -> None:
    from cxroi.engine import analyse

    folder.mkdir(parents=True, exist_ok=True)
    for name, case in _cases().items():
        result = analyse(case, trials=500)
        (folder / f"{name}.result.pickle").write_bytes(pickle.dumps((case, result)))
        for plain in (False, True):
            data = _build(case, result, plain)
            (folder / f"{name}{'.plain' if plain else ''}.xlsx").write_bytes(data)
    print(f"saved {len(list(folder.glob('*.xlsx')))} workbooks to {folder}")


def check(folder: Path) -> int:
    failures = 0
    pickles = sorted(folder.glob("*.result.pickle"))
    for path in pickles:
        name = path.name.removesuffix(".result.pickle")
        case, result = pickle.loads(path.read_bytes())
        for plain in (False, True):
            before = _parts((folder / f"{name}{'.plain' if plain else ''}.xlsx").read_bytes())
            after = _parts(_build(case, result, plain))
            if before != after:
                failures += 1
                keys = before.keys() | after.keys()
                differ = sorted(k for k in keys if before.get(k) != after.get(k))
                print(f"DIFFERS {name}{' (plain)' if plain else ''}: {', '.join(differ)}")
    print(f"checked {2 * len(pickles)} workbooks: {failures} differ")
    return failures


if __name__ == "__main__":
    sys.path[:0] = [str(HERE), str(ROOT)]
    command, target = sys.argv[1], Path(sys.argv[2])
    if command == "save":
        save(target)
    else:
        sys.exit(1 if check(target) else 0)
