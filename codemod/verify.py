"""Proof that a rewrite did not break a module: it compiles, and it still imports.

The import check runs in a subprocess (a time limit, empty stdin, the import root as working
directory and on ``sys.path``, ``__name__`` the module's own name, never ``__main__``). The new
text is served by an import hook, so nothing is written before it passes. A module that did not
import before the rewrite either is checked by compiling alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

_CHECK = r"""
import importlib, importlib.machinery, json, sys, traceback
spec = json.load(open(sys.argv[1], encoding="utf-8"))
sys.dont_write_bytecode = True
overlay = spec["overlay"]

class OverlayLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):
        path = self.get_filename(fullname)
        if path in overlay:
            return compile(overlay[path], path, "exec", dont_inherit=True)
        return super().get_code(fullname)

if overlay:
    m = importlib.machinery
    loaders = [
        (m.ExtensionFileLoader, m.EXTENSION_SUFFIXES),
        (OverlayLoader, m.SOURCE_SUFFIXES),
        (m.SourcelessFileLoader, m.BYTECODE_SUFFIXES),
    ]
    sys.path_hooks.insert(0, importlib.machinery.FileFinder.path_hook(*loaders))
    sys.path_importer_cache.clear()
sys.path.insert(0, spec["root"])
results = {}
for name in spec["modules"]:
    try:
        importlib.import_module(name)
        results[name] = None
    except BaseException as exc:
        results[name] = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(results, out)
"""


@dataclass(frozen=True)
class ImportOutcome:
    module: str
    before: Optional[str]
    """None if the original imported, else the error (or 'timed out')."""
    after: Optional[str]

    @property
    def broken(self) -> bool:
        return self.before is None and self.after is not None


def compile_error(text: str, filename: str) -> Optional[str]:
    try:
        with warnings.catch_warnings():
            # The user's own `x is not -1` is not ours to report, and would clutter the output.
            warnings.simplefilter("ignore", SyntaxWarning)
            compile(text, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    except ValueError as exc:
        return str(exc)
    return None


def _import_all(root: Path, modules: list[str], overlay: Mapping[str, str], timeout: float) -> dict[str, Optional[str]]:
    with tempfile.TemporaryDirectory(prefix="fixlabels-verify-") as tmp:
        spec_path, out_path = Path(tmp, "spec.json"), Path(tmp, "out.json")
        spec_path.write_text(json.dumps({"root": str(root), "modules": modules, "overlay": dict(overlay)}), encoding="utf-8")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        # A session of its own, so a timeout also ends what the module started (workers, shells).
        process = subprocess.Popen(
            [sys.executable, "-c", _CHECK, str(spec_path), str(out_path)],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return {m: f"timed out after {timeout:g} s" for m in modules}
        finally:  # also on Ctrl-C: nothing the check started outlives the run
            _kill_session(process)
        if not out_path.exists():
            return {m: "the import check crashed" for m in modules}
        results = json.loads(out_path.read_text(encoding="utf-8"))
        return {m: results.get(m, "not reached (an earlier import exited)") for m in modules}


def _kill_session(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def check_imports(root: Path, modules: dict[str, str], overlay: Mapping[str, str], timeout: float) -> list[ImportOutcome]:
    """``modules`` maps module name -> file path; ``overlay`` maps file path -> new text."""
    names = sorted(modules)
    before = _import_all(root, names, {}, timeout)
    after = _import_all(root, names, overlay, timeout)
    return [ImportOutcome(name, before[name], after[name]) for name in names]
