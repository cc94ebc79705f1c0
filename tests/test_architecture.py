"""The package's shape: layers that import only downwards, no import cycles, rules that do not
import rules, and modules and functions short enough to read. A newcomer can walk the house
bottom up (README, "Layout")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "codemod"
MAX_MODULE_LINES = 450
LONG_MODULE_REASON = "Why this module is long:"
MAX_FUNCTION_LINES = 80

# Bottom up; a module may import its own layer and those below. Prefixes name packages too.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "codemod", "codemod.reasons", "codemod.vocabulary", "codemod.results", "codemod.lazy_libcst", "codemod.sources", "codemod.cells",
        "codemod.notebooks", "codemod.discovery", "codemod.suppression", "codemod.parallel", "codemod.model_outputs",
    ),
    ("codemod.cst",),
    ("codemod.analysis", "codemod.transforms", "codemod.verify"),
    ("codemod.rules",),
    ("codemod.registry",),
    ("codemod.pipeline", "codemod.config"),
    ("codemod.engine", "codemod.cache"),
    ("codemod.report",),
    ("codemod.cli", "codemod.__main__"),
)
SIBLINGS = ("codemod.analysis", "codemod.transforms", "codemod.verify")
"""Side by side on ``codemod.cst``: none imports another. ``verify`` checks what the other two
planned and edited, so it must share none of their decisions."""


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """Every module of the package ``name`` imports, at the top or inside a function."""
    return _imports_in(name, MODULES[name].read_text(encoding="utf-8"), is_package=MODULES[name].name == "__init__.py")


def _imports_in(name: str, source: str, is_package: bool = False) -> set[str]:
    """The package's modules ``source``, the text of module ``name``, imports. A relative import
    (``from ..analysis import x``) counts as the absolute one it resolves to: the layers cannot
    be bypassed by spelling an import another way."""
    targets = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(name, is_package, node.level, node.module)
            targets |= {f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names}
    return {t for t in targets if t in MODULES and t != name}


def _absolute(name: str, is_package: bool, level: int, module: str | None) -> str:
    """What ``from <level dots><module> import ...`` in module ``name`` names (importlib's rule:
    one dot is the package holding ``name``, or ``name`` itself if it is a package's __init__)."""
    if level == 0:
        return module or ""
    package = name if is_package else name.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{module}" if module else package


def _layer(name: str) -> int:
    matches = [(len(prefix), number) for number, layer in enumerate(LAYERS) for prefix in layer if name == prefix or name.startswith(prefix + ".")]
    assert matches, f"{name} is in no layer: add it to LAYERS (and to the README's layout)"
    return max(matches)[1]


def _group(name: str) -> str:
    return next((p for p in SIBLINGS if name == p or name.startswith(p + ".")), name)


def test_every_import_goes_down_or_across_a_layer() -> None:
    upward = [
        f"{name} (layer {_layer(name) + 1}) imports {target} (layer {_layer(target) + 1})"
        for name in MODULES
        for target in _imports(name)
        if _layer(target) > _layer(name)
    ]
    assert not upward, "\n".join(upward)


def test_analysis_and_transforms_do_not_import_each_other() -> None:
    crossing = [
        f"{name} imports {target}"
        for name in MODULES
        for target in _imports(name)
        if _group(name) in SIBLINGS and _group(target) in SIBLINGS and _group(name) != _group(target)
    ]
    assert not crossing, "\n".join(crossing)


def test_the_independent_check_shares_no_decision_with_the_planner() -> None:
    """``codemod.verify`` reads the old and new texts with its own parser use and expression
    type: nothing of the call-site finder, the planner, the transforms or the rules. It shares
    facts about libraries and files (``model_outputs``: the order transformers declares an
    output's fields in; ``unnamed_code``: whether a notebook runs code it does not import by
    name), which decide nothing."""
    allowed = ("codemod.verify", "codemod.vocabulary", "codemod.model_outputs", "codemod.unnamed_code")
    leaks = [
        f"{name} imports {target}"
        for name in MODULES
        if name.startswith("codemod.verify")
        for target in _imports(name)
        if not target.startswith(allowed)
    ]
    assert not leaks, "\n".join(leaks)
    assert any(name.startswith("codemod.verify.") for name in MODULES)


def test_no_rule_imports_another_rule_and_shared_machinery_imports_no_rule() -> None:
    def is_rule(name: str) -> bool:
        return name.startswith("codemod.rules.fl")

    offending = [f"{name} imports {target}" for name in MODULES if name.startswith("codemod.rules") for target in _imports(name) if is_rule(target)]
    assert not offending, "\n".join(offending)


def test_the_import_graph_has_no_cycle() -> None:
    graph = {name: _imports(name) for name in MODULES}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> list[str]:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                return path + [name, target]
            if target not in state:
                cycle = visit(target, path + [name])
                if cycle:
                    return cycle
        state[name] = 2
        return []

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name, [])
            assert not cycle, " -> ".join(cycle)


def test_a_long_module_says_why_in_its_docstring() -> None:
    unexplained = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES and LONG_MODULE_REASON not in (ast.get_docstring(ast.parse(text)) or ""):
            unexplained.append(f"{name}: {len(text.splitlines())} lines")
    assert not unexplained, f"over {MAX_MODULE_LINES} lines without '{LONG_MODULE_REASON}':\n" + "\n".join(unexplained)


def test_no_function_is_longer_than_a_screen_and_a_half() -> None:
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert not long, "\n".join(long)


def test_the_checks_above_can_fail() -> None:
    """The layer table places every module, and puts a real upward import in a higher layer."""
    assert MODULES and all(_layer(name) >= 0 for name in MODULES)
    assert _layer("codemod.cli") > _layer("codemod.pipeline.run") > _layer("codemod.rules.fl001_loss_in_forward") > _layer("codemod.cst.nodes")
    assert "codemod.vocabulary" in _imports("codemod.results")
    # A relative import is the absolute one it names, so the test above sees an upward one.
    assert _imports_in("codemod.analysis.callsites", "from ..rules.common import Unit\nfrom . import index\n") == {
        "codemod.rules.common",
        "codemod.analysis.index",
    }
    assert _imports_in("codemod.pipeline", "from .run import analyse\nfrom .. import engine\n", is_package=True) == {
        "codemod.pipeline.run",
        "codemod.engine",
    }
