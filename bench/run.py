"""Benchmark fixlabels against ruff and a LibCST parse-only pass on the same trees.

    pip install ".[bench]"
    python bench/run.py [--repeat 3] [--corpus transformers torch] [--no-libcst] [--scaling]

Copies the ``.py`` files of each installed package into a scratch directory, then runs each
tool as a subprocess, ``--repeat`` times, and prints medians of wall time and peak memory
(the child's max RSS) with the ratios the performance goals are stated in. The machine is
noisy: compare numbers from one run, side by side, not across runs.
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


# As an installed tool runs: with byte-compiled modules (kept out of the tree), whatever the
# environment says about writing them.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "fixlabels-bench-pycache")


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
    path = scratch / "ide" / "train.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SEED.read_text() + filler)
    return path


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

    rows: list[tuple[str, str, float, float]] = []
    for package in args.corpus:
        corpus = copy_corpus(package, args.scratch)
        files = sum(1 for _ in corpus.rglob("*.py"))
        print(f"{package}: {files} files", file=sys.stderr)
        rows.append((package, "fixlabels (check)", *median_of(fixlabels + [str(corpus)], args.repeat, REPO)))
        if ruff:
            rows.append((package, "ruff check --no-cache", *median_of([ruff, "check", "--no-cache", "--quiet", "--exit-zero", str(corpus)], args.repeat)))
        if not args.no_libcst:
            rows.append((package, "LibCST parse only (1 process)", *median_of([sys.executable, "-c", LIBCST_PARSE, str(corpus)], 1)))

    script = ide_script(args.scratch)
    rows.append(("one file (300 lines)", "fixlabels (check)", *median_of(fixlabels + [str(script)], args.repeat, REPO)))
    original = script.read_text()
    writes = []
    for _ in range(args.repeat):
        script.write_text(original)
        writes.append(measure(fixlabels + ["--write", "--no-verify", str(script)], REPO))
    rows.append(("one file (300 lines)", "fixlabels --write --no-verify", statistics.median(w[0] for w in writes), max(w[1] for w in writes)))
    rows.append(("start-up", "fixlabels --version", *median_of(fixlabels + ["--version"], args.repeat, REPO)))
    # The floor under any run that rewrites: the interpreter, and LibCST (the rewriting engine).
    rows.append(("start-up", "python -c pass", *median_of([sys.executable, "-c", "pass"], args.repeat)))
    rows.append(("start-up", "python -c 'import libcst'", *median_of([sys.executable, "-c", "import libcst"], args.repeat)))

    if args.scaling:
        for copies in (1, 2, 4):
            corpus = copy_corpus(args.corpus[0], args.scratch, copies)
            rows.append((f"{args.corpus[0]} x{copies}", "fixlabels (check)", *median_of(fixlabels + [str(corpus)], 1, REPO)))

    print("| tree | tool | wall (s, median) | peak RSS (MB) |")
    print("| --- | --- | ---: | ---: |")
    for tree, tool, wall, rss in rows:
        print(f"| {tree} | {tool} | {wall:.2f} | {rss:.0f} |")
    print()
    for package in args.corpus:
        by_tool = {tool: wall for tree, tool, wall, _ in rows if tree == package}
        ours = by_tool.get("fixlabels (check)")
        if ours and "ruff check --no-cache" in by_tool:
            print(f"{package}: fixlabels / ruff = {ours / by_tool['ruff check --no-cache']:.1f}x (goal: at most 2x)")
        if ours and "LibCST parse only (1 process)" in by_tool:
            print(f"{package}: LibCST parse / fixlabels = {by_tool['LibCST parse only (1 process)'] / ours:.1f}x (goal: at least 15x)")


if __name__ == "__main__":
    main()
