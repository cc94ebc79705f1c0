"""The rules, read off their modules: each ``codemod/rules/flNNN_*.py`` declares itself in a
``RULE = Rule(...)`` statement (see ``codemod.rules.spec``). Adding a rule is adding its module.
A run gets the modules themselves from ``rule_modules``, as ``RuleModule``s.

The statements are read from the source, not imported: importing every rule (and the analysis
under it) costs a tenth of a second, more than a whole check answered from the cache, which
needs only the codes. ``RULE`` must be a plain ``Rule(...)`` call of literals, ending with a
``)`` on a line of its own; tests/test_rules.py holds what is read here to what each module
defines when imported.
"""

from __future__ import annotations

import ast
import functools
import importlib
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterable

from codemod.reasons import reasons_section
from codemod.rules.spec import OPTIONAL_HOOKS, Fix, Rule, RuleModule

if TYPE_CHECKING:
    from codemod.analysis.index import ClassKey, ModuleSummary, RepoIndex
    from codemod.rules.common import RuleContext, Unit

RULES_FOLDER = Path(__file__).resolve().parent / "rules"
RULE_FILES = "fl[0-9][0-9][0-9]_*.py"


@functools.cache
def _declared() -> tuple[tuple[Rule, Path], ...]:
    """(rule, module file) of every rule module, in code order."""
    found = []
    for path in sorted(RULES_FOLDER.glob(RULE_FILES)):
        text = path.read_text(encoding="utf-8")
        start = text.find("\nRULE = Rule(") + 1
        end = text.find("\n)\n", start) + 2
        if start == 0 or end == 1:
            raise RuntimeError(f"{path}: a rule module declares itself in `RULE = Rule(...)`, ending with `)` on its own line")
        statement = ast.parse(text[start:end]).body[0]
        assert isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call), path
        fields: dict[str, Any] = {
            str(keyword.arg): Fix[keyword.value.attr] if isinstance(keyword.value, ast.Attribute) else ast.literal_eval(keyword.value)
            for keyword in statement.value.keywords
        }
        found.append((Rule(**fields), path))
    if not found:
        raise RuntimeError(f"no rule modules ({RULE_FILES}) in {RULES_FOLDER}: fixlabels needs its sources installed")
    return tuple(sorted(found, key=lambda item: item[0].code))


RULES: dict[str, Rule] = {rule.code: rule for rule, _ in _declared()}
DEFAULT_SELECTION = frozenset(code for code, rule in RULES.items() if rule.default)


def module_of(code: str) -> str:
    """The dotted name of the module that implements rule ``code``."""
    return f"codemod.rules.{_file_of(code).stem}"


def rule_modules(codes: Iterable[str]) -> tuple[RuleModule, ...]:
    """The rules ``codes`` names, in code order, imported (only a run that analyses needs them)."""
    chosen = set(codes)
    return tuple(_imported(code) for code in RULES if code in chosen)


@functools.cache
def _imported(code: str) -> RuleModule:
    return _ModuleRule(importlib.import_module(module_of(code)))


class _ModuleRule(RuleModule):
    """A rule module behind ``RuleModule``: what the module defines, and the protocol's default
    for an optional hook it leaves out. A module without a required member fails here, when
    the run loads it, not when the run first needs that member."""

    REQUIRED = ("RULE", "walk_filter", "find_units")

    def __init__(self, module: ModuleType) -> None:
        own = vars(module)
        absent = [name for name in self.REQUIRED if name not in own]
        if absent:
            raise RuntimeError(f"{module.__name__} does not define {', '.join(absent)} (see codemod.rules.spec.RuleModule)")
        self.module = module
        self.hooks: dict[str, Callable[[RepoIndex], set[ClassKey]]] = {name: own[name] for name in OPTIONAL_HOOKS if name in own}

    @property
    def RULE(self) -> Rule:
        rule: Rule = self.module.RULE
        return rule

    def walk_filter(self, index: RepoIndex) -> Callable[[ModuleSummary], bool]:
        wanted: Callable[[ModuleSummary], bool] = self.module.walk_filter(index)
        return wanted

    def find_units(self, ctx: RuleContext) -> list[Unit]:
        units: list[Unit] = self.module.find_units(ctx)
        return units

    def watched_classes(self, index: RepoIndex) -> set[ClassKey]:
        own = self.hooks.get("watched_classes")
        return own(index) if own is not None else super().watched_classes(index)


@functools.cache
def documentation(code: str) -> str:
    """The rule's docstring: what it finds, why, an example, when it refuses; for a rule that
    reads ``forward``, the catalogue of reasons that reading refuses for, after its own."""
    text = _file_of(code).read_text(encoding="utf-8")
    # The docstring is the module's first statement: parse only up to the declaration.
    docstring = ast.get_docstring(ast.parse(text[: text.index("\nRULE = Rule(")]), clean=True) or ""
    return docstring + reasons_section() if RULES[code].reads_forward else docstring


def _file_of(code: str) -> Path:
    return next(path for rule, path in _declared() if rule.code == code)


class SelectionError(ValueError):
    pass


def _expand(patterns: list[str]) -> set[str]:
    codes: set[str] = set()
    for pattern in patterns:
        pattern = pattern.strip().upper()
        if not pattern:
            continue
        matched = set(RULES) if pattern == "ALL" else {code for code in RULES if code.startswith(pattern)}
        if not matched:
            known = ", ".join(RULES)
            raise SelectionError(f"unknown rule code or prefix `{pattern}` (known: ALL, {known})")
        codes |= matched
    return codes


def select_rules(select: list[str], ignore: list[str]) -> frozenset[str]:
    """The rule codes a run uses: ``select`` (codes, prefixes such as ``FL0``, or ``ALL``;
    default: the rules on by default) minus ``ignore``. Items may be comma-separated."""
    def split(items: list[str]) -> list[str]:
        return [part for item in items for part in item.split(",")]

    chosen = _expand(split(select)) if select else set(DEFAULT_SELECTION)
    return frozenset(chosen - _expand(split(ignore)))
