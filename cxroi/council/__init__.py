"""The CX council (issue 12): its page, its meetings, its actions and decisions logs and
its monthly pack. Records change only through :mod:`cxroi.council.services` (audited)."""
