"""The import check runs user code, so it must be safe to run: a subprocess with a time limit,
empty stdin, the import root as working directory, and ``__name__`` never ``__main__``."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from codemod.engine import run
from codemod.results import Mode, Options

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
FIXED = "loss = criterion(logits, labels)"


def _prepend(path: Path, code: str) -> None:
    path.write_text(code + path.read_text())


@pytest.mark.parametrize(
    "top_level",
    [
        "name = input('your name? ')\n",  # reads stdin: gets EOF, never waits for a user
        "while True:\n    pass\n",  # loops: stopped by the time limit
        "import subprocess\nsubprocess.Popen(['sleep', '600'])\nimport time\ntime.sleep(600)\n",  # blocks, with a child
    ],
    ids=["reads-stdin", "loops-forever", "sleeps-with-a-child"],
)
def test_a_module_that_cannot_import_is_verified_by_compiling_and_never_hangs(seed: Path, top_level: str) -> None:
    _prepend(seed / "train.py", top_level)
    started = time.monotonic()
    result = run([seed], Mode.WRITE, Options(import_timeout=3))
    assert time.monotonic() - started < 60
    assert FIXED in (seed / "train.py").read_text()
    assert [f.fixed for f in result.findings] == [True]
    assert "verified by compiling only" in result.findings[0].message


@pytest.mark.execution  # imports the seed example, torch and all, in the check's subprocess
def test_the_module_is_imported_under_its_own_name_from_the_import_root(seed: Path, tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    _prepend(
        seed / "train.py",
        f"import os\nwith open({str(record)!r}, 'a') as f:\n    f.write(__name__ + ' ' + os.getcwd() + '\\n')\n"
        "if __name__ == '__main__':\n    raise SystemExit('ran as a script')\n",
    )
    result = run([seed], Mode.WRITE, Options(import_timeout=60))
    assert [f.fixed for f in result.findings] == [True]
    assert "verified by compiling only" not in result.findings[0].message
    # Imported twice (before and after the rewrite), as `train`, from the tree's root.
    assert record.read_text().splitlines() == [f"train {seed}", f"train {seed}"]


def _popen_counter(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    import subprocess

    from codemod.pipeline import import_check as verify

    started: list[list[str]] = []
    real = subprocess.Popen

    def popen(args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        started.append(list(args))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(verify.subprocess, "Popen", popen)
    return started


@pytest.mark.execution  # imports the seed example, torch and all, in the check's subprocess
def test_the_original_and_the_rewrite_are_imported_in_one_process(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """torch and transformers are imported once per check, not once per side of it."""
    started = _popen_counter(monkeypatch)
    result = run([seed], Mode.WRITE, Options(import_timeout=120))
    assert [f.fixed for f in result.findings] == [True]
    assert "verified by compiling only" not in result.findings[0].message
    assert len(started) == 1


@pytest.mark.execution  # imports the seed example, torch and all, in the check's subprocess
def test_state_the_first_import_left_in_a_library_never_refuses_a_rewrite(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module that registers itself in a library (here: an attribute on the stdlib's logging)
    fails a second import in the same process; the rewrite is then imported alone, fresh."""
    _prepend(
        seed / "train.py",
        "import logging\nif getattr(logging, 'fixlabels_test_registered', False):\n"
        "    raise ValueError('already registered')\nlogging.fixlabels_test_registered = True\n",
    )
    started = _popen_counter(monkeypatch)
    result = run([seed], Mode.WRITE, Options(import_timeout=120))
    assert [f.fixed for f in result.findings] == [True]
    assert "verified by compiling only" not in result.findings[0].message
    assert len(started) == 2  # the shared process, then the rewrite alone


def test_project_code_outside_the_import_root_is_imported_again_with_the_rewrite(tmp_path: Path) -> None:
    """A helper on a folder the script adds to sys.path imports a name the rewrite removed: the
    second phase must import the helper again, not reuse the one loaded from the original."""
    from codemod.pipeline import import_check as verify

    project, lib = tmp_path / "project", tmp_path / "lib"
    project.mkdir()
    lib.mkdir()
    (project / "net.py").write_text("class Net:\n    pass\n")
    (lib / "helper.py").write_text("from net import Net\n")
    (project / "main.py").write_text(
        "import os, sys\nsys.path.append(os.path.join(os.path.dirname(__file__), '..', 'lib'))\nimport helper\n"
    )
    overlay = {str((project / "net.py").resolve()): "class Renamed:\n    pass\n"}
    outcomes = verify.check_imports(project, {"main": str(project / "main.py")}, overlay, timeout=60)
    assert [(o.module, o.before, o.broken) for o in outcomes] == [("main", None, True)]
    assert "cannot import name 'Net'" in (outcomes[0].after or "")


def test_each_side_of_the_check_has_its_own_time_limit(tmp_path: Path) -> None:
    """A module slower to import than the limit counts as one that does not import, as when
    each side had a process of its own, even though both sides share one."""
    from codemod.pipeline import import_check as verify

    (tmp_path / "slow.py").write_text("import time\ntime.sleep(3)\n")
    started = time.monotonic()
    outcomes = verify.check_imports(tmp_path, {"slow": str(tmp_path / "slow.py")}, {}, timeout=1)
    assert time.monotonic() - started < 30
    assert outcomes[0].before == outcomes[0].after == "timed out after 1 s"
    assert not outcomes[0].broken


def test_a_module_that_keeps_its_process_alive_after_importing_is_still_verified(tmp_path: Path) -> None:
    """A non-daemon thread keeps the process from exiting; both imports finished, and count."""
    from codemod.pipeline import import_check as verify

    (tmp_path / "serves.py").write_text("import threading, time\nthreading.Thread(target=time.sleep, args=(600,)).start()\n")
    started = time.monotonic()
    outcomes = verify.check_imports(tmp_path, {"serves": str(tmp_path / "serves.py")}, {}, timeout=5)
    assert time.monotonic() - started < 30
    assert (outcomes[0].before, outcomes[0].after) == (None, None)


def test_a_project_inside_site_packages_is_still_imported_again_with_the_rewrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed libraries stay loaded between the two imports, but not when they are the
    project being rewritten: its import root and its rewritten files are always imported again."""
    import site

    from codemod.pipeline import import_check as verify

    installed = Path(site.getsitepackages()[0]) / "fixlabels_test_project_tmp"
    if not os.access(installed.parent, os.W_OK):
        pytest.skip("site-packages is not writable here")
    shutil.rmtree(installed, ignore_errors=True)
    installed.mkdir()
    try:
        (installed / "net.py").write_text("class Net:\n    pass\n")
        (installed / "main.py").write_text("from net import Net\n")
        overlay = {str((installed / "net.py").resolve()): "class Renamed:\n    pass\n"}
        outcomes = verify.check_imports(installed, {"main": str(installed / "main.py"), "net": str(installed / "net.py")}, overlay, timeout=60)
        assert [(o.module, o.broken) for o in outcomes] == [("main", True), ("net", False)]
    finally:
        shutil.rmtree(installed, ignore_errors=True)


def test_what_the_original_did_to_sys_path_is_undone_before_the_rewrite_is_imported(tmp_path: Path) -> None:
    """train.py appends ../extra; the rewritten model.py, imported before train.py, now needs
    it. In a fresh process that import fails, so it must fail in the shared one too."""
    from codemod.pipeline import import_check as verify

    project, extra = tmp_path / "project", tmp_path / "extra"
    project.mkdir()
    extra.mkdir()
    (extra / "losses.py").write_text("X = 1\n")
    (project / "model.py").write_text("X = 1\n")
    (project / "train.py").write_text("import os, sys\nsys.path.append(os.path.join(os.path.dirname(__file__), '..', 'extra'))\nimport model\n")
    overlay = {str((project / "model.py").resolve()): "from losses import X\n"}
    modules = {"model": str(project / "model.py"), "train": str(project / "train.py")}
    outcomes = {o.module: o for o in verify.check_imports(project, modules, overlay, timeout=60)}
    assert outcomes["model"].broken and "No module named 'losses'" in (outcomes["model"].after or "")


def test_a_namespace_package_is_imported_again_with_the_rewrite(tmp_path: Path) -> None:
    """nets/ has no __init__.py; `from nets import model` must bind the rewritten module."""
    from codemod.pipeline import import_check as verify

    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "model.py").write_text("def build(x, labels=None):\n    return x\n")
    (tmp_path / "app.py").write_text("from nets import model\nmodel.build(1, labels=2)\n")
    overlay = {str((tmp_path / "nets" / "model.py").resolve()): "def build(x):\n    return x\n"}
    modules = {"app": str(tmp_path / "app.py"), "nets.model": str(tmp_path / "nets" / "model.py")}
    outcomes = {o.module: o for o in verify.check_imports(tmp_path, modules, overlay, timeout=60)}
    assert outcomes["app"].broken and "unexpected keyword argument 'labels'" in (outcomes["app"].after or "")
    assert not outcomes["nets.model"].broken
