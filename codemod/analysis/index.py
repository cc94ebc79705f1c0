"""A cheap index of every module: imports, classes, their ``forward`` signatures and bases.

Built from the stdlib ``ast`` of each file (ten times faster than LibCST); the index is what
decides which classes a rule is about before any file is parsed for editing.

Why this module is long: it holds the summary of a file (``summarize``) and the index over all
of them (``RepoIndex``), which resolves imports the way ``sys.path`` would (one folder per
experiment, ``sys.path.append``, names shared between files); the two share the name
resolution rules and are read together.
"""

from __future__ import annotations

import ast
import builtins
import enum
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from codemod.unnamed_code import runs_unnamed_code
from codemod.vocabulary import Param, Signature

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
    self_returning: frozenset[str] = frozenset()
    """Methods whose every ``return`` is ``return self`` (``def get_model(self): return self``)."""
    init: Optional["InitSummary"] = None
    """The class's own ``__init__``, when it defines one: where its arguments go."""
    stored: frozenset[str] = frozenset()
    """The attributes its own methods assign on ``self`` (``self_attribute_values``' names): a
    class storing no ``self.X`` needs no parse to say so."""


@dataclass(frozen=True)
class InitSummary:
    """What a construction's arguments become: ``Runner(Net())`` binds ``model``, which
    ``self.model = model`` keeps, so ``self.model(...)`` calls in ``Runner`` call that ``Net``."""

    positional: tuple[str, ...]
    """Parameters a positional argument can bind, in order (``self`` left out)."""
    keyword_only: tuple[str, ...]
    kept: frozenset[str]
    """Parameters ``__init__`` only stores as ``self.X = name`` and otherwise reads only as
    ``name.attribute``: an instance passed there lives on as an attribute, nowhere else."""

    def parameter(self, slot: int | str) -> Optional[str]:
        """The parameter an argument binds: by position or by name; None if none does."""
        if isinstance(slot, int):
            return self.positional[slot] if slot < len(self.positional) else None
        return slot if slot in self.positional or slot in self.keyword_only else None


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
    import_root: Optional[Path] = None
    """The directory Python imports this module from (above its outermost package)."""
    key: str = ""
    """Unique within the run: the dotted name, unless several files share it (one folder per
    experiment, each with its own ``model.py``); then ``model@2``. See ``RepoIndex``."""
    local_imports: Optional[dict[str, str]] = None
    """Imports inside functions (``def get_model(): from model import Net``), resolved like
    ``imports`` but only for names the module does not bind at its top level."""
    path_additions: tuple[tuple[bool, Path], ...] = ()
    """Folders this module puts on ``sys.path`` that can be read off the code
    (``sys.path.append("../src")``): (before the script's own folder, folder)."""
    links: Optional[dict[str, str]] = None
    """``imports`` with each target rewritten to the key of the file Python would load; None
    when that is ``imports`` itself (no module name of the run is shared)."""
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

    @property
    def parsed(self) -> bool:
        """Whether the module's tree is held now (``tree`` parses it on demand)."""
        return self._tree is not None

    def forget_identifiers(self) -> None:
        self._identifiers = None

    def __post_init__(self) -> None:
        self.key = self.key or self.module_name

    def target(self, local: str) -> Optional[str]:
        """What an imported name stands for, key-qualified; None if it is not imported."""
        return (self.links if self.links is not None else self.imports).get(local)

    def resolve(self, dotted: str) -> str:
        """The fully qualified name (module part a ``RepoIndex`` key) of a dotted name used
        in this module."""
        head, _, rest = dotted.partition(".")
        base = self.target(head)
        if base is not None:
            return f"{base}.{rest}" if rest else base
        if head in self.classes or head in self.functions:
            return f"{self.key}.{dotted}"
        if self.local_imports and head in self.local_imports:
            base = self.local_imports[head]
            return f"{base}.{rest}" if rest else base
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
                elif source:
                    imports[f"*{source}"] = source  # `from model import *`: expanded by RepoIndex
    return imports


_INDENTED_IMPORT = re.compile(r"\n[ \t]+(?:from|import)\s")


def _local_imports(lines: tuple[str, ...], numbers: list[int], module_name: str, is_package: bool) -> dict[str, str]:
    """Imports that run inside functions, read from their own lines (a walk of the whole tree
    costs more on a large repository): what each binds, the first one winning (a name imported
    differently in two functions is rare, and both are then wrong for one of them)."""
    statements: list[ast.stmt] = []
    for number in numbers:
        text = ""
        for line in lines[number - 1 : number + 49]:  # a parenthesized import spans lines
            text += line.strip() + "\n"
            try:
                statements += ast.parse(text).body
                break
            except SyntaxError:
                continue
    found: dict[str, str] = {}
    for name, target in _imports(ast.Module(body=statements, type_ignores=[]), module_name, is_package).items():
        found.setdefault(name, target)
    return found


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


def import_root(path: Path) -> Path:
    """The directory to put on sys.path for ``path``: above its outermost package."""
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        directory = directory.parent
    return directory


def summarize(path: Path, display_path: str, text: str, root: Path) -> ModuleSummary:
    """Index one module. Raises SyntaxError (or ValueError for NUL bytes) as ``ast.parse`` does."""
    tree = ast.parse(text, filename=display_path)
    module_name = module_name_for(path, root)
    imports = _imports(tree, module_name, path.name == "__init__.py")
    summary = ModuleSummary(path, display_path, module_name, imports, {}, {}, text, root)
    if "sys.path" in text:
        summary.path_additions = tuple(_path_additions(tree, path))
    indented = set(_line_numbers(text, (m.start() for m in _INDENTED_IMPORT.finditer(text)), offset=2))
    if indented:
        top = {n.lineno for n in module_level_definitions(tree.body) if isinstance(n, (ast.Import, ast.ImportFrom))}
        nested = indented - top  # imports inside functions (those under a module-level `if` are top)
        if nested:
            summary.local_imports = _local_imports(summary.lines, sorted(nested), module_name, path.name == "__init__.py")
    lines = summary.lines
    may_return_self = "return self" in text  # spare every method a walk of its returns
    for node in module_level_definitions(tree.body):
        if isinstance(node, ast.ClassDef):
            summary.classes.setdefault(node.name, _class_summary(node, summary, lines, may_return_self))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            summary.functions.setdefault(
                node.name, FunctionSummary(node.name, tuple(a.arg for a in node.args.posonlyargs + node.args.args))
            )
    summary.release()
    return summary


def _path_additions(tree: ast.Module, path: Path) -> Iterator[tuple[bool, Path]]:
    """``sys.path.append(p)`` / ``sys.path.insert(0, p)`` whose folder can be computed from
    string literals and ``__file__``. A relative folder is taken from the file's own folder
    (where Jupyter runs a notebook, and where scripts that do this are usually started)."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("append", "insert")
            and dotted_name(node.func.value) == "sys.path"
            and node.args
        ):
            continue
        folder = _static_path(node.args[-1], path)
        if folder is not None:
            first = node.func.attr == "insert" and isinstance(node.args[0], ast.Constant) and node.args[0].value == 0
            yield first, Path(os.path.normpath(path.parent / folder))


_PATH_FUNCTIONS = {"os.path.abspath", "os.path.realpath", "os.path.normpath", "str", "Path", "pathlib.Path"}


def _static_path(node: ast.expr, path: Path) -> Optional[Path]:
    """The folder an expression of literals, ``__file__`` and ``os.path``/``pathlib``
    operations names, or None when it depends on anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Path(node.value)
    if isinstance(node, ast.Name) and node.id == "__file__":
        return path
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _static_path(node.value, path)
        return inner.parent if inner is not None else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _static_path(node.left, path), _static_path(node.right, path)
        return left / right if left is not None and right is not None else None
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    name = dotted_name(node.func)
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute") and not node.args:
        inner = _static_path(node.func.value, path)
        return Path(os.path.normpath(path.parent / inner)) if inner is not None else None
    found = [_static_path(arg, path) for arg in node.args]
    parts = [part for part in found if part is not None]
    if len(parts) != len(found) or not parts:
        return None
    if name == "os.path.join":
        return Path(*parts)
    if name == "os.path.dirname" and len(parts) == 1:
        return parts[0].parent
    if name in _PATH_FUNCTIONS and len(parts) == 1:
        return Path(os.path.normpath(path.parent / parts[0])) if name.endswith(("abspath", "realpath")) else parts[0]
    return None


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


def self_confined(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does the method use ``self`` only to read or set its attributes (``return
    self.tokenizer``), so that it cannot hand the instance to anything?"""
    args = method.args.posonlyargs + method.args.args
    if not args or args[0].arg != "self":
        return False
    attribute_values = {id(n.value) for n in ast.walk(method) if isinstance(n, ast.Attribute)}
    return all(id(n) in attribute_values for n in ast.walk(method) if isinstance(n, ast.Name) and n.id == "self")


def _line_numbers(text: str, offsets: Iterable[int], offset: int = 1) -> Iterator[int]:
    """The line (counted from ``offset``) of each of the ascending ``offsets``, in one pass: counting
    from the start for each was quadratic in a large file."""
    line, counted_to = offset - 1, 0
    for position in offsets:
        line += text.count("\n", counted_to, position)
        counted_to = position
        yield line + 1


def _class_summary(node: ast.ClassDef, module: ModuleSummary, lines: tuple[str, ...], may_return_self: bool) -> ClassSummary:
    bases = []
    for base in node.bases:
        name = dotted_name(base)
        bases.append(module.resolve(name) if name else "?")
    forward = None
    packed = False
    methods = set()
    self_returning = set()
    init: Optional[InitSummary] = None
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            methods.add(item.name)
            if may_return_self:
                returned = list(_returns(item.body))
                if returned and all(isinstance(r.value, ast.Name) and r.value.id == "self" for r in returned):
                    self_returning.add(item.name)

            if item.name == "forward":
                forward = _signature(item, lines)
                packed = any(_is_packed(r.value) for r in _returns(item.body))
            if item.name == "__init__" and init is None:
                init = _init_summary(item)
    return ClassSummary(
        node.name,
        node.lineno,
        char_column(lines, node.lineno, node.col_offset),
        tuple(bases),
        forward,
        frozenset(methods),
        packed,
        frozenset(self_returning),
        init,
        frozenset(name for name, _ in self_attribute_values(node)),
    )


def plain_self_stores(method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Name]:
    """The values of the ``self.X = name`` statements at the top of ``method``'s body."""
    return [
        statement.value
        for statement in method.body
        if isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Attribute)
        and isinstance(statement.targets[0].value, ast.Name)
        and statement.targets[0].value.id == "self"
        and isinstance(statement.value, ast.Name)
    ]


def _init_summary(method: ast.FunctionDef | ast.AsyncFunctionDef) -> InitSummary:
    args = method.args
    positional = [a.arg for a in args.posonlyargs + args.args][1:]
    keyword_only = [a.arg for a in args.kwonlyargs]
    values = plain_self_stores(method)
    plain_stores = {id(value) for value in values}
    stored = {value.id for value in values} & set(positional + keyword_only)
    if not stored:  # most constructors: nothing to follow, and no walk of the body
        return InitSummary(tuple(positional), tuple(keyword_only), frozenset())
    receivers: set[int] = set()
    names: list[ast.Name] = []
    for node in ast.walk(method):
        if isinstance(node, ast.Attribute):
            receivers.add(id(node.value))
        elif isinstance(node, ast.Name) and node.id in stored:
            names.append(node)
    spoiled = {n.id for n in names if not isinstance(n.ctx, ast.Load) or (id(n) not in plain_stores and id(n) not in receivers)}
    return InitSummary(tuple(positional), tuple(keyword_only), frozenset(stored - spoiled))


@dataclass(frozen=True)
class ClassKey:
    module: str
    name: str

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}"


def _search_path(importer: ModuleSummary) -> list[Path]:
    """The folders Python searches for the importer's imports, as far as the code says: those
    it inserts first, its own import root (a script's folder), those it appends."""
    origin = importer.import_root or importer.path.parent
    return (
        [folder for first, folder in importer.path_additions if first]
        + [origin]
        + [folder for first, folder in importer.path_additions if not first]
    )


def _nearest(importer: ModuleSummary, group: list[ModuleSummary]) -> Optional[ModuleSummary]:
    """Of the files that share a module name, the one an import in ``importer`` loads: the
    one in the importer's own import root (Python puts a script's folder first on sys.path),
    else the one whose root shares the longest folder path with it; None on a tie."""
    origin = importer.import_root or importer.path.parent
    for folder in _search_path(importer):
        found = [c for c in group if (c.import_root or c.path.parent) == folder]
        if found:
            return found[0]

    def shared_depth(candidate: ModuleSummary) -> int:
        root = candidate.import_root or candidate.path.parent
        if root == origin:
            return 1 << 30
        try:
            return len(Path(os.path.commonpath([root, origin])).parts)
        except ValueError:  # different drives
            return 0

    depths = sorted(((shared_depth(c), c) for c in group), key=lambda item: -item[0])
    if len(depths) > 1 and depths[0][0] == depths[1][0]:
        return None
    return depths[0][1]


def _aliases(modules: list[ModuleSummary]) -> dict[str, list[tuple[ModuleSummary, Path]]]:
    """Dotted names a module is importable as besides its own, from folders above its import
    root (namespace packages): ``models/model.py`` is also ``models.model`` from the folder
    above. Only within the run (the common folder of all modules) -> (module, that folder)."""
    if len(modules) < 2:
        return {}
    roots = {m.import_root or m.path.parent for m in modules}
    try:
        top = Path(os.path.commonpath([str(r) for r in roots]))
    except ValueError:
        return {}
    found: dict[str, list[tuple[ModuleSummary, Path]]] = {}
    for module in modules:
        root = module.import_root or module.path.parent
        folder = root
        while folder != top and top in folder.parents:
            folder = folder.parent
            relative = root.relative_to(folder).parts
            if not all(part.isidentifier() for part in relative):
                break
            alias = ".".join([*relative, module.module_name])
            found.setdefault(alias, []).append((module, folder))
    return found


def _by_search_path(importer: ModuleSummary, candidates: list[tuple[ModuleSummary, Path]]) -> Optional[ModuleSummary]:
    """Of the files an aliased import could mean, the one under a folder the importer searches
    (its own import root first, then folders it adds to sys.path); else the only one."""
    for folder in _search_path(importer):
        found = [module for module, base in candidates if base == folder]
        if found:
            return found[0]
    distinct = {id(module) for module, _ in candidates}
    return candidates[0][0] if len(distinct) == 1 else None  # else: _nearest decides


def _import_line(module: ModuleSummary, local: str) -> int:
    """The line of the module-level import that binds ``local`` (for messages; rare path)."""
    for node in module_level_definitions(module.tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or (alias.name if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0])
                if bound == local:
                    return node.lineno
    return 1


class RepoIndex:
    """Every module of the run, and what each class is."""

    def __init__(self, modules: list[ModuleSummary]) -> None:
        self.by_path = {m.path: m for m in modules}
        self._kinds: dict[ClassKey, ClassKind] = {}
        self.ambiguous: dict[ClassKey, str] = {}
        """Classes some file imports by a module name that several files of the run share,
        with no way to tell which one Python loads: class -> ``path:line`` of that import."""
        by_name: dict[str, list[ModuleSummary]] = {}
        for module in sorted(modules, key=lambda m: str(m.path)):
            by_name.setdefault(module.module_name, []).append(module)
        shared = {name: group for name, group in by_name.items() if len(group) > 1}
        for group in shared.values():
            for number, module in enumerate(group, 1):
                module.key = f"{module.module_name}@{number}"
        self.modules = {m.key: m for m in modules}
        self._aliases = _aliases(modules)
        self._importers: Optional[dict[str, set[str]]] = None
        self._isolated: dict[str, bool] = {}
        self._imported: dict[str, set[str]] = {}
        self._joined: dict[str, frozenset[str]] = {}
        self.unresolved_importers: set[str] = set()
        """Modules with an import several files could answer (``_link``): what they import is
        not known, so they may hold anything."""
        self._subclasses: Optional[dict[ClassKey, list[ClassKey]]] = None
        self._opaque: Optional[list[ClassKey]] = None
        if shared or self._aliases:
            for module in modules:
                self._link(module, by_name)
        starred = [m for m in modules if any(name.startswith("*") for name in m.imports)]
        for _ in range(3):  # a star import of a module that star-imports: a few levels deep
            if not any([self._expand_stars(m) for m in starred]):
                break

    def _expand_stars(self, module: ModuleSummary) -> bool:
        """``from model import *``: the module's public classes, functions and imports become
        names here, unless this module binds them itself. True if a name was added."""
        links = dict(module.links if module.links is not None else module.imports)
        added = False
        for local, source in list(links.items()):
            if not local.startswith("*"):
                continue
            target = self.modules.get(source)
            if target is None:
                continue
            exported = {name: f"{target.key}.{name}" for name in (*target.classes, *target.functions)}
            for name in target.imports if target.links is None else target.links:
                if not name.startswith(("*", "_")):
                    exported.setdefault(name, target.target(name))  # type: ignore[arg-type]  # the name is one of its imports: target() finds it
            for name, qualified in exported.items():
                if name.startswith("_") or name in module.classes or name in module.functions or name in links:
                    continue
                links[name] = qualified
                added = True
        if added:
            module.links = links
        return added

    def _link(self, module: ModuleSummary, by_name: dict[str, list[ModuleSummary]]) -> None:
        """Point ``module``'s imports and bases at the files Python would load: a module name
        that several files share means the one nearest the importer (its own import root
        first, then the longest common folder); a tie is ambiguous and resolves to nothing."""

        def link(dotted: str, local: Optional[str]) -> Optional[str]:
            parts = dotted.split(".")
            for cut in range(len(parts), 0, -1):
                prefix = ".".join(parts[:cut])
                group = by_name.get(prefix, [])
                # A folder without __init__.py imported as a package (`from models.model
                # import Net` next to `models/`): the same file under a longer dotted name.
                aliased = self._aliases.get(prefix, []) if cut > 1 else []
                if not group and not aliased:
                    continue
                if len(group) == 1 and not aliased:
                    return ".".join([group[0].key, *parts[cut:]])
                candidates = [(m, m.import_root or m.path.parent) for m in group] + aliased
                chosen = _by_search_path(module, candidates) or _nearest(module, list({id(m): m for m, _ in candidates}.values()))
                if chosen is None:
                    self._record_ambiguity(module, [m for m, _ in candidates], parts[cut:], local)
                    self.unresolved_importers.add(module.key)
                    return None
                return ".".join([chosen.key, *parts[cut:]])
            return dotted

        links: dict[str, str] = {}
        for local, dotted in module.imports.items():
            linked = link(dotted, local)
            if linked is not None:
                links[local] = linked
        if links != module.imports:
            module.links = links
        if module.local_imports:
            local_links = {}
            for local, dotted in module.local_imports.items():
                linked = link(dotted, local)
                if linked is not None:
                    local_links[local] = linked
            module.local_imports = local_links
        for name, summary in module.classes.items():
            bases = tuple(base if base == "?" else link(base, None) or "?" for base in summary.bases)
            if bases != summary.bases:
                module.classes[name] = replace(summary, bases=bases)

    def _record_ambiguity(
        self, importer: ModuleSummary, group: list[ModuleSummary], rest: list[str], local: Optional[str]
    ) -> None:
        line = _import_line(importer, local) if local else 1
        where = f"{importer.display_path}:{line}"
        for candidate in group:
            names = [rest[0]] if rest else list(candidate.classes)
            for name in names:
                if name in candidate.classes:
                    self.ambiguous.setdefault(ClassKey(candidate.key, name), where)

    def importers(self, module_key: str) -> set[str]:
        """Keys of the modules that import ``module_key``, directly or through others, and the
        module itself: the code that can get hold of what it defines."""
        reverse = self._direct_importers()
        return _closure(module_key, lambda key: reverse.get(key, ()))

    def _direct_importers(self) -> dict[str, set[str]]:
        """Each module's key -> the keys of the modules that import it by name."""
        if self._importers is None:
            reverse: dict[str, set[str]] = {}
            for module in self.modules.values():
                for imported in self._imported_modules(module):
                    reverse.setdefault(imported, set()).add(module.key)
            self._importers = reverse
        return self._importers

    def notebook_isolated(self, module_key: str) -> bool:
        """Does what notebook ``module_key`` builds reach other files only through the modules
        it imports? Not when it, another notebook, or a module it imports runs code no import
        names (``codemod.unnamed_code``), nor when some module imports it (an import hook)."""
        if module_key not in self._isolated:
            home = self.modules.get(module_key)
            if home is None or home.path.suffix != ".ipynb" or self.importers(module_key) != {module_key}:
                self._isolated[module_key] = False
            else:
                imported = self.imported(module_key)
                self._isolated[module_key] = not any(
                    runs_unnamed_code(module.path)
                    for module in self.modules.values()
                    if module.key in imported or module.path.suffix == ".ipynb"
                )
        return self._isolated[module_key]

    def imported(self, module_key: str) -> set[str]:
        """Keys of the modules ``module_key`` imports, directly or through others, and the
        module itself."""
        if module_key not in self._imported:
            self._imported[module_key] = _closure(module_key, lambda key: self._imported_modules(self.modules[key]) if key in self.modules else ())
        return self._imported[module_key]

    def joined(self, module_key: str) -> frozenset[str]:
        """Keys of the modules a chain of imports, read either way, joins to ``module_key``, and
        the module itself: short of code no import names, the only ones that can be handed
        what it defines (passed as an argument, returned, or left in a module global)."""
        if module_key not in self._joined and module_key in self.modules:
            reverse = self._direct_importers()
            component = frozenset(_closure(module_key, lambda key: self._imported_modules(self.modules[key]) | reverse.get(key, set())))
            self._joined.update(dict.fromkeys(component, component))
        return self._joined.get(module_key, frozenset({module_key}))

    def _imported_modules(self, module: ModuleSummary) -> set[str]:
        """The modules of the run ``module`` imports by name (the longest dotted prefix that is one)."""
        targets = list((module.links if module.links is not None else module.imports).values())
        targets += list((module.local_imports or {}).values())
        found: set[str] = set()
        for target in targets:
            parts = target.split(".")
            for cut in range(len(parts), 0, -1):
                prefix = ".".join(parts[:cut])
                if prefix in self.modules:
                    found.add(prefix)
                    break
        return found

    def resolves(self, dotted: str) -> bool:
        """Does a dotted name lead into a module of the run (``pkg.model.Net``, ``model``)?"""
        parts = dotted.split(".")
        return any(".".join(parts[:cut]) in self.modules for cut in range(1, len(parts) + 1))

    def class_key(self, qualified: str) -> Optional[ClassKey]:
        module, _, name = qualified.rpartition(".")
        summary = self.modules.get(module)
        if summary is None:
            return None
        if name in summary.classes:
            return ClassKey(module, name)
        # A re-export: ``from .net import Net`` in a package's __init__.
        target = summary.target(name)
        if target and target != qualified:
            return self.class_key(target)
        return None

    def confines_self(self, key: ClassKey, method: str) -> bool:
        """``self_confined`` for a method of the class (False if it is not defined there)."""
        for node in module_level_definitions(self.module_of(key).tree.body):
            if isinstance(node, ast.ClassDef) and node.name == key.name:
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == method:
                        return self_confined(item)
        return False

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

    def inherits_library_method(self, key: ClassKey, method: str, packages: tuple[str, ...], _seen: frozenset[ClassKey] = frozenset()) -> bool:
        """``method`` comes to ``key`` from a class of ``packages``, and no class of the project
        on the way there defines it."""
        if key in _seen or method in self.summary(key).method_names:
            return False
        for base in self.summary(key).bases:
            if base.startswith(packages):
                return True
            base_key = self.class_key(base)
            if base_key is not None and self.inherits_library_method(base_key, method, packages, _seen | {key}):
                return True
        return False

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

    def forward_family(self, key: ClassKey) -> frozenset[ClassKey]:
        """``key`` and its subclasses, at any depth, that run its ``forward`` (they do not
        override it): a rewrite of that forward changes their calls too."""
        family = {key}
        pending = [key]
        while pending:
            for sub in self.subclasses(pending.pop()):
                # One base only: with a mixin beside it, which forward runs is not this reading's to say.
                if sub not in family and len(self.summary(sub).bases) == 1 and self.forward_owner(sub) == key:
                    family.add(sub)
                    pending.append(sub)
        return frozenset(family)

    def subclasses(self, key: ClassKey) -> list[ClassKey]:
        """Classes that name ``key`` as a base (they inherit or override its forward)."""
        if self._subclasses is None:
            # Built once: the call-site walk asks for every construction it sees.
            table: dict[ClassKey, list[ClassKey]] = {}
            for module in self.modules.values():
                for cls in module.classes.values():
                    for base in dict.fromkeys(cls.bases):
                        base_key = self.class_key(base) if base != "?" else None
                        if base_key is not None:
                            table.setdefault(base_key, []).append(ClassKey(module.key, cls.name))
            self._subclasses = table
        return list(self._subclasses.get(key, ()))

    def opaque_subclassing(self) -> list[ClassKey]:
        """Classes of the project with a base the index cannot name: an alias (``Base =
        train.Runner``), a call, a name of the project that is no class. Any class of the
        project may be their base, so what their methods store on ``self`` may be what a
        method of that base reads."""
        if self._opaque is None:
            opaque = []
            for module in self.modules.values():
                for cls in module.classes.values():
                    if any(self._opaque_base(base) for base in cls.bases):
                        opaque.append(ClassKey(module.key, cls.name))
            self._opaque = opaque
        return list(self._opaque)

    def _opaque_base(self, base: str) -> bool:
        if base == "?":
            return True
        if "." not in base:  # not an import, not a class of the module: a builtin, or an alias
            return not isinstance(getattr(builtins, base, None), type)
        module = base.rpartition(".")[0]
        return module in self.modules and self.class_key(base) is None

    def module_classes(self) -> list[ClassKey]:
        return [
            ClassKey(m.key, c)
            for m in self.modules.values()
            for c in m.classes
            if self.kind(ClassKey(m.key, c)) is ClassKind.MODULE
        ]


def _closure(start: str, following: Callable[[str], Iterable[str]]) -> set[str]:
    found, pending = {start}, [start]
    while pending:
        for key in following(pending.pop()):
            if key not in found:
                found.add(key)
                pending.append(key)
    return found
