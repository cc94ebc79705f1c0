"""Repo analysis: what the code is (classes, call sites, the loss plan of a ``forward``), decided
before anything is edited.

The index (``index``), the call-site flow (``callsites``) and the check of a plan's calls
(``call_check``) read the stdlib ``ast`` of every file (fast). The loss plan (``loss_plan``, with
``prediction``, ``label_conversions`` and ``derivations``) and the optional-labels views
(``optional_labels``) read the LibCST tree of the few files a rule looks into, since their plans
are made of LibCST nodes the transforms then place.
"""
