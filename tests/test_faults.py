"""Faults during a run never leave a repository worse: interrupts, failed writes, files that
cannot be written. Each file ends up old or new, never partial, and the run says which."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codemod.engine import run
from codemod.results import Mode, Options
from tests.conftest import deny_write

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
REPO = Path(__file__).resolve().parent.parent
COPIES = 6

# Runs the real CLI with one step of writing slowed down and announced on stderr, so the test
# can send its signal while that step is in progress.
DRIVER = textwrap.dedent(
    """
    import os, sys, time
    import codemod.sources as sources

    step = sys.argv.pop(1)
    if step == "stage":
        original_stage = sources._stage

        def announced(path, data, staged):
            original_stage(path, data, staged)
            print("staged", path.name, file=sys.stderr, flush=True)
            time.sleep(0.3)

        sources._stage = announced
    else:
        original_replace = os.replace

        def announced(source, target):
            original_replace(source, target)
            print("replaced", target, file=sys.stderr, flush=True)
            time.sleep(0.3)

        os.replace = announced
    from codemod.cli import main
    main()
    """
)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """Several files that each need a rewrite; their old and expected new bytes."""
    tree = tmp_path / "repo"
    tree.mkdir()
    source = (GOLDEN / "seed_example" / "before" / "train.py").read_bytes()
    for index in range(COPIES):
        (tree / f"train_{index}.py").write_bytes(source)
    old = {p.name: p.read_bytes() for p in tree.iterdir()}
    result = run([tree], Mode.DIFF)
    new = {c.path.name: c.new_text.encode() for c in result.changes}
    assert sorted(new) == sorted(old)
    return tree, old, new


def _as_from_a_shell() -> None:
    """The run starts with SIGINT as a shell leaves it. A process started with SIGINT ignored
    keeps ignoring it (Python installs its Ctrl-C handler only over the default), and a test
    process may have had it ignored by what ran in it before (seen in CI, under xdist): the
    test would then show that, not fixlabels."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def _interrupt(tree: Path, step: str, signum: int) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, step, "--write", "--no-verify", "."],
        cwd=tree, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=_as_from_a_shell,
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith(("staged", "replaced")):
            process.send_signal(signum)
            break
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, "".join(lines) + err)


def _assert_whole(tree: Path, old: dict[str, bytes], new: dict[str, bytes]) -> set[str]:
    """Every file is its old or its new self, no temporary file is left; returns the new ones."""
    assert sorted(p.name for p in tree.iterdir() if p.is_file()) == sorted(old)
    rewritten = set()
    for name in old:
        data = (tree / name).read_bytes()
        assert data in (old[name], new[name]), f"{name} is neither old nor new"
        if data == new[name]:
            rewritten.add(name)
    return rewritten


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_while_staging_writes_nothing_and_says_so(repo, signum: int) -> None:  # type: ignore[no-untyped-def]
    tree, old, new = repo
    result = _interrupt(tree, "stage", signum)
    assert result.returncode == 130, result.stderr
    assert "interrupted; wrote 0 file(s)" in result.stderr
    assert _assert_whole(tree, old, new) == set()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_while_renaming_lets_the_renames_finish_and_lists_them(repo, signum: int) -> None:  # type: ignore[no-untyped-def]
    tree, old, new = repo
    result = _interrupt(tree, "commit", signum)
    assert result.returncode == 130, result.stderr
    rewritten = _assert_whole(tree, old, new)
    assert rewritten == set(old)
    assert f"interrupted; wrote {COPIES} file(s), each whole:" in result.stderr
    for name in rewritten:
        assert f"\n  {name}" in result.stderr


def test_a_write_that_fails_midway_changes_no_file(repo, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A full disk while writing the third file: all files are staged before any is replaced,
    so nothing changes, and the error names the file."""
    tree, old, new = repo
    import codemod.sources as sources

    original = sources._stage
    calls = []

    def disk_full(path: Path, data: bytes, staged: list[tuple[Path, str]]) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        original(path, data, staged)

    monkeypatch.setattr(sources, "_stage", disk_full)
    result = run([tree], Mode.WRITE, Options(verify=False))
    assert _assert_whole(tree, old, new) == set()
    assert result.written == ()
    assert [e.code for e in result.errors] == ["E902"]
    assert "No space left on device; no file was changed" in result.errors[0].message
    assert not any(f.fixed for f in result.findings)


def test_a_rewrite_whose_other_file_cannot_be_written_is_not_written_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One rewrite spans two files; one of them is read-only: neither is written, and the
    finding says which file and why. (Tests run as root, who may write anything, so the
    permission check itself is what is made to fail.)"""
    tree = tmp_path / "repo"
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tree)
    before = {p: p.read_bytes() for p in tree.rglob("*.py")}
    read_only = next(p for p in before if p.name == "train.py").resolve()
    deny_write(monkeypatch, read_only)
    result = run([tree], Mode.WRITE, Options(verify=False))
    assert {p: p.read_bytes() for p in tree.rglob("*.py")} == before
    assert result.written == ()
    assert any("cannot write" in f.text and "train.py (permission denied)" in f.text for f in result.findings)


def test_what_is_written_after_a_refused_rewrite_was_import_checked_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two rewrites share train.py; the other file of one of them is read-only, so it is
    refused and train.py gets only the other's edits. That text, not the one with both edits,
    is what the import check saw last before writing."""
    from codemod.pipeline import import_check as verify

    tree = tmp_path / "repo"
    tree.mkdir()
    for name in ("first", "second"):
        (tree / f"{name}.py").write_text(textwrap.dedent(f"""
            import torch.nn as nn


            class {name.title()}(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.linear = nn.Linear(4, 2)
                    self.loss_fct = nn.CrossEntropyLoss()

                def forward(self, x, labels):
                    logits = self.linear(x)
                    loss = self.loss_fct(logits, labels)
                    return loss
            """).lstrip())
    (tree / "train.py").write_text(textwrap.dedent("""
        import torch
        from first import First
        from second import Second

        first, second = First(), Second()
        x, y = torch.randn(3, 4), torch.tensor([0, 1, 0])
        print(first(x, y).item())
        print(second(x, y).item())
        """).lstrip())
    read_only = (tree / "second.py").resolve()
    deny_write(monkeypatch, read_only)

    checked: list[str] = []

    def record(root, modules, overlay, timeout, python=None):  # type: ignore[no-untyped-def]
        checked.extend(text for path, text in overlay.items() if path.endswith("train.py"))
        return []

    monkeypatch.setattr(verify, "check_imports", record)
    result = run([tree], Mode.WRITE, Options(verify=True))
    assert {Path(w).name for w in result.written} == {"first.py", "train.py"}
    written = (tree / "train.py").read_text()
    assert "second(x, y)" in written and "first(x, y)" not in written
    assert checked[-1] == written
    assert len(checked) == 2 and checked[0] != written  # both edits first, then first's alone
