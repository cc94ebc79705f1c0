"""The engine's front door: find the files, answer a check from the cache when nothing it
depends on has changed, else run the pipeline. It never prints; the CLI formats the
``RunResult`` it returns.

Kept light on purpose: a cached check, or a run that needs no rewrite, should not pay for
importing LibCST and every rule (``codemod.pipeline``) before it knows it needs them.
"""

from __future__ import annotations

import gc
from pathlib import Path

from codemod import cache
from codemod.discovery import Discovered, analysis_roots, discover, exclude_spec
from codemod.results import Mode, Options, RunResult


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


def _run(paths: list[Path], mode: Mode, options: Options) -> RunResult:
    # Paths name what to report; a fix spans files, so their whole projects are read.
    roots = analysis_roots(paths)
    found = discover(roots + list(paths), exclude_spec(options.exclude, options.exclude_base or Path.cwd()))
    if not (options.cache and mode is Mode.CHECK and options.stdin is None):
        return _analyse(paths, mode, options, found)
    key = cache.run_key(paths, found.files, found.problems, options)
    home = roots[0] if roots else Path.cwd()
    stored = cache.load(home, key)
    if stored is not None:
        return stored
    result = _analyse(paths, mode, options, found)
    # A file edited while the analysis ran: the answer may be of a text the key does not name.
    if cache.storable(result) and cache.run_key(paths, found.files, found.problems, options) == key:
        cache.store(home, key, result)
    return result


def _analyse(paths: list[Path], mode: Mode, options: Options, found: Discovered) -> RunResult:
    from codemod import pipeline

    return pipeline.analyse(paths, mode, options, found)
