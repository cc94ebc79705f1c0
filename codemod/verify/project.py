"""The check over a project: read the old and the new texts, find the scopes that call a
rewritten class (a class whose ``forward`` took labels and no longer does), evaluate each such
scope in both programs, and compare.

Its own reading of the project: modules named as Python imports them (the folder above the
outermost package is the root; a name shared by several roots resolves to the importer's own
root first), classes and functions by qualified name, parameters by what every visible call of
their function passes (two rounds: a caller traced in the first feeds the second). A parameter
nothing visibly passes a model to, called in a way a rewritten ``forward`` would bind, is not
evaluated: the scope is unresolvable, and the fix refused.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path
from typing import Iterator, Optional

from codemod.verify import values as v
from codemod.verify.classes import ProjectClasses, added_trainers
from codemod.verify.direct import CalledDirectly
from codemod.verify.compare import Mismatch, compare
from codemod.verify.modules import (
    Module,
    absolute,
    binds_dynamically,
    functions,
    imported_modules,
    notebook_isolated,
    is_static,
    link,
    own_forward,
    read_module,
    takes_labels,
    unchanged_displays,
)
from codemod.verify.evaluate import Evaluator, Outcome, evaluate_scope
from codemod.verify.reach import evaluated_modules
from codemod.verify.program import Clock, TooLarge, Unresolvable, bind_arguments
from codemod.verify.values import Value
from codemod.vocabulary import MODEL_CAPABLE_TYPES

ROUNDS = 2


def check_rewrite(files: dict[Path, tuple[str, str, str]], every_module: bool = False) -> list[Mismatch]:
    """``files``: path -> (display path, old text, new text), every Python file of the project
    (unchanged ones with equal texts). What differs between the two programs, or could not be
    evaluated, at each scope that calls a rewritten class. Only the modules a rewritten class's
    values can reach are evaluated (``reach``); ``every_module`` evaluates all, the reference
    the tests hold that shortcut to."""
    changed = {path: entry for path, entry in files.items() if entry[1] != entry[2]}
    if not _moves_a_loss(changed):
        return []  # no forward lost its labels: nothing here is the check's to compare
    old = _Version({path: (display, before) for path, (display, before, _) in files.items()})
    new = _Version({path: (display, after) for path, (display, _, after) in files.items()})
    rewritten = _rewritten_classes(old, new)
    if not rewritten:
        return []
    rewritten |= _inheriting(old, rewritten)
    new.stand_ins = added_trainers(old, new)
    for version in (old, new):
        version.rewritten = {name: (old.forward_of(name), new.forward_of(name)) for name in rewritten}
    evaluated = None
    if not every_module:
        changed_modules = {m.name for m in old.modules.values() if m.path in changed}
        evaluated = evaluated_modules((old, new), changed_modules, rewritten)
    found: list[Mismatch] = []
    for round_number in range(ROUNDS):
        last = round_number == ROUNDS - 1
        old_outcomes = old.evaluate_all(rewritten, evaluated)
        new_outcomes = new.evaluate_all(rewritten, evaluated)
        old.settle_params()
        new.settle_params()
        if not last:
            continue
        for key in sorted(set(old_outcomes) | set(new_outcomes)):
            before, after = old_outcomes.get(key), new_outcomes.get(key)
            problem = compare(key, before, after, rewritten, old.exported(key[0]), new.displays())
            if problem is not None:
                found.append(problem)
    return found


def _moves_a_loss(changed: dict[Path, tuple[str, str, str]]) -> bool:
    """Does a changed file's class lose ``labels`` from its ``forward``? Read off the changed
    files alone, so that a run with other fixes (a repair) reads no other file."""
    return bool(_rewritten_classes(_Version({p: (d, o) for p, (d, o, _) in changed.items()}), _Version({p: (d, n) for p, (d, _, n) in changed.items()})))


def _rewritten_classes(old: "_Version", new: "_Version") -> set[str]:
    """Classes whose old ``forward`` takes labels and whose new one takes none: the loss moved."""
    found = set()
    for module in old.modules.values():
        other = new.modules.get(module.name)
        if other is None:
            continue
        for name, cls in module.classes.items():
            before, after = own_forward(cls), own_forward(other.classes.get(name))
            if before is None or after is None:
                continue
            if takes_labels(before) and not takes_labels(after):
                found.add(f"{module.name}.{name}")
    return found


def _inheriting(version: "_Version", rewritten: set[str]) -> set[str]:
    """Classes that run a rewritten class's ``forward`` as their own (a subclass that does not
    override it): their calls change with it."""
    forwards = {id(found[1]) for name in rewritten if (found := version.forward_of(name)) is not None}
    return {
        qualified
        for qualified in version.class_names()
        if qualified not in rewritten and (found := version.forward_of(qualified)) is not None and id(found[1]) in forwards
    }


def _calls_anything(body: list[ast.stmt]) -> bool:
    """Does the scope call anything (nested functions and classes aside: they are scopes of
    their own)?"""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


class _Version(CalledDirectly, ProjectClasses):
    """One program: its modules, and the evaluator's questions answered over them."""

    def __init__(self, texts: dict[Path, tuple[str, str]]) -> None:
        self.modules: dict[str, Module] = {}
        self.stand_ins: dict[str, str] = {}
        """Classes the fix added, each evaluated as the class it stands in for (``classes.added_trainers``)."""
        by_name: dict[str, list[Module]] = {}
        for path, (display, text) in sorted(texts.items(), key=lambda item: item[1][0]):
            module = read_module(path, display, text)
            if module is not None:
                by_name.setdefault(module.name, []).append(module)
        for name, group in by_name.items():
            for number, module in enumerate(group):
                # Folders that each hold a `model.py`: one key each, the first keeps the name.
                module.name = name if number == 0 else f"{name}@{number + 1}"
                self.modules[module.name] = module
        for module in self.modules.values():
            module.imports = {local: link(module, target, by_name) for local, target in module.imports.items()}
        for module in self.modules.values():
            self._expand_stars(module, by_name, set())

    def _expand_stars(self, module: Module, by_name: dict[str, list[Module]], seen: set[str]) -> None:
        """``from model import *``: each public name of that module, as if imported by name
        (what it star-imports itself included). Names the module binds itself win."""
        seen.add(module.name)
        for star in module.stars:
            source = self.modules.get(link(module, star, by_name))
            if source is None:
                module.opaque_star = True  # `from torch import *`: names the check cannot list
                continue
            if source.name in seen:
                continue
            self._expand_stars(source, by_name, seen)
            for name in sorted(source.public()):
                if name not in module.classes and name not in module.functions and name not in module.assigned:
                    module.imports.setdefault(name, source.imports.get(name, f"{source.name}.{name}"))
        module.stars = []
        self.rewritten: dict[str, tuple[Optional[tuple[str, ast.FunctionDef]], Optional[tuple[str, ast.FunctionDef]]]] = {}
        self._reach: dict[str, set[str]] = {}
        self._reach_with_stars: dict[str, set[str]] = {}
        self._isolated: dict[str, bool] = {}
        self._globals: dict[str, Optional[dict[str, Value]]] = {}
        self._calls: dict[tuple[str, str], list[Value]] = {}
        self._params: dict[tuple[str, str], Value] = {}
        self._attributes: dict[Value, Optional[dict[str, Value]]] = {}
        self._unchanged: dict[str, frozenset[str]] = {}

    # --- the scopes --------------------------------------------------------------------------
    def evaluate_all(self, rewritten: set[str], only: Optional[set[str]] = None) -> dict[tuple[str, str, int], Outcome | Mismatch]:
        self._calls = {}
        self._globals = {}
        self._attributes = {}
        outcomes: dict[tuple[str, str, int], Outcome | Mismatch] = {}
        for module in self.modules.values():
            if only is not None and module.name not in only:
                continue
            for scope, owner, body, env in self._scopes(module):
                if owner in rewritten and scope.endswith(".forward"):
                    continue  # compared where it is called, with its arguments
                if not _calls_anything(body):
                    continue  # a table of constants: it calls no model, and is not read here
                key = (module.display_path, scope, body[0].lineno if body else 1)
                try:
                    outcomes[key] = evaluate_scope(self, module.name, body, env, module_level=scope == "<module>")
                except TooLarge as exc:
                    # Too large to read (a parser's recursive helpers): it matters only where a
                    # rewritten model can reach.
                    if any(self.reaches(module.name, name) for name in rewritten):
                        outcomes[key] = Mismatch(module.display_path, exc.line, exc.reason)
                except Unresolvable as exc:
                    where = self.modules.get(exc.module or module.name, module)
                    outcomes[key] = Mismatch(where.display_path, exc.line, exc.reason)
                except (RecursionError, MemoryError, SystemError):
                    # Trees nested past what Python can hash (SystemError from the C stack).
                    if any(self.reaches(module.name, name) for name in rewritten):
                        outcomes[key] = Mismatch(module.display_path, key[2], "the scope is too deep to evaluate")
        return outcomes

    def _scopes(self, module: Module) -> Iterator[tuple[str, Optional[str], list[ast.stmt], dict[str, Value]]]:
        yield "<module>", None, module.tree.body, {}
        for node, owner in functions(module.tree):
            qualified_owner = f"{module.name}.{owner}" if owner else None
            if owner is None and f"{module.name}.{node.name}" in self.direct_only():
                continue  # evaluated where it is called, with what each call passes
            if qualified_owner is not None and qualified_owner in self.direct_methods().get(node.name, ()):
                continue  # evaluated where it is called, on the instance and with the arguments given
            env: dict[str, Value] = {}
            params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            for place, param in enumerate(params):
                if place == 0 and qualified_owner and not is_static(node):
                    env[param.arg] = v.instance(qualified_owner, ("self", qualified_owner))
                    continue
                env[param.arg] = self.param_value(module, node, qualified_owner, param.arg)
            for extra in (node.args.vararg, node.args.kwarg):
                if extra is not None:
                    env[extra.arg] = ("param", f"{module.name}.{node.name}", extra.arg, f"`{extra.arg}` collects any arguments")
            name = f"{owner}.{node.name}" if owner else node.name
            yield name, qualified_owner, node.body, env

    def param_value(self, module: Module, node: ast.FunctionDef, owner: Optional[str], param: str) -> Value:
        function = f"{owner}.{node.name}" if owner else f"{module.name}.{node.name}"
        if owner is not None and param == "model" and self._is_trainer(owner):
            function = owner  # what the Trainer subclass is built with
        annotated = next((a.annotation for a in [*node.args.args, *node.args.kwonlyargs] if a.arg == param), None)
        if annotated is not None:
            target = self.resolve(module, ast.unparse(annotated).strip("'\""))
            if target in self.class_names():
                return v.instance(target, ("param", function, param))
            if self.is_library(target) and target.rpartition(".")[2] not in MODEL_CAPABLE_TYPES:
                return ("notmodel", function, param)  # `scorer: nn.Linear`: the user's word it is no model
        settled = self._params.get((function, param))
        if settled is not None:
            return settled
        return ("param", function, param, f"`{param}` is a parameter no visible call passes a model to")

    def settle_params(self) -> None:
        """What each parameter holds, from the calls the last evaluation saw."""
        settled: dict[tuple[str, str], Value] = {}
        for key, seen in self._calls.items():
            instances = {value[1] for value in seen if value[0] == "inst"}
            untraced = [value for value in seen if value[0] in ("param", "unknown")]
            if len(instances) == 1 and not untraced and all(value[0] == "inst" for value in seen):
                settled[key] = v.instance(instances.pop(), ("param", *key))
            elif instances or untraced:
                names = ", ".join(sorted(f"`{name.rpartition('.')[2]}`" for name in instances)) or "what is not traced"
                settled[key] = ("unknown", *key, f"`{key[1]}` receives {names} and other values")
            else:
                settled[key] = ("notmodel", *key)
        self._params = settled

    def displays(self) -> dict[str, str]:
        return {name: module.display_path for name, module in self.modules.items()}

    def exported(self, display_path: str) -> set[str]:
        """The names of a module other modules import from it."""
        module = next((m for m in self.modules.values() if m.display_path == display_path), None)
        if module is None:
            return set()
        found = set()
        for other in self.modules.values():
            for qualified in other.imports.values():
                head, _, name = qualified.rpartition(".")
                if head == module.name:
                    found.add(name)
        return found

    # --- Program, as the evaluator asks it ----------------------------------------------------
    def global_value(self, module_name: str, name: str) -> Value:
        module = self.modules.get(module_name)
        if module is None:
            return v.free(f"{module_name}.{name}")
        table = self._module_globals(module)
        if table is not None and name in table:
            return table[name]
        return self.static_value(module, name)

    def imported(self, module_name: str, source: str, level: int, name: str) -> Value:
        """``from source import name`` run inside a function of ``module_name``."""
        module = self.modules.get(module_name)
        if module is None:
            return v.free(f"{source}.{name}")
        base = absolute(module, source, level)
        qualified = link(module, f"{base}.{name}" if base else name, self._by_name())
        if qualified in self.modules:
            return v.free(qualified)  # `from pkg import model`: the module itself
        head, _, last = qualified.rpartition(".")
        held = self.module_attribute(head, last)
        return held if held is not None else v.free(qualified)

    def imported_module(self, module_name: str, dotted: str) -> Value:
        """``import dotted`` run in ``module_name``: the file Python would load there (with one
        ``model.py`` per experiment folder, the importer's own)."""
        module = self.modules.get(module_name)
        return v.free(dotted if module is None else link(module, dotted, self._by_name()))

    def unchanged_display(self, module_name: str, name: str) -> bool:
        """Is ``name`` in ``module_name`` a list nothing changes after its display is bound
        (``modules.unchanged_displays``)?"""
        module = self.modules.get(module_name)
        if module is None:
            return False
        if module_name not in self._unchanged:
            self._unchanged[module_name] = unchanged_displays(module.tree)
        return name in self._unchanged[module_name]

    def _by_name(self) -> dict[str, list[Module]]:
        by_name: dict[str, list[Module]] = {}
        for other in self.modules.values():
            by_name.setdefault(other.name.partition("@")[0], []).append(other)
        return by_name

    def module_attribute(self, qualified: str, name: str) -> Optional[Value]:
        """``name`` of the project module ``qualified``: its class or function, or what its top
        level binds; None for a module outside the project."""
        module = self.modules.get(qualified)
        if module is None:
            return None
        if name in module.classes or name in module.functions:
            return v.free(f"{module.name}.{name}")
        return self.global_value(module.name, name)

    def static_value(self, module: Module, name: str) -> Value:
        if name in module.classes or name in module.functions:
            return v.free(f"{module.name}.{name}")
        if name in module.imports:
            qualified = module.imports[name]
            head, _, last = qualified.rpartition(".")
            if qualified in self.modules:
                return v.free(qualified)  # `from pkg import model`: the module itself
            if qualified.startswith("?"):
                return ("unknown", module.name, name, f"`{name}` could come from either of several files named `{qualified[1:]}`")
            if head in self.modules and last not in self.modules[head].classes and last not in self.modules[head].functions:
                return self.global_value(head, last)  # `from model import MODEL`
            return v.free(qualified)
        if hasattr(builtins, name):
            return v.free(name)
        if not binds_dynamically(module):
            # Bound nowhere, and nothing binds names unseen: reading it raises NameError (or the
            # import of it ImportError). No program behaviour to keep there.
            return ("missing", module.name, name)
        # Bound where the check does not look (`globals()[...]`, `exec`): anything at all.
        return ("unknown", module.name, name, f"`{name}` is bound where the check does not look")

    def _module_globals(self, module: Module) -> Optional[dict[str, Value]]:
        if module.name not in self._globals:
            self._globals[module.name] = None  # read statically while the module evaluates
            try:
                outcome = evaluate_scope(self, module.name, module.tree.body, {}, module_level=True)
                self._globals[module.name] = outcome.env
            except (Unresolvable, RecursionError, MemoryError, SystemError):
                self._globals[module.name] = {}
        return self._globals[module.name]

    def instance_attributes(self, instance: Value) -> dict[str, Value]:
        """What the constructor of a project class gives the instance, for the attributes only
        the constructor sets (``self.model = model``): read with the construction's arguments,
        or for ``self`` in a method, with what every visible construction passes."""
        if instance in self._attributes:
            return self._attributes[instance] or {}
        self._attributes[instance] = None  # the constructor reading its own attributes
        qualified, construction = instance[1], instance[2]
        init = self._init_of(qualified)
        table: dict[str, Value] = {}
        if init is not None:
            module, function = init
            if construction[0] == "call":
                positional, keywords = list(construction[2]), dict(construction[3])
            else:
                positional, keywords = [], {}
                for argument in [*function.args.posonlyargs, *function.args.args][1:] + function.args.kwonlyargs:
                    keywords[argument.arg] = self._params.get(
                        (f"{qualified}.__init__", argument.arg),
                        ("param", f"{qualified}.__init__", argument.arg, f"`{argument.arg}` of `{qualified.rpartition('.')[2]}()` is not traced"),
                    )
            try:
                env = bind_arguments(function, instance, positional, keywords, None, function.lineno)
                evaluator = Evaluator(self, module, env, Clock(), depth=1)
                evaluator.block(function.body)
                stable = self._constructor_only_attributes(qualified)
                table = {name: value for (owner, name), value in evaluator.stores.items() if owner == instance and name in stable}
            except Unresolvable:
                table = {}
        self._attributes[instance] = table
        return table

    def reaches(self, module_name: str, qualified: str) -> bool:
        """Can code of ``module_name`` be handed an instance of the class: is it in the class's
        import root (a framework may pass it one), or does it import the class's module,
        directly or through others? A class of a notebook reaches only the modules the
        notebook imports (nothing imports a notebook), unless it runs code it does not name."""
        home = self.modules.get(qualified.rpartition(".")[0])
        module = self.modules.get(module_name)
        if home is None or module is None:
            return True  # nothing known: it may
        if home.name not in self._isolated:
            self._isolated[home.name] = notebook_isolated(self.modules, home)
        if module is not home and self._isolated[home.name]:
            return module_name in self._imported(home.name, stars=True)
        if module.root == home.root:
            return True
        return home.name in self._imported(module_name)

    def _imported(self, module_name: str, stars: bool = False) -> set[str]:
        cache = self._reach_with_stars if stars else self._reach
        if module_name not in cache:
            cache[module_name] = imported_modules(self.modules, module_name, stars)
        return cache[module_name]

    def record_call(self, callee: Value, positional: list[Value], keywords: dict[str, Value]) -> None:
        if callee[0] != "free":
            return
        qualified = callee[1]
        module_name, _, name = qualified.rpartition(".")
        module = self.modules.get(module_name)
        if module is not None and name in module.functions:
            params = [a.arg for a in [*module.functions[name].args.posonlyargs, *module.functions[name].args.args]]
            bound = dict(zip(params, positional))
            bound.update(keywords)
            for param, value in bound.items():
                self._calls.setdefault((qualified, param), []).append(value)
        elif self._class(qualified) is not None:
            init = self._init_of(qualified)
            if init is not None:
                params = [a.arg for a in [*init[1].args.posonlyargs, *init[1].args.args]][1:]
                bound = dict(zip(params, positional))
                bound.update(keywords)
                for param, value in bound.items():
                    self._calls.setdefault((f"{qualified}.__init__", param), []).append(value)
        if self._is_trainer(qualified) and self._class(qualified) is not None:
            given = keywords.get("model", positional[0] if positional else None)
            self._calls.setdefault((qualified, "model"), []).append(given or ("unknown", qualified, "model", "built without a model"))


