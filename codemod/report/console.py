"""What a run shows on a terminal, beside its findings: the summary line, the checks a
change passed, the files the import check could not import, ``--statistics`` and
``--show-fixes`` as text, which ``codemod.cli`` prints; and the progress display, which draws
itself on stderr while the run goes."""

from __future__ import annotations

import sys
from typing import Optional

from codemod.registry import RULES
from codemod.results import Check, Finding, ImportStatus, Mode, Phase, RunResult


CHECK_NAMES = {Check.COMPILED: "compile", Check.CALLS: "calls", Check.SAME_NUMBERS: "same-numbers proof", Check.IMPORTS: "imports"}


def checks_line(result: RunResult) -> str:
    """Which checks the changes passed, by name; the import check says how many modules it
    could import, since one that cannot be imported is checked by the others only."""
    names = [CHECK_NAMES[check] for check in result.checks]
    imported = sum(1 for i in result.imports if i.status is ImportStatus.IMPORTED)
    if Check.IMPORTS in result.checks:
        names[-1] += f" ({imported} of {len(result.imports)} module(s) imported before and after)"
    elif any(i.status is ImportStatus.SKIPPED for i in result.imports):
        names.append("imports skipped (--no-verify)")
    return f"Checked: {', '.join(names)}."


def import_notes(result: RunResult) -> tuple[str, ...]:
    """Each changed file the import check could not import, in words: the run wrote it on the
    strength of the other checks."""
    return tuple(
        f"{check.path}: not import-checked: `{check.module}` did not import before the change either "
        f"({check.reason}) with {check.interpreter}; it was checked by compiling, the call check and "
        "fixlabels' proof only. Name the project's interpreter with --python to import it"
        for check in result.imports
        if check.status is ImportStatus.NOT_IMPORTABLE
    )


def statistics(findings: tuple[Finding, ...]) -> str:
    """One line a rule, most findings first, as Ruff's ``--statistics``: the count, the code,
    ``[*]`` when every one of them can be fixed, and the rule's name."""
    import collections

    counts = collections.Counter(f.code for f in findings)
    lines = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        fixable = all(f.fixable or f.fixed for f in findings if f.code == code)
        name = RULES[code].name if code in RULES else ""
        lines.append(f"{count:>5}\t{code}\t{'[*]' if fixable else '[ ]'} {name}\n")
    return "".join(lines)


def fixes(result: RunResult, mode: Mode) -> list[str]:
    """``--show-fixes``: each finding the run fixed, would fix, or (a check) --write can fix,
    worded so no problem matcher takes it for a problem."""
    if mode is Mode.CHECK:
        verb, chosen = "Fixable", [f for f in result.findings if f.fixable]
    else:
        verb, chosen = ("Fixed" if mode is Mode.WRITE else "Would fix"), [f for f in result.findings if f.fixed]
    return [f"{verb} {f.code} at {f.file}:{f.line}:{f.column} ({f.text})" for f in sorted(chosen)]


def summary(result: RunResult, mode: Mode) -> str:
    fixed = [f for f in result.findings if f.fixed]
    if mode is Mode.CHECK:
        fixable = sum(1 for f in result.findings if f.fixable)
        with_findings = len({f.path for f in result.findings})
        summary = (
            f"Found {len(result.findings)} finding(s) in {with_findings} file(s); "
            f"{result.files_checked} file(s) checked ({fixable} fixable with --write)."
        )
    elif mode is Mode.DIFF:
        summary = f"Would fix {len(fixed)} finding(s) in {len(result.changes)} file(s); {len(result.remaining)} not fixable."
    else:
        summary = f"Fixed {len(fixed)} finding(s), wrote {len(result.written)} file(s); {len(result.remaining)} remaining."
    return summary + (f" {len(result.errors)} error(s)." if result.errors else "")


class ProgressBar:
    """The run's phase and how far it is, on stderr, for long runs only (a project of
    ``MIN_FILES`` files or more); redrawn at most ten times a second, and at once when the
    phase changes, so it never sits at 100% of one phase while another runs."""

    MIN_FILES = 200
    WIDTH = 30
    UNITS = {Phase.READING: "files", Phase.ANALYSING: "modules", Phase.CHECKING: "rounds", Phase.IMPORTING: "import roots"}

    def __init__(self) -> None:
        self.drawn = False
        self.last = 0.0
        self.phase: Optional[Phase] = None
        self.large = False

    def __call__(self, phase: Phase, done: int, total: int) -> None:
        import time

        if phase is Phase.READING:
            self.large = total >= self.MIN_FILES
        now = time.monotonic()
        if not self.large or (phase is self.phase and done < total and now - self.last < 0.1):
            return
        self.phase, self.last = phase, now
        filled = self.WIDTH * done // total if total else 0
        line = f"{phase.value:<9} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} {self.UNITS[phase]}"
        sys.stderr.write(f"\r\x1b[K{line}")
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
