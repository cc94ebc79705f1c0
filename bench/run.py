"""Benchmark fixlabels against ruff and a LibCST parse-only pass on the same trees.

    pip install ".[test]"   # ruff, and the corpora: transformers and torch
    python bench/run.py [--repeat 3] [--corpus transformers torch] [--no-libcst] [--scaling]

Copies the ``.py`` files of each installed package into a scratch directory, then runs each
tool as a subprocess, ``--repeat`` times, and prints medians of wall time and peak memory
(the child's max RSS) beside the goal of each figure, with the ratios to ruff the goals are
stated in: cold and cached checks of the corpora, a re-check after editing one file, one clean
file, one file with a finding (check, --diff, --write with and without verification), a
50,000-line file, and with --scaling the corpus copied 1, 2 and 4 times. The machine is noisy:
compare numbers from one run, side by side, not across runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "golden" / "seed_example" / "before" / "train.py"
LIBCST_PARSE = (
    "import pathlib, sys, libcst\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.py')):\n"
    "    try:\n        libcst.parse_module(p.read_bytes())\n"
    "    except Exception:\n        pass\n"
)


# As an installed tool runs: with byte-compiled modules, whatever the environment says about
# writing them (__pycache__ is ignored by git). Not PYTHONPYCACHEPREFIX: it hides the byte code
# pip compiled for torch and transformers, and the import check would compile them every time.
CHILD_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}


def measure(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run of ``command``."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def median_of(command: list[str], repeat: int, cwd: Path | None = None) -> tuple[float, float]:
    runs = [measure(command, cwd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def copy_corpus(package: str, scratch: Path, copies: int = 1) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package} is not installed")
    source = Path(list(spec.submodule_search_locations)[0])
    target = scratch / f"{package}-x{copies}"
    if not target.exists():
        for index in range(copies):
            shutil.copytree(
                source,
                target / f"copy{index}" / package,
                ignore=lambda d, names: [n for n in names if n == "__pycache__" or (not n.endswith(".py") and not (Path(d) / n).is_dir())],
            )
    return target


def ide_script(scratch: Path) -> Path:
    """A ~300-line training script with one finding, as an editor would hand it over."""
    filler = "".join(
        f"\n\ndef helper_{i}(values):\n    total = 0\n    for v in values:\n        total += v * {i}\n    return total\n"
        for i in range(35)
    )
    return _project_file(scratch / "ide", "train.py", SEED.read_text() + filler)


CLEAN = """import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


def main():
    net = Net()
    out = net(torch.randn(3, 4))
    print(out.sum().item())


if __name__ == "__main__":
    main()
"""


def _project_file(folder: Path, name: str, text: str) -> Path:
    """``text`` as the one file of a project of its own (a pyproject.toml marks its root)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text("")
    path = folder / name
    path.write_text(text)
    return path


CULPRIT = """

class Culprit(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = nn.CrossEntropyLoss()(logits, labels)
        return loss


def train_culprit(batches):
    model = Culprit()
    for inputs, labels in batches:
        loss = model(inputs, labels)
        loss.backward()
"""
"""One FL001 class and its call: what makes a large file's check plan, render and prove a fix."""


def large_file(scratch: Path, lines: int = 50_000, with_finding: bool = False) -> Path:
    """A ~50,000-line module of small models and the loops that train them (labels everywhere,
    losses computed outside the models): no finding, but every rule has something to look at;
    ``with_finding`` adds one FL001 class and its call at the end."""
    block = """

class Block{i}(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, 2)

    def forward(self, x, mask=None):
        h = self.fc(x)
        if mask is not None:
            h = h * mask
        return h


def train_{i}(batches, labels_weight={i}):
    model = Block{i}(4)
    criterion = nn.CrossEntropyLoss()
    for inputs, labels in batches:
        logits = model(inputs)
        loss = criterion(logits, labels) * labels_weight
        loss.backward()
    return loss.item()
"""
    per_block = block.count("\n")
    text = "import torch\nimport torch.nn as nn\n" + "".join(block.format(i=i) for i in range(lines // per_block))
    if with_finding:
        return _project_file(scratch / "large_finding", "large.py", text + CULPRIT)
    return _project_file(scratch / "large", "large.py", text)


Row = tuple[str, str, float, float, str]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", nargs="+", default=["transformers", "torch"])
    parser.add_argument("--no-libcst", action="store_true", help="skip the (slow) LibCST parse-only pass")
    parser.add_argument("--scaling", action="store_true", help="also time 1x, 2x and 4x copies of the first corpus")
    parser.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()) / "fixlabels-bench")
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    fixlabels = [sys.executable, "-m", "codemod"]
    ruff = shutil.which("ruff")
    repeat = args.repeat

    rows: list[Row] = []
    ruff_seconds: dict[str, float] = {}
    for package in args.corpus:
        corpus = copy_corpus(package, args.scratch)
        files = sorted(corpus.rglob("*.py"))
        print(f"{package}: {len(files)} files", file=sys.stderr)
        if ruff:
            wall, rss = median_of([ruff, "check", "--no-cache", "--quiet", "--exit-zero", str(corpus)], repeat)
            ruff_seconds[package] = wall
            rows.append((package, "ruff check --no-cache", wall, rss, ""))
        cold = median_of(fixlabels + ["--no-cache", str(corpus)], repeat, REPO)
        rows.append((package, "fixlabels, cold (--no-cache)", *cold, "<= 3x ruff"))
        # Fills the cache: the answer, each file's facts and each walk's trace (what a first
        # check pays for the next one's speed).
        rows.append((package, "fixlabels, first check (fills the cache)", *measure(fixlabels + [str(corpus)], REPO), ""))
        rows.append((package, "fixlabels, re-check, unchanged", *median_of(fixlabels + [str(corpus)], repeat, REPO), "<= 0.3x ruff"))
        edited = files[len(files) // 2]
        original = edited.read_bytes()
        runs = []
        for _ in range(repeat):
            # A text no earlier run saw: the cache keeps a few answers, and an old one would be a hit.
            edited.write_bytes(original + f"\n# edit {time.time_ns()}\n".encode())
            runs.append(measure(fixlabels + [str(corpus)], REPO))
        edited.write_bytes(original)
        rows.append((package, "fixlabels, re-check after editing one file", statistics.median(r[0] for r in runs), max(r[1] for r in runs), "<= 1 s"))
        named = corpus / "models" / "bert" / "modeling_bert.py" if (corpus / "models" / "bert").is_dir() else files[0]
        other = files[len(files) // 3]
        kept = other.read_bytes()
        runs = []
        for _ in range(repeat):
            other.write_bytes(kept + f"\n# edit {time.time_ns()}\n".encode())
            runs.append(measure(fixlabels + [str(named)], REPO))
        other.write_bytes(kept)
        rows.append((package, f"fixlabels {named.name}, after an edit elsewhere", statistics.median(r[0] for r in runs), max(r[1] for r in runs), "<= 1 s"))
        if not args.no_libcst:
            rows.append((package, "LibCST parse only (1 process)", *median_of([sys.executable, "-c", LIBCST_PARSE, str(corpus)], 1), ""))

    clean = _project_file(args.scratch / "clean", "clean.py", CLEAN)
    rows.append(("one clean file (21 lines)", "fixlabels F, cold (--no-cache)", *median_of(fixlabels + ["--no-cache", str(clean)], repeat, clean.parent), "<= 0.2 s"))
    measure(fixlabels + [str(clean)], clean.parent)
    rows.append(("one clean file (21 lines)", "fixlabels F, cached", *median_of(fixlabels + [str(clean)], repeat, clean.parent), "<= 0.2 s"))
    script = ide_script(args.scratch)
    rows.append(("one file with a finding (300 lines)", "fixlabels F (check)", *median_of(fixlabels + ["--no-cache", str(script)], repeat, script.parent), "<= 0.35 s"))
    rows.append(("one file with a finding (300 lines)", "fixlabels --diff F", *median_of(fixlabels + ["--diff", str(script)], repeat, script.parent), "<= 0.35 s"))
    original = script.read_text()
    for label, flags, goal in (("fixlabels --write F (verification on)", [], "<= 3 s"), ("fixlabels --write --no-verify F", ["--no-verify"], "")):
        writes = []
        for _ in range(repeat):
            script.write_text(original)
            writes.append(measure(fixlabels + ["--write", *flags, str(script)], script.parent))
        rows.append(("one file with a finding (300 lines)", label, statistics.median(w[0] for w in writes), max(w[1] for w in writes), goal))
    script.write_text(original)
    large = large_file(args.scratch)
    rows.append((f"one file of {large.read_text().count(chr(10)):,} lines", "fixlabels F, cold (--no-cache)", *median_of(fixlabels + ["--no-cache", str(large)], repeat, large.parent), "<= 3 s, <= 200 MB"))
    large = large_file(args.scratch, with_finding=True)
    rows.append((f"one file of {large.read_text().count(chr(10)):,} lines, one finding", "fixlabels F, cold (--no-cache)", *median_of(fixlabels + ["--no-cache", str(large)], repeat, large.parent), "<= 3 s, <= 200 MB"))
    rows.append(("start-up", "fixlabels --version", *median_of(fixlabels + ["--version"], repeat, REPO), ""))
    # The floor under any run: the interpreter, and LibCST (the rewriting engine).
    rows.append(("start-up", "python -c pass", *median_of([sys.executable, "-c", "pass"], repeat), ""))
    rows.append(("start-up", "python -c 'import libcst'", *median_of([sys.executable, "-c", "import libcst"], repeat), ""))

    if args.scaling:
        for copies in (1, 2, 4):
            corpus = copy_corpus(args.corpus[0], args.scratch, copies)
            rows.append((f"{args.corpus[0]} x{copies}", "fixlabels, cold (--no-cache)", *median_of(fixlabels + ["--no-cache", str(corpus)], 1, REPO), "x4: <= 300 MB"))

    print("| tree | run | wall (s, median) | peak RSS (MB) | goal |")
    print("| --- | --- | ---: | ---: | --- |")
    for tree, tool, wall, rss, goal in rows:
        print(f"| {tree} | {tool} | {wall:.2f} | {rss:.0f} | {goal} |")
    print()
    for package, ruff_wall in ruff_seconds.items():
        for tree, tool, wall, _, goal in rows:
            if tree == package and tool.startswith("fixlabels"):
                print(f"{package}: {tool} = {wall / ruff_wall:.2f}x ruff check --no-cache (goal: {goal or 'none'})")


if __name__ == "__main__":
    main()
