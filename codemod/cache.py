"""A whole-run cache for check mode: the same question asked of the same files gives the stored
answer without analysing anything.

The key is everything the answer can depend on: this package's own source, the Python version,
the installed LibCST, IPython (it reads notebooks when installed) and transformers (FL004 reads
its modeling files), the options that change findings, the working directory (display paths
are relative to it), the paths named and the files discovered with a hash of each one's bytes,
and which folders above them are packages (module names depend on it). A file edited, added,
deleted or renamed changes the key, whatever its size and mtime say: the bytes are hashed every
time, never trusted to a stat. Syntax errors are part of the stored answer; an answer with any
other error (a read that failed, a crash) is not stored.

Stored as JSON (never pickle: the cache folder is inside a project anyone may have written) in
``<project>/.fixlabels_cache/``, with a ``.gitignore`` of ``*``. A cache that cannot be read or
written is silently skipped: it only ever saves time. ``--write`` and stdin runs never use it.

Beside the answers, ``facts.json`` holds each file's facts (``codemod.analysis.facts``) by a key of
its text, path, import root and the interpreter: a check the whole-run key misses (a file was
edited) takes the facts of the files that did not change from there instead of parsing them
again. Only a check writes them; ``--diff`` and stdin runs read them; ``--write`` never does.
``walks.json`` holds the last check's walks of the call-site inference, each keyed by what it
consulted (``codemod.analysis.walk_memo``), read and written on the same terms.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import sys
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterable, Optional

from codemod import __version__
from codemod.results import Finding, Options, RunResult
from codemod.vocabulary import SYNTAX_ERROR

CACHE_DIR = ".fixlabels_cache"
FORMAT = 2
KEEP = 8
"""Entries kept per project: a few branches or option sets, not a history."""
_ENTRY = re.compile(r"[0-9a-f]{64}\.json")
"""The names of the entries this module writes: the only files it ever deletes."""
_NOT_IN_THE_ANSWER = frozenset({"jobs", "progress", "cache", "stdin", "python"})
"""Options that change how a check runs, not what it finds (stdin runs are never cached; a
check imports nothing, so its interpreter is not part of the answer)."""


@functools.cache
def package_digest() -> str:
    """This fixlabels' own code: an edited checkout must not answer with an older rule's result."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _library_identity() -> str:
    """LibCST (check mode plans the rewrites: what is fixable depends on it), IPython (it reads
    notebooks: installed or not, they are read differently) and transformers (FL004 reads its
    modeling files, which an editable install changes without a new version)."""
    from importlib import metadata

    parts = []
    for name in ("libcst", "ipython", "transformers"):
        try:
            parts.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} absent")
    spec = importlib.util.find_spec("transformers")
    if spec is not None and spec.submodule_search_locations:
        models = Path(list(spec.submodule_search_locations)[0]) / "models"
        parts.append(str(models))
        for modeling in sorted(models.glob("*/modeling_*.py")):
            st = modeling.stat()
            parts.append(f"{modeling.relative_to(models)}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
    return "\n".join(parts)


def _package_folders(files: Iterable[Path]) -> list[str]:
    """Every folder above a discovered file that has an ``__init__.py``, up to the filesystem
    root: ``import_root`` reads them, and one may be excluded from discovery or above the project."""
    seen: set[str] = set()
    packages = []
    for path in files:
        directory = os.path.dirname(path)
        while directory not in seen:
            seen.add(directory)
            if os.path.isfile(os.path.join(directory, "__init__.py")):
                packages.append(directory)
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    return sorted(packages)


def run_key(
    paths: list[Path], files: Iterable[tuple[Path, str]], problems: Iterable[tuple[str, str]], options: Options
) -> str:
    """The digest of everything a check's result depends on. Reads every file."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        digest.update(json.dumps(parts, default=str).encode() + b"\n")

    add("format", FORMAT, package_digest(), sys.version, sys.implementation.cache_tag, _library_identity())
    # Every option but those that cannot change the answer: one added later is in the key
    # unless someone decides otherwise here.
    chosen = {f.name: getattr(options, f.name) for f in fields(options) if f.name not in _NOT_IN_THE_ANSWER}
    chosen["rules"] = sorted(options.rules) if options.rules is not None else None
    chosen["per_file_ignores"] = [(pattern, sorted(codes)) for pattern, codes in options.per_file_ignores]  # sets print in hash order
    chosen["exclude_base"] = options.exclude_base and os.path.abspath(options.exclude_base)
    add("options", sorted(chosen.items()))
    add("cwd", os.getcwd(), [str(p) for p in paths], [os.path.abspath(p) for p in paths])
    add("problems", sorted(problems))
    listed = list(files)
    for path, display in listed:
        try:
            with open(path, "rb") as handle:
                content = hashlib.sha256(handle.read()).hexdigest().encode()
        except OSError as exc:
            content = f"unreadable: {exc.strerror}".encode()
        # NUL cannot occur in a path, so these fields cannot run into one another.
        digest.update(b"file\0%s\0%s\0%s\n" % (os.fsencode(path), display.encode("utf-8", "surrogateescape"), content))
    add("packages", _package_folders(path for path, _ in listed))
    return digest.hexdigest()


def _encode(result: RunResult) -> dict[str, Any]:
    def rows(findings: tuple[Finding, ...]) -> list[list[Any]]:
        return [[f.path, f.line, f.column, f.code, f.message, f.fixable, f.fixed, f.cell, f.refusal] for f in findings]

    return {"findings": rows(result.findings), "errors": rows(result.errors), "files_checked": result.files_checked, "notes": list(result.notes)}


def _decode(data: dict[str, Any]) -> RunResult:
    def findings(rows: list[list[Any]]) -> tuple[Finding, ...]:
        return tuple(
            Finding(str(p), int(ln), int(col), str(c), str(m), bool(fx), bool(fd), None if cell is None else int(cell), None if why is None else str(why))
            for p, ln, col, c, m, fx, fd, cell, why in rows
        )

    return RunResult(
        findings=findings(data["findings"]),
        errors=findings(data["errors"]),
        files_checked=int(data["files_checked"]),
        notes=tuple(str(note) for note in data["notes"]),
    )


def _read(directory: Path, name: str) -> Any:
    """A file of the cache folder as JSON data; None when the folder is a link (a cloned
    repository's could point anywhere: never followed) or the file is absent or unreadable."""
    try:
        if (directory / CACHE_DIR).is_symlink():
            return None
        return json.loads((directory / CACHE_DIR / name).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deep to read
        return None


def load(directory: Path, key: str) -> Optional[RunResult]:
    stored = _read(directory, f"{key}.json")
    try:
        if stored is None or stored.get("format") != FORMAT or stored.get("key") != key:
            return None
        return _decode(stored["result"])
    except (AttributeError, ValueError, KeyError, TypeError):  # damaged: a miss
        return None


def storable(result: RunResult) -> bool:
    """Only an answer the same bytes always give: a syntax error is one; a file that could not
    be read (too many open files), memory that ran out, or a rule's crash may not be."""
    return all(e.code == SYNTAX_ERROR and e.message.startswith("SyntaxError:") for e in result.errors)


def _prepared(directory: Path) -> Optional[Path]:
    """The cache folder, made with its ``.gitignore`` if need be; None where it must not be
    written (a cloned repository's link could point anywhere: never followed)."""
    folder = directory / CACHE_DIR
    if folder.is_symlink():
        return None
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by fixlabels: its check cache, safe to delete.\n*\n")
    return folder


def _replace_atomically(folder: Path, name: str, text: str) -> None:
    """A reader sees the old file or the new one, never a part."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, folder / name)
    except BaseException:
        os.unlink(temporary)
        raise


def store(directory: Path, key: str, result: RunResult) -> None:
    """Write the entry atomically and keep the newest ``KEEP``; any failure leaves things as
    they were."""
    try:
        folder = _prepared(directory)
        if folder is None:
            return
        _replace_atomically(folder, f"{key}.json", json.dumps({"format": FORMAT, "key": key, "result": _encode(result)}))
        entries = sorted((p for p in folder.glob("*.json") if _ENTRY.fullmatch(p.name)), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        return


FACTS_STORE = "facts.json"
"""Per-file facts by content (``codemod.analysis.facts``): one file, holding the last check's files."""


def load_facts(directory: Path) -> dict[str, Any]:
    """The stored facts by key; empty when absent, unreadable, damaged or of another format."""
    stored = _read(directory, FACTS_STORE)
    facts = stored.get("facts") if isinstance(stored, dict) and stored.get("format") == FORMAT else None
    return facts if isinstance(facts, dict) else {}


def store_facts(directory: Path, facts: dict[str, Any]) -> None:
    """Replace the store with ``facts``: this run's files only, so it never outgrows the
    project. Any failure leaves things as they were."""
    _store_whole(directory, FACTS_STORE, {"format": FORMAT, "facts": facts})


WALKS_STORE = "walks.jsonl"
"""The last check's walks, each keyed by what it consulted (``codemod.analysis.walk_memo``): a
header line, then one line per walk, ``module key as JSON<TAB>digest<TAB>trace as JSON``. A trace
stays text until its module is walked: a large project's traces parsed at once took gigabytes.
The key is JSON because a module key is made of file names, which may hold a tab, a line break or
bytes that are no UTF-8; the digest makes a line damaged on disk a miss, not a wrong replay."""


def load_walks(directory: Path, run: str) -> dict[str, list[str]]:
    """The stored traces by module, in the order they ran; empty when absent, unreadable, or of
    another ``run`` (``walk_memo.walks_key``: this package's code and the interpreter). A line
    that is no ``module<TAB>text`` is left out (its text, if damaged, is a miss when read)."""
    try:
        if (directory / CACHE_DIR).is_symlink():
            return {}
        lines = (directory / CACHE_DIR / WALKS_STORE).read_text(encoding="utf-8").split("\n")
    except (OSError, ValueError):
        return {}
    if lines[0] != json.dumps({"format": FORMAT, "run": run}):
        return {}
    walks: dict[str, list[str]] = {}
    for line in lines[1:]:
        parts = line.split("\t", 2)
        if len(parts) != 3 or _line_digest(parts[2]) != parts[1]:
            continue
        try:
            module = json.loads(parts[0])
        except ValueError:
            continue
        if isinstance(module, str):
            walks.setdefault(module, []).append(parts[2])
    return walks


def _line_digest(trace: str) -> str:
    return hashlib.blake2b(trace.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def store_walks(directory: Path, run: str, walks: dict[str, list[str]]) -> None:
    """Replace the store with this check's walks. Any failure leaves things as they were."""
    header = json.dumps({"format": FORMAT, "run": run})
    # JSON escapes what is not ASCII: the traces' and keys' text holds no tab, line break or surrogate.
    lines = [header] + [f"{json.dumps(module)}\t{_line_digest(trace)}\t{trace}" for module, traces in walks.items() for trace in traces]
    try:
        folder = _prepared(directory)
        if folder is not None:
            _replace_atomically(folder, WALKS_STORE, "\n".join(lines))
    except (OSError, ValueError):
        return


def _store_whole(directory: Path, name: str, data: dict[str, Any]) -> None:
    try:
        folder = _prepared(directory)
        if folder is not None:
            _replace_atomically(folder, name, json.dumps(data, separators=(",", ":")))
    except OSError:
        return
