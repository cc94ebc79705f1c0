"""``[tool.fixlabels]`` in the nearest ``pyproject.toml``, found upward from the paths (as Ruff
does). Command-line flags override it; an unknown key or a wrong type is an error with the file
and line, never ignored::

    [tool.fixlabels]
    select = ["FL0", "FL101"]      # codes or prefixes, as --select
    ignore = ["FL007"]             # as --ignore
    exclude = ["legacy/", "*_old.py"]  # gitignore-style, relative to this file
    criterion = "nn.MSELoss()"     # as --criterion
    verify = false                 # as --no-verify

    [tool.fixlabels.per-file-ignores]  # as Ruff's: gitignore-style pattern -> codes or prefixes
    "tests/" = ["FL001"]
"""

from __future__ import annotations

import os
import re

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]  # Python < 3.11: the same module under its old name
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from codemod.vocabulary import DEFAULT_CRITERION

SECTION = "tool.fixlabels"
KEYS: dict[str, str] = {
    "select": "a list of rule codes or prefixes",
    "ignore": "a list of rule codes or prefixes",
    "exclude": "a list of gitignore-style patterns",
    "criterion": "a Python expression (a string)",
    "verify": "true or false",
    "per-file-ignores": "a table of gitignore-style patterns, each to a list of rule codes or prefixes",
}


class ConfigError(Exception):
    """A ``pyproject.toml`` that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class FileConfig:
    path: Optional[Path] = None
    """The ``pyproject.toml`` the settings come from; None when there is none."""
    select: Optional[tuple[str, ...]] = None
    ignore: Optional[tuple[str, ...]] = None
    exclude: tuple[str, ...] = ()
    criterion: Optional[str] = None
    verify: Optional[bool] = None
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(pattern, codes or prefixes), as written."""

    @property
    def directory(self) -> Optional[Path]:
        return self.path.parent if self.path is not None else None


def find_config(paths: list[Path]) -> FileConfig:
    """The settings of the nearest ``pyproject.toml`` with a ``[tool.fixlabels]`` table, upward
    from the directory the paths have in common; the defaults when there is none."""
    existing = [Path(os.path.abspath(p)) for p in paths if p.exists()]
    if not existing:
        return FileConfig()
    start = Path(os.path.commonpath([str(p if p.is_dir() else p.parent) for p in existing]))
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            text = candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        # A cheap look first: most pyproject.toml files have no such table, and need no parse.
        if "fixlabels" not in text:
            continue
        document = _load_toml(candidate, text)
        if "fixlabels" in document.get("tool", {}):
            return _config_from(candidate, text, document)
    return FileConfig()


def _load_toml(pyproject: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: not valid TOML: {exc}") from None


def _config_from(pyproject: Path, text: str, document: dict[str, Any]) -> FileConfig:
    table = document["tool"]["fixlabels"]
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}:{_line_of(text, 'fixlabels')}: `{SECTION}` must be a table")
    for key in table:
        if key not in KEYS:
            known = ", ".join(KEYS)
            raise ConfigError(f"{pyproject}:{_line_of(text, key)}: unknown key `{SECTION}.{key}` (known keys: {known})")

    def strings(key: str) -> Optional[tuple[str, ...]]:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{pyproject}:{_line_of(text, key)}: `{SECTION}.{key}` must be {KEYS[key]}")
        return tuple(value)

    criterion = table.get("criterion")
    if criterion is not None and not isinstance(criterion, str):
        raise ConfigError(f"{pyproject}:{_line_of(text, 'criterion')}: `{SECTION}.criterion` must be {KEYS['criterion']}")
    verify = table.get("verify")
    if verify is not None and not isinstance(verify, bool):
        raise ConfigError(f"{pyproject}:{_line_of(text, 'verify')}: `{SECTION}.verify` must be {KEYS['verify']}")
    exclude = strings("exclude") or ()
    _check_patterns(pyproject, text, "exclude", list(exclude))
    return FileConfig(pyproject, strings("select"), strings("ignore"), exclude, criterion, verify, _per_file_ignores(pyproject, text, table))


def _per_file_ignores(pyproject: Path, text: str, table: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = table.get("per-file-ignores")
    if value is None:
        return ()
    wrong = ConfigError(f"{pyproject}:{_line_of(text, 'per-file-ignores')}: `{SECTION}.per-file-ignores` must be {KEYS['per-file-ignores']}")
    if not isinstance(value, dict):
        raise wrong
    entries = []
    for pattern, codes in value.items():
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise wrong
        _check_patterns(pyproject, text, "per-file-ignores", [pattern])
        entries.append((pattern, tuple(codes)))
    return tuple(entries)


def _check_patterns(pyproject: Path, text: str, key: str, patterns: list[str]) -> None:
    """A pattern gitignore's rules cannot read is an error at its line, not a crash later."""
    import pathspec

    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{pyproject}:{_line_of(text, key)}: `{SECTION}.{key}` has a pattern that is not gitignore-style: {pattern!r} ({exc})") from None


def _line_of(text: str, key: str) -> int:
    """The line of ``key = ...`` in the ``[tool.fixlabels]`` table (or of a dotted
    ``fixlabels.key = ...``), for the error message; else the table's line, else 1."""
    quoted = rf"[\"']?{re.escape(key)}[\"']?"
    section = re.search(r"^\s*\[\s*tool\s*\.\s*fixlabels\s*\]", text, re.MULTILINE)
    candidates = [re.compile(rf"^\s*(?:tool\s*\.\s*)?fixlabels\s*\.\s*{quoted}\s*=", re.MULTILINE).search(text)]
    if section is not None:
        following = re.compile(r"^\s*\[", re.MULTILINE).search(text, section.end())
        end = following.start() if following else len(text)
        candidates.insert(0, re.compile(rf"^\s*{quoted}\s*=", re.MULTILINE).search(text, section.end(), end))
    found = next((m for m in candidates if m is not None), None)
    offset = found.start() if found else section.start() if section else 0
    return text.count("\n", 0, offset) + 1

@dataclass(frozen=True)
class Settings:
    """What a run uses: the command line's choices over the file's, over the defaults."""

    rules: frozenset[str]
    criterion: str
    verify: bool
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    """(gitignore-style pattern relative to the config's folder, the rule codes it silences)."""


def resolve(
    file: FileConfig, select: list[str], ignore: list[str], criterion: Optional[str], verify: Optional[bool]
) -> Settings:
    """Merge; a flag given on the command line replaces the file's value (Ruff's rule). Raises
    ConfigError for an unknown rule code or a criterion that is not an expression, naming
    where it came from."""
    from codemod.registry import SelectionError, select_rules

    where = f"{file.path}: " if file.path is not None else ""
    # Each source is checked on its own, so an unknown code is blamed on where it was written.
    ignored_per_file = [code for _, codes in file.per_file_ignores for code in codes]
    for origin, codes in (("", [*select, *ignore]), (where, [*(file.select or ()), *(file.ignore or ()), *ignored_per_file])):
        try:
            select_rules(codes, [])
        except SelectionError as exc:
            raise ConfigError(f"{origin}{exc}") from None
    chosen_select = select or list(file.select or ())
    # A selection on the command line starts afresh: the file's ignore list does not undo it.
    chosen_ignore = ignore or ([] if select else list(file.ignore or ()))
    rules = select_rules(chosen_select, chosen_ignore)
    if not rules:
        from_file = not select and not ignore
        raise ConfigError(
            f"{where if from_file else ''}no rule is selected (select: {chosen_select or 'default'}, ignore: {chosen_ignore})"
        )
    chosen_criterion = criterion if criterion is not None else file.criterion or DEFAULT_CRITERION
    if chosen_criterion != DEFAULT_CRITERION:  # checking one means LibCST and FL002: not for the default
        from codemod.rules.criterion import CriterionError, parse_criterion

        try:
            parse_criterion(chosen_criterion)
        except CriterionError as exc:
            raise ConfigError(f"{where if criterion is None and file.criterion else ''}{exc}") from None
    chosen_verify = verify if verify is not None else file.verify if file.verify is not None else True
    # An empty list silences nothing (select_rules would read it as the default selection).
    per_file = tuple((pattern, select_rules(list(codes), []) if codes else frozenset()) for pattern, codes in file.per_file_ignores)
    return Settings(rules, chosen_criterion, chosen_verify, per_file)
