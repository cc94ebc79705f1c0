"""Repo analysis: what the code is (classes, call sites, the loss plan of a ``forward``), decided
before anything is edited.

The index and the call-site flow read the stdlib ``ast`` of every file (fast). The loss plan
(``loss_plan``, ``optional_labels``, ``derivations``) reads the LibCST tree of the few files a
rule looks into, since its plans are made of LibCST nodes the transforms then place.
"""
