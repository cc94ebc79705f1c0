"""The values the engine returns. Frozen, so a result can be shared, sorted and compared."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from codemod.vocabulary import DEFAULT_CRITERION


class Mode(enum.Enum):
    CHECK = "check"
    DIFF = "diff"
    WRITE = "write"


class Phase(enum.Enum):
    """What a run is doing, as the progress display names it."""

    READING = "reading"
    ANALYSING = "analysing"
    CHECKING = "checking"
    IMPORTING = "importing"


Progress = Callable[[Phase, int, int], None]
"""Told (phase, done, total) as a run goes; a phase's total may grow (the walk finds more)."""


class Check(enum.Enum):
    """The checks a rewrite passed before it was kept, in the order they run."""

    COMPILED = "every changed file compiles"
    CALLS = "every call matches its new signature"
    SAME_NUMBERS = "the rewrite computes the same values (fixlabels' proof)"
    IMPORTS = "each changed module imports after the change as before"


class ImportStatus(enum.Enum):
    IMPORTED = "imported before and after the change"
    NOT_IMPORTABLE = "did not import before the change"
    SKIPPED = "not imported (--no-verify)"


@dataclass(frozen=True)
class ImportCheck:
    """What the import check did with one changed file."""

    path: str
    """The file, as displayed."""
    module: str
    status: ImportStatus
    reason: Optional[str] = None
    """For NOT_IMPORTABLE: the error the original raised (``ModuleNotFoundError: No module named 'torch'``)."""
    interpreter: Optional[str] = None
    """The Python that imported it (``--python``, a detected virtual environment, or fixlabels' own)."""


@dataclass(frozen=True)
class Options:
    criterion: str = DEFAULT_CRITERION
    verify: bool = True
    import_timeout: float = 30.0
    rules: Optional[frozenset[str]] = None
    """The rule codes to run (see ``registry.select_rules``); None: the rules on by default."""
    jobs: int = 1
    """Processes for the call-site analysis of a large repository (the CLI's ``-j``)."""
    prefilter: bool = True
    """Walk only the files a rule's text filter picks. Off, every file is walked: slower, and
    by design the same findings (tests compare the two)."""
    exclude: tuple[str, ...] = ()
    """Gitignore-style patterns for files and directories not to walk into."""
    exclude_base: Optional[Path] = None
    """The directory ``exclude`` patterns are relative to (the config file's); default: cwd."""
    stdin: Optional[tuple[Path, bytes]] = None
    """An editor's unsaved buffer: this path's content is these bytes, not the file on disk.
    A fix that would change any other file is refused (an editor can only take this one back)."""
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    """``[tool.fixlabels.per-file-ignores]``: (gitignore-style pattern relative to
    ``exclude_base``, the codes it silences) for files it matches, as a comment on every line."""
    cache: bool = False
    """Answer a check from the project's ``.fixlabels_cache`` when nothing it depends on has
    changed (see ``codemod.cache``); never used to write."""
    python: Optional[str] = None
    """The interpreter the import check runs (``--python``); None: the project's virtual
    environment when one is found (``VIRTUAL_ENV``, a ``.venv`` in the project, ``CONDA_PREFIX``), else fixlabels' own."""
    progress: Optional[Progress] = field(default=None, compare=False)
    """Told each phase's (done, total) as the run reads, analyses, checks and imports."""


@functools.total_ordering
@dataclass(frozen=True)
class Finding:
    """One thing to report, at ``path:line:column`` (1-based, like Ruff and compilers). In a
    notebook, ``cell`` is the code cell's number and ``line`` counts within that cell."""

    path: str
    line: int
    column: int
    code: str
    message: str
    fixable: bool = False
    fixed: bool = False
    cell: Optional[int] = None
    refusal: Optional[str] = None
    """Why the fix was not made, when fixlabels refused it: the ``Refusal``'s text (also said
    in ``text``)."""

    @property
    def file(self) -> str:
        """The path, and the cell of a notebook: ``nb.ipynb:cell 3``."""
        return self.path if self.cell is None else f"{self.path}:cell {self.cell}"

    @property
    def text(self) -> str:
        """The message with its refusal: what a person reads."""
        return self.message if self.refusal is None else f"{self.message}; not rewritten: {self.refusal}"

    def render(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.code} {self.text}"

    def _order(self) -> tuple[object, ...]:
        return (self.path, self.cell or 0, self.line, self.column, self.code, self.text, self.fixable, self.fixed)

    def __lt__(self, other: "Finding") -> bool:
        return self._order() < other._order()


@dataclass(frozen=True)
class FileChange:
    path: Path
    display_path: str
    old_text: str
    new_text: str
    cells: tuple[tuple[int, str, str], ...] = ()
    """For a notebook: (cell number, old source, new source) of each changed cell."""
    new_data: bytes = b""
    """``new_text`` as the file's bytes (its encoding, BOM; a notebook's whole JSON)."""


@dataclass(frozen=True)
class RunResult:
    findings: tuple[Finding, ...]
    """What the rules report; with ``fixed=True`` for those a written (or diffed) rewrite fixes."""
    errors: tuple[Finding, ...]
    """Files that could not be read, parsed or written; these make the exit code 2."""
    changes: tuple[FileChange, ...] = field(default=())
    written: tuple[str, ...] = field(default=())
    files_checked: int = 0
    """Files below the named paths (the whole projects around them are read for context)."""
    beyond_named: tuple[str, ...] = field(default=())
    """Changed files outside the named paths: a fix found in a named file spans them."""
    interrupted: bool = False
    """SIGINT/SIGTERM came while writing: ``written`` lists what was replaced (whole files)."""
    notes: tuple[str, ...] = field(default=())
    """What a person should know about how the run read its files, each said once (notebooks
    read without IPython); neither findings nor errors, so they change no exit code."""
    checks: tuple[Check, ...] = field(default=())
    """The checks the changes passed (none in a check, which plans but keeps no change)."""
    imports: tuple[ImportCheck, ...] = field(default=())
    """What the import check did with each changed module (``--write`` only)."""

    @property
    def remaining(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.fixed)
