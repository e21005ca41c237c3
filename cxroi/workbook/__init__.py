"""The finance workbook: ``build_workbook(case, result) -> bytes`` (see issue 4).

Pure: imports openpyxl and the engine, nothing from Flask, SQLAlchemy or ``models``::

    from cxroi.engine import analyse, load_case_file
    from cxroi.workbook import build_workbook
    case = load_case_file("case.json")
    data = build_workbook(case, analyse(case))
"""

from .build import build_workbook
from .model import AuditRow, WorkbookVersion, workbook_filename

__all__ = ["AuditRow", "WorkbookVersion", "build_workbook", "workbook_filename"]
