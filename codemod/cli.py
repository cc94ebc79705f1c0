"""The command line: parse options, call the engine, print, choose the exit code. Nothing else."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from codemod import __version__
from codemod.registry import RULES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # what shells report for Ctrl-C

HELP = f"""Find and fix the causes of `forward() got an unexpected keyword argument 'labels'`.

Without --diff or --write, report findings as `path:line:col: CODE message`.

\b
Rules:
{chr(10).join(f"  {info.code}  {info.summary}" for info in RULES.values())}

Rules marked opt-in rewrite code that works; turn them on with --select (e.g. --select ALL).

\b
Exit codes:
  0  nothing to report (with --write: everything found was fixed)
  1  findings remain (check, --write), or --diff would change files
  2  usage error, or a file could not be read, parsed or written
  130  interrupted (SIGINT/SIGTERM); each file is whole, old or new, and the
       files already written are listed

--write verifies each rewrite before writing it: every changed file must compile, and each
changed module is imported in a subprocess (the import root as working directory, empty stdin,
a time limit) before and after the change. Importing runs the module's top-level code: a script
without an `if __name__ == "__main__":` guard will run (and may write files) during the check.
Use --no-verify to skip the import step.
"""

app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]})


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fixlabels {__version__}")
        raise typer.Exit()


@app.command(help=HELP)
def fixlabels(
    paths: Optional[List[Path]] = typer.Argument(None, metavar="PATHS", help="Files or directories (default: the current directory); directories are walked for *.py and *.ipynb files."),
    diff: bool = typer.Option(False, "--diff", help="Print the changes as a unified diff; write nothing."),
    write: bool = typer.Option(False, "--write", help="Apply the changes to the files."),
    criterion: str = typer.Option(
        "nn.CrossEntropyLoss()", "--criterion", metavar="EXPR", help="Criterion to insert where the code has none (FL002)."
    ),
    select: List[str] = typer.Option(
        [], "--select", metavar="CODES", help="Rules to run: codes or prefixes, comma-separated (FL001, FL0, ALL). Default: all but opt-in rules."
    ),
    ignore: List[str] = typer.Option([], "--ignore", metavar="CODES", help="Rules to skip: codes or prefixes, comma-separated."),
    jobs: int = typer.Option(
        os.cpu_count() or 1, "--jobs", "-j", min=1, metavar="N", help="Processes for analysing a large repository (default: the CPU count)."
    ),
    no_verify: bool = typer.Option(False, "--no-verify", help="With --write: skip the import check (files still must compile)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    from codemod.diff import unified_diff
    from codemod.engine import run
    from codemod.results import Mode, Options
    from codemod.registry import SelectionError, select_rules
    from codemod.rules.fl002_labels_passed import CriterionError, parse_criterion

    if diff and write:
        typer.echo("error: --diff and --write cannot be used together", err=True)
        raise typer.Exit(EXIT_ERROR)
    try:
        parse_criterion(criterion)
    except CriterionError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR)
    try:
        rules = select_rules(select, ignore)
    except SelectionError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR)
    mode = Mode.WRITE if write else Mode.DIFF if diff else Mode.CHECK
    try:
        with _sigterm_as_interrupt():
            result = run(list(paths or [Path(".")]), mode, Options(criterion=criterion, verify=not no_verify, rules=rules, jobs=jobs))
    except KeyboardInterrupt:
        typer.echo("fixlabels: interrupted; no file was written.", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug of ours: say so plainly, keep the traceback for a report
        if os.environ.get("FIXLABELS_DEBUG"):
            raise
        typer.echo(
            f"fixlabels: internal error: {type(exc).__name__}: {exc}\n"
            "No file was changed. Run again with FIXLABELS_DEBUG=1 for the traceback, and please report it.",
            err=True,
        )
        raise typer.Exit(EXIT_ERROR)

    out = sys.stdout
    if mode is Mode.DIFF:
        for change in result.changes:
            out.write(unified_diff(change))
        for finding in result.remaining:
            typer.echo(finding.render(), err=True)
    else:
        for finding in result.remaining if mode is Mode.WRITE else result.findings:
            out.write(finding.render() + "\n")
    for error in result.errors:
        typer.echo(error.render(), err=True)
    out.flush()

    fixed = [f for f in result.findings if f.fixed]
    if mode is Mode.CHECK:
        fixable = sum(1 for f in result.findings if f.fixable)
        summary = f"Found {len(result.findings)} finding(s) in {result.files_checked} file(s) ({fixable} fixable with --write)."
    elif mode is Mode.DIFF:
        summary = f"Would fix {len(fixed)} finding(s) in {len(result.changes)} file(s); {len(result.remaining)} not fixable."
    else:
        summary = f"Fixed {len(fixed)} finding(s), wrote {len(result.written)} file(s); {len(result.remaining)} remaining."
    if result.errors:
        summary += f" {len(result.errors)} error(s)."
    typer.echo(summary, err=True)

    if result.interrupted:
        listed = "".join(f"\n  {name}" for name in result.written)
        typer.echo(f"fixlabels: interrupted; wrote {len(result.written)} file(s), each whole:{listed}", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.errors:
        raise typer.Exit(EXIT_ERROR)
    if mode is Mode.DIFF:
        raise typer.Exit(EXIT_FINDINGS if result.changes else EXIT_CLEAN)
    if mode is Mode.WRITE:
        raise typer.Exit(EXIT_FINDINGS if result.remaining else EXIT_CLEAN)
    raise typer.Exit(EXIT_FINDINGS if result.findings else EXIT_CLEAN)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI timeout, `kill`) stops the run the way Ctrl-C does, so the engine's
    interrupt handling (files whole, written ones listed) covers both."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main() -> None:
    app()
