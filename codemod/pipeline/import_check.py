"""Proof that a rewrite did not break a module: it compiles, and it still imports.

The import check runs in a subprocess (a time limit per side, empty stdin, the import root as
working directory and on ``sys.path``, ``__name__`` the module's own name, never ``__main__``).
The new text is served by an import hook, so nothing is written before it passes. The original
and the rewrite are imported in the same process, the project's own modules dropped between
the two and the installed libraries kept (torch is imported once); a rewrite that fails there
is imported again alone, so only a clean start can refuse it. A module that did not import
before the rewrite either is checked by compiling alone.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

_CHECK = r"""
import importlib, importlib.machinery, json, os, site, sys, sysconfig, traceback
spec = json.load(open(sys.argv[1], encoding="utf-8"))
sys.dont_write_bytecode = True

class OverlayLoader(importlib.machinery.SourceFileLoader):
    overlay = {}
    def get_code(self, fullname):
        path = self.get_filename(fullname)
        if path in self.overlay:
            return compile(self.overlay[path], path, "exec", dont_inherit=True)
        return super().get_code(fullname)

m = importlib.machinery
loaders = [
    (m.ExtensionFileLoader, m.EXTENSION_SUFFIXES),
    (OverlayLoader, m.SOURCE_SUFFIXES),
    (m.SourcelessFileLoader, m.BYTECODE_SUFFIXES),
]
sys.path_hooks.insert(0, importlib.machinery.FileFinder.path_hook(*loaders))
sys.path_importer_cache.clear()
sys.path.insert(0, spec["root"])
present = set(sys.modules)
root = os.path.join(os.path.realpath(spec["root"]), "")
rewritten = {os.path.realpath(p) for overlay in spec["overlays"] for p in overlay}
# What a module's import may change for the next (sys.path.append("../src"), os.chdir, env):
# each phase starts from the same state, as a fresh process would.
start = (list(sys.path), list(sys.argv), os.getcwd(), dict(os.environ))
installed = tuple(
    os.path.join(os.path.realpath(place), "")
    for place in {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    | set(site.getsitepackages()) | {site.getusersitepackages()}
    if place
)

root_installed = root.startswith(installed)

def is_projects(module):
    # What an installed library (torch, transformers) imported stays loaded for the next phase:
    # importing those is most of the check's time. The project's own code, wherever it lies
    # (a file or a namespace package outside the installed places), is imported again, so each
    # phase sees its own text. Built-in and synthetic modules (torch.classes) have neither.
    file = getattr(module, "__file__", None)
    if isinstance(file, str) and file:
        places = [file]
    else:
        try:  # a package's list, a namespace package's _NamespacePath
            places = [p for p in getattr(module, "__path__", None) or () if isinstance(p, str)]
        except TypeError:  # not iterable (torch.classes)
            return False
    real = [os.path.realpath(p) for p in places]
    # Rewritten files are the project's; so is what is not installed (a .venv inside the
    # project is installed); and, for a project that itself lies in site-packages, its root.
    return any(p in rewritten or not p.startswith(installed) or (root_installed and p.startswith(root)) for p in real)

phases = []
for number, overlay in enumerate(spec["overlays"]):
    if number:
        for name in [n for n in sys.modules if n not in present and is_projects(sys.modules[n])]:
            del sys.modules[name]
        sys.path[:], sys.argv[:] = start[0], start[1]
        os.chdir(start[2])
        os.environ.clear()
        os.environ.update(start[3])
        sys.path_importer_cache.clear()
        importlib.invalidate_caches()
    OverlayLoader.overlay = overlay
    results = {}
    for name in spec["modules"]:
        try:
            importlib.import_module(name)
            results[name] = None
        except BaseException as exc:
            results[name] = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
    phases.append(results)
    # After each phase, atomically: the parent times each phase, and a later one may crash.
    with open(sys.argv[2] + ".tmp", "w", encoding="utf-8") as out:
        json.dump(phases, out)
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])
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


def compile_error(text: str, filename: str, notebook: bool = False) -> Optional[str]:
    """Why ``text`` does not compile, or None. A notebook's cells may ``await`` at their top
    level: IPython runs such a cell in its event loop (autoawait), so it compiles them so."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if notebook else 0
    try:
        with warnings.catch_warnings():
            # The user's own `x is not -1` is not ours to report, and would clutter the output.
            warnings.simplefilter("ignore", SyntaxWarning)
            compile(text, filename, "exec", flags=flags, dont_inherit=True)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    except ValueError as exc:
        return str(exc)
    return None


VENV_FOLDER = ".venv"
CHECK_CRASHED = "the import check crashed"
"""What every module gets when the check's own process gave no answer: a fact about the
interpreter, not about the module."""


def interpreter(explicit: Optional[str], project: Path) -> tuple[str, str]:
    """The Python to import the project's modules with, and how it was chosen: ``--python``;
    else the project's own environment (an active ``VIRTUAL_ENV``, a ``.venv`` in the project,
    an active ``CONDA_PREFIX``), where its dependencies (torch) are installed when fixlabels
    runs from pipx or pre-commit; else fixlabels' own interpreter."""
    if explicit:
        return explicit, "--python"
    places = [
        (os.environ.get("VIRTUAL_ENV"), "VIRTUAL_ENV"),
        (str(project / VENV_FOLDER), f"{VENV_FOLDER} in the project"),
        (os.environ.get("CONDA_PREFIX"), "CONDA_PREFIX"),
    ]
    for place, how in places:
        if not place:
            continue
        for candidate in (Path(place, "bin", "python"), Path(place, "Scripts", "python.exe")):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                # Absolute: the check runs in the import root, not where the variable was set.
                return os.path.abspath(candidate), how
    return sys.executable, "fixlabels' own"


def runs_python(python: Path) -> bool:
    """Whether ``python`` is an interpreter that runs code: an executable that merely exits 0
    (``/bin/true``) would make every module look unimportable."""
    if not (python.is_file() and os.access(python, os.X_OK)):
        return False
    try:
        done = subprocess.run([str(python), "-c", "print('fixlabels' + 'ok')"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.stdout.strip() == "fixlabelsok"


def _import_phases(
    root: Path, modules: list[str], overlays: list[Mapping[str, str]], timeout: float, python: str = sys.executable
) -> list[dict[str, Optional[str]]]:
    """Import ``modules`` once per overlay, in one subprocess: the phases that finished, each
    a module -> error (None: imported) map; fewer than asked if it timed out or crashed."""
    with tempfile.TemporaryDirectory(prefix="fixlabels-verify-") as tmp:
        spec_path, out_path = Path(tmp, "spec.json"), Path(tmp, "out.json")
        spec = {"root": str(root), "modules": modules, "overlays": [dict(o) for o in overlays]}
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        # A session of its own, so a timeout also ends what the module started (workers, shells).
        process = subprocess.Popen(
            [python, "-c", _CHECK, str(spec_path), str(out_path)],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        phases: list[dict[str, Optional[str]]] = []
        timed_out = False
        try:
            # Each phase has ``timeout`` seconds from the end of the one before, as if alone.
            deadline = time.monotonic() + timeout
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
                written = _read_phases(out_path)
                if len(written) > len(phases):
                    phases, deadline = written, time.monotonic() + timeout
                if len(phases) == len(overlays):
                    break  # all done; a process that hangs on exit is not the module's failure
            timed_out = process.poll() is None and len(phases) < len(overlays)
        finally:  # also on Ctrl-C: nothing the check started outlives the run
            _kill_session(process)
        phases = _read_phases(out_path)
        if timed_out and len(phases) < len(overlays):
            phases.append({m: f"timed out after {timeout:g} s" for m in modules})
        return [{m: done.get(m, "not reached (an earlier import exited)") for m in modules} for done in phases]


def _read_phases(out_path: Path) -> list[dict[str, Optional[str]]]:
    try:
        phases: list[dict[str, Optional[str]]] = json.loads(out_path.read_text(encoding="utf-8"))
        return phases
    except (OSError, ValueError):
        return []


def _import_all(root: Path, modules: list[str], overlay: Mapping[str, str], timeout: float, python: str) -> dict[str, Optional[str]]:
    """One fresh process, one phase."""
    phases = _import_phases(root, modules, [overlay], timeout, python)
    return phases[0] if phases else {m: CHECK_CRASHED for m in modules}


def _kill_session(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def check_imports(
    root: Path, modules: dict[str, str], overlay: Mapping[str, str], timeout: float, python: str = sys.executable
) -> list[ImportOutcome]:
    """``modules`` maps module name -> file path; ``overlay`` maps file path -> new text.

    The original and the rewrite are imported in one process, the project's modules dropped
    between the two, so torch is imported once. A rewrite that fails to import there (or a
    process that ends early) is checked again the old way, alone in a fresh process: what
    the first import left behind (a registry entry, a file it made) never refuses a rewrite,
    and a failure is only ever reported from a clean start."""
    names = sorted(modules)
    phases = _import_phases(root, names, [{}, overlay], timeout, python)
    before = phases[0] if phases else _import_all(root, names, {}, timeout, python)
    after = phases[1] if len(phases) == 2 else None
    if after is None or any(before[n] is None and after[n] is not None for n in names):
        after = _import_all(root, names, overlay, timeout, python)
    return [ImportOutcome(name, before[name], after[name]) for name in names]
