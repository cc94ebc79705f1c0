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


_BOLD, _CYAN, _GREEN, _RED, _RESET = "\x1b[1m", "\x1b[36m", "\x1b[32m", "\x1b[31m", "\x1b[0m"


def colorize(patch: str) -> str:
    """A unified diff with ANSI colours, as ``git diff`` shows it on a terminal. A file's
    ``---``/``+++`` header is told from a removed ``--...`` or added ``++...`` line by where it
    stands: the pair comes right before a hunk's ``@@``."""
    lines = patch.splitlines(keepends=True)
    headers = {
        j
        for i in range(len(lines) - 2)
        if lines[i].startswith("--- ") and lines[i + 1].startswith("+++ ") and lines[i + 2].startswith("@@")
        for j in (i, i + 1)
    }
    out = []
    for i, line in enumerate(lines):
        body = line.rstrip("\n")
        if i in headers:
            color = _BOLD
        elif body.startswith("@@"):
            color = _CYAN
        elif body.startswith("+"):
            color = _GREEN
        elif body.startswith("-"):
            color = _RED
        else:
            out.append(line)
            continue
        out.append(f"{color}{body}{_RESET}{line[len(body):]}")
    return "".join(out)
