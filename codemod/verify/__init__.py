"""The independent check of a rewrite: what every call of a rewritten class computed before and
computes after, as expression trees, compared before anything is written.

It reads the old and new texts only. It shares no decision with the planner: not its list of
call sites, not its call-site finder (``tests/test_architecture.py`` holds the import boundary:
this package imports nothing of ``analysis``, ``transforms`` or ``rules``).
"""
