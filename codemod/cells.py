"""A notebook's code cell read as Python, line for line, the way IPython reads it.

IPython turns its own syntax (``%magic``, ``!shell``, ``x = !ls``, ``obj?``, ``%%cell``
magics) into Python before running a cell. When IPython can be imported, its input
transformers (``IPython.core.inputtransformer2.TransformerManager``) decide which lines are
IPython syntax, so a cell Jupyter runs is read as Jupyter runs it. Each transform is traced to
the lines it replaced and the result checked against ``transform_cell``; a cell that cannot be
matched is read by the fallback, and a cell with nothing IPython acts on is read as written. Without
IPython, ``read_cell_fallback`` recognises the same syntax with regular expressions and a count
of brackets (it cannot see strings spanning lines).

A reading says, for each line of the cell (split on ``"\\n"``), whether it is Python (and its
text as IPython reads it) or part of an IPython construct. ``codemod.notebooks`` puts the
readings of all cells into one module and restores the IPython lines byte for byte.

Automagics (``pip install x``, ``cd data`` typed without ``%``) are IPython's at run time:
it runs them only in single-line cells. Older notebooks have them among other lines, where
today's Jupyter would stop; a cell that is no Python otherwise is still read with such lines
taken for magics, so those notebooks keep their findings.
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import re
import tokenize
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Optional

PYTHON, MAGIC, MAGIC_CONTINUED = "python", "magic", "continued"
"""Kinds of a line: Python; the first line of an IPython construct; a further line of one."""

PYTHON_CELL_MAGICS = frozenset({"time", "capture"})
"""Cell magics whose body IPython runs as the notebook's own Python, in its namespace (a
training loop under ``%%time``): their body is read as a cell. ``%%timeit`` runs its body in a
function of its own (names it binds do not reach later cells), ``%%bash``, ``%%writefile`` and
the like are not Python of the notebook at all: those cells are IPython through and through."""

_AUTOMAGIC_NAMES = (
    "cd|ls|ll|pwd|pip|conda|mkdir|rmdir|cat|cp|mv|rm|env|load_ext|matplotlib|timeit|time|run|who|whos"
    "|reset|autoreload|history|mamba|uv|wget|unzip|nvidia-smi"
)
_AUTOMAGIC = re.compile(rf"^\s*(?:{_AUTOMAGIC_NAMES})(?:\s|$)")
"""The fallback's list of IPython's automagics and aliases, and shell commands people type
without ``!`` (``cd data``, ``pip install x``)."""
_IPYTHON_LINE = re.compile(r"^\s*(?:%|!(?!=)|\?)|^\s*[\w.]+\?{1,2}\s*$")
_MAY_BE_IPYTHON = re.compile(
    r"[%!?\x0b\x0c\x1c-\x1e\x85\u2028\u2029]|\r(?!\n)|^[ \t]*(?:[,;/]|>>>|\.\.\.|(?:\[\w+\] )?In \[)|\A\s*[ \t]\S",
    re.MULTILINE,
)
"""Anything IPython's transformers act on: ``%``, ``!`` and ``?`` anywhere, a line that starts
with another escape or a prompt, a first line that is indented; and the line breaks IPython
splits on and Python does not."""
_MAGIC_ASSIGN = re.compile(r"^\s*[\w.,\[\]() *]+?=\s*(?:!|%\w)")
"""``files = !ls``, ``result = %timeit -o f()``."""


@dataclass(frozen=True)
class CellReading:
    lines: tuple[tuple[str, str], ...]
    """(kind, text) of each line of the cell. A Python line's text is the line as IPython reads
    it; a ``MAGIC`` line's text is its indentation (where the construct stands in a block); a
    ``MAGIC_CONTINUED`` line's is empty."""
    rewritable: bool = True
    """False when IPython reads Python lines other than they are written (a cell indented as a
    whole, or pasted with ``>>>`` prompts): read, but never written back."""


def read_cell(source: str) -> CellReading:
    """The cell as IPython reads it; by the fallback where IPython cannot be imported."""
    if ipython_missing() is not None:
        return read_cell_fallback(source)
    return read_cell_ipython(source)


@functools.lru_cache(maxsize=1)
def ipython_missing() -> Optional[str]:
    """Why notebooks are read without IPython, or None. Imported only when a notebook is read:
    it takes a quarter of a second, and a run without notebooks never needs it."""
    try:
        from IPython.core import inputtransformer2  # noqa: F401
    except ImportError:
        return "IPython is not installed"
    except Exception as exc:  # a broken install must not stop the run: its notebooks are still read
        return f"IPython could not be imported ({type(exc).__name__}: {exc})"
    return None


class _Untraced(Exception):
    """IPython's transformers did something this module cannot map back to the cell's lines."""


@functools.lru_cache(maxsize=1)
def _manager() -> Any:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()  # type: ignore[no-untyped-call]  # IPython ships no annotations for it


def read_cell_ipython(source: str) -> CellReading:
    """The cell as IPython's input transformers read it (IPython must be importable); a cell
    whose transformation cannot be traced line by line is read by the fallback."""
    try:
        reading = _traced(source, _manager())
    except Exception:  # _Untraced, or IPython refused the cell as Jupyter would (IndentationError,
        # TokenError, its loop limit): the fallback reads it, and Python reports the error
        return read_cell_fallback(source)
    names = _ipython_magic_names()
    return _with_automagics(reading, _logical_starts, lambda line: is_automagic(line, names))


def read_cell_fallback(source: str) -> CellReading:
    """The cell as fixlabels reads it without IPython: escapes at the start of a statement,
    ``x = !cmd`` assignments, ``obj?``, and automagics from a fixed list."""
    return _with_automagics(_cell_magic_or(source, _fallback_lines), _bracket_starts, is_automagic)


def _cell_magic(source: str) -> Optional[tuple[int, str]]:
    """(line, name) of a ``%%magic`` that makes the whole cell IPython's: its first line that
    is not blank, indentation stripped as IPython strips it (``%%name?`` asks for help)."""
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    line = lines[first].lstrip(" \t")
    if not line.startswith("%%") or re.match(r"%%\w+\?", line):
        return None
    return first, line[2:].rstrip().partition(" ")[0]


def _cell_magic_or(source: str, read: Callable[[str], CellReading]) -> CellReading:
    """A ``%%magic`` cell: all IPython, or its magic line and a body read as a cell of its own
    (``PYTHON_CELL_MAGICS``); any other cell, ``read(source)``."""
    magic = _cell_magic(source)
    if magic is None:
        return read(source)
    first, name = magic
    lines = source.split("\n")
    head = tuple((PYTHON, line) for line in lines[:first]) + ((MAGIC, _indent(lines[first])),)
    if name in PYTHON_CELL_MAGICS:
        body = _cell_magic_or("\n".join(lines[first + 1 :]), read)
        return CellReading(head + body.lines, body.rewritable)
    return CellReading(head + tuple((MAGIC_CONTINUED, "") for _ in lines[first + 1 :]))


def _traced(source: str, manager: Any) -> CellReading:
    """IPython's transformation of the cell, each step traced to the lines it replaced."""
    if not _MAY_BE_IPYTHON.search(source):
        # None of what IPython's transformers look for (escapes, prompts, an indented first
        # line): the cell is Python as written, and tokenizing it twice to learn so would
        # double the time a notebook takes to read.
        return CellReading(tuple((PYTHON, line) for line in source.split("\n")))
    if _cell_magic(source) is not None:  # IPython makes it one call; a Python body is read as a cell
        if not manager.transform_cell(source).startswith("get_ipython().run_cell_magic("):
            raise _Untraced
        return _cell_magic_or(source, lambda body: _traced(body, manager))
    raw = source.split("\n")
    lines = [line + "\n" for line in raw]
    if len(lines) > 1 and source.endswith("\n"):
        lines.pop()  # IPython's cell ends at its final newline
    offset = 0
    for transform in manager.cleanup_transforms:
        cleaned = transform(lines)
        dropped = len(lines) - len(cleaned)
        if dropped < 0 or (dropped and cleaned != lines[dropped:]):
            raise _Untraced
        offset, lines = offset + dropped, cleaned  # leading blank lines, dropped; or prefixes stripped
    for transform in manager.line_transforms:
        if transform(lines) != lines:
            raise _Untraced  # a cell magic that _cell_magic_or did not see
    python, spans = _token_transforms(lines, manager)
    if "".join(python) != manager.transform_cell(source):
        raise _Untraced
    kinds = {}
    for start, end in spans:
        kinds.update({offset + i: MAGIC_CONTINUED for i in range(start + 1, end + 1)})
        kinds[offset + start] = MAGIC
    read_as = [lines[i - offset][:-1] if 0 <= i - offset < len(lines) else line for i, line in enumerate(raw)]
    cleaned_reading = _reading(kinds, read_as, rewritable=read_as == raw)
    if cleaned_reading.rewritable:
        return cleaned_reading
    # IPython stripped an indentation or prompts. If the cell as written is the same program
    # (only a comment was indented), read it as written: then it can be rewritten.
    as_written = _reading(kinds, raw, rewritable=True)
    return as_written if _same_program(as_written, cleaned_reading) else cleaned_reading


def _token_transforms(lines: list[str], manager: Any) -> tuple[list[str], list[tuple[int, int]]]:
    """IPython's token transforms, one at a time (as ``do_token_transforms``), and the span of
    lines each construct took: each transform replaces some lines with one."""
    spans = [(i, i) for i in range(len(lines))]
    ipython = [False] * len(lines)
    for _ in range(500):  # IPython's own TRANSFORM_LOOP_LIMIT
        changed, new = manager.do_one_token_transform(lines)
        if not changed:
            return new, [span for span, is_ipython in zip(spans, ipython) if is_ipython]
        removed = len(lines) - len(new)
        start = next((i for i, (old, now) in enumerate(zip(lines, new)) if old != now), len(new) - 1)
        if removed < 0 or start < 0 or new[:start] != lines[:start] or new[start + 1 :] != lines[start + 1 + removed :]:
            raise _Untraced
        spans[start : start + removed + 1] = [(spans[start][0], spans[start + removed][1])]
        ipython[start : start + removed + 1] = [True]
        lines = new
    raise _Untraced


def _reading(kinds: dict[int, str], texts: list[str], rewritable: bool) -> CellReading:
    lines = []
    for i, text in enumerate(texts):
        kind = kinds.get(i, PYTHON)
        lines.append((kind, _indent(text) if kind == MAGIC else "" if kind == MAGIC_CONTINUED else text))
    return CellReading(tuple(lines), rewritable)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def python_text(reading: CellReading, placeholder: Callable[[str, int], str] = lambda kind, index: "") -> str:
    """The reading as Python source, an IPython line as a comment of ``placeholder(kind, line
    index)``. A construct that opens a block (``!pip install x`` alone under ``except:``) is a
    ``pass`` with that comment, so the block is still one; elsewhere a comment, which no
    indentation can break."""
    out = []
    opens_block = False
    for index, (kind, text) in enumerate(reading.lines):
        if kind == MAGIC and opens_block:
            out.append(f"{text}pass  # {placeholder(kind, index)}".rstrip())
        elif kind != PYTHON:
            out.append(f"{text}# {placeholder(kind, index)}".rstrip())
        else:
            out.append(text)
        code = _code_of(text) if kind == PYTHON else ""
        if code.strip():
            opens_block = code.rstrip().endswith(":")
        elif kind == MAGIC:
            opens_block = False
    return "\n".join(out)


def _code_of(line: str) -> str:
    """The line without one-line strings and comment (enough to count brackets and see a ``:``)."""
    return re.sub(r"#.*$", "", re.sub(r"(\"[^\"]*\"|'[^']*')", "", line))


def _parse(text: str) -> Optional[ast.Module]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the user's SyntaxWarnings are not ours to show
            return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _same_program(one: CellReading, other: CellReading) -> bool:
    first, second = _parse(python_text(one)), _parse(python_text(other))
    return first is not None and second is not None and ast.dump(first) == ast.dump(second)


def _with_automagics(reading: CellReading, starts: Callable[[list[str]], set[int]], automagic: Callable[[str], bool]) -> CellReading:
    """A cell that is no Python as read, with its automagic lines (a magic's name, then words
    that are not Python: ``pip install x``) taken for magics, when it has any. ``starts`` gives
    the lines where a statement starts; only those can be magics."""
    candidates = {i for i, (kind, line) in enumerate(reading.lines) if kind == PYTHON and automagic(line)}
    if not candidates:  # most cells: no need to parse them here
        return reading
    text = python_text(reading)
    if _parse(text) is not None:
        return reading
    masked = candidates & starts(text.split("\n"))
    lines = tuple((MAGIC, _indent(line)) if i in masked else (kind, line) for i, (kind, line) in enumerate(reading.lines))
    return CellReading(lines, reading.rewritable)


def is_automagic(line: str, names: Optional[frozenset[str]] = None) -> bool:
    """A line IPython would run as a magic because automagic is on: a magic's name (from
    ``names``, IPython's; by default the fallback's list), then words that are not Python
    (``pip install torch``; ``ls = [1]`` and ``history = model.fit(`` are Python and stay)."""
    stripped = line.strip()
    word = re.match(r"[\w.-]*", stripped)
    name = word.group(0) if word else ""
    rest = stripped[len(name) :].lstrip()
    if not name or rest[:1] in ("=", ","):  # IPython: an assignment to a magic's name is Python
        return False
    if names is not None:
        if name not in names or keyword.iskeyword(name) or hasattr(builtins, name):
            return False
    elif not _AUTOMAGIC.match(stripped):
        return False
    try:
        compile(stripped, "<cell>", "exec")
    except SyntaxError:
        return True
    return False


@functools.lru_cache(maxsize=1)
def _ipython_magic_names() -> Optional[frozenset[str]]:
    """The line magics and aliases of a new IPython shell, from its magic classes (no shell is
    started), plus ``autoreload``, loaded in most notebooks; None without IPython."""
    if ipython_missing() is not None:
        return None
    try:
        from IPython.core import alias, magics

        names = {"autoreload", "aimport"}
        for value in vars(magics).values():
            table = getattr(value, "magics", None)
            if isinstance(value, type) and isinstance(table, dict):
                names.update(table.get("line", {}))
        names.update(entry[0] for entry in alias.default_aliases())  # type: ignore[no-untyped-call, unused-ignore]  # unannotated in IPython 8, annotated in 9
    except Exception:  # an IPython whose layout differs: the fallback's list still stands
        return None
    return frozenset(names) if "cd" in names else None


def _logical_starts(lines: list[str]) -> set[int]:
    """Lines where a statement starts, from IPython's tokenizer (strings and brackets that span
    lines are seen)."""
    from IPython.core.inputtransformer2 import make_tokens_by_line

    starts = set()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grouped = make_tokens_by_line([line + "\n" for line in lines])
    except (SyntaxError, tokenize.TokenError):
        return _bracket_starts(lines)
    for tokens in grouped:
        first = next((t for t in tokens if t.type not in (tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT)), None)
        if first is not None and first.type != tokenize.ENDMARKER:
            starts.add(first.start[0] - 1)
    return starts


def _bracket_starts(lines: list[str]) -> set[int]:
    """Lines where a statement starts, by counting brackets outside one-line strings and
    comments, and following backslashes."""
    starts = set()
    depth = 0
    continued = False
    for index, line in enumerate(lines):
        if depth == 0 and not continued:
            starts.add(index)
        code = _code_of(line)
        depth = max(0, depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"))
        continued = code.rstrip().endswith("\\")
    return starts


def _fallback_lines(source: str) -> CellReading:
    """IPython syntax at statement starts: escapes, ``obj?``, ``x = !cmd``; a construct
    continued with a backslash takes its following lines."""
    lines = []
    depth = 0
    continued = False
    in_magic = False
    for line in source.split("\n"):
        if in_magic:
            lines.append((MAGIC_CONTINUED, ""))
            in_magic = line.rstrip().endswith("\\")
            continue
        if depth == 0 and not continued and (_IPYTHON_LINE.match(line) or _MAGIC_ASSIGN.match(line)):
            lines.append((MAGIC, _indent(line)))
            in_magic = line.rstrip().endswith("\\")
            continue
        lines.append((PYTHON, line))
        code = _code_of(line)
        depth = max(0, depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"))
        continued = code.rstrip().endswith("\\")
    return CellReading(tuple(lines))
