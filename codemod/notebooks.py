"""Jupyter notebooks as Python modules, and back, without losing a byte.

The code cells of a notebook form one module (a class in one cell, the training loop in
another), each cell opened by a marker comment. Each cell is read the way IPython reads it
(``codemod.cells``): its IPython lines (``%magic``, ``!shell``, ``x = !ls``, ``obj?``,
automagics such as ``pip install x``, whole ``%%cell`` magics) are not Python, so each is
masked, line for line, and restored afterwards: as a comment, or as a ``pass`` where the
construct opens a block (a block whose only statement was ``!pip install x`` stays one)::

    cell 2: %load_ext autoreload           # %% fixlabels-cell-<token> 2
            try:                           # fixlabels-magic-<token> 0
                import peft           ->   try:
            except ImportError:                import peft
                !pip install peft          except ImportError:
                                               pass  # fixlabels-magic-<token> 1

The token is derived from the notebook and absent from it, so no line of code can be taken
for a marker.

Writing back replaces only the ``source`` of changed cells. The rest of the JSON (markdown,
outputs, metadata, ids, indentation, key order, trailing newline) is reproduced exactly when
the notebook was written the way Jupyter writes notebooks; if its layout cannot be reproduced,
the notebook is checked but never written. A cell IPython reads other than it is written (one
indented as a whole, or pasted with ``>>>`` prompts) is checked but never rewritten.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from codemod.cells import PYTHON, CellReading, is_automagic, python_text, read_cell

__all__ = ["CodeCell", "Notebook", "SourceError", "is_automagic", "read_notebook"]

# Markers carry a token derived from the notebook and absent from it, so no line of the
# user's code can be taken for one.
CELL_MARKER = "# %% fixlabels-cell-{token} {number}"
MAGIC_MARKER = "fixlabels-magic-{token} {number}"


class SourceError(ValueError):
    """A file that cannot be read or decoded, a notebook that cannot be read, or a rewrite that
    cannot be put back into one; the message says why, ``line`` where."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class CodeCell:
    number: int
    """1-based position among all cells, as Jupyter shows them."""
    first_line: int
    """Line of the module where the cell's code starts (after its marker)."""
    line_count: int


@dataclass(frozen=True)
class Notebook:
    data: dict[str, Any]
    layout: tuple[int | None, bool, bool, str] | None
    """(indent, sort_keys, ensure_ascii, trailing text) reproducing the file, if any does."""
    cells: tuple[CodeCell, ...]
    magics: tuple[str, ...]
    text: str
    """The code cells as one module."""
    token: str = ""
    read_only: frozenset[int] = frozenset()
    """Cells IPython reads other than they are written: a rewrite of one is refused."""

    def split(self, module_text: str) -> dict[int, str]:
        """Cell number -> cell source, magics restored. Raises SourceError unless every
        cell's marker is found once, in order, and every IPython line once, in order."""
        new, restored = self._bodies(module_text), []
        old = self._bodies(self.text)
        cells: dict[int, str] = {}
        for number, body in new.items():
            if body == old[number]:  # untouched: its exact text, whatever IPython read
                cells[number] = _cell_source(self.data["cells"][number - 1])
                restored += self._masked(body)
                continue
            if number in self.read_only:
                raise SourceError(f"cell {number} is read the way IPython cleans it up (indented as a whole, or pasted with prompts)")
            cells[number] = "\n".join(self._restore(line, restored) for line in body.split("\n"))
        if restored != list(range(len(self.magics))):
            raise SourceError("the rewrite would move or drop an IPython line")
        return cells

    def _bodies(self, module_text: str) -> dict[int, str]:
        cell_line = re.compile(rf"^# %% fixlabels-cell-{self.token} (\d+)$", re.MULTILINE)
        markers = list(cell_line.finditer(module_text))
        if [int(m.group(1)) for m in markers] != [c.number for c in self.cells]:
            raise SourceError("the rewrite would move code across cells")
        bodies = {}
        for index, marker in enumerate(markers):
            end = markers[index + 1].start() if index + 1 < len(markers) else len(module_text)
            body = module_text[marker.end() + 1 : end]
            bodies[int(marker.group(1))] = body[:-1] if body.endswith("\n") else body
        return bodies

    def _magic_line(self) -> re.Pattern[str]:
        return re.compile(rf"^[ \t]*(?:pass  )?# fixlabels-magic-{self.token} (\d+)$")

    def _masked(self, body: str) -> list[int]:
        found = (self._magic_line().match(line) for line in body.split("\n"))
        return [int(m.group(1)) for m in found if m]

    def _restore(self, line: str, restored: list[int]) -> str:
        masked = self._magic_line().match(line)
        if masked is None or int(masked.group(1)) >= len(self.magics):
            return line
        restored.append(int(masked.group(1)))
        return self.magics[int(masked.group(1))]

    def locate(self, line: int) -> tuple[int, int]:
        """(cell number, line within the cell) of a module line."""
        for cell in reversed(self.cells):
            if line >= cell.first_line:
                return cell.number, min(line - cell.first_line + 1, max(cell.line_count, 1))
        return (self.cells[0].number if self.cells else 1), 1

    def encode(self, module_text: str) -> bytes:
        if self.layout is None:
            raise SourceError("its JSON layout is not the one Jupyter writes, so it cannot be rewritten exactly")
        sources = self.split(module_text)
        data = json.loads(json.dumps(self.data))
        for number, source in sources.items():
            cell = data["cells"][number - 1]
            if source == _cell_source(cell):
                continue  # untouched: keep its exact text
            lines = source.splitlines(keepends=True)
            cell["source"] = lines if isinstance(cell["source"], list) else source
        indent, sort_keys, ensure_ascii, trailing = self.layout
        return (json.dumps(data, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii) + trailing).encode("utf-8")


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _layout(text: str, data: Any) -> tuple[int | None, bool, bool, str] | None:
    body = text.rstrip("\n")
    trailing = text[len(body):]
    for indent in (1, 2, 4, None):
        for sort_keys in (True, False):
            for ensure_ascii in (False, True):
                if json.dumps(data, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii) == body:
                    return indent, sort_keys, ensure_ascii, trailing
    return None


def read_notebook(text: str, read: Callable[[str], CellReading] = read_cell) -> Notebook:
    """The notebook's code cells as one module, each cell as ``read`` reads it (IPython's
    reading when it can be imported)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"not a valid notebook (invalid JSON: {exc.msg})", exc.lineno) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SourceError("not a valid notebook (no list of cells)")
    metadata = data.get("metadata") or {}
    info = metadata.get("language_info") if isinstance(metadata, dict) else None
    language = info.get("name", "python") if isinstance(info, dict) else "python"
    for cell in data["cells"]:
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if not isinstance(source, str) and not (isinstance(source, list) and all(isinstance(x, str) for x in source)):
            raise SourceError("not a valid notebook (a cell without a text source)")
    token = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    while token in text:
        token = hashlib.sha1(token.encode()).hexdigest()[:10]
    parts: list[str] = []
    cells: list[CodeCell] = []
    magics: list[str] = []
    read_only = set()
    line = 1
    if language == "python":
        for number, cell in enumerate(data["cells"], start=1):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            source = _cell_source(cell)
            reading = read(source)
            lines = source.split("\n")
            first_magic = len(magics)
            magics += [original for original, (kind, _) in zip(lines, reading.lines) if kind != PYTHON]
            numbers = iter(range(first_magic, len(magics)))
            masked = python_text(reading, lambda kind, index: MAGIC_MARKER.format(token=token, number=next(numbers)))
            if not reading.rewritable:
                read_only.add(number)
            # The cell's text, line for line (split on "\n" keeps a final newline as an empty
            # last line), then one newline that ends it in the module.
            parts.append(CELL_MARKER.format(token=token, number=number) + "\n" + masked + "\n")
            cells.append(CodeCell(number, line + 1, len(lines)))
            line += 1 + len(lines)
    return Notebook(data, _layout(text, data), tuple(cells), tuple(magics), "".join(parts), token, frozenset(read_only))
