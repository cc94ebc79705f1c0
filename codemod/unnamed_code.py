"""Does a file run code it does not import by name?

Nothing imports a notebook: what its cells build reaches another file of the project only
through the modules it imports, and calls into them. Unless code runs that no import names:
``%run other.ipynb`` (which may run this notebook, or be run by it), ``exec(...)``,
``importlib.import_module(...)``, ``runpy``, a loader, an ``import_ipynb`` hook. A notebook
beside such a file may hand its objects to any file, as a module could.

Its magics are not in the module the analysis reads (they become comments), so the file is
read as it is. Shared by the planner and the check as a fact about a file: neither decides
anything here.
"""

from __future__ import annotations

import functools
from pathlib import Path

_WORDS = (
    "%run", "run_line_magic", "magic(", "run_cell", "import_module", "__import__", "exec(", "execfile", "runpy",
    "spec_from_file_location", "SourceFileLoader", "load_source", "exec_module", "import_ipynb", "nbimporter", "importnb",
    "ipynb.fs",
)


def runs_unnamed_code(path: Path) -> bool:
    """True also when the file cannot be read: then nothing is known."""
    try:
        stat = path.stat()
    except OSError:
        return True
    return _read(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1024)
def _read(path: Path, mtime_ns: int, size: int) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return any(word in text for word in _WORDS)
