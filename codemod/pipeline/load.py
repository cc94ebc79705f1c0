"""Read and index every file of the run, in worker processes for a large repository."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from codemod.analysis import facts
from codemod.analysis.facts import FactsRun
from codemod.analysis.index import ModuleSummary, RepoIndex, import_root, summarize
from codemod.cst.positions import Layout
from codemod.discovery import Discovered, display_name
from codemod.lazy_libcst import cst
from codemod.parallel import map_in_processes
from codemod.results import Finding, Options, Phase
from codemod.sources import SourceError, SourceFile, decode_source, read_source
from codemod.vocabulary import IO_ERROR, SYNTAX_ERROR


@dataclass
class Repo:
    """The files of the run: their text, their index, the errors reading them, and their LibCST
    trees (parsed on first use, once)."""

    sources: dict[Path, SourceFile]
    index: RepoIndex
    errors: list[Finding]
    trees: dict[Path, Optional[cst.Module]]
    layouts: dict[Path, Optional[Layout]] = field(default_factory=dict)
    links: dict[Path, Path] = field(default_factory=dict)
    """Files named through a symbolic link (``Discovered.links``): never written."""

    @functools.cached_property
    def by_display(self) -> dict[str, Path]:
        return {source.display_path: path for path, source in self.sources.items()}

    def parse(self, path: Path) -> Optional[cst.Module]:
        if path not in self.trees:
            try:
                self.trees[path] = cst.parse_module(self.sources[path].text)
            except (cst.ParserSyntaxError, KeyError):
                self.trees[path] = None
        return self.trees[path]

    def layout(self, path: Path) -> Optional[Layout]:
        """Positions and parents of a file's tree, resolved once (None if it does not parse)."""
        if path not in self.layouts:
            tree = self.parse(path)
            self.layouts[path] = Layout(tree) if tree is not None else None
        return self.layouts[path]

    def display(self, path: Path) -> str:
        return self.sources[path].display_path


_Loaded = tuple[Optional[SourceFile], Optional[ModuleSummary], Optional[Finding], Optional[tuple[str, Any]]]
"""A file's text, its summary or the error reading it, and its facts' key in the store with
their data when they were made anew (None when the store had them)."""
PARALLEL_MIN_FILES = 256
"""Below this many files, starting processes to read and index them costs more than it saves."""


_STDIN: Optional[tuple[Path, bytes]] = None
"""The editor's buffer of this run (``Options.stdin``); module-level so forked workers see it."""
_FACTS: Optional[FactsRun] = None
"""The store of this run, if it uses one; module-level so forked workers see it without
pickling."""


def _load_one(item: tuple[Path, str]) -> _Loaded:
    path, display = item
    try:
        if _STDIN is not None and path == _STDIN[0]:
            source = decode_source(path, display, _STDIN[1])
        else:
            source = read_source(path, display)
    except SourceError as exc:
        return None, None, Finding(display, exc.line, 1, IO_ERROR, str(exc)), None
    root = import_root(path)
    key = None
    if _FACTS is not None:
        key = facts.fact_key(_FACTS.package, path, display, root, source.text)
        if key in _FACTS.stored:
            try:
                return source, facts.decode(_FACTS.stored[key], source.text), None, (key, None)
            except facts.UnreadableFacts:
                pass  # a damaged entry: summarised again below, and stored anew
    try:
        summary = summarize(path, display, source.text, root)
    except SyntaxError as exc:
        cell, line = source.locate(exc.lineno or 1)
        return None, None, Finding(display, line, exc.offset or 1, SYNTAX_ERROR, f"SyntaxError: {exc.msg}", cell=cell), None
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, None, Finding(display, 1, 1, SYNTAX_ERROR, f"cannot parse: {exc}"), None
    return source, summary, None, (key, facts.encode(summary)) if key is not None else None


def load(found: Discovered, options: Options, store: Optional[FactsRun] = None) -> tuple[Repo, list[Path]]:
    """The repo, and every file read (the editor's buffer included). With a ``store``, each
    file's summary comes from it when its text, path and root are those it was made of, and
    ``store.kept`` is left holding the facts of exactly this run's files."""
    global _STDIN, _FACTS
    errors = [Finding(given, 1, 1, IO_ERROR, problem) for given, problem in found.problems]
    files = list(found.files)
    if options.stdin is not None:
        path = options.stdin[0].resolve()
        if all(existing != path for existing, _ in files):  # an unsaved file, or outside the paths
            files.append((path, display_name(options.stdin[0], Path.cwd())))
    progress = options.progress

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(Phase.READING, done, total)

    loaded: Optional[list[_Loaded]] = None
    _STDIN = (options.stdin[0].resolve(), options.stdin[1]) if options.stdin is not None else None
    _FACTS = store
    try:
        if options.jobs > 1 and len(files) >= PARALLEL_MIN_FILES:
            chunksize = max(1, len(files) // (options.jobs * 8))
            loaded = map_in_processes(_load_one, files, options.jobs, chunksize, lambda done: report(done, len(files)))
        if loaded is None:
            loaded = []
            for item in files:
                loaded.append(_load_one(item))
                report(len(loaded), len(files))
    finally:
        _STDIN = _FACTS = None
    sources: dict[Path, SourceFile] = {}
    summaries: list[ModuleSummary] = []
    for source, summary, error, fact in loaded:
        if error is not None:
            errors.append(error)
        elif source is not None and summary is not None:
            sources[source.path] = source
            summaries.append(summary)
            if store is not None and fact is not None:
                key, made_anew = fact
                store.kept[key] = store.stored[key] if made_anew is None else made_anew
                store.made = store.made or made_anew is not None
    return Repo(sources, RepoIndex(summaries), errors, {}, links=dict(found.links)), [path for path, _ in files]
