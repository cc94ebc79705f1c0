"""Unified diffs of the engine's changes, as ``git diff`` shows them (``a/``, ``b/``)."""

from __future__ import annotations

import difflib

from codemod.results import FileChange


def unified_diff(change: FileChange) -> str:
    old = change.old_text.splitlines(keepends=True)
    new = change.new_text.splitlines(keepends=True)
    path = change.display_path.lstrip("/")  # an absolute path still reads as a/tmp/x.py
    lines = difflib.unified_diff(old, new, f"a/{path}", f"b/{path}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
