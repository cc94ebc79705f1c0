"""Where instances of the indexed classes are called, across files.

A light, flow-insensitive type inference over ``ast``: a name is an instance of ``C`` when it is
bound to ``C(...)`` (also through ``.to(...)``, ``.cuda()``, ``.train()``, ``nn.DataParallel``,
``DistributedDataParallel``, ``torch.compile``), annotated ``C``, set as ``self.x = C(...)`` in
the class that calls ``self.x(...)``, or is a parameter of a repo function that some call passes
an instance to. Calls whose receiver stays unknown are kept as *unresolved*, with their shape, so a
rule can match them against the classes it is about (and refuse on ambiguity) instead of guessing.

Why this module is long: the inference is one walk, ``_ModuleWalk``, whose handlers (bindings,
wrappers, factories, parameters, batches, Trainer uses) feed each other through the scopes it
keeps; cutting it into modules would make each handler reach back into the walk's state. The
results it produces (``CallSite``, ``ModelUse``, ``CallGraph``) are at the top.
"""

from __future__ import annotations

import ast
import collections
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Protocol

from codemod.analysis.index import (
    IDENTIFIER,
    ClassKey,
    InitSummary,
    ModuleSummary,
    RepoIndex,
    char_column,
    dotted_name,
    module_level_definitions,
    plain_self_stores,
    self_attribute_values,
)
from codemod.analysis.dict_flow import LABEL_KEYS, LabelsAtCall, changes_of, labels_at
from codemod.parallel import map_in_processes
from codemod.unnamed_code import runs_unnamed_code
from codemod.vocabulary import CLASS_FACTORIES, LABELS_PARAM, MODEL_CAPABLE_TYPES, TRAINER_PACKAGES, TRAINER_SUFFIXES, CallShape, CallVia, Location, TextEnum

INSTANCE_METHODS = frozenset(
    {"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16", "requires_grad_", "share_memory"}
)
TRANSPARENT_WRAPPERS = frozenset({"torch.compile"})
LIBRARY_COPIES = frozenset({"copy.deepcopy", "copy.copy"})
"""A copy of a library model is a model of its class. (A copy of a project class is left
untraced: the independent check of a rewrite does not follow copies.)"""
PARALLEL_WRAPPERS = frozenset(
    {
        "torch.nn.DataParallel",
        "torch.nn.parallel.DataParallel",
        "torch.nn.parallel.DistributedDataParallel",
        "torch.nn.parallel.distributed.DistributedDataParallel",
        "torch.nn.parallel.data_parallel.DataParallel",
    }
)
PEFT_WRAPPERS = frozenset({"get_peft_model", "PeftModel.from_pretrained", "prepare_model_for_kbit_training"})
LIBRARY_MODEL_PACKAGES = ("transformers.",)
LIBRARY_CONSTRUCTORS = frozenset({"from_pretrained", "from_config"})
DATALOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})


def is_peft_wrapper(qualified: str) -> bool:
    """``peft.get_peft_model(model, config)``, ``peft.PeftModel.from_pretrained(model, path)``,
    also from peft's submodules (``peft.mapping.get_peft_model``)."""
    if not qualified.startswith("peft."):
        return False
    parts = qualified.split(".")
    return parts[-1] in PEFT_WRAPPERS or ".".join(parts[-2:]) in PEFT_WRAPPERS


@dataclass(frozen=True)
class Instance:
    classes: frozenset[ClassKey]
    wrapped: bool = False
    library: frozenset[str] = frozenset()
    """Library model classes it may be (``transformers.BertForMaskedLM``): not ours to edit,
    but their calls can still carry a wrong keyword (FL005)."""

    bare: bool = True
    """Some binding holds the model itself, not wrapped (with ``wrapped``: it depends, as in
    ``if n_gpu > 1: model = nn.DataParallel(model)``)."""

    untraced: Optional[str] = None
    """Some value that can reach here is not traced to a construction (a caller passes
    something the analysis cannot follow, or the function is also called out of sight):
    ``path:line`` of that place. A call through it is a call of ``classes`` *or of anything*."""

    def __or__(self, other: "Instance") -> "Instance":
        return Instance(
            self.classes | other.classes,
            self.wrapped or other.wrapped,
            self.library | other.library,
            self.bare or other.bare,
            self.untraced or other.untraced,
        )

    @property
    def known(self) -> bool:
        """Something is known of it: a class of the project or a library model."""
        return bool(self.classes or self.library)


@dataclass(frozen=True)
class CallSite:
    path: Path
    display_path: str
    line: int
    column: int
    receiver: str
    instance: Instance
    shape: CallShape
    inferred: bool = False
    """The class was inferred from the call's shape alone (an unannotated parameter)."""
    enclosing_class: Optional[ClassKey] = None
    """The repo class whose method holds the call, if any."""

    @property
    def via(self) -> CallVia:
        return self.shape.via

    @property
    def location(self) -> Location:
        return Location(self.display_path, self.line, self.column + 1)


@dataclass(frozen=True)
class ModelUse:
    """An instance handed to something that will call it itself (``Trainer(model=...)``)."""

    path: Path
    display_path: str
    line: int
    column: int
    consumer: str
    instance: Instance
    value: str = ""
    """Source of the argument that hands the model over (``model``, ``self.model``)."""


NOT_STORED = Instance(frozenset(), untraced="(no store)")
"""``own_attribute``: no method of the class stores the attribute. Compared by identity."""
UNKNOWN = Instance(frozenset(), untraced="(unknown)")
"""``own_attribute``: some method stores what the analysis cannot follow. Compared by identity."""


class StateRead(TextEnum):
    """An entry of the finder's state a walk reads (``CallSiteFinder.state``)."""

    PARAM_TYPE = "param_type"
    RETURN_TYPE = "return_type"
    UNTRACED = "untraced"
    OTHER = "other"
    PASSED_KEYS = "passed_keys"
    TRAINER = "trainer"
    WATCHING = "watching"
    WATCHED = "watched"
    GLOBALS = "globals"
    SUBCLASS_ATTRIBUTE = "subclass_attribute"


class StateChange(TextEnum):
    """A change a walk makes to the finder's state (``CallSiteFinder.change``): each gives the
    same state applied twice, which is what lets ``walk_memo`` replay a walk."""

    JOIN_PARAM = "join_param"
    JOIN_RETURN = "join_return"
    JOIN_TRAINER = "join_trainer"
    NOTE_UNTRACED = "note_untraced"
    CLEAR_UNTRACED = "clear_untraced"
    NOTE_KEYS = "note_keys"
    NOTE_OTHER = "note_other"
    SET_GLOBALS = "set_globals"
    SET_SUBCLASS_ATTRIBUTE = "set_subclass_attribute"


class IndexQuery(TextEnum):
    """A question a walk asks that reads the whole index, not one module (``CallSiteFinder.answer``)."""

    SUBCLASSES = "subclasses"
    CLASS_KEY = "class_key"
    RESOLVES = "resolves"
    CONFINES_SELF = "confines_self"
    INHERITS_LIBRARY_METHOD = "inherits_library_method"
    SPELLED_BESIDE = "spelled_beside"
    OPAQUE_STORES = "opaque_stores"


_CHANGED_ENTRY: dict[StateChange, StateRead] = {
    StateChange.JOIN_PARAM: StateRead.PARAM_TYPE,
    StateChange.JOIN_RETURN: StateRead.RETURN_TYPE,
    StateChange.JOIN_TRAINER: StateRead.TRAINER,
    StateChange.NOTE_UNTRACED: StateRead.UNTRACED,
    StateChange.CLEAR_UNTRACED: StateRead.UNTRACED,
    StateChange.NOTE_KEYS: StateRead.PASSED_KEYS,
    StateChange.NOTE_OTHER: StateRead.OTHER,
    StateChange.SET_GLOBALS: StateRead.GLOBALS,
    StateChange.SET_SUBCLASS_ATTRIBUTE: StateRead.SUBCLASS_ATTRIBUTE,
}
"""The entry each change writes: its first argument is that entry's key (with the second, for
``SET_SUBCLASS_ATTRIBUTE``)."""


@dataclass
class CallGraph:
    sites: list[CallSite] = field(default_factory=list)
    unresolved: list[CallSite] = field(default_factory=list)
    uses: list[ModelUse] = field(default_factory=list)
    wrapped_classes: set[ClassKey] = field(default_factory=set)
    attribute_stores: list[tuple[ClassKey, str, str]] = field(default_factory=list)
    """Instances stored on another object (``cls._instance.model = Net()``): (class,
    attribute, ``path:line``). Their calls are only known as ``<something>.model(...)``."""
    untracked: list[tuple[ClassKey, str]] = field(default_factory=list)
    """Instances built where their calls cannot be followed (``Net()(x, y)``, ``[Net()]``,
    ``return Net()``): (class, ``path:line``). A rewrite that must reach every call refuses."""
    untraced_receivers: dict[tuple[str, int, int], str] = field(default_factory=dict)
    """(display path, line, column) of a call in ``unresolved`` -> why its receiver is not
    traced (``model` is a parameter no visible call passes a model to``)."""
    model_globals: list[str] = field(default_factory=list)
    """Module-level names of the walked module that hold a model (``MODEL = Net()``): a module
    that imports one gets it, and must be walked, whatever words it holds."""

    def merge(self, other: "CallGraph") -> None:
        self.sites += other.sites
        self.model_globals += other.model_globals
        self.unresolved += other.unresolved
        self.untraced_receivers.update(other.untraced_receivers)
        self.uses += other.uses
        self.wrapped_classes |= other.wrapped_classes
        self.untracked += other.untracked
        self.attribute_stores += other.attribute_stores

    def untracked_at(self, key: ClassKey) -> Optional[str]:
        """Where an instance of ``key`` is built out of the analysis's sight, if anywhere."""
        return next((where for untracked, where in self.untracked if untracked == key), None)

    def sites_for(self, key: ClassKey, family: frozenset[ClassKey] = frozenset()) -> list[CallSite]:
        """The calls that may run ``key``'s forward: of ``key``, or of a class of its ``family``
        (see ``RepoIndex.forward_family``)."""
        members = family | {key}
        return [s for s in self.sites if not members.isdisjoint(s.instance.classes)]


MAX_FLOW_ROUNDS = 10
MODEL_LIKE_WORDS = ("model", "net", "module", "classifier", "encoder", "transformer", "learner")


class _Scope:
    def __init__(self, parent: Optional["_Scope"], cls: Optional[ClassKey]) -> None:
        self.parent = parent
        self.cls = cls
        self.names: dict[str, Instance] = {}
        self.bound: set[str] = set()
        self.unknown: set[str] = set()
        """Names also bound to something we cannot type (``model = get_peft_model(model)``):
        flow-insensitive, so what they hold anywhere is unknown."""
        self.dict_keys: dict[str, tuple[str, ...]] = {}
        self.passed_keys: set[str] = set()
        """Parameters whose ``dict_keys`` are what every visible call passes (not a binding here)."""
        self.labelled: set[str] = set()
        self.tokenized: set[str] = set()
        """Names bound to a tokenizer's output (``inputs = tokenizer(texts, ...)``), which
        never holds labels; ``other_bindings`` holds names also bound to anything else."""
        self.other_bindings: set[str] = set()
        self.wrapped_at: dict[str, tuple[int, Instance, ast.Assign]] = {}
        """``model = Net(encoder=model)`` as a line of this scope's own body, and no later
        binding of ``model``: below that line, ``model`` holds the ``Net`` alone."""
        self.params: dict[str, str] = {}
        """Parameters of this function whose values the analysis does not know: name -> why."""
        self.unfollowed: set[str] = set()
        """Parameters of a method whose callers are not followed (not private, not an
        ``__init__`` whose constructions are): nothing will ever flow into them."""
        self.imported: set[str] = set()
        self.values: dict[str, list[Optional[ast.expr]]] = {}
        """What each name is bound to by ``=`` (None where it is bound otherwise)."""
        self.body: list[ast.stmt] = []
        """The statements of this scope: where a dict's changes before a call are read."""

    def lookup(self, name: str) -> Optional[Instance]:
        scope: Optional[_Scope] = self
        while scope is not None:
            if name in scope.unknown:
                return None
            if name in scope.names:
                return scope.names[name]
            if name in scope.bound:
                return None
            scope = scope.parent
        return None

    def param_reason(self, name: str) -> Optional[str]:
        """Why ``name`` is unknown, when it is a parameter of an enclosing function (and not
        rebound in between)."""
        scope: Optional[_Scope] = self
        while scope is not None:
            if name in scope.params:
                return None if name in scope.names or name in scope.other_bindings else scope.params[name]
            if name in scope.bound:
                return None
            scope = scope.parent
        return None

    def unfollowed_param(self, name: str) -> bool:
        """Is ``name`` a parameter of an enclosing method whose callers are not followed?"""
        scope: Optional[_Scope] = self
        while scope is not None:
            if name in scope.params:
                return name in scope.unfollowed
            if name in scope.bound:
                return False
            scope = scope.parent
        return False

    def imported_only(self, name: str) -> bool:
        """Is ``name`` bound at module level, by an import and nothing else?"""
        scope: Optional[_Scope] = self
        while scope is not None:
            if scope.parent is None:
                return name in scope.imported and name not in scope.names and name not in scope.unknown
            if name in scope.bound:
                return False
            scope = scope.parent
        return False

    def is_tokenized(self, name: str) -> bool:
        """Does ``name`` hold a tokenizer's output, with no labels added, wherever it is bound?"""
        scope: Optional[_Scope] = self
        while scope is not None:
            if name in scope.tokenized:
                return name not in scope.other_bindings and name not in scope.labelled
            if name in scope.bound:
                return False
            scope = scope.parent
        return False

    def keys_passed_in(self, name: str) -> bool:
        """Are ``name``'s known keys those its callers pass (``passed_keys``)?"""
        scope: Optional[_Scope] = self
        while scope is not None:
            if name in scope.dict_keys:
                return name in scope.passed_keys
            scope = scope.parent
        return False

    def keys_of(self, name: str) -> tuple[Optional[tuple[str, ...]], bool]:
        scope: Optional[_Scope] = self
        while scope is not None:
            if name in scope.dict_keys:
                keys = scope.dict_keys[name]
                return keys, LABELS_PARAM in keys or name in scope.labelled
            if name in scope.labelled:
                return None, True
            if name in scope.bound:
                return None, False
            scope = scope.parent
        return None, False


class WalkTrace(Protocol):
    """Records what one walk reads and changes (``walk_memo.Trace``)."""

    def read(self, kind: StateRead, key: Any, value: Any) -> None: ...
    def changing(self, kind: StateRead, key: Any, value: Any) -> None: ...
    def changed(self, kind: StateChange, args: tuple[Any, ...]) -> None: ...
    def asked(self, kind: IndexQuery, args: tuple[Any, ...], answer: Any) -> None: ...
    def traced_index(self, finder: "CallSiteFinder") -> Any: ...


class RememberedWalks(Protocol):
    """Walks of an earlier run, replayed where they still hold (``walk_memo.WalkMemo``)."""

    stored: dict[str, list[str]]
    kept: dict[str, list[str]]
    walked: int

    def walk(self, finder: "CallSiteFinder", module: ModuleSummary, walk: Callable[["CallGraph"], None]) -> "CallGraph": ...
    def forget(self, kind: StateRead, key: Any) -> None: ...
    def took(self, traces: dict[str, int | str], made: int) -> None: ...
    def last_walk(self, module_key: str) -> int | str: ...


class CallSiteFinder:
    """Runs the inference over the modules whose trees the index kept, to a fixpoint."""

    def __init__(self, index: RepoIndex, watched: frozenset[ClassKey] = frozenset(), memo: Optional["RememberedWalks"] = None) -> None:
        self.index = index
        self.memo = memo
        """Walks of the last check, replayed where they read what they would read now."""
        self.trace: Optional["WalkTrace"] = None
        """What the walk running now reads and changes, when walks are remembered."""
        self.watched = watched
        """Classes whose every construction must land where calls are followed (see
        ``CallGraph.untracked``); checking is skipped when there are none."""
        self.param_types: dict[tuple[str, str, str], Instance] = {}
        """(module, function, parameter) -> what callers pass."""
        self.return_types: dict[tuple[str, str], Instance] = {}
        """(module, function) -> the model a module-level function returns on every path that
        returns a value (``def get_model(): return Net(...)``): its callers hold that model."""
        self.param_untraced: dict[tuple[str, str, str], dict[str, str]] = {}
        """(module, function, parameter) -> {call ``path:line``: why what it passes there is not
        traced}. Kept per call, not unioned: a later round may trace what an earlier could not
        (``model = get_model()`` before ``get_model``'s return was known)."""
        self.param_others: set[tuple[str, str, str]] = set()
        """Parameters some visible call passes a value known to be no model (a library object)."""
        self.read_by_key: dict[str, set[str]] = {}
        """Module key -> its names read only by constant keys (``_ModuleWalk.read_by_key_only``)."""
        self.param_keys: dict[tuple[str, str, str], dict[str, Optional[tuple[str, ...]]]] = {}
        """(module, function, parameter) -> {call ``path:line:column``: the keys of the dict it
        passes there, None when that is not a dict of known keys}. A parameter every visible call
        gives the same keys holds a dict of those keys (``predict(model, {"x": x})``)."""
        self.trainer_models: dict[ClassKey, Instance] = {}
        """A ``Trainer`` subclass of the project -> what its constructions are given as
        ``model``: the ``model`` its ``compute_loss``/``prediction_step`` receive."""
        self._globals: dict[str, Optional[dict[str, Instance]]] = {}
        self._spellings: Optional[collections.Counter[str]] = None
        self._reach_keys: dict[str, tuple[str, Path]] = {}
        self._reach_counts: dict[tuple[str, Path], tuple[bool, collections.Counter[str]]] = {}
        self._subclass_attributes: dict[tuple[ClassKey, str], Instance] = {}
        self._opaque_stores: dict[str, set[ClassKey]] = {}

    def run(
        self,
        wanted: Callable[[ModuleSummary], bool],
        jobs: int = 1,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> CallGraph:
        """Walk the modules ``wanted`` picks, then, until nothing changes, those an instance
        flows into and those whose parameters learned a new type. A flow is followed wherever
        it goes: the module it reaches need not hold the words that picked the start (``fit(model,
        y)`` in a module without "labels" may call ``model(x, label=y)``). Each module's result only depends on what flows into its own functions,
        so a round's modules can be walked in ``jobs`` processes: parameter types only grow
        (unions), and a module whose inputs grew in a round is walked again in the next."""
        modules = self.index.modules
        pending = self._wanted(wanted, jobs)
        results: dict[str, CallGraph] = {}
        walks = 0
        for _ in range(MAX_FLOW_ROUNDS):
            if not pending:
                break
            if progress is not None:  # modules walked so far, of those known to need a walk
                progress(walks, walks + len(pending))
            walks += len(pending)
            before = dict(self.param_types)
            returns_before = dict(self.return_types)
            trainers_before = dict(self.trainer_models)
            untraced_before = {key: dict(calls) for key, calls in self.param_untraced.items()}
            others_before = set(self.param_others)
            keys_before = {key: passed_keys(calls) for key, calls in self.param_keys.items()}
            names = sorted(pending)
            # Remembered walks are replayed here: workers would each answer again what the
            # replays ask of the whole index (a fork learns nothing its siblings learned).
            replaying = self.memo is not None and self.memo.stored
            walked = self._walk_in_processes(names, jobs) if jobs > 1 and len(names) >= PARALLEL_MIN_MODULES and not replaying else None
            if walked is None:
                walked = self._walk(names)
            results.update(walked)
            # A module global holding a model reaches every module that imports it by name.
            pending_globals = {
                importer
                for name in names
                if walked[name].model_globals
                for importer in self.index.importers(name)
                if importer not in results and any(held in modules[importer].text for held in walked[name].model_globals)
            }
            pending = pending_globals | {
                module
                for (module, function, param), instance in self.param_types.items()
                if before.get((module, function, param)) != instance
            }
            pending |= {key[0] for key, calls in self.param_untraced.items() if untraced_before.get(key, {}) != calls}
            pending |= {key[0] for key in self.param_others - others_before}
            # Only what a parameter is taken to hold matters (most calls pass no dict at all).
            pending |= {key[0] for key, calls in self.param_keys.items() if keys_before.get(key) != passed_keys(calls)}
            # A Trainer subclass's methods receive what its constructions are given.
            pending |= {key.module for key, instance in self.trainer_models.items() if trainers_before.get(key) != instance}
            # A function that returns a model makes its callers' modules worth a (new) walk.
            importers: dict[str, set[str]] = {}  # each module's closure once a round, not once a function
            spelled: dict[str, set[str]] = {}  # importer -> the functions it must spell to be walked again
            for (module, function), instance in self.return_types.items():
                if returns_before.get((module, function)) != instance:
                    called = function.partition("#")[0]
                    if "." in called:
                        # `Class._m`: a private method, called only as `self._m()` in its own
                        # module (`_ModuleWalk.private_method`), whose text need not spell the key.
                        pending.add(module)
                        continue
                    if module not in importers:
                        importers[module] = self.index.importers(module)  # who can call it imports it
                    for name in importers[module]:
                        spelled.setdefault(name, set()).add(called)
            # Each importer once, for each name once, and no further than its first: a large
            # package learns many returns in a round, and each is imported by many modules.
            pending |= {name for name, called in spelled.items() if name not in pending and any(c in modules[name].text for c in called)}
        graph = CallGraph()
        for name in sorted(results):
            graph.merge(results[name])
            modules[name].release()
        return graph

    # --- the state walks read and change, and what they ask of the index: only through these,
    # so that a remembered walk records all of it (``walk_memo``) ---------------------------
    def state(self, kind: StateRead, key: Any) -> Any:
        """An entry of the state as it is now: the tables grow in place, so a trace keeps a copy
        of what it records (``walk_memo.Trace``), and nothing else pays for one."""
        if kind is StateRead.PARAM_TYPE:
            return self.param_types.get(key)
        if kind is StateRead.RETURN_TYPE:
            return self.return_types.get(key)
        if kind is StateRead.UNTRACED:
            return self.param_untraced.get(key) or {}  # none and an empty table read alike
        if kind is StateRead.OTHER:
            return key in self.param_others
        if kind is StateRead.PASSED_KEYS:
            return self.param_keys.get(key) or {}
        if kind is StateRead.TRAINER:
            return self.trainer_models.get(key)
        if kind is StateRead.WATCHING:
            return bool(self.watched)
        if kind is StateRead.WATCHED:
            return key in self.watched
        if kind is StateRead.GLOBALS:
            return (True, self._globals[key]) if key in self._globals else None
        assert kind is StateRead.SUBCLASS_ATTRIBUTE
        return self._subclass_attributes.get(key)

    def read(self, kind: StateRead, key: Any) -> Any:
        value = self.state(kind, key)
        if self.trace is not None:
            self.trace.read(kind, key, value)
        return value

    def change(self, kind: StateChange, *args: Any) -> None:
        """Apply a change a walk makes (``walk_memo`` replays a walk's through here too)."""
        if self.memo is not None:
            entry = (args[0], args[1]) if kind is StateChange.SET_SUBCLASS_ATTRIBUTE else args[0]
            self.memo.forget(_CHANGED_ENTRY[kind], entry)
            if self.trace is not None:
                self.trace.changing(_CHANGED_ENTRY[kind], entry, self.state(_CHANGED_ENTRY[kind], entry))
                self.trace.changed(kind, args)
        if kind is StateChange.JOIN_PARAM:
            key, inst = args
            previous = self.param_types.get(key)
            self.param_types[key] = previous | inst if previous else inst
        elif kind is StateChange.JOIN_RETURN:
            key, inst = args
            previous = self.return_types.get(key)
            self.return_types[key] = previous | inst if previous else inst
        elif kind is StateChange.JOIN_TRAINER:
            key, inst = args
            previous = self.trainer_models.get(key)
            self.trainer_models[key] = previous | inst if previous else inst
        elif kind is StateChange.NOTE_UNTRACED:
            key, where, why = args
            self.param_untraced.setdefault(key, {})[where] = why
        elif kind is StateChange.CLEAR_UNTRACED:
            key, where = args
            self.param_untraced.get(key, {}).pop(where, None)
        elif kind is StateChange.NOTE_KEYS:
            key, call, keys = args
            self.param_keys.setdefault(key, {})[call] = keys
        elif kind is StateChange.NOTE_OTHER:
            self.param_others.add(args[0])
        elif kind is StateChange.SET_GLOBALS:
            module_key, table = args
            self._globals[module_key] = table
        else:
            assert kind is StateChange.SET_SUBCLASS_ATTRIBUTE
            sub, attr, inst = args
            # The two placeholders are compared by identity: a replayed one must be them.
            self._subclass_attributes[(sub, attr)] = UNKNOWN if inst == UNKNOWN else NOT_STORED if inst == NOT_STORED else inst

    def answer(self, kind: IndexQuery, args: tuple[Any, ...]) -> Any:
        """A question about the whole index, answered from the index alone (never the state)."""
        if kind is IndexQuery.SUBCLASSES:
            return self.index.subclasses(*args)
        if kind is IndexQuery.CLASS_KEY:
            return self.index.class_key(*args)
        if kind is IndexQuery.RESOLVES:
            return self.index.resolves(*args)
        if kind is IndexQuery.CONFINES_SELF:
            return self.index.confines_self(*args)
        if kind is IndexQuery.INHERITS_LIBRARY_METHOD:
            return self.index.inherits_library_method(*args)
        if kind is IndexQuery.SPELLED_BESIDE:
            name, home = args
            return self.spelled_beside(name, self.index.modules[home])
        assert kind is IndexQuery.OPAQUE_STORES
        return self.opaque_stores(*args)

    def query(self, kind: IndexQuery, *args: Any) -> Any:
        answer = self.answer(kind, args)
        if self.trace is not None:
            self.trace.asked(kind, args, answer)
        return answer

    def walk_index(self) -> Any:
        """The index as a walk reads it: every question recorded while a walk is traced."""
        return self.index if self.trace is None else self.trace.traced_index(self)

    def modules_spelling(self, name: str) -> int:
        """How many modules of the project spell the identifier ``name`` anywhere (code, strings,
        comments). Counted for every identifier in one pass over the texts, the first time a
        private method is asked about: asking each module for each method would be quadratic."""
        if self._spellings is None:
            self._spellings = _modules_spelling_each(self.index.modules.values())
        return self._spellings[name]

    def spelled_beside(self, name: str, home: ModuleSummary) -> bool:
        """Does a module other than ``home`` that could be handed ``home``'s objects spell
        ``name``? Out of reach are only modules that no chain of imports, read either way,
        joins to ``home`` (``RepoIndex.joined``), in another import root (where no framework
        of its own may load it), that run no code an import does not name and import nothing
        several files could answer: a folder of experiments beside another, each with its own
        ``train.py`` spelling the same method names. Read only when the name is spelled twice."""
        spelled = self.modules_spelling(name)
        if spelled <= 1:
            return False
        key = self._reach_of(home)
        reading_reachable, counts = self._reach_counts[key]
        # `home` is one of the modules in reach spelling it: it defines the method (`_private_method`).
        inside = counts[name] if reading_reachable else spelled - counts[name]
        return inside > 1

    def _reach_of(self, home: ModuleSummary) -> tuple[str, Path]:
        """The key of ``home``'s reach, shared by the modules of one component and import root
        (most of a package), with the identifiers of the side of it holding less text counted
        once (``_reach_counts``): which side, and how many modules there spell each."""
        joined = self.index.joined(home.key)
        root = home.import_root or home.path.parent
        if home.key not in self._reach_keys:
            self._reach_keys[home.key] = (min(joined), root)  # the component's first module names it
        key = self._reach_keys[home.key]
        if key not in self._reach_counts:
            reachable: list[ModuleSummary] = []
            unreachable: list[ModuleSummary] = []
            for module in self.index.modules.values():
                in_reach = (
                    module.key in joined
                    or (module.import_root or module.path.parent) == root
                    or module.key in self.index.unresolved_importers
                    or runs_unnamed_code(module.path)
                )
                (reachable if in_reach else unreachable).append(module)
            reading_reachable = sum(len(m.text) for m in reachable) <= sum(len(m.text) for m in unreachable)
            # Counted as `modules_spelling` counts, so that the project's count minus one side's is the other's.
            self._reach_counts[key] = (reading_reachable, _modules_spelling_each(reachable if reading_reachable else unreachable))
        return key

    def opaque_stores(self, attr: str) -> set[ClassKey]:
        """The classes with a base that cannot be named (``RepoIndex.opaque_subclassing``) that,
        or one of whose own subclasses, stores ``self.attr``: any of them may be a subclass
        that stores it (``subclass_attribute`` joins its subclasses' stores in)."""
        if attr not in self._opaque_stores:
            self._opaque_stores[attr] = {key for key in self.index.opaque_subclassing() if self.lineage_stores(key, attr)}
        return self._opaque_stores[attr]

    def lineage_stores(self, cls: ClassKey, attr: str) -> bool:
        """Does ``cls`` or a class below it (subclasses, theirs in turn) assign ``self.attr``?"""
        seen = {cls}
        stack = [cls]
        while stack:
            key = stack.pop()
            if attr in self.index.summary(key).stored:
                return True
            for sub in self.index.subclasses(key):
                if sub not in seen:
                    seen.add(sub)
                    stack.append(sub)
        return False

    def with_subclasses(self, cls: ClassKey, attr: str, found: Instance) -> Instance:
        """``found``, what ``cls`` itself stores as ``self.attr``, joined with what each of its
        subclasses stores (``subclass_attribute``): ``UNKNOWN`` as soon as one is unknown."""
        for sub in self.walk_index().subclasses(cls):
            if found is UNKNOWN:
                break
            held = self.subclass_attribute(sub, attr)
            if held is UNKNOWN:
                return UNKNOWN
            if held is not NOT_STORED:
                found = held if found is NOT_STORED else found | held
        return found

    def subclass_attribute(self, sub: ClassKey, attr: str) -> Instance:
        """What a subclass (and its own subclasses, in turn) store as ``self.attr``, read in the
        subclass's module: ``NOT_STORED`` or ``UNKNOWN`` (see ``_ModuleWalk.own_attribute``)."""
        if self.read(StateRead.SUBCLASS_ATTRIBUTE, (sub, attr)) is None:
            self.change(StateChange.SET_SUBCLASS_ATTRIBUTE, sub, attr, UNKNOWN)  # a cycle of bases reads nothing while this runs
            index = self.walk_index()
            module = index.modules.get(sub.module)
            if module is not None:
                parsed = module.parsed
                # `self.attr = ...` is what own_attribute reads: a class that stores no such
                # attribute (its summary says) stores nothing there, and need not be parsed.
                stores = attr in index.summary(sub).stored
                found = _ModuleWalk(self, module, CallGraph()).own_attribute(sub, attr) if stores else NOT_STORED
                found = self.with_subclasses(sub, attr, found)
                if not parsed:
                    module.release()  # read for one class's stores: not worth keeping its tree
                self.change(StateChange.SET_SUBCLASS_ATTRIBUTE, sub, attr, found)
        return self._subclass_attributes[(sub, attr)]

    def module_global(self, module_key: str, name: str) -> Optional[Instance]:
        """What a module-level name of a project module holds, as its own module reads it
        (``MODEL = Net()``, also inside ``try``/``with``/``if``/``for``): for
        ``from model import MODEL`` in another file. None when it is not a model we know."""
        if self.read(StateRead.GLOBALS, module_key) is None:
            module = self.walk_index().modules.get(module_key)
            if module is None:
                return None
            self.change(StateChange.SET_GLOBALS, module_key, None)  # an import cycle reads nothing while this runs
            parsed = module.parsed
            scope = _Scope(None, None)
            walk = _ModuleWalk(self, module, CallGraph())
            walk.bind_block(_scope_nodes(module.tree.body), scope)
            self.change(StateChange.SET_GLOBALS, module_key, {n: i for n, i in scope.names.items() if n not in scope.unknown})
            if not parsed:
                # Read for its globals only: kept, the tree of every module a large package
                # imports from stayed to the end of the walk.
                module.release()
        table = self._globals[module_key]
        return table.get(name) if table is not None else None

    def _wanted(self, wanted: Callable[[ModuleSummary], bool], jobs: int) -> set[str]:
        """The modules ``wanted`` picks; on a large repository the text tests run in ``jobs``
        processes (they read every file's text, and build each one's set of words)."""
        global _FORKED_WANTED
        names = sorted(self.index.modules)
        picked: Optional[list[list[str]]] = None
        if jobs > 1 and len(names) >= PARALLEL_MIN_MODULES * 4:
            _FORKED_WANTED = (self, wanted)
            try:
                picked = map_in_processes(_wanted_chunk, [names[i::jobs * 4] for i in range(jobs * 4)], jobs)
            finally:
                _FORKED_WANTED = None
        if picked is None:
            picked = [_pick(self, wanted, names)]
        for module in self.index.modules.values():
            module.forget_identifiers()  # a set of words per file adds up on large repositories
        return {name for chunk in picked for name in chunk}

    def _walk(self, names: list[str]) -> dict[str, CallGraph]:
        walked = {}
        for name in names:
            module = self.index.modules[name]
            if self.memo is not None:
                walked[name] = self.memo.walk(self, module, lambda graph: _ModuleWalk(self, module, graph).walk())
            else:
                walked[name] = CallGraph()
                _ModuleWalk(self, module, walked[name]).walk()
            # Trees are the bulk of memory on a large repository: a module walked again in a
            # later round parses again, which is cheaper than keeping every tree.
            self.index.modules[name].release()
        return walked

    def _walk_in_processes(self, names: list[str], jobs: int) -> Optional[dict[str, CallGraph]]:
        global _FORKED_FINDER
        _FORKED_FINDER = self  # the children inherit the index by fork, nothing is pickled in
        # Many small chunks, largest modules first, handed out as workers free up: one big
        # chunk per worker left one worker idle for seconds while the other finished.
        by_size = sorted(names, key=lambda name: -len(self.index.modules[name].text))
        size = max(1, len(names) // (jobs * 16))
        chunks = [by_size[i : i + size] for i in range(0, len(by_size), size)]
        try:
            outcomes = map_in_processes(_walk_chunk, chunks, jobs)
        finally:
            _FORKED_FINDER = None
        if outcomes is None:
            return None
        walked: dict[str, CallGraph] = {}
        for learned in outcomes:
            walked.update(learned.graphs)
            if self.memo is not None:
                self.memo.took(learned.traces, learned.made)
            self.param_others |= learned.param_others
            for key, given in learned.param_keys.items():
                self.param_keys.setdefault(key, {}).update(given)
            for trainer, instance in learned.trainer_models.items():
                previous = self.trainer_models.get(trainer)
                self.trainer_models[trainer] = previous | instance if previous else instance
            for key, calls in learned.param_untraced.items():
                mine = self.param_untraced.setdefault(key, {})
                for where, why in calls.items():
                    if why:
                        mine[where] = why
                    else:
                        mine.pop(where, None)
            for key, instance in learned.param_types.items():
                previous = self.param_types.get(key)
                self.param_types[key] = previous | instance if previous else instance
            for function, instance in learned.return_types.items():
                previous = self.return_types.get(function)
                self.return_types[function] = previous | instance if previous else instance
        return walked


def _modules_spelling_each(modules: Iterable[ModuleSummary]) -> collections.Counter[str]:
    """Each identifier -> how many of ``modules`` spell it anywhere (code, strings, comments)."""
    counts: collections.Counter[str] = collections.Counter()
    for module in modules:
        counts.update(set(IDENTIFIER.findall(module.text)))
    return counts


PARALLEL_MIN_MODULES = 64
"""Below this many modules in a round, starting processes costs more than it saves."""
_FORKED_FINDER: Optional[CallSiteFinder] = None


_FORKED_WANTED: Optional[tuple[CallSiteFinder, Callable[[ModuleSummary], bool]]] = None


def _pick(finder: CallSiteFinder, wanted: Callable[[ModuleSummary], bool], names: list[str]) -> list[str]:
    return [name for name in names if wanted(finder.index.modules[name])]


def _wanted_chunk(names: list[str]) -> list[str]:
    assert _FORKED_WANTED is not None
    return _pick(*_FORKED_WANTED, names)


@dataclass
class _Learned:
    """What a chunk of modules walked in a child process taught the finder: the call graphs,
    and the facts that grew (the parent merges them; a round's facts only grow, except the
    per-call verdicts of ``param_untraced``, where "" says a call now passes a known model)."""

    graphs: dict[str, CallGraph]
    param_types: dict[tuple[str, str, str], Instance]
    return_types: dict[tuple[str, str], Instance]
    param_untraced: dict[tuple[str, str, str], dict[str, str]]
    trainer_models: dict[ClassKey, Instance]
    param_others: set[tuple[str, str, str]]
    param_keys: dict[tuple[str, str, str], dict[str, Optional[tuple[str, ...]]]]
    traces: dict[str, int | str] = field(default_factory=dict)
    """Module key -> the trace of its walk in this chunk (``RememberedWalks.last_walk``)."""
    made: int = 0
    """How many of the chunk's walks ran, not replayed."""


def _walk_chunk(names: list[str]) -> _Learned:
    finder = _FORKED_FINDER
    assert finder is not None
    start = dict(finder.param_types)
    start_returns = dict(finder.return_types)
    start_untraced = {key: dict(calls) for key, calls in finder.param_untraced.items()}
    start_trainers = dict(finder.trainer_models)
    start_others = set(finder.param_others)
    start_keys = {key: dict(calls) for key, calls in finder.param_keys.items()}
    made_before = finder.memo.walked if finder.memo is not None else 0
    walked = finder._walk(names)
    learned = _Learned(
        walked,
        {key: value for key, value in finder.param_types.items() if start.get(key) != value},
        {key: value for key, value in finder.return_types.items() if start_returns.get(key) != value},
        {
            key: {where: calls.get(where, "") for where in set(calls) | set(start_untraced.get(key, {}))}
            for key, calls in finder.param_untraced.items()
            if start_untraced.get(key) != calls
        },
        {key: value for key, value in finder.trainer_models.items() if start_trainers.get(key) != value},
        finder.param_others - start_others,
        {key: calls for key, calls in finder.param_keys.items() if start_keys.get(key) != calls},
    )
    if finder.memo is not None:
        learned.traces = {name: finder.memo.last_walk(name) for name in names}
        learned.made = finder.memo.walked - made_before
    return learned


class _ModuleWalk:
    def __init__(self, finder: CallSiteFinder, module: ModuleSummary, graph: CallGraph) -> None:
        self.finder = finder
        self.index = finder.walk_index()
        self.module = module
        self.graph = graph
        self._assignments: Optional[dict[str, list[ast.expr]]] = None
        self._registries: Optional[dict[str, ast.Dict]] = None
        self._unpacked: Optional[dict[str, set[tuple[str, int]]]] = None
        self._attributes: Optional[dict[str, list[tuple[str, Optional[ast.expr]]]]] = None
        self._init_stores: dict[str, list[ast.Name]] = {}
        self._private: dict[tuple[str, str], Optional[ast.FunctionDef]] = {}
        self._text_counts: Optional[tuple[collections.Counter[str], collections.Counter[str], collections.Counter[str]]] = None
        self._class_seals: dict[str, tuple[collections.Counter[str], bool]] = {}

    # --- resolution -------------------------------------------------------------------------
    def private_method(self, cls: Optional[ClassKey], name: str) -> Optional[ast.FunctionDef]:
        """The method ``name`` of ``cls`` (a class of this module), when the project only ever
        calls it as ``self.name(...)`` in this module and no subclass overrides it: every call
        of it is in sight, so what it is given and what it returns can be followed like a
        module function's. ``forward`` and dunders are called by the framework: never."""
        if cls is None or cls.module != self.module.key or name == "forward" or name.startswith("__"):
            return None
        key = (cls.name, name)
        if key not in self._private:
            self._private[key] = self._private_method(cls, name)
        return self._private[key]

    def text_counts(self) -> tuple[collections.Counter[str], collections.Counter[str], collections.Counter[str]]:
        """How often the module spells each identifier, calls ``self.name(``, defines ``def
        name(``: counted once a walk, the first time a method passes the project-wide test."""
        if self._text_counts is None:
            text = self.module.text
            self._text_counts = (
                collections.Counter(IDENTIFIER.findall(text)),
                collections.Counter(re.findall(r"\bself\.(\w+)\(", text)),
                collections.Counter(re.findall(r"\bdef (\w+)\(", text)),
            )
        return self._text_counts

    def _private_method(self, cls: ClassKey, name: str) -> Optional[ast.FunctionDef]:
        if name not in self.index.summary(cls).method_names or self.index.subclasses(cls):
            return None
        class_def = next((n for n in self.module.tree.body if isinstance(n, ast.ClassDef) and n.name == cls.name), None)
        method = next((n for n in class_def.body if isinstance(n, ast.FunctionDef) and n.name == name), None) if class_def else None
        if method is None or method.decorator_list:
            return None
        if self.finder.query(IndexQuery.SPELLED_BESIDE, name, self.module.key):
            return None  # named in a module that can reach this one: called, passed or overridden out of sight
        spelled, self_calls, definitions = self.text_counts()
        if definitions[name] != 1 or spelled[name] != 1 + self_calls[name]:
            return None  # named here other than by its `def` and `self.name(...)` calls
        # Every `self.name(` must be this class's own `self`: not a proxy class's, which reaches
        # the method through `__getattr__`, nor a subclass's made through an alias.
        calls_in_class, sealed = self.class_seal(cls.name, class_def)  # type: ignore[arg-type]  # class_def was found
        if not sealed or calls_in_class[name] != self_calls[name]:
            return None
        return method

    def class_seal(self, name: str, class_def: ast.ClassDef) -> tuple[collections.Counter[str], bool]:
        """The ``self.m(`` calls spelled inside the class's lines, by method; and whether its
        methods are reached only as its own: no ``getattr``/``__getattr__`` in the module, and the
        class named nowhere but where it is built (no alias, base or annotation). Read once a
        class, not once a method: a large module asks for each of its methods."""
        if name not in self._class_seals:
            text = self.module.text
            span = "\n".join(self.module.lines[class_def.lineno - 1 : class_def.end_lineno])
            besides = re.sub(rf"\bclass {re.escape(name)}\b", "", text)
            sealed = not re.search(r"\bgetattr\(|__getattr(?:ibute)?__", text) and not re.search(rf"\b{re.escape(name)}\b(?!\s*\()", besides)
            self._class_seals[name] = (collections.Counter(re.findall(r"\bself\.(\w+)\(", span)), sealed)
        return self._class_seals[name]

    def resolve(self, node: ast.AST) -> Optional[str]:
        name = dotted_name(node)
        return self.module.resolve(name) if name else None

    def class_of(self, node: ast.AST) -> Optional[ClassKey]:
        qualified = self.resolve(node)
        return self.index.class_key(qualified) if qualified else None

    def function_of(self, node: ast.AST) -> Optional[tuple[str, str]]:
        qualified = self.resolve(node)
        if not qualified:
            return None
        module, _, name = qualified.rpartition(".")
        summary = self.index.modules.get(module)
        if summary and name in summary.functions:
            return module, name
        target = summary.target(name) if summary else None
        if target:
            t_module, _, t_name = target.rpartition(".")
            t_summary = self.index.modules.get(t_module)
            if t_summary and t_name in t_summary.functions:
                return t_module, t_name
        return None

    def name_instance(self, node: ast.Name, scope: _Scope) -> Optional[Instance]:
        wrapped = scope.wrapped_at.get(node.id)
        if wrapped is not None and node.lineno > wrapped[0]:
            return wrapped[1]
        if wrapped is not None and node.lineno >= wrapped[2].lineno:
            return self.held_before(node.id, wrapped[2], scope)
        found = scope.lookup(node.id)
        if found is None and scope.imported_only(node.id):
            return self.imported_global(node.id)
        return found

    def instance_of(self, node: ast.AST, scope: _Scope) -> Optional[Instance]:
        if isinstance(node, ast.Name):
            return self.name_instance(node, scope)
        if isinstance(node, ast.Subscript):
            held = self.held_in_display(node, scope)
            return self.instance_of(held, scope) if held is not None else None
        if isinstance(node, ast.IfExp):
            left, right = self.instance_of(node.body, scope), self.instance_of(node.orelse, scope)
            if left and right:
                return left | right
            return left or right
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return self.self_attribute(node.attr, scope)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            # `runner.model`, where `runner = Runner(Net())` and Runner keeps it as `self.model`
            holder = self.instance_of(node.value, scope)
            if holder is not None and len(holder.classes) == 1 and not (holder.library or holder.wrapped or holder.untraced):
                (cls,) = holder.classes
                if cls.module == self.module.key and set(self.index.summary(cls).bases) <= {"object"}:
                    return self.attribute_of(cls, node.attr)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and scope.imported_only(node.value.id):
            return self.imported_global(f"{node.value.id}.{node.attr}")  # `import model` ... `model.MODEL`
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in INSTANCE_METHODS:
                inner = self.instance_of(func.value, scope)
                if inner is not None:
                    return inner
            key = self.class_of(func)
            if key is not None:
                return Instance(frozenset({key}))
            built = self.factory_class(func)
            if built is not None:
                return Instance(frozenset({built}))
            if isinstance(func, ast.Attribute):
                inner = self.instance_of(func.value, scope)
                if inner is not None and inner.classes and not inner.library and all(
                    func.attr in self.index.summary(k).self_returning for k in inner.classes
                ):
                    return inner  # `Net(name).get_model()`, where get_model returns self
            returned = self.returned(func, scope)
            if returned is not None:
                return returned
            library = self.library_model(func)
            if library is not None:
                return Instance(frozenset(), library=frozenset({library}))
            registered = self.registry_models(func)
            if registered:
                return Instance(frozenset(), library=registered)
            qualified = self.resolve(func)
            if qualified and node.args:
                return self.through_wrapper(qualified, node, scope)
        return None

    def returned(self, func: ast.expr, scope: _Scope) -> Optional[Instance]:
        """What calling ``func`` returns, when it is a module function or a private method whose
        returns are known."""
        function = self.function_of(func) or self.self_method(func, scope)
        return self.finder.read(StateRead.RETURN_TYPE, function) if function is not None else None

    def self_method(self, func: ast.expr, scope: _Scope) -> Optional[tuple[str, str]]:
        """``self.name`` in a method, for a private method (see ``private_method``): the key its
        parameters and returns are recorded under, ``(module, "Class.name")``."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            if self.private_method(scope.cls, func.attr) is not None:
                return (self.module.key, f"{scope.cls.name}.{func.attr}")  # type: ignore[union-attr]  # private_method ruled out None
        return None

    def through_wrapper(self, qualified: str, node: ast.Call, scope: _Scope) -> Optional[Instance]:
        """What ``wrapper(model, ...)`` holds when the wrapper hands its first argument on: a
        parallel wrapper, ``torch.compile``, a copy of a library model, a PEFT wrapper."""
        if _is_parallel_wrapper(qualified):
            inner = self.instance_of(node.args[0], scope)
            return Instance(inner.classes, True, inner.library, bare=False) if inner else None
        if qualified in TRANSPARENT_WRAPPERS:
            return self.instance_of(node.args[0], scope)
        if qualified in LIBRARY_COPIES:
            inner = self.instance_of(node.args[0], scope)
            return inner if inner is not None and inner.library and not inner.classes else None
        if is_peft_wrapper(qualified):
            # PEFT hands the batch's keywords, labels included, to the library model it
            # wraps. A module of the project it wraps is left untraced as before: a
            # task-specific PeftModel calls it with keywords of its own choosing.
            inner = self.instance_of(node.args[0], scope)
            if inner is not None and inner.library and not inner.classes:
                return Instance(frozenset(), library=inner.library)
        return None

    def held_before(self, name: str, wrapping: ast.Assign, scope: _Scope) -> Optional[Instance]:
        """What ``name`` is given as inside ``model = Net(encoder=model)``: what its other
        bindings hold, not the wrapper it is about to become. None if one is not a model we know."""
        values = scope.values.get(name, [])
        others = [value for value in values if value is not wrapping.value]
        if not others or any(value is None for value in others) or name in scope.params:
            return None
        held: Optional[Instance] = None
        for value in others:
            assert value is not None
            inst = self.instance_of(value, scope)
            if inst is None:
                return None
            held = inst if held is None else held | inst
        return held

    def constructed_with_init(self, qualified: str) -> Optional[tuple[ClassKey, InitSummary]]:
        """The project class a call of ``qualified`` constructs and its own ``__init__``, when
        some argument can be followed there: no subclass can run that ``__init__`` with other
        arguments, and it keeps a parameter as ``self.X``."""
        key = self.index.class_key(qualified) if qualified else None
        init = self.constructed_init(key) if key is not None else None
        return (key, init) if key is not None and init is not None and init.kept else None

    def init_parameter(self, cls: ClassKey, param: str) -> Optional[Instance]:
        """What constructions of ``cls`` pass its ``__init__``'s ``param`` (see ``flow``)."""
        key = (cls.module, init_function(cls), param)
        flowed = self.finder.read(StateRead.PARAM_TYPE, key)
        untraced = next(iter(sorted(self.finder.read(StateRead.UNTRACED, key).values())), None)
        if untraced is not None:
            return flowed | Instance(frozenset(), untraced=untraced) if flowed else Instance(frozenset(), untraced=untraced)
        return flowed if flowed is not None and flowed.known else None

    def factory_class(self, func: ast.expr) -> Optional[ClassKey]:
        """``Tagger.load_from_checkpoint``, ``Net.from_pretrained``: the project class a library
        factory builds, when the class inherits the factory from that library (see
        ``CLASS_FACTORIES``) and no class of the project on the way defines it."""
        if not (isinstance(func, ast.Attribute) and func.attr in CLASS_FACTORIES):
            return None
        key = self.class_of(func.value)
        if key is None:
            return None
        return key if self.index.inherits_library_method(key, func.attr, CLASS_FACTORIES[func.attr]) else None

    def imported_global(self, dotted: str) -> Optional[Instance]:
        qualified = self.module.resolve(dotted)
        module, _, name = qualified.rpartition(".")
        if module == self.module.key or module not in self.index.modules:
            return None
        return self.finder.module_global(module, name)

    def is_library_trainer(self, qualified: str, depth: int = 0) -> bool:
        """Hugging Face's ``Trainer`` (or TRL's), or a repo class derived from one: what calls
        ``model(**inputs)`` with labels itself. A class of the user's that happens to be named
        ``...Trainer`` is not one."""
        if not qualified.rpartition(".")[2].endswith(TRAINER_SUFFIXES) or depth > 10:
            return False
        if qualified.startswith(TRAINER_PACKAGES):
            return True
        key = self.index.class_key(qualified)
        return key is not None and any(self.is_library_trainer(b, depth + 1) for b in self.index.summary(key).bases)

    def library_model(self, func: ast.expr) -> Optional[str]:
        """``BertForMaskedLM(config)``, ``AutoModelForCausalLM.from_pretrained(...)``: the
        qualified class, for a class of a model library."""
        if isinstance(func, ast.Attribute) and func.attr in LIBRARY_CONSTRUCTORS:
            func = func.value
        qualified = self.resolve(func)
        if qualified and qualified.startswith(LIBRARY_MODEL_PACKAGES):
            name = qualified.rpartition(".")[2]
            if name[:1].isupper() and ("Model" in name or "For" in name):
                return qualified
        return None

    def registry_models(self, func: ast.expr) -> frozenset[str]:
        """``MODEL_CLASSES[name][1].from_pretrained(...)``, or ``model_class.from_pretrained``
        after ``config_class, model_class, tokenizer_class = MODEL_CLASSES[name]``: a module-level
        dict of tuples whose entries at that place are all transformers model classes."""
        if isinstance(func, ast.Attribute) and func.attr in LIBRARY_CONSTRUCTORS:
            func = func.value
        if not self.registries():
            return frozenset()  # most modules have none: spare the search below
        found = self.registry_place(func)
        if found is None:
            return frozenset()
        registry, place = found
        table = self.registries().get(registry)
        if table is None:
            return frozenset()
        models = set()
        for entry in table.values:
            if not isinstance(entry, ast.Tuple) or place >= len(entry.elts):
                return frozenset()
            qualified = self.library_model(entry.elts[place])
            if qualified is None:
                return frozenset()
            models.add(qualified)
        return frozenset(models)

    def registries(self) -> dict[str, ast.Dict]:
        """Module-level ``NAME = {key: (A, B, ...), ...}``: dicts whose every value is a tuple."""
        if self._registries is None:
            self._registries = {}
            if "(" in self.module.text and "{" in self.module.text:
                for node in module_level_definitions(self.module.tree.body):
                    if (
                        isinstance(node, ast.Assign)
                        and len(node.targets) == 1
                        and isinstance(node.targets[0], ast.Name)
                        and isinstance(node.value, ast.Dict)
                        and node.value.values
                        and all(isinstance(v, ast.Tuple) for v in node.value.values)
                    ):
                        self._registries[node.targets[0].id] = node.value
        return self._registries

    def registry_place(self, node: ast.expr) -> Optional[tuple[str, int]]:
        """(registry name, place in its tuples) for ``R[key][i]``, or for a name unpacked from
        ``R[key]`` or bound to ``R[key][i]`` (bound once in the module)."""
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Subscript)
            and isinstance(node.value.value, ast.Name)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, int)
        ):
            return node.value.value.id, node.slice.value
        if not isinstance(node, ast.Name):
            return None
        single = self.single_assignment(node.id)
        if single is not None:
            return self.registry_place(single) if isinstance(single, ast.Subscript) else None
        if self._unpacked is None:  # one walk per module: `a, b = R[key]` -> a: (R, 0), b: (R, 1)
            self._unpacked = {}
            for assign in ast.walk(self.module.tree):
                if (
                    isinstance(assign, ast.Assign)
                    and len(assign.targets) == 1
                    and isinstance(assign.targets[0], ast.Tuple)
                    and isinstance(assign.value, ast.Subscript)
                    and isinstance(assign.value.value, ast.Name)
                ):
                    for place, element in enumerate(assign.targets[0].elts):
                        if isinstance(element, ast.Name):
                            self._unpacked.setdefault(element.id, set()).add((assign.value.value.id, place))
        places = self._unpacked.get(node.id, set())
        return next(iter(places)) if len(places) == 1 else None

    def self_attribute(self, attr: str, scope: _Scope) -> Optional[Instance]:
        return self.attribute_of(scope.cls, attr) if scope.cls is not None else None

    def attribute_of(self, cls: ClassKey, attr: str) -> Optional[Instance]:
        """What ``self.attr`` holds in a method of a class of this module: every ``self.attr =
        ...`` of its methods and of its subclasses' (``self`` may be one of theirs, in any
        module), and of every class whose base cannot be named (``class B(Base)`` with ``Base =
        Runner``: it may be one of them); None when one of them is not a model we know."""
        found = self.own_attribute(cls, attr)
        if found is UNKNOWN or found is NOT_STORED:
            # Not stored by the class itself: untraced there, whatever a subclass stores (and
            # no subclass need be read: most attributes a large project reads are of this kind).
            return None
        found = self.finder.with_subclasses(cls, attr, found)
        # Sorted: with a cycle of bases the memo's placeholder makes the join order-dependent,
        # and a set's order differs between runs.
        for other in sorted(self.finder.query(IndexQuery.OPAQUE_STORES, attr) - {cls}, key=lambda key: key.qualified):
            # A class whose base cannot be named may be a subclass: what it stores joins in.
            if found is UNKNOWN:
                break
            held = self.finder.subclass_attribute(other, attr)
            found = UNKNOWN if held is UNKNOWN else found if held is NOT_STORED else found | held
        return None if found is UNKNOWN else found

    def own_attribute(self, cls: ClassKey, attr: str) -> Instance:
        """What ``self.attr = ...`` in the class's own methods store: ``NOT_STORED`` when none
        does, ``UNKNOWN`` when one stores what is not a model we know."""
        found: Instance = NOT_STORED
        class_scope = _Scope(None, None)
        kept = self.kept_parameters(cls)
        for name, value in self.class_attributes(cls.name):
            if name == attr:
                if value is not None and id(value) in kept:
                    inst = self.init_parameter(cls, kept[id(value)])
                elif isinstance(value, ast.Call) and (method := self.self_method(value.func, _Scope(None, cls))) is not None:
                    # `self.model = self._build()`: what the private method returns. Its
                    # module is walked again when that return is learned (`run`).
                    inst = self.finder.read(StateRead.RETURN_TYPE, method)
                else:
                    inst = self.instance_of(value, class_scope) if value is not None else None
                if inst is None:
                    return UNKNOWN
                found = inst if found is NOT_STORED else found | inst
        return found

    def kept_parameters(self, cls: ClassKey) -> dict[int, str]:
        """The values of ``self.X = param`` in ``cls.__init__`` whose ``param`` it keeps (see
        ``InitSummary.kept``): id of the value -> the parameter, when constructions of the class
        can be followed into it."""
        if cls.module != self.module.key or self.constructed_init(cls) is None:
            return {}
        init = self.index.summary(cls).init
        assert init is not None
        self.class_attributes(cls.name)  # reads the module's classes once
        return {id(value): value.id for value in self._init_stores.get(cls.name, []) if value.id in init.kept}

    def constructed_init(self, cls: ClassKey) -> Optional[InitSummary]:
        init = self.index.summary(cls).init
        return None if init is None or self.index.subclasses(cls) else init

    def class_attributes(self, name: str) -> list[tuple[str, Optional[ast.expr]]]:
        """What the class of this module the index knows as ``name`` assigns to ``self.X``."""
        if self._attributes is None:
            self._attributes = {}
            for node in module_level_definitions(self.module.tree.body):
                if isinstance(node, ast.ClassDef) and node.name not in self._attributes:
                    self._attributes[node.name] = self_attribute_values(node)
                    self._init_stores[node.name] = init_stores(node)
        return self._attributes.get(name, [])

    # --- walking ----------------------------------------------------------------------------
    def walk(self) -> None:
        tree = self.module.tree
        scope = _Scope(None, None)
        scope.body = tree.body
        nodes = _scope_nodes(tree.body)
        self.bind_block(nodes, scope)
        self.graph.model_globals = sorted(name for name, held in scope.names.items() if name not in scope.unknown and held.known)
        self.bind_wrapping(tree.body, scope)
        self.check_constructions(nodes)
        self.visit_block(nodes, scope)

    def bind_block(self, nodes: list[ast.AST], scope: _Scope) -> None:
        """Collect the scope's bindings first: a flow-insensitive view of what names hold."""
        for node in nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self.bind_target(target, node.value, scope)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                scope.bound.add(node.target.id)
                key = self.annotation_class(node.annotation)
                inst = Instance(frozenset({key})) if key else None
                if node.value is not None:
                    inst = self.instance_of(node.value, scope) or inst
                if inst:
                    scope.names[node.target.id] = inst
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                for name in _target_names(node.target):
                    scope.bound.add(name)
                    scope.unknown.add(name)
                    scope.other_bindings.add(name)
                batch_name, iterable = _batch_variable(node.target, node.iter)
                if batch_name is not None:
                    keys = self.loader_keys(iterable, scope)
                    if keys is not None:
                        scope.dict_keys[batch_name] = keys
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scope.bound.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    scope.bound.add((alias.asname or alias.name).split(".")[0])
                    scope.imported.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        scope.other_bindings.update(_target_names(item.optional_vars))
                        scope.bound.update(_target_names(item.optional_vars))
                        scope.unknown.update(_target_names(item.optional_vars))
            elif isinstance(node, ast.Subscript):
                # `batch["labels"]` read, or `inputs["labels"] = y` set: that dict carries labels.
                if (
                    isinstance(node.value, ast.Name)
                    and isinstance(node.slice, ast.Constant)
                    and node.slice.value == LABELS_PARAM
                ):
                    scope.labelled.add(node.value.id)

    def bind_wrapping(self, body: list[ast.stmt], scope: _Scope) -> None:
        """``model = AutoModel.from_pretrained(...)`` then ``model = Net(encoder=model)``: the
        name is rebound to a repo model wrapping what it held. Lines of the same body below
        the rebinding run after it, so there the name holds the wrapper only."""
        for statement in body:
            if not (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Call)
            ):
                continue
            name = statement.targets[0].id
            call = statement.value
            key = self.class_of(call.func)
            passed = [*call.args, *(k.value for k in call.keywords)]
            if key is None or not any(isinstance(a, ast.Name) and a.id == name for a in passed):
                continue
            end = statement.end_lineno or statement.lineno
            holds = Instance(frozenset({key}))
            for later_statement in body:
                if later_statement.lineno <= end:
                    continue
                for node in ast.walk(later_statement):
                    if not (isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)):
                        continue
                    parallel = self.rewrapping(node, name, later_statement)
                    if parallel is None:
                        break
                    if parallel:  # `model = nn.DataParallel(model)`, maybe under an `if`
                        holds = holds | Instance(frozenset({key}), wrapped=True, bare=False)
                else:
                    continue
                break
            else:
                scope.wrapped_at[name] = (end, holds, statement)

    def rewrapping(self, store: ast.Name, name: str, statement: ast.stmt) -> Optional[bool]:
        """A later binding of ``name`` that keeps the same model: True for a parallel wrapper
        (``model = nn.DataParallel(model)``), False for ``model = model.to(device)``; None
        for any other binding."""
        for node in ast.walk(statement):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and node.targets[0] is store):
                continue
            value = node.value
            if not isinstance(value, ast.Call):
                return None
            func = value.func
            if isinstance(func, ast.Attribute) and func.attr in INSTANCE_METHODS and isinstance(func.value, ast.Name) and func.value.id == name:
                return False
            qualified = self.resolve(func) or ""
            if value.args and isinstance(value.args[0], ast.Name) and value.args[0].id == name:
                if _is_parallel_wrapper(qualified):
                    return True
                if qualified in TRANSPARENT_WRAPPERS:
                    return False
        return None

    def bind_target(self, target: ast.expr, value: ast.expr, scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            scope.bound.add(target.id)
            scope.values.setdefault(target.id, []).append(value)
            inst = self.instance_of(value, scope)
            if inst is not None:
                previous = scope.names.get(target.id)
                scope.names[target.id] = previous | inst if previous else inst
            elif not (isinstance(value, ast.Constant) and value.value is None):
                # `MODEL = None` (a fallback, a placeholder before `MODEL = Net()`) holds no
                # model: a call through it raises before and after a rewrite alike.
                scope.unknown.add(target.id)
            keys = _dict_keys(value)
            source = _dict_copy_source(value)
            if keys is None and source is not None:  # `b = dict(batch)`: batch's keys, copied
                keys, labelled = scope.keys_of(source)
                if labelled:
                    scope.labelled.add(target.id)
            if keys is not None:
                scope.dict_keys[target.id] = keys
            if _is_tokenizer_call(value):
                scope.tokenized.add(target.id)
            else:
                scope.other_bindings.add(target.id)
        elif (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
            and not any(isinstance(e, ast.Starred) for e in target.elts + value.elts)
        ):
            for element, element_value in zip(target.elts, value.elts):  # `a, b = A(), B()`
                self.bind_target(element, element_value, scope)
        elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            function = self.function_of(value.func) if isinstance(value, ast.Call) else None
            unpacked = [] if isinstance(target, ast.Starred) or any(isinstance(e, ast.Starred) for e in target.elts) else target.elts
            for place, element in enumerate(unpacked):
                inst = self.finder.read(StateRead.RETURN_TYPE, (function[0], f"{function[1]}#{place}")) if function else None
                if inst is not None and isinstance(element, ast.Name):  # `model, tok = load(...)`
                    scope.bound.add(element.id)
                    previous = scope.names.get(element.id)
                    scope.names[element.id] = previous | inst if previous else inst
            for name in _target_names(target):
                scope.values.setdefault(name, []).append(None)
                if name not in scope.names:
                    scope.bound.add(name)
                    scope.unknown.add(name)

    def annotation_class(self, annotation: Optional[ast.expr]) -> Optional[ClassKey]:
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(annotation, ast.Subscript) and dotted_name(annotation.value) in (
            "Optional",
            "typing.Optional",
        ):
            annotation = annotation.slice
        return self.class_of(annotation)

    def loader_keys(self, iterable: ast.expr, scope: _Scope) -> Optional[tuple[str, ...]]:
        """Keys of the batches a ``DataLoader(..., collate_fn=f)`` yields, when ``f`` builds a
        dict literal in the repo."""
        if "collate_fn" not in self.module.text:
            return None  # the keyword is spelled out or there is nothing to find: spare a module walk
        loader: Optional[ast.expr] = iterable
        if isinstance(loader, ast.Call) and dotted_name(loader.func) in ("tqdm", "tqdm.tqdm", "tqdm.auto.tqdm"):
            loader = loader.args[0] if loader.args else None
        if isinstance(loader, ast.Name):
            loader = self.single_assignment(loader.id)
        if not isinstance(loader, ast.Call) or self.resolve(loader.func) not in DATALOADERS:
            return None
        collate = next((k.value for k in loader.keywords if k.arg == "collate_fn"), None)
        if collate is None:
            return None
        function = self.function_of(collate)
        if function is None:
            return None
        summary = self.index.modules[function[0]]
        for node in summary.tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == function[1]:
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Return) and sub.value is not None:
                        keys = _dict_keys(sub.value)
                        if keys is not None:
                            return keys
        return None

    def single_assignment(self, name: str) -> Optional[ast.expr]:
        if self._assignments is None and not re.search(rf"\b{re.escape(name)}\s*=[^=]", self.module.text):
            return None  # no assignment to it at all: spare a walk of the whole module
        if self._assignments is None:
            self._assignments = {}
            for node in ast.walk(self.module.tree):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    self._assignments.setdefault(node.targets[0].id, []).append(node.value)
        values = self._assignments.get(name, [])
        return values[0] if len(values) == 1 else None

    def check_constructions(self, nodes: list[ast.AST], returns_followed: bool = False, scope: Optional[_Scope] = None) -> None:
        """Each ``C(...)`` of a repo class must land where the analysis follows it: assigned to
        a name or ``self.X`` (through ``.to()``, wrappers, ``x if c else y``), or handed to a
        repo function or a Trainer. Anywhere else (called on the spot, put in a list, returned)
        its calls are out of sight, and the class is recorded as untracked."""
        if not self.finder.read(StateRead.WATCHING, ""):
            return
        built = [
            (node, key)
            for node in nodes
            if isinstance(node, ast.Call)
            for key in self.built_classes(node.func)
            if self.finder.read(StateRead.WATCHED, key)
        ]
        if not built:
            return
        followed: set[int] = set()
        for node in nodes:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
                # `Net(name).get_tokenizer()`: a method that keeps `self` to itself, and the
                # instance is dropped after it.
                classes = self.built_classes(node.func.value.func)
                if classes and all(self.index.confines_self(k, node.func.attr) for k in classes):
                    followed.add(id(node.func.value))
            if isinstance(node, ast.Call):
                qualified = self.resolve(node.func) or ""
                private = scope is not None and self.self_method(node.func, scope) is not None
                if self.function_of(node.func) is not None or private or self.is_library_trainer(qualified):
                    for value in [*node.args, *(k.value for k in node.keywords)]:
                        self.follow_value(value, followed)
                constructed = self.constructed_with_init(qualified)
                if constructed is not None:
                    init = constructed[1]
                    slots: list[tuple[int | str, ast.expr]] = [*enumerate(node.args), *((k.arg, k.value) for k in node.keywords if k.arg)]
                    for slot, value in slots:
                        if not isinstance(value, ast.Starred) and init.parameter(slot) in init.kept:
                            self.follow_value(value, followed)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    self.follow_target(target, node.value, followed)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                self.follow_target(node.target, node.value, followed)
            elif isinstance(node, ast.Return) and node.value is not None and returns_followed:
                # The function's callers are followed (see record_returns).
                for value in node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]:
                    self.follow_value(value, followed)
        for call, key in built:
            if id(call) not in followed:
                where = f"{self.module.display_path}:{call.lineno}"
                self.graph.untracked.append((key, where))

    def returns_self(self, func: ast.Attribute) -> bool:
        """``Net(...).get_model()``: a method that returns ``self``, called on a construction."""
        inner = func.value
        if not isinstance(inner, ast.Call):
            return False
        classes = self.built_classes(inner.func)
        return bool(classes) and all(func.attr in self.index.summary(k).self_returning for k in classes)

    def built_classes(self, func: ast.expr) -> frozenset[ClassKey]:
        """The repo classes a call makes: a class's constructor, or a repo function that
        returns a model (``get_model()``)."""
        key = self.class_of(func)
        if key is not None:
            return frozenset({key})
        if isinstance(func, (ast.Name, ast.Attribute)):
            function = self.function_of(func)
            returned: Optional[Instance] = self.finder.read(StateRead.RETURN_TYPE, function) if function is not None else None
            if returned is not None:
                return returned.classes
        return frozenset()

    def follow_target(self, target: ast.expr, value: ast.expr, followed: set[int]) -> None:
        if (
            isinstance(target, ast.Name)
            and isinstance(value, (ast.Dict, ast.List, ast.Tuple))
            and any(isinstance(part, ast.Call) and self.built_classes(part.func) for part in ast.walk(value))
            and target.id in self.read_by_key_only()
        ):
            # `models = {"a": Net()}` / `[Net()]`, read as `models["a"]` / `models[0]` only
            for stored in value.values if isinstance(value, ast.Dict) else value.elts:
                self.follow_value(stored, followed)
        elif isinstance(target, ast.Name) or (
            isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
        ):
            self.follow_value(value, followed)
        elif isinstance(target, ast.Attribute):
            # `cls._instance.model = Net(...)`: called later as `anything.model(...)`, which a
            # rule may accept by looking at every such call (see CallGraph.attribute_stores).
            before = set(followed)
            self.follow_value(value, followed)
            for call in ast.walk(value):
                if isinstance(call, ast.Call) and id(call) in followed - before:
                    for key in self.built_classes(call.func):
                        where = f"{self.module.display_path}:{call.lineno}"
                        self.graph.attribute_stores.append((key, target.attr, where))
        elif (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
        ):
            for element, element_value in zip(target.elts, value.elts):
                self.follow_target(element, element_value, followed)

    def held_in_display(self, node: ast.Subscript, scope: _Scope) -> Optional[ast.expr]:
        """``models["a"]`` / ``models[0]``, where ``models`` is bound once, to a dict display with
        string keys or a list or tuple display, and every other mention of the name in the
        module reads one constant key: what the display holds there. Anything else (a second
        binding, a store, ``append``, a loop over it, passing it on) may change what it holds."""
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if not isinstance(node.value, ast.Name) or not isinstance(key, (str, int)) or isinstance(key, bool):
            return None
        name = node.value.id
        owner: Optional[_Scope] = scope
        while owner is not None and name not in owner.bound:
            owner = owner.parent
        values = owner.values.get(name, []) if owner is not None else []
        if len(values) != 1 or not isinstance(values[0], (ast.Dict, ast.List, ast.Tuple)) or name not in self.read_by_key_only():
            return None
        display = values[0]
        if isinstance(display, (ast.List, ast.Tuple)) and isinstance(key, int):
            if any(isinstance(e, ast.Starred) for e in display.elts) or not 0 <= key < len(display.elts):
                return None
            return display.elts[key]
        if not isinstance(display, ast.Dict) or not isinstance(key, str):
            return None
        if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in display.keys):
            return None  # `**other` or a computed key: which value a key holds is not read here
        stored = [v for k, v in zip(display.keys, display.values) if k.value == key]  # type: ignore[union-attr]  # every key is a str Constant: checked just above
        return stored[-1] if stored else None

    def read_by_key_only(self) -> set[str]:
        """Names of this module mentioned once as a plain assignment's target and otherwise
        only as ``name["key"]`` or ``name[0]`` read with a constant key."""
        cached = self.finder.read_by_key.get(self.module.key)
        if cached is None:  # the module's text never changes in a run: read once
            stored: dict[str, int] = {}
            keyed: set[int] = set()
            other: set[str] = set()
            for node in ast.walk(self.module.tree):
                if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name):
                    if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, (str, int)):
                        keyed.add(id(node.value))
                elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    stored[node.targets[0].id] = stored.get(node.targets[0].id, 0) + 1
                    keyed.add(id(node.targets[0]))
                elif isinstance(node, (ast.Global, ast.Nonlocal)):
                    other.update(node.names)
            for node in ast.walk(self.module.tree):
                if isinstance(node, ast.Name) and id(node) not in keyed:
                    other.add(node.id)
            cached = self.finder.read_by_key[self.module.key] = {name for name, count in stored.items() if count == 1} - other
        return cached

    def follow_value(self, value: ast.expr, followed: set[int]) -> None:
        """Mark the constructions whose instance ``value`` is, as ``instance_of`` reads it."""
        stack = [value]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.IfExp):
                stack += [node.body, node.orelse]
            elif isinstance(node, ast.NamedExpr):
                stack.append(node.value)
            elif isinstance(node, ast.Call):
                func = node.func
                if self.built_classes(func):
                    followed.add(id(node))
                elif isinstance(func, ast.Attribute) and (func.attr in INSTANCE_METHODS or self.returns_self(func)):
                    stack.append(func.value)
                elif node.args and _is_wrapper(self.resolve(func) or ""):
                    stack.append(node.args[0])

    def visit_block(self, nodes: list[ast.AST], scope: _Scope) -> None:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.visit_function(node, scope, scope.cls)
            elif isinstance(node, ast.ClassDef):
                key = (
                    ClassKey(self.module.key, node.name)
                    if scope.parent is None and node.name in self.module.classes
                    else None
                )
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self.visit_function(item, scope, key, method=True)
            elif isinstance(node, ast.Call):
                self.visit_call(node, scope)

    def visit_function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        parent: _Scope,
        cls: Optional[ClassKey],
        method: bool = False,
    ) -> None:
        scope = _Scope(parent, cls if method else parent.cls)
        scope.body = node.body
        args = node.args
        all_args = args.posonlyargs + args.args + args.kwonlyargs
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                scope.bound.add(extra.arg)
        trainer_model = self.trainer_model(cls) if method else None
        # A private method's every call is in sight: it learns its parameters and gives its
        # returns as a module function does, under "Class.method".
        private = method and isinstance(node, ast.FunctionDef) and cls is not None and self.private_method(cls, node.name) is node
        function_name = f"{cls.name}.{node.name}" if private and cls is not None else node.name
        for place, arg in enumerate(all_args):
            scope.bound.add(arg.arg)
            if method and place == 0:
                continue  # `self`
            key = self.annotation_class(arg.annotation)
            if key is not None:
                scope.names[arg.arg] = Instance(frozenset({key}))
                continue
            if arg.annotation is not None and self.annotated_other(arg.annotation):
                continue  # `feature_processor: transforms.Compose`: the user's word that it is no model
            if trainer_model is not None and arg.arg == "model":
                flowed: Optional[Instance] = trainer_model
            elif method and node.name == "__init__" and cls is not None and self.constructed_init(cls) is not None:
                flowed = self.init_parameter(cls, arg.arg)
            elif method and not private:
                flowed = None
                scope.unfollowed.add(arg.arg)
            else:
                flowed = self.finder.read(StateRead.PARAM_TYPE, (self.module.key, function_name, arg.arg))
                untraced = next(iter(sorted(self.finder.read(StateRead.UNTRACED, (self.module.key, function_name, arg.arg)).values())), None)
                if untraced is not None:
                    flowed = flowed | Instance(frozenset(), untraced=untraced) if flowed else Instance(frozenset(), untraced=untraced)
            if flowed is not None and flowed.known:
                scope.names[arg.arg] = flowed
            elif flowed is None and (not method or private) and self.finder.read(StateRead.OTHER, (self.module.key, function_name, arg.arg)):
                continue  # every visible call passes something known to be no model
            elif flowed is not None and flowed.untraced:
                scope.params[arg.arg] = f"`{arg.arg}` is a parameter, and {flowed.untraced}"
            else:
                scope.params[arg.arg] = f"`{arg.arg}` is a parameter no visible call passes a model to"
        nodes = _scope_nodes(node.body)
        self.bind_block(nodes, scope)
        if not method:
            self.bind_passed_dicts(node, scope)
        self.bind_wrapping(node.body, scope)
        module_level = not method and parent.parent is None and self.module.functions.get(node.name) is not None
        self.check_constructions(nodes, returns_followed=module_level or private, scope=scope)
        self.visit_block(nodes, scope)
        self.record_returns(node, nodes, scope, module_level or private, function_name)

    def annotated_other(self, annotation: ast.expr) -> bool:
        """An annotation naming a type no model of the project is (not ``nn.Module``, ``Any``,
        ``Callable`` or a base of the project's models)."""
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return False
        qualified = self.resolve(annotation) or ""
        if not qualified or qualified.rpartition(".")[2] in MODEL_CAPABLE_TYPES or self.index.resolves(qualified):
            return False
        return self.known_other(annotation) or qualified in ("str", "int", "float", "bool", "dict", "list", "tuple")

    def trainer_model(self, cls: Optional[ClassKey]) -> Optional[Instance]:
        """For a method of a ``Trainer`` subclass of the project: what its ``model`` parameter
        receives, i.e. what its constructions are given (none seen: nothing is known)."""
        if cls is None or not self.is_library_trainer(cls.qualified):
            return None
        given: Optional[Instance] = self.finder.read(StateRead.TRAINER, cls)
        return given if given is not None else Instance(frozenset(), untraced=f"no construction of `{cls.name}` is seen")

    def record_returns(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST], scope: _Scope, module_level: bool, name: str = ""
    ) -> None:
        """What a module-level function returns, when every value it returns is a model we
        know (``return Net(...)``), or every return is a tuple with a known model at some place
        (``return model, tokenizer``): its callers then hold that model. A model returned where
        that cannot be said (by a method, beside other values, inside a list) escapes the
        analysis: its class is untracked."""
        returns = [n for n in nodes if isinstance(n, ast.Return) and n.value is not None]
        if not returns:
            return
        values = [r.value for r in returns]
        if module_level and all(isinstance(v, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in v.elts) for v in values):
            sizes = {len(v.elts) for v in values}  # type: ignore[union-attr]  # every value is a Tuple: checked just above
            if len(sizes) == 1:
                for place in range(sizes.pop()):
                    self.record_return(name or node.name, [v.elts[place] for v in values], returns, scope, f"#{place}")  # type: ignore[union-attr]  # likewise
                return
        if module_level:
            self.record_return(name or node.name, values, returns, scope, "")  # type: ignore[arg-type]  # returns with a value only: none is None
            return
        for ret in returns:
            self.escape(ret.value, ret, scope)  # type: ignore[arg-type]  # likewise

    def record_return(self, name: str, values: list[ast.expr], returns: list[ast.Return], scope: _Scope, place: str) -> None:
        instances = [self.instance_of(v, scope) for v in values]
        known = [i for i in instances if i is not None]
        if known and len(known) == len(instances):
            union = known[0]
            for other in known[1:]:
                union = union | other
            key = (self.module.key, name + place)
            self.finder.change(StateChange.JOIN_RETURN, key, union)
            return
        for value, ret in zip(values, returns):
            self.escape(value, ret, scope)

    def escape(self, value: ast.expr, ret: ast.Return, scope: _Scope) -> None:
        """A returned value (or a part of a returned tuple, list or dict) that is a model of a
        watched class: its calls are out of sight."""
        parts = [value]
        while parts:
            part = parts.pop()
            if isinstance(part, (ast.Tuple, ast.List, ast.Set)):
                parts += part.elts
                continue
            if isinstance(part, ast.Dict):
                parts += [v for v in part.values if v is not None]
                continue
            inst = self.instance_of(part, scope)
            for cls in inst.classes if inst is not None else ():
                if self.finder.read(StateRead.WATCHED, cls):
                    self.graph.untracked.append((cls, f"{self.module.display_path}:{ret.lineno}"))

    def visit_call(self, node: ast.Call, scope: _Scope) -> None:
        func = node.func
        receiver: Optional[ast.expr] = None
        via = CallVia.CALL
        inst: Optional[Instance] = None
        if isinstance(func, ast.Name) and func.id == "self" and scope.cls is not None:
            inst, via, receiver = Instance(frozenset({scope.cls})), CallVia.SELF, func
        elif isinstance(func, ast.Attribute) and func.attr == "forward":
            receiver, via = func.value, CallVia.FORWARD
            if isinstance(receiver, ast.Name) and receiver.id == "self" and scope.cls is not None:
                inst = Instance(frozenset({scope.cls}))
            else:
                inst = self.instance_of(receiver, scope)
        elif isinstance(func, (ast.Name, ast.Attribute, ast.Subscript)):
            receiver = func  # whatever `instance_of` reads a model in is a call of it
            inst = self.instance_of(func, scope)
        if inst is not None and receiver is not None:
            self.graph.sites.append(self.site(node, receiver, via, inst, scope))
            if inst.wrapped:
                self.graph.wrapped_classes.update(inst.classes)
        elif receiver is not None and via is CallVia.CALL:
            why = self.untraced_receiver(receiver, scope)
            if why is not None:
                site = self.site(node, receiver, via, Instance(frozenset(), untraced=why), scope, inferred=True)
                self.graph.unresolved.append(site)
                self.graph.untraced_receivers[(site.display_path, site.line, site.column)] = why
        self.flow(node, scope)

    def labels_at(self, call: ast.Call, name: str, scope: _Scope) -> LabelsAtCall:
        """Labels in ``**name`` at ``call``, as the dict's changes in this scope tell; a change
        in an enclosing scope cannot be ordered with the call."""
        state = labels_at(call, name, scope.body)
        outer = scope.parent
        while outer is not None and name not in scope.bound:
            if changes_of(name, outer.body):
                return LabelsAtCall.UNKNOWN
            if name in outer.bound:
                break
            outer = outer.parent
        return state

    def untraced_receiver(self, receiver: ast.expr, scope: _Scope) -> Optional[str]:
        """Why the value called here is not traced, when it could be a model: a parameter
        nobody visibly passes one to, a name also bound to what the analysis cannot follow, a
        ``self.`` attribute of unknown origin. None for what is known not to be one (a class,
        a function, an import)."""
        if isinstance(receiver, ast.Name):
            name = receiver.id
            if name == "self":
                return None
            param = scope.param_reason(name)
            if param is not None:
                return param
            if self.module.target(name) is not None or name in self.module.classes or name in self.module.functions:
                return None
            if self.registry_models(receiver) or self.bound_to_other(name, scope):
                return None  # `model_class(config)` from a table of library classes; `act = nn.ReLU()`
            if name in ("model", "net") or any(word in name.lower() for word in MODEL_LIKE_WORDS):
                return f"`{name}` is bound to something the analysis cannot follow"
            return None
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
            if receiver.value.id == "self" and any(w in receiver.attr.lower() for w in MODEL_LIKE_WORDS):
                values = [value for name, value in self.class_attributes(scope.cls.name) if name == receiver.attr] if scope.cls else []
                if values and all(value is not None and self.known_other(value) for value in values):
                    return None  # `self.encoder = nn.TransformerEncoder(...)` wherever it is set
                return f"`self.{receiver.attr}` is set to something the analysis cannot follow"
        return None

    def known_other(self, value: ast.expr) -> bool:
        """Known not to be a model of the project: a literal, or a class of an installed package
        other than a model library's, referred to or called (``nn.Linear(4, 3)``,
        ``transforms.Compose([...])``, ``RobertaConfig``). A library *function*'s result is not
        (``torch.load`` can return a pickled model, ``copy.deepcopy`` a copy of one)."""
        if isinstance(value, (ast.Constant, ast.JoinedStr, ast.Lambda, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)):
            return True
        target = value.func if isinstance(value, ast.Call) else value
        qualified = self.resolve(target) or ""
        if not qualified or self.index.resolves(qualified) or self.library_model(target) is not None:
            return False
        if isinstance(value, ast.Call) and any(
            isinstance(inner, ast.Call) and self.built_classes(inner.func) for inner in ast.walk(value) if inner is not value
        ):
            return False  # `nn.Sequential(Net())` holds a model of the project
        return qualified.rpartition(".")[2][:1].isupper() and "." in qualified

    def known_other_value(self, value: ast.expr, scope: _Scope) -> bool:
        """A name or ``self.`` attribute whose every binding is known not to be a model."""
        if isinstance(value, ast.Name):
            return self.bound_to_other(value.id, scope)
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self" and scope.cls is not None:
            values = [v for name, v in self.class_attributes(scope.cls.name) if name == value.attr]
            return bool(values) and all(v is not None and self.known_other(v) for v in values)
        return False

    def bound_to_other(self, name: str, scope: _Scope) -> bool:
        """Every binding of ``name`` this scope (or the nearest one binding it) makes is known
        not to be a model."""
        current: Optional[_Scope] = scope
        while current is not None and name not in current.bound:
            current = current.parent
        if current is None:
            return False
        values = current.values.get(name, [])
        return bool(values) and all(value is not None and (self.known_other(value) or self.library_class(value)) for value in values)

    def library_class(self, value: ast.expr) -> bool:
        """A class of an installed package, referred to (not called): calling it builds one of
        that package's objects (``model_class = RobertaForSequenceClassification``), no model
        of the project."""
        if not isinstance(value, (ast.Name, ast.Attribute)):
            return False
        qualified = self.resolve(value) or ""
        return "." in qualified and not self.index.resolves(qualified) and qualified.rpartition(".")[2][:1].isupper()

    def flow_to_trainer(self, node: ast.Call, qualified: str, passed: list[tuple[int | str | None, ast.expr]], scope: _Scope) -> None:
        """``Trainer(model=...)``: what its methods receive as ``model``, and a use of the model."""
        trainer = self.index.class_key(qualified)
        if trainer is not None:
            given = next((value for slot, value in passed if slot in (0, "model")), None)
            inst = self.instance_of(given, scope) if given is not None else None
            where = f"{self.module.display_path}:{node.lineno}"
            if inst is None or not inst.known:
                inst = Instance(frozenset(), untraced=f"`{trainer.name}` is given a model the analysis cannot trace at {where}")
            self.finder.change(StateChange.JOIN_TRAINER, trainer, inst)
        for slot, value in passed:
            if slot in (0, "model"):
                inst = self.instance_of(value, scope)
                if inst is not None:
                    self.graph.uses.append(
                        ModelUse(
                            self.module.path,
                            self.module.display_path,
                            node.lineno,
                            char_column(self.module.lines, node.lineno, node.col_offset),
                            qualified,
                            inst,
                            ast.unparse(value),
                        )
                    )

    def flow_target(
        self, node: ast.Call, qualified: str, passed: list[tuple[int | str | None, ast.expr]]
    ) -> Optional[tuple[tuple[str, str], tuple[str, ...], list[tuple[int | str | None, ast.expr]]]]:
        """The function a call runs with its arguments (a module function, or the ``__init__``
        of a class built), its parameters, and the arguments by the slots they bind."""
        function = self.function_of(node.func)
        constructed = self.constructed_with_init(qualified) if function is None and passed else None
        params: tuple[str, ...]
        if function is not None:
            params = self.index.modules[function[0]].functions[function[1]].params
        elif constructed is not None:
            # `Runner(Net())`: the arguments flow into `Runner.__init__` like a function's.
            cls, init = constructed
            function = (cls.module, init_function(cls))
            # Only what `__init__` keeps as `self.X` is followed (see `attribute_of`); what else
            # it is given stays unknown, and costs no walk. Slots go by name: a keyword-only
            # parameter has no position. `*`/`**` stay as they are.
            params = tuple(name for name in init.positional + init.keyword_only if name in init.kept)
            passed = [
                (slot if slot is None or isinstance(value, ast.Starred) else init.parameter(slot), value)
                for slot, value in passed
                if slot is None or isinstance(value, ast.Starred) or init.parameter(slot) in init.kept
            ]
        else:
            return None
        return function, params, passed

    def method_target(
        self, node: ast.Call, scope: _Scope, passed: list[tuple[int | str | None, ast.expr]]
    ) -> Optional[tuple[tuple[str, str], tuple[str, ...], list[tuple[int | str | None, ast.expr]]]]:
        """``self.method(...)`` of a private method: its key and parameters (``self`` left out)."""
        key = self.self_method(node.func, scope)
        method = self.private_method(scope.cls, node.func.attr) if key is not None else None  # type: ignore[attr-defined]  # an attribute when key is set
        if key is None or method is None:
            return None
        params = tuple(a.arg for a in method.args.posonlyargs + method.args.args)[1:]
        return key, params, passed

    def flow(self, node: ast.Call, scope: _Scope) -> None:
        qualified = self.resolve(node.func) or ""
        passed: list[tuple[int | str | None, ast.expr]] = [*enumerate(node.args), *((k.arg, k.value) for k in node.keywords)]
        if self.is_library_trainer(qualified):
            self.flow_to_trainer(node, qualified, passed, scope)
            return
        target = self.flow_target(node, qualified, passed) or self.method_target(node, scope, passed)
        if target is None:
            return
        function, params, passed = target
        where = f"{self.module.display_path}:{node.lineno}"
        for slot, value in passed:
            if isinstance(value, ast.Starred) or slot is None:
                # `f(*args)`, `f(**kwargs)`: any parameter may get anything.
                for name in params:
                    param = (function[0], function[1], name)
                    self.finder.change(StateChange.NOTE_UNTRACED, param, where, f"the call at {where} passes arguments through `*`/`**`")
                    self.finder.change(StateChange.NOTE_KEYS, param, f"{where}:{node.col_offset}", None)
                break
            receiving = params[slot] if isinstance(slot, int) and slot < len(params) else slot
            if isinstance(receiving, str):
                keys = self.keys_passed(value, node, scope)
                self.finder.change(StateChange.NOTE_KEYS, (function[0], function[1], receiving), f"{where}:{node.col_offset}", keys)
            if isinstance(value, ast.Constant):
                continue  # `None`, a number: not a model
            inst = self.instance_of(value, scope)
            if inst is None and (self.known_other(value) or self.known_other_value(value, scope)):
                # `self.transform`, set to `transforms.Compose(...)`: no model reaches here.
                receiving = params[slot] if isinstance(slot, int) and slot < len(params) else slot
                if isinstance(receiving, str):
                    self.finder.change(StateChange.NOTE_OTHER, (function[0], function[1], receiving))
                continue
            if inst is None and isinstance(value, ast.Name) and scope.param_reason(value.id) is not None and not scope.unfollowed_param(value.id):
                # A parameter passed on: what it receives flows on once its own callers are
                # walked (a later round); nothing is known of it yet, which is not "untraced".
                # A method's parameter never learns anything: what it passes is untraced.
                continue
            if isinstance(slot, int):
                if slot >= len(params):
                    continue
                name = params[slot]
            else:
                name = slot
            key = (function[0], function[1], name)
            if inst is None or not inst.known:
                self.finder.change(StateChange.NOTE_UNTRACED, key, where, f"the call at {where} passes what the analysis cannot trace")
                continue
            self.finder.change(StateChange.CLEAR_UNTRACED, key, where)
            self.finder.change(StateChange.JOIN_PARAM, key, inst)

    def bind_passed_dicts(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        """A parameter every visible call passes a dict of the same keys, and the body never
        rebinds, holds those keys (``def predict(model, batch): return model(**batch)``)."""
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            name = arg.arg
            keys = passed_keys(self.finder.read(StateRead.PASSED_KEYS, (self.module.key, node.name, name)))
            if keys is None or name in scope.values or name in scope.other_bindings or name in scope.unknown:
                continue
            scope.dict_keys[name] = keys
            scope.passed_keys.add(name)

    def keys_passed(self, value: ast.expr, call: ast.Call, scope: _Scope) -> Optional[tuple[str, ...]]:
        """The keys of the dict ``value`` passes at ``call``: a display, ``dict(...)``, or a name
        bound to one that nothing changes in place; else None."""
        keys = _dict_keys(value)
        if keys is None and isinstance(value, ast.Name):
            keys, _ = scope.keys_of(value.id)
            if keys is not None and self.labels_at(call, value.id, scope) is not LabelsAtCall.AS_BOUND:
                return None
        return keys

    def site(
        self, node: ast.Call, receiver: ast.expr, via: CallVia, inst: Instance, scope: _Scope, inferred: bool = False
    ) -> CallSite:
        star = any(isinstance(a, ast.Starred) for a in node.args)
        double = [k.value for k in node.keywords if k.arg is None]
        keys: Optional[tuple[str, ...]] = None
        has_labels = False
        dropped = unknown = False
        if len(double) == 1:
            if isinstance(double[0], ast.Name):
                keys, has_labels = scope.keys_of(double[0].id)
                state = self.labels_at(node, double[0].id, scope)
                if state is LabelsAtCall.DROPPED:
                    keys = tuple(k for k in keys if k not in LABEL_KEYS) if keys is not None else None
                    has_labels, dropped = False, True
                elif state is LabelsAtCall.ADDED:
                    has_labels = True
                elif state is LabelsAtCall.UNKNOWN:
                    keys, has_labels, unknown = None, False, True
            else:
                keys = _dict_keys(double[0])
                has_labels = keys is not None and LABELS_PARAM in keys
                dropped = _drops_labels(double[0])
        shape = CallShape(
            via=via,
            labels_none=any(
                k.arg in LABEL_KEYS and isinstance(k.value, ast.Constant) and k.value.value is None for k in node.keywords
            ),
            positional=sum(1 for a in node.args if not isinstance(a, ast.Starred)),
            keywords=tuple(k.arg for k in node.keywords if k.arg is not None),
            star=star,
            double_star=bool(double),
            double_star_keys=keys,
            double_star_has_labels=has_labels,
            double_star_labelless=(
                len(double) == 1
                and not unknown
                and (
                    dropped
                    or (keys is not None and LABELS_PARAM not in keys)
                    or (isinstance(double[0], ast.Name) and scope.is_tokenized(double[0].id))
                )
            ),
            double_star_labels_unknown=unknown,
            double_star_keys_passed=len(double) == 1 and isinstance(double[0], ast.Name) and scope.keys_passed_in(double[0].id),
            last_positional=next(
                (ast.unparse(a) for a in reversed(node.args) if not isinstance(a, ast.Starred)), ""
            ),
        )
        return CallSite(
            self.module.path,
            self.module.display_path,
            node.lineno,
            char_column(self.module.lines, node.lineno, node.col_offset),
            ast.unparse(receiver),
            inst,
            shape,
            inferred,
            scope.cls,
        )


_SCOPE_NODE_TYPES = frozenset(
    {
        ast.Assign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.Import, ast.ImportFrom,
        ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Subscript, ast.Call, ast.Return,
    }
)
"""What binding and visiting look at; every other node is only passed through."""
_OPAQUE = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})
_SCALAR_FIELDS = frozenset(
    {"id", "attr", "ctx", "op", "ops", "name", "names", "arg", "asname", "type_comment", "simple", "kind",
     "conversion", "level", "module", "is_async", "tag", "kwd_attrs", "n", "s"}
)


def init_function(cls: ClassKey) -> str:
    """The name ``param_types`` knows a class's ``__init__`` by (no module function has a dot)."""
    return f"{cls.name}.__init__"


def init_stores(node: ast.ClassDef) -> list[ast.Name]:
    """The values of ``self.X = name`` statements at the top of the class's ``__init__``."""
    init = next((item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "__init__"), None)
    return plain_self_stores(init) if init is not None else []


def _child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    constants = (ast.Constant, getattr(ast, "MatchSingleton", ast.Constant))  # no match statement before 3.10
    scalar = _SCALAR_FIELDS | ({"value"} if kind in constants else set())
    return tuple(f for f in kind._fields if f not in scalar)


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {
    kind: _child_fields(kind)
    for kind in vars(ast).values()
    if isinstance(kind, type) and issubclass(kind, ast.AST)
}
"""The fields of each node type that can hold nodes: names, operators and load/store
contexts hold none worth visiting (half the nodes of a tree are ``Load()``)."""


def _scope_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """The nodes of a scope's body that bind names or call, in source order, not descending
    into nested functions or classes (which are listed themselves, so the caller can open a
    scope for them). Hand-rolled rather than ``ast.iter_child_nodes``: this loop is most of
    the call-site analysis's time on a large repository."""
    found: list[ast.AST] = []
    wanted, opaque, node_type, child_fields = _SCOPE_NODE_TYPES, _OPAQUE, ast.AST, _CHILD_FIELDS
    stack: list[ast.AST] = list(reversed(body))
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        kind = type(node)
        if kind in wanted:
            found.append(node)
        if kind in opaque:
            continue
        for name in reversed(child_fields[kind]):
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in reversed(value):
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
                push(value)
    return found


def _is_parallel_wrapper(qualified: str) -> bool:
    return (
        qualified in PARALLEL_WRAPPERS
        or qualified.endswith((".DataParallel", ".DistributedDataParallel"))
        or qualified in ("DataParallel", "DistributedDataParallel", "DDP")
    )


def _is_wrapper(qualified: str) -> bool:
    """A call that returns the module it is given, wrapped or not."""
    return _is_parallel_wrapper(qualified) or qualified in TRANSPARENT_WRAPPERS


def _batch_variable(target: ast.expr, iterable: ast.expr) -> tuple[Optional[str], ast.expr]:
    """``for batch in loader`` and ``for step, batch in enumerate(loader)``: the batch's name
    and what it comes from."""
    if isinstance(target, ast.Name):
        return target.id, iterable
    if (
        isinstance(target, ast.Tuple)
        and len(target.elts) == 2
        and isinstance(target.elts[1], ast.Name)
        and isinstance(iterable, ast.Call)
        and dotted_name(iterable.func) == "enumerate"
        and iterable.args
    ):
        return target.elts[1].id, iterable.args[0]
    return None, iterable


def _target_names(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _is_tokenizer_call(value: ast.expr) -> bool:
    """``tokenizer(...)``, ``self.tokenizer(...)``, ``tok.encode_plus(...)``: a BatchEncoding."""
    if not isinstance(value, ast.Call):
        return False
    name = dotted_name(value.func) or ""
    last = name.rpartition(".")[2].lower()
    if last.endswith("tokenizer"):
        return True
    return last in ("encode_plus", "batch_encode_plus") and "tok" in name.lower()


def _dict_copy_source(value: ast.expr) -> Optional[str]:
    """``dict(b)``, ``dict(**b)``, ``b.copy()``, ``{**b}``: a new dict with ``b``'s keys."""
    if isinstance(value, ast.Call) and dotted_name(value.func) == "dict":
        if len(value.args) == 1 and not value.keywords and isinstance(value.args[0], ast.Name):
            return value.args[0].id
        if not value.args and len(value.keywords) == 1 and value.keywords[0].arg is None and isinstance(value.keywords[0].value, ast.Name):
            return value.keywords[0].value.id
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "copy"
        and not value.args
        and isinstance(value.func.value, ast.Name)
    ):
        return value.func.value.id
    if isinstance(value, ast.Dict) and len(value.keys) == 1 and value.keys[0] is None and isinstance(value.values[0], ast.Name):
        return value.values[0].id
    return None


def _drops_labels(value: ast.expr) -> bool:
    """``{k: v for k, v in d.items() if k != "labels"}`` (also ``not in ("labels", ...)``)."""
    if not isinstance(value, ast.DictComp) or len(value.generators) != 1:
        return False
    generator = value.generators[0]
    if not isinstance(value.key, ast.Name) or not isinstance(generator.target, ast.Tuple) or not generator.target.elts:
        return False
    key = value.key.id
    first = generator.target.elts[0]
    if not (isinstance(first, ast.Name) and first.id == key):
        return False
    for test in generator.ifs:
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name) and test.left.id == key:
            right = test.comparators[0]
            if isinstance(test.ops[0], ast.NotEq) and isinstance(right, ast.Constant) and right.value == LABELS_PARAM:
                return True
            if isinstance(test.ops[0], ast.NotIn) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
                if any(isinstance(e, ast.Constant) and e.value == LABELS_PARAM for e in right.elts):
                    return True
    return False


def passed_keys(calls: dict[str, Optional[tuple[str, ...]]]) -> Optional[tuple[str, ...]]:
    """The keys every call gives a parameter, when they all give a dict of the same keys."""
    given = set(calls.values())
    return next(iter(given)) if len(given) == 1 else None


def _dict_keys(value: ast.expr) -> Optional[tuple[str, ...]]:
    if isinstance(value, ast.Dict) and all(
        isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys
    ):
        return tuple(k.value for k in value.keys)  # type: ignore[union-attr]  # every key is a str Constant: checked just above
    if isinstance(value, ast.Call) and dotted_name(value.func) == "dict" and not value.args:
        if all(k.arg is not None for k in value.keywords):
            return tuple(k.arg for k in value.keywords)  # type: ignore[misc]  # no `**` among them: checked just above
    return None
