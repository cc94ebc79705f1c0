"""One run: load, find the units, settle the fix (the one refuse-and-replan loop), write, and
the ``RunResult``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

from codemod import cells
from codemod.analysis.facts import FactsRun
from codemod.analysis.index import import_root, module_name_for
from codemod.analysis.walk_memo import WalkMemo
from codemod.discovery import Discovered, within
from codemod.pipeline.checks import call_check, imports_still_work, magic_lines, same_numbers, unwritable
from codemod.pipeline.load import Repo, load
from codemod.pipeline.plan import Refused, plan_edits, render
from codemod.pipeline.units import confine_to, displayed_within, find_units, join_shared_calls, named_units, unsilenced
from codemod.results import Check, FileChange, Finding, ImportCheck, ImportStatus, Mode, Options, Phase, RunResult
from codemod.rules.common import Unit
from codemod.sources import SourceFile, WriteError, write_all_atomically
from codemod.vocabulary import INTERNAL_ERROR, IO_ERROR, Refusal


def analyse(
    paths: list[Path], mode: Mode, options: Options, found: Discovered, store: Optional[FactsRun] = None, walks: Optional[WalkMemo] = None
) -> RunResult:
    """The whole run on the files ``found`` in the named paths' projects: ``paths`` say what to
    report (``engine.run`` is the entry point). ``store``: per-file facts the files' summaries
    may come from (``load``); ``walks``: walks of the last check, replayed where they hold."""
    # An editor's buffer is the one file named: its project is only read.
    named = [options.stdin[0].resolve()] if options.stdin is not None else [p.resolve() for p in paths if p.exists()]
    repo, read = load(found, options, store)
    units, errors = find_units(repo, options, walks)
    units = unsilenced(repo, units, options)
    join_shared_calls(repo, units)
    units = named_units(repo, units, named)
    if options.stdin is not None:
        confine_to(options.stdin[0].resolve(), repo, units)
    denied: dict[Path, str] = {}
    verified = Verified()
    texts = settle(repo, units, mode, options, denied, verified)
    changes = tuple(
        FileChange(path, repo.display(path), repo.sources[path].text, text, _cells(repo.sources[path], text), repo.sources[path].encode(text))
        for path, text in sorted(texts.items(), key=lambda item: repo.display(item[0]))
    )
    # A named path that cannot be read is reported as given; other files only below the named paths.
    given = {str(p) for p in paths}
    errors = [e for e in repo.errors if (e.code == IO_ERROR and e.path in given) or displayed_within(repo, e, named)] + [
        e for e in errors if e.code == INTERNAL_ERROR or displayed_within(repo, e, named)
    ]
    errors += [
        Finding(repo.display(path), 1, 1, IO_ERROR, f"cannot write: {reason}; no file of the fix it is part of was written")
        for path, reason in sorted(denied.items())
    ]
    committed: list[Path] = []
    interrupted = False
    if mode is Mode.WRITE and changes:
        interrupted = _write(repo, changes, committed, errors)
    unwritten = set(texts) - set(committed) if mode is Mode.WRITE else set()
    notebooks = {s.display_path: s for s in repo.sources.values() if s.notebook is not None}
    return RunResult(
        findings=tuple(sorted(_in_cells(_reported(unit, mode, unwritten), notebooks) for unit in units)),
        errors=tuple(sorted(_in_cells(e, notebooks) for e in errors)),
        changes=() if mode is Mode.CHECK else changes,
        written=tuple(repo.display(path) for path in committed),
        files_checked=sum(1 for path in read if within(path, named)),
        beyond_named=tuple(c.display_path for c in changes if not within(c.path, named)) if mode is not Mode.CHECK else (),
        interrupted=interrupted,
        notes=_notes(read),
        checks=tuple(verified.checks) if mode is not Mode.CHECK and texts else (),
        imports=tuple(verified.imports) if mode is Mode.WRITE else (),
    )


def _notes(read: list[Path]) -> tuple[str, ...]:
    """Said once a run: notebooks read without IPython are read by fixlabels' own reader."""
    missing = cells.ipython_missing() if any(path.suffix == ".ipynb" for path in read) else None
    if missing is None:
        return ()
    return (
        f"notebooks were read without IPython ({missing}): fixlabels' own reader recognised their "
        "%magics and !shell lines, and may take a cell Jupyter runs for a syntax error; "
        "install IPython to read them as Jupyter does",
    )


@dataclass
class Verified:
    """What the last round of ``settle`` checked: the changes kept are the ones it checked."""

    checks: list[Check] = field(default_factory=list)
    imports: list[ImportCheck] = field(default_factory=list)


def settle(repo: Repo, units: list[Unit], mode: Mode, options: Options, denied: dict[Path, str], verified: Verified) -> dict[Path, str]:
    """The new texts of the units that survive every step. Each round plans the live units,
    renders and compiles their files, then runs the checks; the first step that refuses some
    units ends the round, and the next plans again without them, so nothing is written that
    depended on a refused edit or was not checked as it will be written."""
    report = options.progress or (lambda phase, done, total: None)
    rounds = 0
    while True:
        report(Phase.CHECKING, rounds, rounds + 1)
        rounds += 1
        _refuse_partners(units)
        texts: dict[Path, str] = {}
        refused: Refused = []
        verified.checks, verified.imports = [], []
        if any(unit.refusal is None for unit in units):
            per_file, refused = plan_edits(repo, units)
            if not refused:
                texts, refused = render(repo, units, per_file)
                verified.checks.append(Check.COMPILED)
        if not refused and texts:
            refused = magic_lines(repo, units, texts)
        if not refused and texts:
            refused = call_check(repo, units, texts)
            verified.checks.append(Check.CALLS)
        if not refused and texts:
            refused = same_numbers(repo, units, texts)
            verified.checks.append(Check.SAME_NUMBERS)
        if not refused and texts and mode is Mode.WRITE and options.verify:
            refused, verified.imports = imports_still_work(repo, units, texts, options)
            if verified.imports:  # notebooks alone: compiled, never imported
                verified.checks.append(Check.IMPORTS)
        elif texts and mode is Mode.WRITE:
            verified.imports = [
                ImportCheck(repo.display(path), module_name_for(path.resolve(), import_root(path.resolve())), ImportStatus.SKIPPED)
                for path in sorted(texts)
                if repo.sources[path].notebook is None
            ]
        if not refused:
            refused = unwritable(repo, units, texts, writing=mode is Mode.WRITE, denied=denied)
        if not refused:
            return texts
        newly = [(unit, refusal) for unit, refusal in refused if unit.refusal is None]
        if not newly:
            raise RuntimeError("a step refused only units already refused: the fix cannot settle")
        for unit, refusal in newly:
            if unit.refusal is None:  # a unit refused twice in one round keeps its first reason
                unit.refusal = refusal


def _refuse_partners(units: list[Unit]) -> None:
    """A fix that must land with a refused one is refused with it: they share a call, rewritten
    once for both, or an edit (a dict builder's key renamed for every caller)."""
    pending = [unit for unit in units if unit.refusal is not None and unit.lands_with]
    while pending:
        refused = pending.pop()
        assert refused.refusal is not None
        for partner in refused.lands_with:
            if partner.refusal is None:
                partner.refusal = Refusal(
                    f"it must land with the fix of {refused.finding.path}:{refused.finding.line}, which is refused: {refused.refusal.text}"
                )
                pending.append(partner)


def _write(repo: Repo, changes: tuple[FileChange, ...], committed: list[Path], errors: list[Finding]) -> bool:
    """Replace the changed files, all or none; True when interrupted (``committed`` then says
    which were replaced, each whole)."""
    try:
        write_all_atomically([(c.path, c.new_data) for c in changes], committed)
    except KeyboardInterrupt:  # SIGINT, or SIGTERM as the CLI maps it: say what was written
        return True
    except WriteError as exc:
        state = "no file was changed" if not committed else f"{len(committed)} file(s) were already replaced"
        errors.append(Finding(repo.display(exc.path), 1, 1, IO_ERROR, f"cannot write: {exc.reason}; {state}"))
    return False


def _reported(unit: Unit, mode: Mode, unwritten: set[Path]) -> Finding:
    if unit.refusal is not None:
        return replace(unit.finding, refusal=unit.refusal.text)
    landed = mode is not Mode.CHECK and not (unit.files & unwritten)
    return replace(unit.finding, message=unit.finding.message + "".join(unit.notes), fixable=True, fixed=landed)


def _in_cells(finding: Finding, notebooks: dict[str, SourceFile]) -> Finding:
    """A finding in a notebook names its cell and the line within it."""
    source = notebooks.get(finding.path)
    if source is None or finding.cell is not None:
        return finding
    cell, line = source.locate(finding.line)
    return replace(finding, cell=cell, line=line)


def _cells(source: SourceFile, new_text: str) -> tuple[tuple[int, str, str], ...]:
    """(cell number, old source, new source) of each cell a notebook's rewrite changes."""
    if source.notebook is None:
        return ()
    old = source.notebook.split(source.text)
    new = source.notebook.split(new_text)
    return tuple((n, old[n], new.get(n, "")) for n in sorted(old) if old[n] != new.get(n, ""))
