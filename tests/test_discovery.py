"""Discovery's fast walk (strings, one resolve per named folder) finds exactly the files, with
exactly the display paths, that resolving every file found by a plain Path walk does: on the
golden cases, the installed transformers and torch, and a tree with .gitignore files, excludes,
hidden and virtualenv folders, symlinks, and paths named relative, absolute and twice."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from codemod.discovery import SKIPPED_DIRS, SOURCE_SUFFIXES, Specs, _gitignore_spec, discover, exclude_spec, verdict
from tests.golden_cases import GOLDEN, case_folders


def _reference_said(path: Path, specs: Specs, *, is_dir: bool) -> list[bool]:
    said = []
    for base, spec in specs:
        within = Path(os.path.abspath(path)) if base.is_absolute() and not path.is_absolute() else path
        try:
            relative = within.relative_to(base).as_posix() + ("/" if is_dir else "")
        except ValueError:
            continue
        one = verdict(spec, relative, is_dir=is_dir)
        if one is not None:
            said.append(one)
    return said


def _reference_ignored(path: Path, exclude: Specs, ignores: Specs, *, is_dir: bool) -> bool:
    said = _reference_said(path, ignores, is_dir=is_dir)
    return any(_reference_said(path, exclude, is_dir=is_dir)) or (bool(said) and said[-1])


def _reference_walk(directory: Path, exclude: Specs, ignores: Specs = ()) -> list[Path]:
    own = _gitignore_spec(directory)
    if own is not None:
        ignores = ignores + ((directory, own),)
    found = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name):
        if entry.is_symlink():
            continue
        if entry.is_dir():
            if entry.name.startswith(".") or entry.name in SKIPPED_DIRS or (entry / "pyvenv.cfg").is_file():
                continue
            if not _reference_ignored(entry, exclude, ignores, is_dir=True):
                found.extend(_reference_walk(entry, exclude, ignores))
        elif entry.is_file() and entry.name.endswith(SOURCE_SUFFIXES) and not _reference_ignored(entry, exclude, ignores, is_dir=False):
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


GIT_TREE = (
    "train.py", "top_only.py", "custom/model.py", "custom/sub/deep.py", "out/x.py", "a.tmp.py", "keep.tmp.py",
    "deep/y.py", "data/z.py", "data/keep/x.py", "data/keep/w.py", "a/m/b/c.py", "a/gen_1.py", "src/gen_2.py",
    "src/ok.py", "src/inner/ok.py", "x/a.py", "code/tool.py",
)
IGNORE_FILES = [
    {".gitignore": "*\n!custom/\n!custom/*\n!train.py\n"},  # ignore everything, take folders back (seen in a repository)
    {".gitignore": "*\n!custom/\n!train.py\n"},  # the folder back, but `*` still ignores its files
    {".gitignore": "*\n!*/\n!*.py\n"},  # only Python files
    {".gitignore": "*\n!x/*\n"},  # a file pattern cannot take a folder `*` ignored back
    {".gitignore": "out/\n*.tmp.py\n!keep.tmp.py\n/top_only.py\ndeep/\n!deep/\n"},
    {".gitignore": "data/*\n!data/keep/\ndata/keep/*\n!data/keep/x.py\n**/gen_*.py\na/**/b/\n"},
    {".gitignore": "*.py\n!src/\n", "src/.gitignore": "!ok.py\ninner/\n"},
    {".gitignore": "code\n!code/\n"},
]


@pytest.mark.parametrize("ignores", IGNORE_FILES, ids=[files[".gitignore"].replace("\n", " ").strip() for files in IGNORE_FILES])
def test_discovery_reads_what_git_does_not_ignore(ignores: dict[str, str], tmp_path: Path) -> None:
    """git itself is the reference: the files `git ls-files --others --exclude-standard` lists."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for name in GIT_TREE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    for name, text in ignores.items():
        (tmp_path / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=tmp_path, check=True, capture_output=True, text=True)
    by_git = sorted(name for name in listed.stdout.splitlines() if name.endswith(".py"))
    found = sorted(path.resolve().relative_to(tmp_path.resolve()).as_posix() for path, _ in discover([tmp_path]).files)
    assert found == by_git
