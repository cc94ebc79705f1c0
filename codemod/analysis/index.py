"""A cheap index of every module: imports, classes, their ``forward`` signatures and bases.

Built from the stdlib ``ast`` of each file (ten times faster than LibCST); the index is what
decides which classes a rule is about before any file is parsed for editing.
"""

from __future__ import annotations

import ast
import enum
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

MODULE_BASES = frozenset(
    {
        "torch.nn.Module",
        "torch.nn.modules.module.Module",
        "pytorch_lightning.LightningModule",
        "pytorch_lightning.core.LightningModule",
        "lightning.LightningModule",
        "lightning.pytorch.LightningModule",
    }
)

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HF_PACKAGES = ("transformers.", "peft.", "diffusers.", "sentence_transformers.", "timm.")


class ClassKind(enum.Enum):
    MODULE = "module"
    """An ``nn.Module`` subclass whose every base is known: a custom model of the user's."""
    LIBRARY_MODEL = "library-model"
    """Derives from a library model class (``PreTrainedModel`` and friends): never touched."""
    OTHER = "other"
    """Not a module, or a base we cannot see: nothing is assumed about it."""


@dataclass(frozen=True)
class Param:
    name: str
    positional: bool
    has_default: bool


@dataclass(frozen=True)
class Signature:
    """A ``forward`` signature without ``self``."""

    params: tuple[Param, ...]
    var_positional: bool
    var_keyword: bool
    line: int
    column: int

    def param(self, name: str) -> Optional[Param]:
        return next((p for p in self.params if p.name == name), None)

    @property
    def positional_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.positional)

    def binds(self, positional: int, keywords: Iterable[str], double_star: bool) -> Optional[set[str]]:
        """The parameter names a call of this shape fills, or None if the call cannot bind."""
        names = self.positional_names
        if positional > len(names) and not self.var_positional:
            return None
        bound = set(names[:positional])
        for keyword in keywords:
            if keyword in bound:
                return None
            if self.param(keyword) is None and not self.var_keyword:
                return None
            bound.add(keyword)
        if double_star:
            return bound | {p.name for p in self.params}
        missing = [p for p in self.params if not p.has_default and p.name not in bound]
        return None if missing else bound


@dataclass(frozen=True)
class ClassSummary:
    name: str
    line: int
    column: int
    bases: tuple[str, ...]
    """Each base as a dotted name resolved through the module's imports, or '?' if not a name."""
    forward: Optional[Signature]
    method_names: frozenset[str]
    forward_returns_packed: bool = False
    """``forward`` returns a tuple, dict or output object somewhere, not one prediction."""


@dataclass(frozen=True)
class FunctionSummary:
    name: str
    params: tuple[str, ...]
    """Positional parameter names (``self`` included for methods)."""


@dataclass
class ModuleSummary:
    path: Path
    display_path: str
    module_name: str
    imports: dict[str, str]
    """Local name -> dotted name it stands for (``nn`` -> ``torch.nn``)."""
    classes: dict[str, ClassSummary]
    functions: dict[str, FunctionSummary]
    text: str = ""
    _tree: Optional[ast.Module] = None
    _lines: Optional[tuple[str, ...]] = None
    _identifiers: Optional[frozenset[str]] = None

    @property
    def lines(self) -> tuple[str, ...]:
        if self._lines is None:
            self._lines = tuple(self.text.splitlines())
        return self._lines

    @property
    def tree(self) -> ast.Module:
        """The module's ``ast``, parsed again on demand: only the files a rule looks into keep
        one, so memory stays small on large repositories."""
        if self._tree is None:
            self._tree = ast.parse(self.text, filename=self.display_path)
        return self._tree

    @property
    def identifiers(self) -> frozenset[str]:
        """Every identifier-like word of the text: a cheap "does this file name X?" test."""
        if self._identifiers is None:
            self._identifiers = frozenset(IDENTIFIER.findall(self.text))
        return self._identifiers

    def release(self) -> None:
        self._tree = None
        self._lines = None

    def forget_identifiers(self) -> None:
        self._identifiers = None

    def resolve(self, dotted: str) -> str:
        """The fully qualified name of a dotted name used in this module."""
        head, _, rest = dotted.partition(".")
        if head in self.imports:
            base = self.imports[head]
            return f"{base}.{rest}" if rest else base
        if head in self.classes or head in self.functions:
            return f"{self.module_name}.{dotted}"
        return dotted


def dotted_name(node: ast.AST) -> Optional[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def module_name_for(path: Path, root: Path) -> str:
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    parts = list(relative.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or path.stem


def char_column(lines: tuple[str, ...], line: int, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; LibCST and people count characters."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if text.isascii():
        return byte_offset
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def _signature(func: ast.FunctionDef | ast.AsyncFunctionDef, lines: tuple[str, ...]) -> Signature:
    args = func.args
    positional = list(args.posonlyargs) + list(args.args)
    defaults_from = len(positional) - len(args.defaults)
    params = [
        Param(a.arg, True, i >= defaults_from) for i, a in enumerate(positional)
    ] + [Param(a.arg, False, d is not None) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return Signature(
        tuple(params),
        args.vararg is not None,
        args.kwarg is not None,
        func.lineno,
        char_column(lines, func.lineno, func.col_offset),
    )


def _imports(tree: ast.Module, module_name: str, is_package: bool) -> dict[str, str]:
    imports: dict[str, str] = {}
    package_parts = module_name.split(".") if is_package else module_name.split(".")[:-1]
    # Module-level imports only: a function's local import does not name things for others.
    for node in module_level_definitions(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    imports[head] = head
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                keep = len(package_parts) - (node.level - 1)
                prefix = ".".join(package_parts[: max(keep, 0)])
                source = ".".join(p for p in (prefix, node.module or "") if p)
            else:
                source = node.module or ""
            for alias in node.names:
                if alias.name != "*":
                    imports[alias.asname or alias.name] = f"{source}.{alias.name}" if source else alias.name
    return imports


def module_level_definitions(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import, including those under a module-level ``if``/``try``/
    ``with`` (``if is_torch_available(): class Model(nn.Module): ...``)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from module_level_definitions(node.body)
            yield from module_level_definitions(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *[h.body for h in node.handlers]):
                yield from module_level_definitions(block)
        elif isinstance(node, ast.With):
            yield from module_level_definitions(node.body)


def summarize(path: Path, display_path: str, text: str, root: Path) -> ModuleSummary:
    """Index one module. Raises SyntaxError (or ValueError for NUL bytes) as ``ast.parse`` does."""
    tree = ast.parse(text, filename=display_path)
    module_name = module_name_for(path, root)
    imports = _imports(tree, module_name, path.name == "__init__.py")
    summary = ModuleSummary(path, display_path, module_name, imports, {}, {}, text)
    lines = summary.lines
    for node in module_level_definitions(tree.body):
        if isinstance(node, ast.ClassDef):
            summary.classes.setdefault(node.name, _class_summary(node, summary, lines))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            summary.functions.setdefault(
                node.name, FunctionSummary(node.name, tuple(a.arg for a in node.args.posonlyargs + node.args.args))
            )
    summary.release()
    return summary


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a body and of the blocks inside it, not of nested functions or classes."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field_name in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(node, field_name, []) or [])
        for handler in getattr(node, "handlers", []) or []:
            yield from _statements(handler.body)
        for case in getattr(node, "cases", []) or []:
            yield from _statements(case.body)


def _returns(body: list[ast.stmt]) -> Iterator[ast.Return]:
    for node in _statements(body):
        if isinstance(node, ast.Return):
            yield node


def _is_packed(value: Optional[ast.expr]) -> bool:
    if isinstance(value, (ast.Tuple, ast.List, ast.Dict)):
        return True
    return isinstance(value, ast.Call) and bool(value.keywords) and not value.args


def self_attribute_values(node: ast.ClassDef) -> list[tuple[str, Optional[ast.expr]]]:
    """``self.X = <expr>`` assignments in a class's methods, for ``self.X(...)`` call sites.
    Every assignment counts: one whose value cannot be read (None) makes the attribute
    unknown. Read from the tree of the module being walked, not kept in the index: keeping an
    expression per attribute of every class of a large repository costs memory and time."""
    attributes: list[tuple[str, Optional[ast.expr]]] = []
    for item in node.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for sub in _statements(item.body):
            if isinstance(sub, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                single = isinstance(sub, ast.Assign) and len(targets) == 1 or isinstance(sub, ast.AnnAssign)
                for target in targets:
                    for part in ast.walk(target):
                        if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) and part.value.id == "self":
                            attributes.append((part.attr, sub.value if single and part is target else None))
    return attributes


def _class_summary(node: ast.ClassDef, module: ModuleSummary, lines: tuple[str, ...]) -> ClassSummary:
    bases = []
    for base in node.bases:
        name = dotted_name(base)
        bases.append(module.resolve(name) if name else "?")
    forward = None
    packed = False
    methods = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            methods.add(item.name)
            if item.name == "forward":
                forward = _signature(item, lines)
                packed = any(_is_packed(r.value) for r in _returns(item.body))
    return ClassSummary(
        node.name,
        node.lineno,
        char_column(lines, node.lineno, node.col_offset),
        tuple(bases),
        forward,
        frozenset(methods),
        packed,
    )


@dataclass(frozen=True)
class ClassKey:
    module: str
    name: str

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}"


class RepoIndex:
    """Every module of the run, and what each class is."""

    def __init__(self, modules: list[ModuleSummary]) -> None:
        self.modules = {m.module_name: m for m in modules}
        self.by_path = {m.path: m for m in modules}
        self._kinds: dict[ClassKey, ClassKind] = {}

    def class_key(self, qualified: str) -> Optional[ClassKey]:
        module, _, name = qualified.rpartition(".")
        summary = self.modules.get(module)
        if summary is None:
            return None
        if name in summary.classes:
            return ClassKey(module, name)
        # A re-export: ``from .net import Net`` in a package's __init__.
        target = summary.imports.get(name)
        if target and target != qualified:
            return self.class_key(target)
        return None

    def summary(self, key: ClassKey) -> ClassSummary:
        return self.modules[key.module].classes[key.name]

    def module_of(self, key: ClassKey) -> ModuleSummary:
        return self.modules[key.module]

    def kind(self, key: ClassKey, _seen: frozenset[ClassKey] = frozenset()) -> ClassKind:
        if key in self._kinds:
            return self._kinds[key]
        if key in _seen:
            return ClassKind.OTHER
        kinds = []
        for base in self.summary(key).bases:
            if base in MODULE_BASES:
                kinds.append(ClassKind.MODULE)
            elif base.startswith(HF_PACKAGES):
                kinds.append(ClassKind.LIBRARY_MODEL)
            else:
                base_key = self.class_key(base)
                kinds.append(
                    self.kind(base_key, _seen | {key}) if base_key else ClassKind.OTHER
                )
        if ClassKind.LIBRARY_MODEL in kinds:
            kind = ClassKind.LIBRARY_MODEL
        elif kinds and all(k is ClassKind.MODULE for k in kinds):
            kind = ClassKind.MODULE
        else:
            kind = ClassKind.OTHER
        self._kinds[key] = kind
        return kind

    def forward_owner(self, key: ClassKey) -> Optional[ClassKey]:
        """The class whose ``forward`` instances of ``key`` run (the first in a simple MRO)."""
        seen: set[ClassKey] = set()
        order = [key]
        while order:
            current = order.pop(0)
            if current in seen:
                continue
            seen.add(current)
            summary = self.summary(current)
            if summary.forward is not None:
                return current
            for base in summary.bases:
                base_key = self.class_key(base)
                if base_key is not None:
                    order.append(base_key)
        return None

    def subclasses(self, key: ClassKey) -> list[ClassKey]:
        """Classes that name ``key`` as a base (they inherit or override its forward)."""
        found = []
        for module in self.modules.values():
            for cls in module.classes.values():
                if any(self.class_key(base) == key for base in cls.bases if base != "?"):
                    found.append(ClassKey(module.module_name, cls.name))
        return found

    def module_classes(self) -> list[ClassKey]:
        return [
            ClassKey(m.module_name, c)
            for m in self.modules.values()
            for c in m.classes
            if self.kind(ClassKey(m.module_name, c)) is ClassKind.MODULE
        ]
