"""LibCST, loaded the first time one of its attributes is read: ``from codemod.lazy_libcst import cst``.

Most runs find nothing to rewrite (a clean file, a check answered from the cache) and never
touch LibCST, whose import is a third of a clean run's time. ``import libcst`` cannot be made
lazy in place (the import statement itself reads the module's ``__spec__``, which loads it), so
our modules take ``cst`` from here: a module ``importlib.util.LazyLoader`` loads on first
attribute access, registered as ``libcst`` so that LibCST's own imports find it. For the
deferral to hold, no module of ours reads ``cst.`` at import time: classes that subclass
LibCST's visitors are built on first use (``functools.cache`` factories), and
``cst.metadata``/``cst.helpers`` are reached as attributes. tests/test_lazy_libcst.py fails when
a clean run loads it.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING

__all__ = ["cst"]


def _on_first_use() -> ModuleType:
    loaded = sys.modules.get("libcst")
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec("libcst")
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError("No module named 'libcst'", name="libcst")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["libcst"] = module
    loader.exec_module(module)
    return module


if TYPE_CHECKING:  # type checkers see LibCST itself
    import libcst as cst
    import libcst.helpers  # noqa: F401 (makes cst.helpers known to type checkers)
    import libcst.metadata  # noqa: F401 (makes cst.metadata known to type checkers)
else:
    cst = _on_first_use()
