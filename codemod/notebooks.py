"""Jupyter notebooks as Python modules, and back, without losing a byte.

The code cells of a notebook form one module (a class in one cell, the training loop in
another), each cell opened by a marker comment. IPython lines (``%magic``, ``!shell``,
``?help``, ``obj?``, automagics without ``%`` such as ``cd data`` or ``pip install x``, and
whole ``%%cell`` magics) are not Python: each is masked as a comment
and restored afterwards::

    cell 2: %load_ext autoreload           # %% fixlabels-cell-<token> 2
            model = Net()             ->   # fixlabels-magic-<token> 0
                                           model = Net()

The token is derived from the notebook and absent from it, so no line of code can be taken
for a marker.

Writing back replaces only the ``source`` of changed cells. The rest of the JSON (markdown,
outputs, metadata, ids, indentation, key order, trailing newline) is reproduced exactly when
the notebook was written the way Jupyter writes notebooks; if its layout cannot be reproduced,
the notebook is checked but never written.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

# Markers carry a token derived from the notebook and absent from it, so no line of the
# user's code can be taken for one.
CELL_MARKER = "# %% fixlabels-cell-{token} {number}"
MAGIC_MARKER = "# fixlabels-magic-{token} {number}"
_IPYTHON_LINE = re.compile(r"^\s*(?:%|!(?!=)|\?)|^\s*[\w.]+\?{1,2}\s*$")
_AUTOMAGIC = re.compile(
    r"^\s*(?:cd|ls|ll|pwd|pip|conda|mkdir|rmdir|cat|cp|mv|rm|env|load_ext|matplotlib|timeit|time|run|who|whos"
    r"|reset|autoreload|history|mamba|uv|wget|unzip|nvidia-smi)(?:\s|$)"
)
"""IPython's automagics and aliases, typed without ``%`` (``cd data``, ``pip install x``)."""


def is_automagic(line: str) -> bool:
    """A line IPython runs as a magic because automagic is on: a magic's name, then words
    that are not Python (``pip install torch``; ``ls = [1]`` is Python and stays)."""
    if not _AUTOMAGIC.match(line):
        return False
    try:
        compile(line.strip(), "<cell>", "exec")
    except SyntaxError:
        return True
    return False



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

    def split(self, module_text: str) -> dict[int, str]:
        """Cell number -> cell source, magics restored. Raises SourceError unless every
        cell's marker is found once, in order."""
        cell_line = re.compile(rf"^# %% fixlabels-cell-{self.token} (\d+)$", re.MULTILINE)
        magic_line = re.compile(rf"^[ \t]*# fixlabels-magic-{self.token} (\d+)$")
        markers = list(cell_line.finditer(module_text))
        if [int(m.group(1)) for m in markers] != [c.number for c in self.cells]:
            raise SourceError("the rewrite would move code across cells")
        cells: dict[int, str] = {}
        for index, marker in enumerate(markers):
            end = markers[index + 1].start() if index + 1 < len(markers) else len(module_text)
            body = module_text[marker.end() + 1 : end]
            body = body[:-1] if body.endswith("\n") else body
            restored = []
            for line in body.split("\n"):
                masked = magic_line.match(line)
                restored.append(self.magics[int(masked.group(1))] if masked and int(masked.group(1)) < len(self.magics) else line)
            cells[int(marker.group(1))] = "\n".join(restored)
        return cells

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


def read_notebook(text: str) -> Notebook:
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
    line = 1
    if language == "python":
        for number, cell in enumerate(data["cells"], start=1):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            lines = _cell_source(cell).split("\n")
            whole_cell_magic = lines[0].startswith("%%")  # %%bash, %%writefile: not Python at all
            masked = []
            depth = 0  # open brackets: `% b` or `!= b` inside them is Python, not IPython
            continued = False
            for source_line in lines:
                starts_statement = depth == 0 and not continued
                if whole_cell_magic or (starts_statement and (_IPYTHON_LINE.match(source_line) or is_automagic(source_line))):
                    indent = source_line[: len(source_line) - len(source_line.lstrip())]
                    masked.append(indent + MAGIC_MARKER.format(token=token, number=len(magics)))
                    magics.append(source_line)
                    continue
                masked.append(source_line)
                code = re.sub(r"#.*$", "", re.sub(r"(\"[^\"]*\"|'[^']*')", "", source_line))
                depth = max(0, depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"))
                continued = code.rstrip().endswith("\\")
            # The cell's text exactly (split on "\n" keeps a final newline as an empty last
            # line), then one newline that ends it in the module.
            parts.append(CELL_MARKER.format(token=token, number=number) + "\n" + "\n".join(masked) + "\n")
            cells.append(CodeCell(number, line + 1, len(lines)))
            line += 1 + len(lines)
    return Notebook(data, _layout(text, data), tuple(cells), tuple(magics), "".join(parts), token)
