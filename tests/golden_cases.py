"""The golden cases (``golden/<case>/``) and how to run fixlabels and the programs on them.

Shared by ``tests/test_golden.py`` and ``tests/update_golden.py`` (which rewrites ``after/`` and
``expected.txt`` from the current tool, for review in ``git diff`` like Black's test data)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

import tomllib

from codemod.engine import run
from codemod.registry import select_rules
from codemod.results import Mode, Options, RunResult
from tests.warm_python import WarmPython

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "golden"


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    description: str
    run: tuple[str, ...]
    """The programs that print the losses (run one after another, their outputs joined); empty
    for a case that is only rewritten and imported."""
    args: tuple[str, ...]
    requires: tuple[str, ...] = field(default=())
    fails_with: str | None = None
    """For a before/ that crashes: a regex its stderr must match (default: the labels TypeError)."""

    @property
    def before(self) -> Path:
        return self.path / "before"

    @property
    def after(self) -> Path:
        return self.path / "after"

    @property
    def reference(self) -> Path:
        return self.path / "reference"

    @property
    def expected_findings(self) -> list[str]:
        path = self.path / "expected.txt"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def options(self) -> Options:
        args = list(self.args)
        options = Options()
        while args:
            flag = args.pop(0)
            if flag == "--criterion":
                options = replace(options, criterion=args.pop(0))
            elif flag == "--no-verify":
                options = replace(options, verify=False)
            elif flag == "--select":
                options = replace(options, rules=select_rules([args.pop(0)], []))
            else:
                raise ValueError(f"{self.name}: unknown option {flag} in case.toml")
        return options


def _scripts(run: str | list[str] | None) -> tuple[str, ...]:
    if run is None:
        return ()
    return (run,) if isinstance(run, str) else tuple(run)


def case_folders(root: Path = GOLDEN) -> list[Path]:
    """Every case folder: ``golden/<case>`` and, one level down, ``golden/<group>/<case>``
    (the reports suite is the group ``reports``)."""
    found = []
    for path in sorted(p for p in root.iterdir() if p.is_dir()):
        if (path / "before").is_dir():
            found.append(path)
        else:
            found.extend(sorted(p for p in path.iterdir() if (p / "before").is_dir()))
    return found


def cases() -> list[Case]:
    found = []
    for path in case_folders():
        config = tomllib.loads((path / "case.toml").read_text(encoding="utf-8")) if (path / "case.toml").exists() else {}
        found.append(
            Case(
                path.relative_to(GOLDEN).as_posix(),
                path,
                config.get("description", ""),
                _scripts(config.get("run")),
                tuple(config.get("args", ())),
                tuple(config.get("requires", ())),
                config.get("fails_with"),
            )
        )
    return found


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def run_fixlabels(tree: Path, mode: Mode, options: Options) -> RunResult:
    """Run the engine on ``tree`` with it as working directory, so paths print relative to it."""
    previous = Path.cwd()
    os.chdir(tree)
    try:
        return run([Path(".")], mode, options)
    finally:
        os.chdir(previous)


def rendered(result: RunResult) -> list[str]:
    return [f.render() for f in result.findings] + [e.render() for e in result.errors]


def check_findings(case: Case, tmp: Path) -> list[str]:
    copy = tmp / "check"
    shutil.copytree(case.before, copy)
    return rendered(run_fixlabels(copy, Mode.CHECK, case.options()))


def rewrite(case: Case, tmp: Path, options: Optional[Options] = None) -> tuple[Path, RunResult]:
    copy = tmp / "tree"
    shutil.copytree(case.before, copy)
    return copy, run_fixlabels(copy, Mode.WRITE, options if options is not None else case.options())


# Runs a notebook's code cells in order in one namespace, as Jupyter would. IPython-only lines
# (`%magic`, `!shell`, automagics such as `pip install x`) have no meaning outside IPython and
# are skipped.
RUN_NOTEBOOK = r"""
import json, sys
from codemod.notebooks import is_automagic
cells = json.load(open(sys.argv[1], encoding="utf-8"))["cells"]
namespace = {"__name__": "__main__"}
for number, cell in enumerate(cells, start=1):
    if cell["cell_type"] != "code":
        continue
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    python = "\n".join(
        line for line in source.split("\n") if not line.lstrip().startswith(("%", "!")) and not is_automagic(line)
    )
    exec(compile(python, f"<cell {number}>", "exec"), namespace)
"""


def execute(
    tree: Path, scripts: tuple[str, ...], timeout: float = 300, python: Optional[WarmPython] = None
) -> subprocess.CompletedProcess[str]:
    """Run each script from the tree's root, as a user would (``python exp_a/train.py`` puts
    ``exp_a/`` first on sys.path); stop at the first that fails. Outputs are joined in order.
    With ``python``, each runs in a fork of that warm interpreter instead of a new one."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0", CUDA_VISIBLE_DEVICES="")
    stdout, stderr, returncode = [], [], 0
    for script in scripts:
        # Jupyter runs a notebook in its own folder (`sys.path.append("../src")` counts on it).
        notebook = script.endswith(".ipynb")
        where = tree / Path(script).parent if notebook else tree
        argv = ["-c", Path(script).name] if notebook else [script]
        if python is not None:
            done = python.run(argv, where, env, code=RUN_NOTEBOOK if notebook else None, timeout=timeout)
        else:
            command = [sys.executable, "-c", RUN_NOTEBOOK, *argv[1:]] if notebook else [sys.executable, *argv]
            done = subprocess.run(
                command, cwd=where, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL
            )
        stdout.append(done.stdout)
        stderr.append(done.stderr)
        returncode = done.returncode
        if returncode != 0:
            break
    return subprocess.CompletedProcess(list(scripts), returncode, "".join(stdout), "".join(stderr))


# Imports the given modules (dotted names under the import root given first), as a program
# started from that root would.
IMPORT_ALL = r"""
import importlib, json, sys
groups = json.loads(sys.argv[1])
for root in groups:
    sys.path.insert(0, root)
for names in groups.values():
    for name in names:
        importlib.import_module(name)
"""


def _import_root(path: Path) -> Path:
    directory = path.parent
    while (directory / "__init__.py").is_file():
        directory = directory.parent
    return directory


def import_every_module(tree: Path, python: Optional[WarmPython] = None) -> subprocess.CompletedProcess[str]:
    """Import every module of ``tree``, each from its own import root (the folder above its
    outermost package): one process per root, because folders of experiments may each hold
    a ``model.py`` and only one module of a name can be imported per process. With ``python``,
    each process is a fork of that warm interpreter."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    by_root: dict[Path, list[str]] = {}
    for path in sorted(tree.rglob("*.py")):
        root = _import_root(path)
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            by_root.setdefault(root, []).append(".".join(parts))
    # As few processes as can be (each imports torch): roots share one unless their module
    # names clash.
    batches: list[dict[str, list[str]]] = []
    for root, names in by_root.items():
        batch = next((b for b in batches if not set(names) & {n for ns in b.values() for n in ns}), None)
        if batch is None:
            batch = {}
            batches.append(batch)
        batch[str(root)] = names
    stderr, returncode = [], 0
    for batch in batches:
        if python is not None:
            done = python.run(["-c", json.dumps(batch)], tree, env, code=IMPORT_ALL)
        else:
            done = subprocess.run(
                [sys.executable, "-c", IMPORT_ALL, json.dumps(batch)],
                cwd=tree, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL,
            )
        stderr.append(done.stderr)
        returncode = returncode or done.returncode
    return subprocess.CompletedProcess(["import"], returncode, "", "".join(stderr))
