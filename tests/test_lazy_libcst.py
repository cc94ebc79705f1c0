"""A run where no rule has a candidate to look at with LibCST (no forward taking labels, no
call passing them to a model that does not) never loads it: a third of a clean run's time. A
run with something to rewrite loads it and works. Checked in fresh interpreters: this test
process has long since loaded it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden_cases import GOLDEN

PROBE = """
import sys
from codemod.cli import main
sys.argv = ["fixlabels", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
print("libcst loaded:", "libcst._nodes.base" in sys.modules, "exit:", code, file=sys.stderr)
"""


def _probe(tree: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tree, capture_output=True, text=True, timeout=300)
    return done.stderr.splitlines()[-1]


@pytest.mark.parametrize("case", ["neg_plain_class_with_forward", "neg_hf_style_optional_labels", "neg_labels_variable_in_plotting"])
def test_a_check_with_no_candidate_never_loads_libcst(tmp_path: Path, case: str) -> None:
    tree = tmp_path / case
    shutil.copytree(GOLDEN / case / "before", tree)
    assert _probe(tree, "--no-cache", ".") == "libcst loaded: False exit: 0"
    assert _probe(tree, "--no-cache", "--diff", ".") == "libcst loaded: False exit: 0"


def test_a_check_that_finds_something_loads_libcst_and_fixes_it(tmp_path: Path) -> None:
    tree = tmp_path / "seed"
    shutil.copytree(GOLDEN / "seed_example" / "before", tree)
    assert _probe(tree, "--no-cache", ".") == "libcst loaded: True exit: 1"
    assert _probe(tree, "--write", "--no-verify", ".") == "libcst loaded: True exit: 0"
    assert (tree / "train.py").read_bytes() == (GOLDEN / "seed_example" / "after" / "train.py").read_bytes()


def test_libcst_imported_first_is_the_module_fixlabels_uses() -> None:
    code = "import libcst, sys\nfrom codemod.lazy_libcst import cst\nprint(cst is libcst, cst.parse_expression('x + 1').__class__.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["True", "BinaryOperation"], done.stderr
