"""Discovery's fast walk (strings, one resolve per named folder) finds exactly the files, with
exactly the display paths, that resolving every file found by a plain Path walk does: on the
golden cases, the installed transformers and torch, and a tree with .gitignore files, excludes,
hidden and virtualenv folders, symlinks, and paths named relative, absolute and twice."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from codemod.discovery import SKIPPED_DIRS, SOURCE_SUFFIXES, Specs, _gitignore_spec, discover, exclude_spec
from tests.golden_cases import GOLDEN, case_folders


def _reference_ignored(path: Path, specs: Specs, *, is_dir: bool) -> bool:
    for base, spec in specs:
        within = Path(os.path.abspath(path)) if base.is_absolute() and not path.is_absolute() else path
        try:
            relative = within.relative_to(base).as_posix() + ("/" if is_dir else "")
        except ValueError:
            continue
        if spec.match_file(relative):
            return True
    return False


def _reference_walk(directory: Path, specs: Specs) -> list[Path]:
    own = _gitignore_spec(directory)
    if own is not None:
        specs = specs + ((directory, own),)
    found = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name):
        if entry.is_symlink():
            continue
        if entry.is_dir():
            if entry.name.startswith(".") or entry.name in SKIPPED_DIRS or (entry / "pyvenv.cfg").is_file():
                continue
            if not _reference_ignored(entry, specs, is_dir=True):
                found.extend(_reference_walk(entry, specs))
        elif entry.is_file() and entry.name.endswith(SOURCE_SUFFIXES) and not _reference_ignored(entry, specs, is_dir=False):
            found.append(entry)
    return found


def _reference_display(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def _reference(paths: list[Path], exclude: Specs = ()) -> list[tuple[Path, str]]:
    """Every file resolved on its own, every display path computed from scratch."""
    files: dict[Path, str] = {}
    cwd = Path.cwd()
    for given in paths:
        if given.is_dir():
            for path in _reference_walk(given, exclude):
                files.setdefault(path.resolve(), _reference_display(path, cwd))
        elif given.is_file():
            files.setdefault(given.resolve(), _reference_display(given, cwd))
    return sorted(files.items(), key=lambda item: item[1])


def _installed(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{package} is not installed")
    return Path(list(spec.submodule_search_locations)[0])


@pytest.mark.parametrize("corpus", ["transformers", "torch"])
def test_fast_discovery_matches_the_reference_on_installed_packages(corpus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _installed(corpus)
    for cwd, named in ((root.parent, Path(corpus)), (root, Path(".")), (Path("/"), root), (root / "nn" if corpus == "torch" else root / "models", Path(".."))):
        monkeypatch.chdir(cwd)
        assert list(discover([named]).files) == _reference([named]), (cwd, named)


def test_fast_discovery_matches_the_reference_on_every_golden_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOLDEN)
    for case in case_folders():
        named = [case.relative_to(GOLDEN) / "before"]
        assert list(discover(named).files) == _reference(named), case.name


def test_fast_discovery_matches_the_reference_with_ignores_links_and_paths_named_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "project"
    for name in ("a.py", "pkg/b.py", "pkg/deep/c.ipynb", "ignored/d.py", "pkg/skip_me.py", ".hidden/e.py",
                 "venv2/f.py", "build/g.py", "data/h.txt", "logs/i.py"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("x = 1\n")
    (tree / "venv2" / "pyvenv.cfg").write_text("home = /usr\n")
    (tree / ".gitignore").write_text("ignored/\n*_me.py\n")
    (tree / "pkg" / ".gitignore").write_text("deep/\n")
    (tree / "link.py").symlink_to(tree / "a.py")
    (tree / "linked_dir").symlink_to(tree / "pkg")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "z.py").write_text("z = 1\n")
    exclude = exclude_spec(("logs/",), tree)
    monkeypatch.chdir(tree)
    for named in ([Path(".")], [Path("."), Path(".")], [tree, Path("pkg")], [Path("pkg"), Path("../elsewhere")],
                  [Path("../project/pkg/../a.py"), Path("../elsewhere/z.py")], [Path("linked_dir")]):
        assert list(discover(named, exclude).files) == _reference(named, exclude), named
    monkeypatch.chdir(outside)
    for named in ([tree], [Path("../project")], [Path("../project/linked_dir"), Path(".")]):
        assert list(discover(named, exclude).files) == _reference(named, exclude), named
