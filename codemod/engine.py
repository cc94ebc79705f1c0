"""The engine's front door: find the files, answer a check from the cache when nothing it
depends on has changed, else run the pipeline. It never prints; the CLI formats the
``RunResult`` it returns.

Kept light on purpose: a cached check, or a run that needs no rewrite, should not pay for
importing LibCST and every rule (``codemod.pipeline``) before it knows it needs them.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from codemod import cache
from codemod.discovery import Discovered, analysis_roots, discover, exclude_spec
from codemod.results import Mode, Options, RunResult

if TYPE_CHECKING:
    from codemod.analysis.facts import FactsRun
    from codemod.analysis.walk_memo import WalkMemo


def run(paths: list[Path], mode: Mode, options: Options = Options()) -> RunResult:
    # Syntax trees hold no reference cycles, so the cyclic collector only costs time here
    # (it more than doubles the time to index a large repository).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(paths, mode, options)
    finally:
        if collecting:
            gc.enable()


MAX_WRITE_PASSES = 3
"""A fix can make another visible (``def farward`` renamed ``forward`` shows the loss inside
it): ``--write`` runs again on what it wrote, as Ruff's ``--fix`` does, until nothing changes."""


def _run(paths: list[Path], mode: Mode, options: Options) -> RunResult:
    # Paths name what to report; a fix spans files, so their whole projects are read.
    roots = analysis_roots(paths)
    spec = exclude_spec(options.exclude, options.exclude_base or Path.cwd())
    found = discover(roots + list(paths), spec)
    home = roots[0] if roots else Path.cwd()
    if mode is Mode.WRITE and options.stdin is None:
        result = _analyse(paths, mode, options, found)
        for _ in range(MAX_WRITE_PASSES - 1):
            if not result.written or result.errors or result.interrupted:
                break
            again = _analyse(paths, mode, options, discover(roots + list(paths), spec))
            result = _passes_joined(result, again)  # what the last pass still reports, refused or not
            if not again.written:
                break
        return result
    if not (options.cache and mode is Mode.CHECK and options.stdin is None):
        return _analyse(paths, mode, options, found, _facts_to_read(home, mode, options), _walks_to_read(home, mode, options))
    key = cache.run_key(paths, found.files, found.problems, options)
    stored = cache.load(home, key)
    if stored is not None:
        return stored
    store = _facts_to_read(home, mode, options)
    walks = _walks_to_read(home, mode, options)
    result = _analyse(paths, mode, options, found, store, walks)
    if not result.interrupted:
        if store is not None and store.changed:
            cache.store_facts(home, store.kept)
        if walks is not None and walks.changed:
            cache.store_walks(home, walks.run, walks.kept)
    # A file edited while the analysis ran: the answer may be of a text the key does not name.
    if cache.storable(result) and cache.run_key(paths, found.files, found.problems, options) == key:
        cache.store(home, key, result)
    return result


def _facts_to_read(home: Path, mode: Mode, options: Options) -> Optional["FactsRun"]:
    """The project's per-file facts, for a check or a diff (stdin too) with the cache on. Only a
    check writes them back; a diff reads a store a check left, and never makes one (the facts are
    of file texts, so an editor's buffer simply finds none of its own). ``--write`` never reads
    them: the folder is inside a project anyone may have written, and a forged entry could then
    change what is written, not only what is shown."""
    if not options.cache or mode is Mode.WRITE:
        return None
    from codemod.analysis.facts import FactsRun  # here, not above: an answered check imports no analysis

    return FactsRun(cache.package_digest(), cache.load_facts(home))


def _walks_to_read(home: Path, mode: Mode, options: Options) -> Optional["WalkMemo"]:
    """The walks of the last check, each keyed by what it consulted (``walk_memo``): read and
    written as the facts are (``_facts_to_read``), for the same reasons."""
    if not options.cache or mode is Mode.WRITE:
        return None
    from codemod.analysis.walk_memo import WalkMemo, walks_key

    run = walks_key(cache.package_digest())
    return WalkMemo(run, cache.load_walks(home, run))


def _analyse(
    paths: list[Path], mode: Mode, options: Options, found: Discovered, store: Optional["FactsRun"] = None, walks: Optional["WalkMemo"] = None
) -> RunResult:
    from codemod import pipeline

    return pipeline.analyse(paths, mode, options, found, store, walks)


def _passes_joined(first: RunResult, second: RunResult) -> RunResult:
    """One ``--write`` told as one run: what the first pass fixed, then all the second says;
    each file changed from its text before the first pass to its text after the second."""
    earlier = {change.path: change for change in first.changes}
    changes = {change.path: change for change in first.changes}
    for change in second.changes:
        before = earlier.get(change.path)
        changes[change.path] = replace(change, old_text=before.old_text) if before is not None else change
    return replace(
        second,
        findings=tuple(sorted({*(f for f in first.findings if f.fixed), *second.findings})),
        changes=tuple(sorted(changes.values(), key=lambda change: change.display_path)),
        written=tuple(sorted({*first.written, *second.written})),
        beyond_named=tuple(sorted({*first.beyond_named, *second.beyond_named})),
        notes=tuple(dict.fromkeys((*first.notes, *second.notes))),
        # The checks each written change passed (a pass that wrote nothing checked nothing); a
        # file checked by both passes is told as the last one checked it.
        checks=tuple(dict.fromkeys((*first.checks, *second.checks))),
        imports=tuple({check.path: check for check in (*first.imports, *second.imports)}.values()),
    )
