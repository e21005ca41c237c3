"""The case editor: a case, its assumption register, lines and scenarios.

For features built on top (approvals, issue 5), the pieces to reuse:

- :mod:`cxroi.cases.permissions`: who may edit what, read from the table in
  :mod:`cxroi.workflow` (change the rules there); a refusal raises
  :class:`cxroi.errors.PermissionDenied` (rendered as a 403 page).
- :func:`cxroi.cases.services.get_case`, :func:`~cxroi.cases.services.check_lock` and
  :func:`~cxroi.cases.services.commit_case` (reprice, stamp, commit; a concurrent
  save becomes :class:`cxroi.errors.StaleEdit`, a 409 with the user's input kept).
- :func:`cxroi.audit.services.record_change`: the one way to write the audit trail.
- ``Case.status`` (``cxroi.workflow.STATES``), ``Case.lock_version``,
  ``Case.case_hash`` and ``Case.result`` (the stored engine result document).
"""
