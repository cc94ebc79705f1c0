"""Fuzz fixlabels with generated training programs: run each before, rewrite it, run it after.

    PYTHONPATH=. python bench/fuzz.py --seeds 0:300 [--jobs 2] [--keep DIR] [--json FILE]

For each seed, ``fuzz_programs.generate`` writes a small multi-file PyTorch program (a custom
``forward`` that takes labels and computes the loss, drawn along many dimensions). The program
runs (before), fixlabels rewrites it in process (``--select ALL``, WRITE, verification on), the
program runs again (after), and a second fixlabels pass (DIFF) must find nothing left to change.
Each seed gets one class (``Verdict``):

- EXACT: files were written, the after-run prints exactly what the before-run did, and the second
  pass changes nothing (a program partly fixed and partly refused is EXACT too);
- REFUSED: findings, nothing written (every refusal text is recorded);
- NOFINDING: no finding at all (every program has a custom forward with labels);
- WRONG: something was written and the after-run fails, prints something else, the second pass
  still changes something, or a file that must not change (a distractor) changed;
- CRASH: the engine raised, or returned errors;
- GENBUG: the before-run failed: the generator's bug, not fixlabels'.

Programs run in warm worker processes (torch imported once), each entry script with
``runpy.run_path`` as ``python <entry>`` from the program's root would run it; a worker is
replaced after a chunk of seeds so state cannot pile up. Exit code 1 if any seed is WRONG, CRASH
or GENBUG.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import difflib
import enum
import importlib
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import runpy
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

# The checkout this script sits in is what it measures, never an older copy installed in
# site-packages (a script's sys.path starts with its own folder, not the checkout's root).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz_programs import Program, blockers, generate  # noqa: E402

__all__ = ["Program", "generate", "Verdict", "Outcome", "run_seed", "run_program", "run_seeds", "execute", "report", "main"]

PROBLEMS = ("WRONG", "CRASH", "GENBUG")


class Verdict(enum.Enum):
    EXACT = "EXACT"
    REFUSED = "REFUSED"
    NOFINDING = "NOFINDING"
    WRONG = "WRONG"
    CRASH = "CRASH"
    GENBUG = "GENBUG"


@dataclass(frozen=True)
class FindingNote:
    code: str
    fixed: bool
    refusal: Optional[str]
    text: str
    """``Finding.render()``: path:line:col: CODE message."""


@dataclass(frozen=True)
class Outcome:
    seed: int
    verdict: Verdict
    cause: str
    """One line: why a seed is WRONG, CRASH or GENBUG (empty otherwise)."""
    dimensions: tuple[tuple[str, str], ...]
    findings: tuple[FindingNote, ...] = ()
    written: tuple[str, ...] = ()
    stdout_before: str = ""
    stdout_after: str = ""
    second_pass: str = ""
    """The diff the second fixlabels pass would still apply (empty when it changes nothing)."""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = self.verdict.value
        data["dimensions"] = dict(self.dimensions)
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> "Outcome":
        return Outcome(
            seed=data["seed"],
            verdict=Verdict(data["verdict"]),
            cause=data["cause"],
            dimensions=tuple(data["dimensions"].items()),
            findings=tuple(FindingNote(**note) for note in data["findings"]),
            written=tuple(data["written"]),
            stdout_before=data["stdout_before"],
            stdout_after=data["stdout_after"],
            second_pass=data["second_pass"],
            seconds=data["seconds"],
        )


# ---------------------------------------------------------------------------------------------
# Running a program in this interpreter


@dataclass(frozen=True)
class Execution:
    ok: bool
    stdout: str
    """The entries' outputs, joined in order (up to the first that failed)."""
    error: str = ""
    """The failure's last traceback line (``ValueError: ...``), or the timeout."""
    traceback: str = ""


class ProgramTimeout(BaseException):
    """Raised by the alarm in a program that ran too long: a BaseException, so the program's own
    ``except Exception`` cannot swallow it."""


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    # signal.setitimer works in the main thread only; elsewhere (a test runner's thread) the
    # worker's hard timeout is the backstop.
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ProgramTimeout(f"timed out after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _inside(path: str, root: str) -> bool:
    return os.path.realpath(path).startswith(root)


def _forget_modules(root: Path) -> None:
    """Drop every module loaded from the program's tree: the next program (or the rewritten
    text of this one) has its own ``model``, ``train``, ``extras``..."""
    prefix = os.path.join(os.path.realpath(root), "")
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        try:
            places = [file] if isinstance(file, str) else [p for p in getattr(module, "__path__", None) or () if isinstance(p, str)]
        except TypeError:  # a __path__ that is not iterable (torch.classes)
            places = []
        if any(_inside(place, prefix) for place in places):
            del sys.modules[name]
    for key in [k for k in sys.path_importer_cache if _inside(k, prefix)]:
        del sys.path_importer_cache[key]


def execute(root: Path, entries: Sequence[str], timeout: float = 60.0) -> Execution:
    """Run each entry as ``python <entry>`` from ``root`` would (cwd ``root``, ``sys.argv[0]``
    the entry, ``sys.path[0]`` its folder), in this interpreter; stop at the first failure."""
    import torch  # already imported by a worker: only for resetting what a failed run may leave

    outputs: list[str] = []
    for entry in entries:
        script = root / entry
        captured = io.StringIO()
        saved_path, saved_argv, saved_cwd = list(sys.path), list(sys.argv), os.getcwd()
        os.chdir(root)
        sys.argv = [entry]
        sys.path.insert(0, str(script.parent))
        importlib.invalidate_caches()
        failure: Optional[tuple[str, str]] = None
        try:
            with _deadline(timeout), contextlib.redirect_stdout(captured), contextlib.redirect_stderr(io.StringIO()):
                runpy.run_path(str(script), run_name="__main__")
        except KeyboardInterrupt:
            raise
        except SystemExit as exc:
            if exc.code not in (None, 0):
                failure = (f"SystemExit: {exc.code}", traceback.format_exc())
        except BaseException as exc:  # the program's failure, whatever it is, is the verdict
            failure = (traceback.format_exception_only(type(exc), exc)[-1].strip(), traceback.format_exc())
        finally:
            sys.path[:], sys.argv[:] = saved_path, saved_argv
            os.chdir(saved_cwd)
            _forget_modules(root)
            torch.set_grad_enabled(True)
        outputs.append(captured.getvalue())
        if failure is not None:
            return Execution(False, "".join(outputs), f"{entry}: {failure[0]}", failure[1])
    return Execution(True, "".join(outputs))


# ---------------------------------------------------------------------------------------------
# One seed


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _fixlabels(root: Path, mode: Any) -> Any:
    """fixlabels on ``root`` with it as the working directory, every rule on, as
    ``fixlabels --select ALL`` (verification on, the default)."""
    from codemod.engine import run
    from codemod.registry import select_rules
    from codemod.results import Options

    previous = Path.cwd()
    os.chdir(root)
    try:
        return run([Path(".")], mode, Options(rules=select_rules(["ALL"], [])))
    finally:
        os.chdir(previous)


def _first_difference(before: str, after: str) -> str:
    old, new = before.splitlines(), after.splitlines()
    for number, (a, b) in enumerate(zip(old, new), start=1):
        if a != b:
            return f"line {number}: {a!r} -> {b!r}"
    return f"{len(old)} lines -> {len(new)} lines"


def _one_line(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _notes(result: Any) -> tuple[FindingNote, ...]:
    return tuple(FindingNote(f.code, f.fixed, f.refusal, f.render()) for f in result.findings)


def _keep(keep: Path, program: Program, before: dict[str, bytes], root: Path, outcome: Outcome) -> None:
    """DIR/seed_N/{before,after}/ and outcome.txt (verdict, findings, outputs, the diff)."""
    place = keep / f"seed_{program.seed}"
    shutil.rmtree(place, ignore_errors=True)
    after = tree_bytes(root) if root.exists() else before
    for side, tree in (("before", before), ("after", after)):
        for name, data in tree.items():
            target = place / side / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    diff: list[str] = []
    for name in sorted(set(before) | set(after)):
        old = before.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = after.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
        diff += difflib.unified_diff(old, new, f"a/{name}", f"b/{name}")
    summary = [
        f"seed {program.seed}: {outcome.verdict.value}" + (f": {outcome.cause}" if outcome.cause else ""),
        f"entries: {' '.join(program.entries)}",
        "dimensions: " + ", ".join(f"{k}={v}" for k, v in outcome.dimensions),
        "findings:",
        *(f"  {note.text}" + (" [fixed]" if note.fixed else "") for note in outcome.findings),
        f"written: {' '.join(outcome.written) or '-'}",
        "--- stdout before", outcome.stdout_before.rstrip("\n"),
        "--- stdout after", outcome.stdout_after.rstrip("\n"),
        "--- diff",
        "".join(diff).rstrip("\n"),
    ]
    if outcome.second_pass:
        summary += ["--- what the second pass would still change", outcome.second_pass.rstrip("\n")]
    place.mkdir(parents=True, exist_ok=True)
    (place / "outcome.txt").write_text("\n".join(summary) + "\n", encoding="utf-8")


def run_seed(
    seed: int,
    keep: Optional[Path] = None,
    timeout: float = 60.0,
    phase: Callable[[str], None] = lambda name: None,
) -> Outcome:
    """Generate the seed's program and ``run_program`` it."""
    return run_program(generate(seed), keep, timeout, phase)


def run_program(
    program: Program,
    keep: Optional[Path] = None,
    timeout: float = 60.0,
    phase: Callable[[str], None] = lambda name: None,
) -> Outcome:
    """Run before, rewrite, run after, check idempotence: the program's ``Outcome``, in a
    scratch copy that is removed afterwards. ``phase`` is told each step as it starts (the
    worker reports it, to name the step of a hang)."""
    from codemod.results import Mode

    started = time.perf_counter()
    seed = program.seed
    dimensions = tuple(program.dimensions.items())
    base = Path(tempfile.mkdtemp(prefix=f"fixlabels-fuzz-{seed}-"))
    root = base / "program"
    for name, text in program.files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    original = tree_bytes(root)

    def done(verdict: Verdict, cause: str = "", **more: Any) -> Outcome:
        outcome = Outcome(seed, verdict, cause, dimensions, seconds=round(time.perf_counter() - started, 3), **more)
        if keep is not None:
            _keep(keep, program, original, root, outcome)
        return outcome

    try:
        phase("before")
        before = execute(root, program.entries, timeout)
        if not before.ok:
            return done(Verdict.GENBUG, f"before-run fails: {_one_line(before.error)}", stdout_before=before.stdout)

        phase("fixlabels")
        try:
            first = _fixlabels(root, Mode.WRITE)
        except Exception as exc:
            return done(Verdict.CRASH, f"fixlabels raised {_one_line(''.join(traceback.format_exception_only(type(exc), exc)))}", stdout_before=before.stdout)
        notes = _notes(first)
        if first.errors:
            return done(Verdict.CRASH, f"fixlabels error: {_one_line(first.errors[0].render())}", findings=notes, stdout_before=before.stdout)
        now = tree_bytes(root)
        # What is on disk decides, not only what the engine says it wrote.
        changed = tuple(sorted(name for name in set(original) | set(now) if original.get(name) != now.get(name)))
        written = tuple(sorted(set(first.written) | set(changed)))
        if not written:
            verdict = Verdict.REFUSED if notes else Verdict.NOFINDING
            return done(verdict, findings=notes, stdout_before=before.stdout, stdout_after=before.stdout)
        more: dict[str, Any] = {"findings": notes, "written": written, "stdout_before": before.stdout}

        phase("after")
        after = execute(root, program.entries, timeout)
        more["stdout_after"] = after.stdout
        if not after.ok:
            # What it printed before failing may already differ: say where, it is the first symptom.
            diverged = not before.stdout.startswith(after.stdout)
            where = f" (output already differs: {_one_line(_first_difference(before.stdout, after.stdout))})" if diverged else ""
            return done(Verdict.WRONG, f"after-run fails: {_one_line(after.error)}{where}", **more)
        if after.stdout != before.stdout:
            return done(Verdict.WRONG, f"output differs: {_one_line(_first_difference(before.stdout, after.stdout))}", **more)
        touched = [name for name in program.protected if name in changed]
        if touched:
            return done(Verdict.WRONG, f"changed what must not change: {', '.join(touched)}", **more)

        phase("second pass")
        try:
            second = _fixlabels(root, Mode.DIFF)
        except Exception as exc:
            return done(Verdict.CRASH, f"second pass raised {_one_line(''.join(traceback.format_exception_only(type(exc), exc)))}", **more)
        if second.errors:
            return done(Verdict.CRASH, f"second pass error: {_one_line(second.errors[0].render())}", **more)
        if second.changes:
            rules = sorted({f.code for f in second.findings if f.fixed})
            names = ", ".join(c.display_path for c in second.changes)
            more["second_pass"] = "".join(
                "".join(difflib.unified_diff(c.old_text.splitlines(True), c.new_text.splitlines(True), f"a/{c.display_path}", f"b/{c.display_path}"))
                for c in second.changes
            )
            return done(Verdict.WRONG, f"second pass still changes {names} ({', '.join(rules) or 'no rule named'})", **more)
        return done(Verdict.EXACT, **more)
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Many seeds, in warm workers


def _worker(connection: multiprocessing.connection.Connection, keep: Optional[str], timeout: float) -> None:
    """A long-lived worker: torch imported once; seeds in, outcomes (as JSON data) out."""
    import torch

    torch.set_num_threads(1)  # the workers share the machine's cores; threads would fight
    sys.dont_write_bytecode = True  # no __pycache__ inside the programs' trees
    keep_path = Path(keep) if keep else None
    while True:
        seed = connection.recv()
        if seed is None:
            return

        def phase(name: str, seed: int = seed) -> None:
            connection.send(("phase", seed, name))

        try:
            outcome = run_seed(seed, keep_path, timeout, phase=phase)
        except Exception as exc:  # a fault of the harness itself: report it, keep serving
            outcome = Outcome(seed, Verdict.CRASH, f"harness raised {_one_line(repr(exc))}", ())
        connection.send(("done", seed, outcome.to_json()))


@dataclass
class _Slot:
    """One worker process and the seed it is on."""

    process: Any
    connection: multiprocessing.connection.Connection
    seed: Optional[int] = None
    phase: str = ""
    since: float = 0.0
    served: int = 0


@dataclass
class _Pool:
    jobs: int
    keep: Optional[Path]
    timeout: float
    chunk: int
    slots: list[_Slot] = field(default_factory=list)

    def start(self) -> _Slot:
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no forked torch threads
        ours, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(theirs, str(self.keep) if self.keep else None, self.timeout), daemon=True)
        process.start()
        theirs.close()
        return _Slot(process, ours)

    @staticmethod
    def stop(slot: _Slot, kill: bool = False) -> None:
        if not kill:
            try:
                slot.connection.send(None)
                slot.process.join(10)
            except (OSError, EOFError):
                pass
        if slot.process.is_alive():
            slot.process.kill()  # this worker only, by its own handle
            slot.process.join()
        slot.connection.close()


def _lost(seed: int, phase: str, why: str, dimensions: tuple[tuple[str, str], ...]) -> Outcome:
    """The outcome of a seed whose worker hung or died, from the step it was in."""
    if phase == "before":
        return Outcome(seed, Verdict.GENBUG, f"before-run {why}", dimensions)
    if phase == "after":
        return Outcome(seed, Verdict.WRONG, f"after-run {why}", dimensions)
    return Outcome(seed, Verdict.CRASH, f"{phase or 'worker'} {why}", dimensions)


def _collect(slot: _Slot, readable: bool, hard_limit: float) -> tuple[Optional[Outcome], bool]:
    """(the slot's finished outcome or None, whether its worker must be killed)."""
    if slot.seed is None:
        return None, False
    seed = slot.seed
    if readable:
        try:
            kind, _, payload = slot.connection.recv()
        except (EOFError, OSError):
            why = f"killed the worker (exit code {slot.process.exitcode})"
            return _lost(seed, slot.phase, why, tuple(generate(seed).dimensions.items())), True
        if kind == "phase":
            slot.phase = payload
            return None, False
        slot.served += 1
        return Outcome.from_json(payload), False
    if time.monotonic() - slot.since > hard_limit:
        return _lost(seed, slot.phase, f"hung for {hard_limit:g} s", tuple(generate(seed).dimensions.items())), True
    return None, False


def run_seeds(
    seeds: Sequence[int],
    jobs: int = 2,
    keep: Optional[Path] = None,
    timeout: float = 60.0,
    chunk: int = 40,
    progress: Callable[[Outcome, int, int], None] = lambda outcome, done, total: None,
) -> list[Outcome]:
    """The outcomes of ``seeds`` (in seed order), run by ``jobs`` worker processes, each replaced
    after ``chunk`` seeds. A seed whose step outlives ``timeout`` (per run of the program) by far
    has its worker killed and replaced."""
    pool = _Pool(max(1, jobs), keep, timeout, chunk)
    pending = collections.deque(seeds)
    outcomes: dict[int, Outcome] = {}
    # A program run has its own alarm; this bounds a whole seed (fixlabels' import check included).
    hard_limit = 3 * timeout + 120
    try:
        pool.slots = [pool.start() for _ in range(min(pool.jobs, len(pending)))]
        while len(outcomes) < len(seeds):
            for slot in pool.slots:
                if slot.seed is None and pending:
                    slot.seed, slot.phase, slot.since = pending.popleft(), "", time.monotonic()
                    slot.connection.send(slot.seed)
            busy = [slot for slot in pool.slots if slot.seed is not None]
            ready = multiprocessing.connection.wait([slot.connection for slot in busy], timeout=1.0)
            kept: list[_Slot] = []
            for slot in pool.slots:
                finished, broken = _collect(slot, slot.connection in ready, hard_limit)
                if finished is None:
                    kept.append(slot)
                    continue
                outcomes[finished.seed] = finished
                progress(finished, len(outcomes), len(seeds))
                slot.seed = None
                if broken or slot.served >= pool.chunk:
                    pool.stop(slot, kill=broken)
                    if pending:
                        kept.append(pool.start())
                else:
                    kept.append(slot)
            pool.slots = kept
    finally:
        for slot in pool.slots:
            pool.stop(slot, kill=slot.seed is not None)
    return [outcomes[seed] for seed in seeds]


# ---------------------------------------------------------------------------------------------
# The report


def normalise_refusal(code: str, refusal: str) -> str:
    """A refusal reason without the program's names and places, to count alike reasons together."""
    text = re.sub(r"`[^`]*`", "`…`", refusal)
    text = re.sub(r"[\w./-]+\.py(:\d+)*", "<file>", text)
    text = re.sub(r"\b\d+\b", "N", text)
    return f"{code} {text}"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


def report(outcomes: Sequence[Outcome], top: int = 15) -> str:
    verdicts = list(Verdict)
    lines: list[str] = []
    counts = collections.Counter(o.verdict for o in outcomes)
    lines.append(f"{len(outcomes)} programs")
    lines += _table([["class", "count", "share"]] + [[v.value, str(counts[v]), f"{100 * counts[v] / max(1, len(outcomes)):.0f}%"] for v in verdicts])

    lines += ["", "per dimension value (n, count per class, REFUSED share):"]
    names = list(dict(outcomes[0].dimensions)) if outcomes and outcomes[0].dimensions else []
    header = ["", "n"] + [v.value for v in verdicts] + ["refused"]
    for name in names:
        by_value: dict[str, collections.Counter[Verdict]] = collections.defaultdict(collections.Counter)
        for outcome in outcomes:
            value = dict(outcome.dimensions).get(name)
            if value is None:
                continue
            # Distractors combine: count each of a program's distractors once.
            for part in value.split("+") if name == "distractors" else [value]:
                by_value[part][outcome.verdict] += 1
        rows = [header]
        for value in sorted(by_value):
            tally = by_value[value]
            n = sum(tally.values())
            rows.append([f"  {value}", str(n)] + [str(tally[v]) for v in verdicts] + [f"{100 * tally[Verdict.REFUSED] / n:.0f}%"])
        lines += ["", name] + _table(rows)

    lines += ["", *yardstick(outcomes)]
    reasons = collections.Counter(
        normalise_refusal(note.code, note.refusal) for o in outcomes for note in o.findings if note.refusal
    )
    lines += ["", f"most common refusal reasons ({sum(reasons.values())} refusals):"]
    lines += [f"  {count:4d}  {reason}" for reason, count in reasons.most_common(top)]

    problems = [o for o in outcomes if o.verdict.value in PROBLEMS]
    lines += ["", f"WRONG, CRASH and GENBUG seeds ({len(problems)}):"]
    lines += [f"  seed {o.seed}: {o.verdict.value}: {o.cause}" for o in problems] or ["  none"]
    return "\n".join(lines)


def yardstick(outcomes: Sequence[Outcome]) -> list[str]:
    """Issue 23's yardstick: where an exact rewrite exists (no blocking dimension), how many are
    refused (goal: at most 10%); where one does not, that the tool refused, and for what."""
    free = [o for o in outcomes if not blockers(dict(o.dimensions))]
    blocked = [o for o in outcomes if blockers(dict(o.dimensions))]
    refused_free = sum(o.verdict is Verdict.REFUSED for o in free)
    named = sum(o.verdict is Verdict.REFUSED and names_blocker(o) for o in blocked)
    refused_blocked = sum(o.verdict is Verdict.REFUSED for o in blocked)
    return [
        "yardstick (issue 23):",
        f"  an exact rewrite exists: {len(free)} programs, EXACT {sum(o.verdict is Verdict.EXACT for o in free)}, "
        f"REFUSED {refused_free} ({100 * refused_free / max(1, len(free)):.0f}%; goal at most 10%)",
        f"  a dimension blocks it: {len(blocked)} programs, REFUSED {refused_blocked}: {named} naming the blocking place, "
        f"{refused_blocked - named} refused first for another reason; EXACT {sum(o.verdict is Verdict.EXACT for o in blocked)} (must be 0)",
    ]


def names_blocker(outcome: Outcome) -> bool:
    """Does some refusal of the program name the place one of its blocking dimensions made?"""
    places = [b.place for b in blockers(dict(outcome.dimensions))]
    return any(place in (note.refusal or "") for note in outcome.findings for place in places)


def _seed_range(text: str) -> range:
    start, _, stop = text.partition(":")
    if not stop:
        raise argparse.ArgumentTypeError("seeds are given as A:B (B excluded)")
    return range(int(start), int(stop))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=_seed_range, required=True, help="A:B runs seeds A..B-1")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--keep", type=Path, help="write every program, before and after, under DIR/seed_N")
    parser.add_argument("--json", type=Path, help="write every outcome as JSON")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a program may run (default 60)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    seeds = list(args.seeds)

    def progress(outcome: Outcome, done: int, total: int) -> None:
        mark = f": {outcome.cause}" if outcome.verdict.value in PROBLEMS else ""
        print(f"[{done}/{total}] seed {outcome.seed} {outcome.verdict.value} ({outcome.seconds:.1f} s){mark}", file=sys.stderr, flush=True)

    outcomes = run_seeds(seeds, args.jobs, args.keep.resolve() if args.keep else None, args.timeout, progress=progress)
    elapsed = time.perf_counter() - started
    print(f"fixlabels fuzz: seeds {args.seeds.start}:{args.seeds.stop}, {args.jobs} jobs, {elapsed:.0f} s")
    print(report(outcomes))
    if args.json:
        args.json.write_text(
            json.dumps({"seeds": [args.seeds.start, args.seeds.stop], "seconds": round(elapsed, 1), "outcomes": [o.to_json() for o in outcomes]}, indent=1),
            encoding="utf-8",
        )
    return 1 if any(o.verdict.value in PROBLEMS for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
