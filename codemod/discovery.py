"""Which files a run looks at: the given files, and ``*.py``/``*.ipynb`` below the given directories,
minus hidden directories, virtual environments, installed packages and what .gitignore says."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

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
    links: tuple[tuple[Path, Path], ...] = ()
    """(file, the symbolic link it was named through): a file named as, or below, a link. It is
    read and checked, and never written: a write would go through the link."""


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def _gitignore_spec(directory: Path) -> "pathspec.PathSpec[Any]" | None:
    ignore = directory / ".gitignore"
    if not ignore.is_file():
        return None
    try:
        lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError:
        # git skips a pattern it cannot read (a trailing backslash, say) and keeps the rest;
        # a stray shell command pasted into .gitignore must not stop the run.
        return pathspec.GitIgnoreSpec.from_lines([line for line in lines if _valid_pattern(line)])


def _valid_pattern(line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


Specs = tuple[tuple[Path, "pathspec.PathSpec[Any]"], ...]
"""Ignore specs with the directories their patterns are relative to."""


def exclude_spec(patterns: tuple[str, ...], base: Path) -> Specs:
    """The ``exclude`` setting as specs for ``discover``. The base is resolved: the walk reads
    each project at its resolved root, also when it was named through a link."""
    return ((Path(os.path.realpath(base)), pathspec.GitIgnoreSpec.from_lines(patterns)),) if patterns else ()


def _walk(top: Path, exclude: Specs) -> list[str]:
    """The source files below ``top``, as ``os.scandir`` spells them (``top`` joined with the
    names below it). Strings, not Paths: building a Path per entry was most of a large tree's walk."""
    found: list[str] = []
    # Each entry: a directory and the .gitignore specs that apply to it, outermost first.
    stack: list[tuple[str, Specs]] = [(str(top), ())]
    while stack:
        directory, ignores = stack.pop()
        own = _gitignore_spec(Path(directory))
        if own is not None:
            ignores = ignores + ((Path(directory), own),)
        specs = exclude or ignores
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_symlink():
                    # A link may lead out of the tree, or round in a loop: never walked, never written.
                    continue
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name.startswith(".") or entry.name in SKIPPED_DIRS or _is_virtualenv(Path(entry.path)):
                    continue
                if specs and _ignored(entry.path, exclude, ignores, is_dir=True):
                    continue
                stack.append((entry.path, ignores))
            elif is_file and entry.name.endswith(SOURCE_SUFFIXES) and not (specs and _ignored(entry.path, exclude, ignores, is_dir=False)):
                found.append(entry.path)
    return found


def verdict(spec: "pathspec.PathSpec[Any]", relative: str, *, is_dir: bool) -> Optional[bool]:
    """What ``spec`` says of ``relative`` (a trailing ``/`` for a directory): ignored, kept, or
    nothing (no pattern matches). For a directory itself the last matching pattern decides, as in
    git: ``GitIgnoreSpec`` ranks a directory pattern's match below a file pattern's, so after ``*``
    a ``!custom/`` could not take ``custom/`` back, and the files git keeps below it went unread."""
    said: Optional[bool] = None
    for pattern in spec.patterns:
        if pattern.include is not None and pattern.match_file(relative) is not None:
            said = pattern.include
    # A file: which of the matching patterns decides is GitIgnoreSpec's rule (not check_file: pathspec 0.11 lacks it).
    return said if is_dir or said is None else bool(spec.match_file(relative))


def _relative(path: str, base: Path, is_dir: bool) -> Optional[str]:
    within = os.path.abspath(path) if base.is_absolute() and not os.path.isabs(path) else path
    try:
        return Path(within).relative_to(base).as_posix() + ("/" if is_dir else "")
    except ValueError:
        try:  # spelled through a link (a folder named below a linked project): as resolved
            return Path(os.path.realpath(path)).relative_to(base).as_posix() + ("/" if is_dir else "")
        except ValueError:  # an exclude base that is not above this path says nothing of it
            return None


def _ignored(path: str, exclude: Specs, ignores: Specs, *, is_dir: bool) -> bool:
    """Excluded by a setting, or ignored by the .gitignore files on its way. A setting's pattern
    always excludes; among .gitignore files the deepest with a pattern matching the path decides
    (``src/.gitignore``'s ``!ok.py`` keeps what the root's ``*.py`` ignores), as in git."""
    for base, spec in exclude:
        relative = _relative(path, base, is_dir)
        if relative is not None and verdict(spec, relative, is_dir=is_dir):
            return True
    decided: Optional[bool] = None
    for base, spec in ignores:
        relative = _relative(path, base, is_dir)
        said = verdict(spec, relative, is_dir=is_dir) if relative is not None else None
        if said is not None:
            decided = said
    return bool(decided)


def discover(paths: list[Path], exclude: Specs = ()) -> Discovered:
    """The files below ``paths``. ``exclude`` prunes the walk of directories; a file named
    on the command line is checked even if excluded (as Ruff does)."""
    files: dict[Path, str] = {}
    problems: list[tuple[str, str]] = []
    cwd = Path.cwd()
    cwd_prefix = os.path.join(str(cwd), "")
    walked: set[Path] = set()
    links: dict[Path, Path] = {}
    for given in paths:
        problem = _problem_with(given)
        if problem is not None:
            problems.append((str(given), problem))
            continue
        resolved = given.resolve()
        if given.is_dir():
            if resolved in walked:  # a project root named again (`fixlabels .`): same walk, same files
                continue
            walked.add(resolved)
            top, real_top = str(given), str(resolved)
            through = link_on_the_way(given)
            for found in _walk(given, exclude):
                # The walk follows no symlink, so below the resolved top nothing needs resolving
                # again (resolving each file was half the time of discovering a large tree).
                real = found if top == real_top else os.path.join(real_top, found[len(top):].lstrip(os.sep))
                files.setdefault(Path(real), _display_below(real, found, cwd_prefix))
                if through is not None:
                    links.setdefault(Path(real), through)
        else:
            files.setdefault(resolved, display_name(given, cwd))
            link = link_on_the_way(given)
            if link is not None:
                links[resolved] = link
    ordered = tuple(sorted(files.items(), key=lambda item: item[1]))
    return Discovered(ordered, tuple(problems), tuple(sorted(links.items())))


def link_on_the_way(path: Path) -> Optional[Path]:
    """The symbolic link a write of ``path`` would go through: the file itself, or a folder
    between it and its project's root (a link leads anywhere, often out of the tree). Folders
    above the project (``/tmp`` on macOS) are the machine's, not the tree's."""
    absolute = Path(os.path.abspath(path))
    root = project_root(absolute)
    for candidate in (absolute, *absolute.parents):
        if candidate == root or candidate == candidate.parent:
            break
        if candidate.is_symlink():
            return candidate
    return None


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


def display_name(path: Path, cwd: Path) -> str:
    """Relative to the working directory if below it, else as given."""
    return _display_below(str(path.resolve()), str(path), os.path.join(str(cwd), ""))


def _display_below(real: str, found: str, cwd_prefix: str) -> str:
    """``display_name`` of a path already resolved (``real``) and spelled ``found``."""
    if real.startswith(cwd_prefix):
        return Path(real[len(cwd_prefix):]).as_posix()
    return Path(found).as_posix()


PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def project_root(path: Path) -> Path:
    """The project a file belongs to: the nearest directory above it with a ``pyproject.toml``,
    ``setup.py``, ``setup.cfg`` or ``.git``; else the working directory if the file is inside it
    (an editor runs tools from the workspace) unless that is the home or root directory, else
    the file's own directory."""
    start = Path(os.path.abspath(path)).parent
    for directory in (start, *start.parents):
        if any((directory / marker).exists() for marker in PROJECT_MARKERS):
            return directory
    cwd = Path.cwd()
    if cwd in (Path.home(), Path(cwd.anchor)):  # an editor started from $HOME: not a project
        return start
    return cwd if start == cwd or cwd in start.parents else start


def analysis_roots(paths: list[Path]) -> list[Path]:
    """What to read to fix what ``paths`` name: a fix spans files (a ``forward`` and its calls),
    so each path is read in its whole project (see ``project_root``). Nested roots collapse."""
    roots: set[Path] = set()
    for given in paths:
        if _problem_with(given) is not None:
            continue
        inside = given / "__init__.py" if given.is_dir() else given  # project_root looks above a file
        roots.add(project_root(inside).resolve())
    return sorted(r for r in roots if not any(other in r.parents for other in roots))


def within(path: Path, named: list[Path]) -> bool:
    """Is ``path`` one of the named files, or below a named folder?"""
    resolved = path.resolve()
    return any(resolved == n or n in resolved.parents for n in named)
