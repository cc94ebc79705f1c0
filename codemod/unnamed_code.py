"""Does a notebook run code it does not import by name?

Nothing imports a notebook: what its cells build reaches another file of the project only
through the modules it imports, and calls into them. Unless it runs code it does not name:
``%run script.py``, ``exec(...)``, ``importlib.import_module(...)``, ``runpy``, an
``import_ipynb`` hook. Such a notebook may hand its objects to any file, as a module could.

Its magics are not in the module the analysis reads (they become comments), so the file is
read as it is. Shared by the planner and the check as a fact about a file: neither decides
anything here.
"""

from __future__ import annotations

import functools
from pathlib import Path

_WORDS = ("%run", "run_line_magic", "import_module", "__import__", "exec(", "runpy", "spec_from_file_location", "import_ipynb")


def runs_unnamed_code(notebook: Path) -> bool:
    """True also when the file cannot be read: then nothing is known."""
    try:
        stat = notebook.stat()
    except OSError:
        return True
    return _read(notebook, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _read(notebook: Path, mtime_ns: int, size: int) -> bool:
    try:
        text = notebook.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return any(word in text for word in _WORDS)
