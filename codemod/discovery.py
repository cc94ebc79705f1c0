"""Which files a run looks at: the given files, and ``*.py``/``*.ipynb`` below the given directories,
minus hidden directories, virtual environments, installed packages and what .gitignore says."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pathspec

SOURCE_SUFFIXES = (".py", ".ipynb")
SKIPPED_DIRS = frozenset(
    {"__pycache__", "site-packages", "dist-packages", "node_modules", "venv", "env", "build", "dist"}
)


@dataclass(frozen=True)
class Discovered:
    files: tuple[tuple[Path, str], ...]
    """(path, display path) pairs, sorted by display path."""
    problems: tuple[tuple[str, str], ...]
    """(given path, why it cannot be checked): missing, a symlink loop, a FIFO or device."""
    root: Path
    """The common directory of the inputs: the import root for verification and analysis."""


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def _gitignore_spec(directory: Path) -> pathspec.PathSpec | None:
    ignore = directory / ".gitignore"
    if not ignore.is_file():
        return None
    try:
        lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.PathSpec.from_lines("gitwildmatch", lines)


def _walk(top: Path) -> list[Path]:
    found: list[Path] = []
    # Each entry: a directory and the .gitignore specs that apply to it, with their base dirs.
    stack: list[tuple[Path, tuple[tuple[Path, pathspec.PathSpec], ...]]] = [(top, ())]
    while stack:
        directory, specs = stack.pop()
        own = _gitignore_spec(directory)
        if own is not None:
            specs = specs + ((directory, own),)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    # A link may lead out of the tree, or round in a loop: never walked, never written.
                    continue
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name.startswith(".") or entry.name in SKIPPED_DIRS or _is_virtualenv(path):
                    continue
                if _ignored(path, specs, is_dir=True):
                    continue
                stack.append((path, specs))
            elif is_file and entry.name.endswith(SOURCE_SUFFIXES) and not _ignored(path, specs, is_dir=False):
                found.append(path)
    return found


def _ignored(path: Path, specs: tuple[tuple[Path, pathspec.PathSpec], ...], *, is_dir: bool) -> bool:
    for base, spec in specs:
        relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        if spec.match_file(relative):
            return True
    return False


def discover(paths: list[Path]) -> Discovered:
    files: dict[Path, str] = {}
    problems: list[tuple[str, str]] = []
    roots: list[Path] = []
    cwd = Path.cwd()
    for given in paths:
        problem = _problem_with(given)
        if problem is not None:
            problems.append((str(given), problem))
            continue
        resolved = given.resolve()
        if given.is_dir():
            roots.append(resolved)
            for path in _walk(given):
                files.setdefault(path.resolve(), _display(path, cwd))
        else:
            roots.append(resolved.parent)
            files.setdefault(resolved, _display(given, cwd))
    root = Path(os.path.commonpath([str(r) for r in roots])) if roots else cwd
    ordered = tuple(sorted(files.items(), key=lambda item: item[1]))
    return Discovered(ordered, tuple(problems), root)


def _problem_with(given: Path) -> str | None:
    """Why a path named on the command line cannot be checked, or None. Only directories and
    regular files are read: opening a FIFO would block the run forever."""
    try:
        os.lstat(given)
    except OSError:
        return "no such file or directory"
    try:
        info = given.stat()
    except OSError as exc:
        return f"cannot follow the symlink: {exc.strerror or exc}"
    if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
        return "not a regular file or directory"
    return None


def _display(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()
