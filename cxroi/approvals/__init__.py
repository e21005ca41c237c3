"""Finance review and sponsor approval (issue 5).

Pure parts (no Flask, no SQL): :mod:`.workflow` (states and who may take each step),
:mod:`.tokens` (shared-link tokens), :mod:`.chain` (the audit hash chain) and
:mod:`.diff` (what changed between two frozen versions). The web parts live beside
them: ``services``, ``views``, ``forms``.
"""
