"""The warm interpreter (tests/warm_python.py) runs a program as a new ``python`` does.

It is the execution tier's speed shortcut, so it is held to the full path: the same programs run
both ways give the same outputs and exit codes, on a probe of what a program can see of its
process and on golden cases of every kind (a script, scripts in folders, a notebook importing
from ``../src``, transformers' Trainer, a program that fails with the labels TypeError, the
import of every module)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden_cases import Case, cases, execute, import_every_module
from tests.warm_python import WarmPython

pytestmark = pytest.mark.execution

# What a program can see of how it was started, and the ways it can end.
PROBE = r"""
import atexit, os, sys
print("argv", sys.argv)
print("path0", sys.path[0])
print("cwd", os.getcwd())
print("name", __name__, "main", sys.modules["__main__"].__dict__.get("MARK"))
print("stdin", repr(sys.stdin.read()))
print("hashseed", os.environ.get("PYTHONHASHSEED"), hash("fixlabels"))
MARK = "set at top level"
atexit.register(lambda: print("atexit ran"))
sys.stdout.flush()
os.write(1, b"written to fd 1\n")
os.write(2, b"written to fd 2\n")
if sys.argv[1:] == ["exit"]:
    sys.exit(3)
if sys.argv[1:] == ["message"]:
    sys.exit("a message")
if sys.argv[1:] == ["raise"]:
    raise TypeError("forward() got an unexpected keyword argument 'labels'")
"""


def _cold(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)


@pytest.mark.parametrize("how", ["ends", "exit", "message", "raise"])
def test_a_program_sees_and_ends_as_under_a_new_python(how: str, tmp_path: Path, warm_python: WarmPython) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "probe.py").write_text(PROBE, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    argv = ["sub/probe.py"] + ([] if how == "ends" else [how])
    cold, warm = _cold(argv, tmp_path, env), warm_python.run(argv, tmp_path, env)
    assert "argv ['sub/probe.py'" in cold.stdout and "written to fd 1" in cold.stdout
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)
    # A traceback has runpy's frames above the program's; what it says is the same.
    assert warm.stderr.splitlines()[-1:] == cold.stderr.splitlines()[-1:]


def test_code_given_with_c_sees_what_python_c_sees(tmp_path: Path, warm_python: WarmPython) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}
    cold = subprocess.run([sys.executable, "-c", PROBE, "exit"], cwd=tmp_path, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    warm = warm_python.run(["-c", "exit"], tmp_path, env, code=PROBE)
    assert cold.returncode == 3 and "argv ['-c', 'exit']" in cold.stdout
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)


def test_a_program_that_runs_too_long_is_stopped(tmp_path: Path, warm_python: WarmPython) -> None:
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(60)\n", encoding="utf-8")
    with pytest.raises(subprocess.TimeoutExpired):
        warm_python.run(["slow.py"], tmp_path, {"PATH": "/usr/bin:/bin"}, timeout=0.5)
    assert warm_python.run(["-c"], tmp_path, {}, code="print('still serving')").stdout == "still serving\n"


def _one_of_each_kind() -> list[Case]:
    kinds = {
        "one script": lambda c: c.run == ("train.py",) and not c.requires and not c.reference.exists(),
        "scripts in folders": lambda c: len(c.run) > 1 and all("/" in s for s in c.run),
        "a notebook beside src/": lambda c: any(s.endswith(".ipynb") for s in c.run) and len(c.run) > 1,
        "Trainer": lambda c: "accelerate" in c.requires and not c.reference.exists(),
        "fails with the TypeError": lambda c: c.reference.exists() and not c.requires,
        "fails under transformers": lambda c: c.reference.exists() and "transformers" in c.requires,
    }
    chosen = [next(c for c in cases() if c.run and accepts(c)) for accepts in kinds.values()]
    assert len({c.name for c in chosen}) == len(kinds), "each kind is a different case"
    return chosen


@pytest.mark.parametrize("case", _one_of_each_kind(), ids=lambda c: c.name)
def test_golden_programs_print_the_same_warm_and_cold(case: Case, tmp_path: Path, warm_python: WarmPython) -> None:
    for module in case.requires:
        pytest.importorskip(module)
    tree = tmp_path / "before"
    shutil.copytree(case.before, tree)
    cold = execute(tree, case.run)
    warm = execute(tree, case.run, python=warm_python)
    assert cold.stdout if cold.returncode == 0 else cold.stderr, "the program prints something to compare"
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)
    assert warm.stderr.splitlines()[-1:] == cold.stderr.splitlines()[-1:]
    cold_import, warm_import = import_every_module(tree), import_every_module(tree, python=warm_python)
    assert (warm_import.returncode, warm_import.stdout) == (cold_import.returncode, cold_import.stdout)
