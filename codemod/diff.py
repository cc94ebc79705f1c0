"""Unified diffs of the engine's changes, as ``git diff`` shows them (``a/``, ``b/``)."""

from __future__ import annotations

import difflib

from codemod.results import FileChange


def unified_diff(change: FileChange) -> str:
    """The change as a unified diff; a notebook's as one diff per changed cell, each named
    ``nb.ipynb:cell N``, in the cell's own lines."""
    path = change.display_path.lstrip("/")  # an absolute path still reads as a/tmp/x.py
    if change.cells:
        return "".join(_diff(old, new, f"{path}:cell {number}") for number, old, new in change.cells)
    return _diff(change.old_text, change.new_text, path)


def _diff(old_text: str, new_text: str, path: str) -> str:
    old = old_text.splitlines(keepends=True)
    new = new_text.splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{path}", f"b/{path}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


_COLORS = (("+++", "\x1b[1m"), ("---", "\x1b[1m"), ("@@", "\x1b[36m"), ("+", "\x1b[32m"), ("-", "\x1b[31m"))
_RESET = "\x1b[0m"


def colorize(patch: str) -> str:
    """A unified diff with ANSI colours, as ``git diff`` shows it on a terminal."""
    out = []
    for line in patch.splitlines(keepends=True):
        body = line.rstrip("\n")
        color = next((code for prefix, code in _COLORS if body.startswith(prefix)), None)
        out.append(f"{color}{body}{_RESET}{line[len(body):]}" if color else line)
    return "".join(out)
