"""Read every code cell of the notebooks below a directory with each of fixlabels' cell readers
and count where they disagree and where they make a syntax error (E999) of a cell.

    python bench/notebook_reader_diff.py DIR [DIR ...] [--before REV] [--show N]

Readers: ``ipython`` (``codemod.cells.read_cell_ipython``, IPython's input transformers),
``fallback`` (``read_cell_fallback``, used without IPython) and, with ``--before REV``, the
reader of ``codemod/notebooks.py`` at that git revision of this repository (``main``: the
reader before issue 23 §2). The yardstick for "a cell Jupyter runs" is a real IPython shell:
``InteractiveShell.transform_cell`` (static transforms, and automagics in single-line cells)
gives Python that ``ast.parse`` accepts. Needs IPython; reads files, writes nothing.

Figures per directory: notebooks, code cells, cells Jupyter runs; per reader, cells it makes a
syntax error of (E999), those among cells Jupyter runs, and notebooks with at least one (the
whole notebook is then reported E999 and its findings are lost); cells each reader masks
differently from ``ipython``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from codemod.cells import PYTHON, python_text, read_cell_fallback, read_cell_ipython  # noqa: E402

Reading = tuple[str, frozenset[int]]
"""A cell's Python text and the indices of the lines masked as IPython syntax."""


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _new_reader(read: Callable[[str], Any]) -> Callable[[str], Reading]:
    def reader(source: str) -> Reading:
        reading = read(source)
        return python_text(reading), frozenset(i for i, (kind, _) in enumerate(reading.lines) if kind != PYTHON)

    return reader


def _old_reader(rev: str) -> Callable[[str], Reading]:
    """The cell reader of ``codemod/notebooks.py`` at ``rev``: one notebook of one cell each."""
    text = subprocess.run(["git", "show", f"{rev}:codemod/notebooks.py"], cwd=REPO, check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("fixlabels_notebooks_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(text, f"{rev}:codemod/notebooks.py", "exec"), module.__dict__)

    def reader(source: str) -> Reading:
        notebook = module.read_notebook(json.dumps({"cells": [{"cell_type": "code", "source": source}], "metadata": {}}))
        body = notebook.text.split("\n", 1)[1][:-1]  # after the cell's marker, without the newline that ends it
        marker = re.compile(rf"^[ \t]*# fixlabels-magic-{notebook.token} \d+$")
        return body, frozenset(i for i, line in enumerate(body.split("\n")) if marker.match(line))

    return reader


def _jupyter() -> Callable[[str], bool]:
    """Whether Jupyter runs the cell's syntax: an IPython shell's reading of it is Python."""
    os.environ["IPYTHONDIR"] = tempfile.mkdtemp(prefix="ipython-bench-")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()

    def runs(source: str) -> bool:
        try:
            return _parses(shell.transform_cell(source))
        except Exception:  # IPython's own transformers gave up on it
            return False

    return runs


@dataclass
class Tally:
    notebooks: int = 0
    cells: int = 0
    jupyter_runs: int = 0
    e999: dict[str, int] = field(default_factory=dict)
    e999_on_valid: dict[str, int] = field(default_factory=dict)
    notebooks_e999: dict[str, int] = field(default_factory=dict)
    disagree: dict[str, int] = field(default_factory=dict)
    unreadable: int = 0

    def add(self, other: "Tally") -> None:
        self.notebooks += other.notebooks
        self.cells += other.cells
        self.jupyter_runs += other.jupyter_runs
        self.unreadable += other.unreadable
        for mine, theirs in ((self.e999, other.e999), (self.e999_on_valid, other.e999_on_valid),
                             (self.notebooks_e999, other.notebooks_e999), (self.disagree, other.disagree)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value


def _code_cells(path: Path) -> Optional[list[str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cells = [c for c in data["cells"] if c.get("cell_type") == "code"]
        return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def tally(directory: Path, readers: dict[str, Callable[[str], Reading]], runs: Callable[[str], bool], show: list[str]) -> Tally:
    result = Tally()
    for path in sorted(directory.rglob("*.ipynb")):
        sources = _code_cells(path)
        if sources is None:
            result.unreadable += 1
            continue
        result.notebooks += 1
        broken: set[str] = set()
        for number, source in enumerate(sources, start=1):
            result.cells += 1
            valid = runs(source)
            result.jupyter_runs += valid
            readings = {name: read(source) for name, read in readers.items()}
            for name, (text, masked) in readings.items():
                if not _parses(text):
                    broken.add(name)
                    result.e999[name] = result.e999.get(name, 0) + 1
                    result.e999_on_valid[name] = result.e999_on_valid.get(name, 0) + valid
                    if valid:
                        show.append(f"{name} E999 on a cell Jupyter runs: {path.relative_to(directory)} cell {number}: {source[:300]!r}")
                if masked != readings["ipython"][1]:
                    result.disagree[name] = result.disagree.get(name, 0) + 1
                    show.append(f"{name} differs: {path.relative_to(directory)} cell {number}: {source[:300]!r}")
        for name in broken:
            result.notebooks_e999[name] = result.notebooks_e999.get(name, 0) + 1
    return result


def _print(title: str, counts: Tally, names: list[str]) -> None:
    print(f"{title}: {counts.notebooks} notebooks ({counts.unreadable} not JSON), {counts.cells} code cells, {counts.jupyter_runs} Jupyter runs")
    for name in names:
        print(
            f"  {name:>9}: E999 cells {counts.e999.get(name, 0)} ({counts.e999_on_valid.get(name, 0)} that Jupyter runs), "
            f"notebooks with an E999 {counts.notebooks_e999.get(name, 0)}, cells masked unlike ipython {counts.disagree.get(name, 0)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directories", nargs="+", type=Path)
    parser.add_argument("--before", metavar="REV", help="also the reader of codemod/notebooks.py at this revision")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print the first N cells read unlike ipython or made E999 though Jupyter runs them")
    args = parser.parse_args()
    readers = {"ipython": _new_reader(read_cell_ipython), "fallback": _new_reader(read_cell_fallback)}
    if args.before:
        readers["before"] = _old_reader(args.before)
    runs = _jupyter()
    total = Tally()
    shown: list[str] = []
    for directory in args.directories:
        counts = tally(directory, readers, runs, shown)
        _print(str(directory), counts, list(readers))
        total.add(counts)
    if len(args.directories) > 1:
        _print("all", total, list(readers))
    for line in shown[: args.show]:
        print(line)


if __name__ == "__main__":
    main()
