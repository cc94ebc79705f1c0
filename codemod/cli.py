"""The command line: parse options, call the engine, print, choose the exit code. Nothing else."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Iterator, List, NoReturn, Optional

import typer

from codemod import __version__
from codemod.registry import RULES, documentation
from codemod.report import console
from codemod.results import Mode, Options, RunResult
from codemod.rules.spec import FIX_MEANING
from codemod.vocabulary import DEFAULT_CRITERION

if TYPE_CHECKING:  # imported in the command, as the engine is: --help and explain need neither
    from codemod.report.formats import OutputFormat

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # what shells report for Ctrl-C
# The one table of exit codes: --help prints it, and a test holds the README's to it.
EXIT_CODES = (
    (EXIT_CLEAN, "nothing to report: no findings, or (--write, stdin) every one was fixed"),
    (EXIT_FINDINGS, "findings remain unfixed, or --diff would change files"),
    (EXIT_ERROR, "usage error, or a file could not be read, parsed or written"),
    (EXIT_INTERRUPTED, "interrupted (SIGINT/SIGTERM): each file is whole, old or new; written ones are listed"),
)

HELP = f"""Find and fix the causes of `forward() got an unexpected keyword argument 'labels'`.

Without --diff or --write, report findings as `path:line:col: CODE message`.
`fixlabels check [PATHS]` is the same command, as Ruff users type it; `--fix` is `--write`.

\b
Rules:
{chr(10).join(f"  {info.code}  {info.summary}" for info in RULES.values())}

Rules marked opt-in rewrite code that works; turn them on with --select (e.g. --select ALL).
`fixlabels explain FL001` prints a rule's documentation: what, why, before/after, when it refuses.

Silence a finding with `# fixlabels: ignore[FL001]` (or `# noqa: FL001`; a bare
`# fixlabels: ignore` silences every rule) on the `class`, `def forward` or call line.

Settings can live in the nearest pyproject.toml, under [tool.fixlabels]: select, ignore,
exclude (gitignore-style patterns), per-file-ignores (pattern = [codes]), criterion, verify.
Flags given here override them.

In an editor, `fixlabels --stdin-filename PATH -` fixes an unsaved buffer: code in on stdin, fixed
code out on stdout (with --diff: the diff), findings on stderr.

\b
Exit codes (the same for a check, --diff, --write and stdin):
{chr(10).join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES)}

--write verifies each rewrite before writing it: every changed file must compile, and each
changed module is imported in a subprocess (the import root as working directory, empty stdin,
a time limit) before and after the change. Importing runs the module's top-level code: a script
without an `if __name__ == "__main__":` guard will run (and may write files) during the check.
Use --no-verify to skip the import step. The import check runs the project's interpreter (see
--python): a module that does not import there before the change either (torch not installed) is
checked by the other checks only, and a note names the file; the line `Checked: ...` after the
summary names the checks that ran. Such a --write still exits 0 when every finding was fixed.
"""

app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]})


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fixlabels {__version__}")
        raise typer.Exit()


# The options, one alias each: the command's signature then reads as the list of its flags.
PathsArg = Annotated[
    Optional[List[Path]],
    typer.Argument(
        metavar="PATHS",
        help="Files or directories (default: the current directory); directories are walked for *.py and *.ipynb files. "
        "`-` reads one file from stdin (with --stdin-filename).",
    ),
]
DiffOpt = Annotated[bool, typer.Option("--diff", help="Print the changes as a unified diff; write nothing.")]
WriteOpt = Annotated[bool, typer.Option("--write", "--fix", help="Apply the changes to the files (`--fix` is the same, as in Ruff).")]
ExitZeroOpt = Annotated[
    bool,
    typer.Option("--exit-zero", help="Exit 0 even when findings remain (errors reading, parsing or writing files still exit 2)."),
]
StatisticsOpt = Annotated[bool, typer.Option("--statistics", help="Print how many findings each rule has, instead of each finding.")]
ShowFixesOpt = Annotated[
    bool,
    typer.Option("--show-fixes", help="List each finding fixed (--write), that would be fixed (--diff) or that --write can fix (a check)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print findings and errors only: no summary, notes or progress bar.")]
CriterionOpt = Annotated[
    Optional[str],
    typer.Option("--criterion", metavar="EXPR", help=f"Criterion to insert where the code has none (FL002). Default: {DEFAULT_CRITERION}."),
]
SelectOpt = Annotated[
    List[str],
    typer.Option("--select", metavar="CODES", help="Rules to run: codes or prefixes, comma-separated (FL001, FL0, ALL). Default: all but opt-in rules."),
]
IgnoreOpt = Annotated[List[str], typer.Option("--ignore", metavar="CODES", help="Rules to skip: codes or prefixes, comma-separated.")]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--output-format",
        metavar="FORMAT",
        help="How findings are printed: text (path:line:col: CODE message), json, github (workflow annotations) or sarif (2.1.0).",
    ),
]
StdinOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--stdin-filename",
        metavar="PATH",
        help="With `-`: the path of the code read from stdin. The fixed code goes to stdout, findings to stderr; "
        "the project around PATH is read for context, and no file is written.",
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Never colour the diff (also: the NO_COLOR environment variable).")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, metavar="N", help="Processes for analysing a large repository (default: the CPU count).")]
VerifyOpt = Annotated[
    Optional[bool],
    typer.Option("--verify/--no-verify", help="With --write: import each changed module before and after (default: on; files must compile either way)."),
]
PythonOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--python",
        metavar="PATH",
        help="The interpreter the import check of --write runs, where the project's dependencies (torch) are installed. "
        "Default: the active VIRTUAL_ENV, a .venv in the project, the active CONDA_PREFIX, else fixlabels' own.",
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Analyse everything again. A check keeps its answer in the project's .fixlabels_cache/ and gives it back "
        "while no file, setting or fixlabels itself has changed (content is hashed, never trusted to mtimes); "
        "--diff, --write and stdin never use it.",
    ),
]
VersionOpt = Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")]


@app.command(help=HELP)
def fixlabels(
    paths: PathsArg = None,
    diff: DiffOpt = False,
    write: WriteOpt = False,
    criterion: CriterionOpt = None,
    select: SelectOpt = [],  # noqa: B006 (typer reads the default; it is never mutated)
    ignore: IgnoreOpt = [],  # noqa: B006
    output_format: FormatOpt = "text",
    stdin_filename: StdinOpt = None,
    no_color: NoColorOpt = False,
    jobs: JobsOpt = os.cpu_count() or 1,
    verify: VerifyOpt = None,
    python: PythonOpt = None,
    no_cache: NoCacheOpt = False,
    exit_zero: ExitZeroOpt = False,
    statistics: StatisticsOpt = False,
    show_fixes: ShowFixesOpt = False,
    quiet: QuietOpt = False,
    version: VersionOpt = False,
) -> None:
    from codemod.report.formats import OutputFormat

    if diff and write:
        _fail("--diff and --write cannot be used together")
    try:
        chosen = OutputFormat(output_format)
    except ValueError:
        _fail(f"--output-format must be one of {', '.join(f.value for f in OutputFormat)}, not {output_format!r}")
    if statistics and chosen is not OutputFormat.TEXT:
        _fail("--statistics prints text: use it without --output-format")
    given, stdin = _named_paths(list(paths or [Path(".")]), stdin_filename, write)
    mode = Mode.WRITE if write else Mode.DIFF if diff or stdin is not None else Mode.CHECK
    if python is not None and not _runs_python(python):  # a mistyped path fails here, not as "no module imports"
        _fail(f"--python {python}: not a Python interpreter (it must run `python -c ...`)")
    options = _options(given, select, ignore, criterion, verify, jobs, stdin, cache=not no_cache, quiet=quiet)
    if python is not None:
        options = replace(options, python=str(python.absolute()))
    result = _run(given, mode, options)
    shown = _Shown(chosen, _colored(no_color), statistics, show_fixes, quiet)
    if options.stdin is not None:
        code = _print_stdin_result(result, options.stdin, shown, diff)
    else:
        _print_result(result, mode, shown)
        code = _exit_code(result, mode)
    raise typer.Exit(EXIT_CLEAN if exit_zero and code == EXIT_FINDINGS else code)


@dataclass(frozen=True)
class _Shown:
    """How the result is printed: the format and the display flags."""

    output_format: OutputFormat
    color: bool
    statistics: bool = False
    show_fixes: bool = False
    quiet: bool = False


def _named_paths(given: list[Path], stdin_filename: Optional[Path], write: bool) -> tuple[list[Path], Optional[tuple[Path, bytes]]]:
    """The paths to analyse, and the editor's buffer (``--stdin-filename PATH -``) if there is one:
    then the path is the buffer's project."""
    from codemod.discovery import project_root

    if stdin_filename is None and Path("-") not in given:
        return given, None
    if stdin_filename is None or given != [Path("-")]:
        _fail("read code from stdin with `--stdin-filename PATH -` (and no other path)")
    if write:
        _fail("--write cannot be used with stdin: the fixed code is printed")
    return [project_root(stdin_filename)], (stdin_filename, sys.stdin.buffer.read())


def _options(
    given: list[Path],
    select: list[str],
    ignore: list[str],
    criterion: Optional[str],
    verify: Optional[bool],
    jobs: int,
    stdin: Optional[tuple[Path, bytes]],
    cache: bool,
    quiet: bool,
) -> Options:
    """The command line over the nearest pyproject.toml's [tool.fixlabels]."""
    from codemod.config import ConfigError, find_config, resolve

    try:
        file_config = find_config(given)
        settings = resolve(file_config, select, ignore, criterion, verify)
    except ConfigError as exc:
        _fail(str(exc))
    return Options(
        criterion=settings.criterion,
        verify=settings.verify,
        rules=settings.rules,
        jobs=jobs,
        exclude=file_config.exclude,
        exclude_base=file_config.directory,
        stdin=stdin,
        cache=cache,
        per_file_ignores=settings.per_file_ignores,
        progress=console.ProgressBar() if stdin is None and not quiet and sys.stderr.isatty() else None,
    )


def _run(given: list[Path], mode: Mode, options: Options) -> RunResult:
    """The engine's result; an interruption or a bug of ours ends the command here, saying so."""
    from codemod.engine import run

    try:
        with _sigterm_as_interrupt():
            try:
                return run(given, mode, options)
            finally:
                if isinstance(options.progress, console.ProgressBar):
                    options.progress.close()  # before anything else is printed on its line
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


def _print_result(result: RunResult, mode: Mode, shown: _Shown) -> None:
    """Findings (on stderr beside a diff), errors, the diff, the files a fix took beyond the named
    paths, and a one-line summary; the machine formats get one parseable document."""
    from codemod.report.diff import colorize, unified_diff

    output_format = shown.output_format
    machine = output_format.for_programs
    listed = result.findings if machine or mode is Mode.CHECK else result.remaining
    if shown.statistics:
        report = console.statistics(listed)
    else:
        report = output_format.render(sorted(list(listed) + (list(result.errors) if machine else [])))
    out = sys.stdout
    if mode is Mode.DIFF:
        for change in result.changes:
            patch = unified_diff(change)
            out.write(colorize(patch) if shown.color else patch)
        sys.stderr.write(report)
    else:
        out.write(report)
    if not machine:
        for error in result.errors:
            typer.echo(error.render(), err=True)
    out.flush()
    if not output_format.one_document and shown.show_fixes:
        for line in console.fixes(result, mode):
            typer.echo(line, err=True)
    if not output_format.one_document and not shown.quiet:
        if mode is Mode.WRITE:
            beyond = [name for name in result.written if name in result.beyond_named]
        else:
            beyond = list(result.beyond_named) if mode is Mode.DIFF else []
        for name in beyond:  # a fix is applied whole: say which files it took beyond the named ones
            typer.echo(f"{'also wrote' if mode is Mode.WRITE else 'also changes'} {name} (the fix spans it)", err=True)
        for note in result.notes + console.import_notes(result):
            typer.echo(f"note: {note}", err=True)
        typer.echo(console.summary(result, mode), err=True)
        if result.checks:
            typer.echo(console.checks_line(result), err=True)


def _exit_code(result: RunResult, mode: Mode) -> int:
    """``EXIT_CODES``, row by row; an interrupted write also lists what it wrote."""
    if result.interrupted:
        listed = "".join(f"\n  {name}" for name in result.written)
        typer.echo(f"fixlabels: interrupted; wrote {len(result.written)} file(s), each whole:{listed}", err=True)
        return EXIT_INTERRUPTED
    if result.errors:
        return EXIT_ERROR
    if mode is Mode.DIFF:
        # Like check mode: a finding it cannot fix is still one to report.
        return EXIT_FINDINGS if result.changes or result.remaining else EXIT_CLEAN
    if mode is Mode.WRITE:
        return EXIT_FINDINGS if result.remaining else EXIT_CLEAN
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN


def _runs_python(python: Path) -> bool:
    from codemod.pipeline.import_check import runs_python  # --python is for --write, which loads the pipeline anyway

    return runs_python(python)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def _colored(no_color: bool) -> bool:
    return sys.stdout.isatty() and not no_color and not os.environ.get("NO_COLOR")


def _print_stdin_result(result: RunResult, stdin: tuple[Path, bytes], shown: _Shown, as_diff: bool) -> int:
    """The editor's buffer, fixed or as it came (with ``as_diff``, the diff of the two), on
    stdout; on stderr, the findings file mode reports for it: in the buffer, or whose fix
    changes it (a ``forward`` in model.py rewritten with the buffer's calls). Its exit code is
    file mode's: a formatter run is a --write of the buffer, and --diff is --diff."""
    from codemod.report.diff import colorize, unified_diff

    target = stdin[0].resolve()
    output_format = shown.output_format
    fixed = [f for f in result.findings if f.fixed]
    remaining = [f for f in result.findings if not f.fixed]
    errors = list(result.errors)
    change = next((c for c in result.changes if c.path.resolve() == target), None)
    if as_diff:
        patch = unified_diff(change) if change is not None else ""
        sys.stdout.write(colorize(patch) if shown.color else patch)
    else:
        sys.stdout.buffer.write(change.new_data if change is not None else stdin[1])
    sys.stdout.flush()
    if not output_format.for_programs:
        # Fixed findings are not problems any more: worded so no problem matcher takes them for one.
        verb = "Would fix" if as_diff else "Fixed"
        listed = "".join(f"{verb} {f.code} at {f.file}:{f.line}:{f.column} ({f.text})\n" for f in fixed)
        if shown.statistics:
            report = output_format.render(sorted(errors)) + console.statistics(tuple(remaining))
        else:
            report = output_format.render(sorted(remaining + errors))
        sys.stderr.write(report + listed)
        if (result.findings or errors) and not shown.quiet:
            sys.stderr.write(f"{verb} {len(fixed)} finding(s); {len(remaining)} remaining.\n")
    else:
        # As in file mode, the machine formats list every finding, `fix_applied` telling them apart.
        sys.stderr.write(output_format.render(sorted(list(result.findings) + errors)))
    sys.stderr.flush()
    if errors:
        return EXIT_ERROR
    if as_diff and change is not None:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if remaining else EXIT_CLEAN


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


explain_app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]})


@explain_app.command(help="Print a rule's documentation: what it finds, why, a before/after, and when it refuses.")
def explain(code: Optional[str] = typer.Argument(None, metavar="CODE", help="A rule code (FL001); none lists the rules.")) -> None:
    if code is None:
        for info in RULES.values():
            typer.echo(f"{info.code}  {info.name}: {info.summary}")
        return
    chosen = RULES.get(code.strip().upper())
    if chosen is None:
        _fail(f"unknown rule `{code}` (known: {', '.join(RULES)})")
    info = chosen
    typer.echo(f"{info.code} ({info.name}){' — opt-in' if not info.default else ''}; fix: {info.fix.value} ({FIX_MEANING[info.fix]})\n")
    typer.echo(documentation(info.code))


def main() -> None:
    # `fixlabels explain FL001` is a second command beside the default one, and `fixlabels
    # check` the default one by Ruff's name; a path named `explain` or `check` is still
    # reachable as `./explain`, `./check`.
    if len(sys.argv) > 1 and sys.argv[1] == "explain":
        explain_app(args=sys.argv[2:], prog_name="fixlabels explain")
    elif len(sys.argv) > 1 and sys.argv[1] == "check":
        app(args=sys.argv[2:], prog_name="fixlabels check")
    else:
        app()
