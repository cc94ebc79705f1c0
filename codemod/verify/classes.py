"""The classes and functions of one version of the project, as ``verify`` looks them up:
by qualified name, through re-exports and the project's own base classes (a library base ends
the search)."""

from __future__ import annotations

import ast
from typing import Optional

from codemod.verify import values as v
from codemod.verify.modules import Module, is_static
from codemod.vocabulary import CLASS_FACTORIES

TRAINER_SUFFIX = "Trainer"
LIBRARY_TRAINERS = ("transformers.", "trl.")


class ProjectClasses:
    modules: dict[str, Module]

    def resolve(self, module: Module, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        base = module.imports.get(head) or (f"{module.name}.{head}" if head in module.classes or head in module.functions else head)
        return f"{base}.{rest}" if rest else base

    def class_names(self) -> set[str]:
        return {f"{m.name}.{c}" for m in self.modules.values() for c in m.classes}

    def _class(self, qualified: str) -> Optional[tuple[Module, ast.ClassDef]]:
        module_name, _, name = qualified.rpartition(".")
        module = self.modules.get(module_name)
        if module is None:
            return None
        if name in module.classes:
            return module, module.classes[name]
        target = module.imports.get(name)  # a re-export: `from .net import Net` in __init__
        return self._class(target) if target and target != qualified else None

    def _defined(self, qualified: str, name: str, depth: int = 0) -> Optional[tuple[str, ast.FunctionDef]]:
        """The method ``name`` the class runs: its own, else the first of its project bases'
        (a simple MRO; a library base ends the search)."""
        found = self._class(qualified)
        if found is None or depth > 10:
            return None
        module, cls = found
        for item in cls.body:
            if isinstance(item, ast.FunctionDef) and item.name == name:
                return module.name, item
        for base in cls.bases:
            inherited = self._defined(self.resolve(module, ast.unparse(base)), name, depth + 1)
            if inherited is not None:
                return inherited
        return None

    def forward_of(self, qualified: str) -> Optional[tuple[str, ast.FunctionDef]]:
        return self._defined(qualified, "forward")

    def function_of(self, qualified: str) -> Optional[tuple[str, ast.FunctionDef]]:
        module_name, _, name = qualified.rpartition(".")
        module = self.modules.get(module_name)
        if module is None:
            return None
        if name in module.functions:
            return module.name, module.functions[name]
        target = module.imports.get(name)
        return self.function_of(target) if target and target != qualified else None

    def method_of(self, qualified: str, name: str) -> Optional[tuple[str, ast.FunctionDef]]:
        found = self._defined(qualified, name) if name != "__init__" else None
        return None if found is None or is_static(found[1]) else found

    def _init_of(self, qualified: str) -> Optional[tuple[str, ast.FunctionDef]]:
        return self._defined(qualified, "__init__")

    def _constructor_only_attributes(self, qualified: str) -> set[str]:
        """``self.X`` set in ``__init__`` and in no other method of the class or its project bases."""
        in_init: set[str] = set()
        elsewhere: set[str] = set()
        chain = [qualified]
        seen: set[str] = set()
        while chain:
            current = chain.pop()
            found = self._class(current)
            if found is None or current in seen:
                continue
            seen.add(current)
            module, cls = found
            chain += [self.resolve(module, ast.unparse(b)) for b in cls.bases]
            for item in cls.body:
                if isinstance(item, ast.FunctionDef):
                    stored = {
                        n.attr
                        for n in ast.walk(item)
                        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name) and n.value.id == "self"
                    }
                    (in_init if item.name == "__init__" else elsewhere).update(stored)
        return in_init - elsewhere

    def is_class(self, qualified: str) -> bool:
        return self._class(qualified) is not None

    def built_by_factory(self, qualified: str, factory: str) -> bool:
        """``Tagger.load_from_checkpoint(...)`` builds a ``Tagger``: the factory comes to the
        class from a library that defines it so (``CLASS_FACTORIES``), not from the project."""
        if factory not in CLASS_FACTORIES or self._class(qualified) is None or self._defined(qualified, factory) is not None:
            return False  # a library's own class (`BertModel.from_pretrained`) is no class of the project
        chain, seen = [qualified], set()
        while chain:
            current = chain.pop()
            found = self._class(current)
            if current in seen or found is None:
                if current.startswith(CLASS_FACTORIES[factory]):
                    return True
                continue
            seen.add(current)
            chain += [self.resolve(found[0], ast.unparse(b)) for b in found[1].bases]
        return False

    def is_output(self, qualified: str) -> bool:
        found = self._class(qualified)
        if found is None:
            return qualified.rpartition(".")[2].endswith(v.OUTPUT_SUFFIXES)
        module, cls = found
        decorated = any("dataclass" in ast.unparse(d) for d in cls.decorator_list)
        bases = [self.resolve(module, ast.unparse(b)) for b in cls.bases]
        return decorated or any(b.endswith(("NamedTuple", "ModelOutput")) for b in bases)

    def is_library(self, qualified: str) -> bool:
        head = qualified.partition(".")[0]
        return not any(name == head or name.startswith(head + ".") for name in self.modules)

    def _is_trainer(self, qualified: str, depth: int = 0) -> bool:
        found = self._class(qualified)
        if found is None or depth > 10:
            return qualified.startswith(LIBRARY_TRAINERS) and qualified.endswith(TRAINER_SUFFIX)
        module, cls = found
        return any(self._is_trainer(self.resolve(module, ast.unparse(b)), depth + 1) for b in cls.bases)


def added_trainers(old: ProjectClasses, new: ProjectClasses) -> dict[str, str]:
    """Trainer subclasses the fix added (``CriterionTrainer``, defining only ``compute_loss``),
    each with the class it subclasses: the new program builds one where the old built its base.
    What compute_loss computes runs inside Trainer, which the check does not evaluate; every other
    effect of building and using the trainer is compared as the base's."""
    found: dict[str, str] = {}
    for qualified in new.class_names() - old.class_names():
        module_name, _, name = qualified.rpartition(".")
        module = new.modules[module_name]
        cls = module.classes[name]
        methods = [item.name for item in cls.body if isinstance(item, ast.FunctionDef)]
        if len(cls.bases) == 1 and methods == ["compute_loss"] and new._is_trainer(qualified):
            found[qualified] = new.resolve(module, ast.unparse(cls.bases[0]))
    return found
