"""Walks remembered across runs, each keyed by what it consulted.

A walk of one module (``callsites._ModuleWalk``) is a deterministic function of what it reads:
the facts of the modules it looks into, the answers of index-wide questions (which classes
subclass ``C``, does ``a.b.C`` resolve), and the finder's state (what callers pass each
parameter, what functions return). It gives back a ``CallGraph`` and changes to that state. A
check records each walk as a trace of exactly those: every module consulted, with a digest of
its facts; every question, with a digest of its answer; the first value read of every entry of
the finder's state; and the changes, in order. The next check, at the same point of the same
fixpoint, replays a trace instead of walking when every one of its reads gives the same answer
now: the walk would read the same things, so it would make the same graph and changes.

Why a first read is enough: during a walk the state changes only by the walk's own changes, and
each change (set an entry, join into one, remove one) gives the same result applied twice. So
an entry that reads now what it read then reads, after the walk's own changes, what it read
then. A change made before the entry was first read records the entry's value before it, which
is what the walk's own later read depended on.

What a walk asks of the index goes through ``TracedIndex``, which knows only the questions a walk
asks: a new one fails loudly instead of going unrecorded. A damaged trace (one that does not
decode to the declared types) is a miss. A trace whose reads all hold is believed, its graph and
changes as stored, as the facts and the whole-run answers are: so ``--write`` never reads the
store (``engine._walks_to_read``), and a forged one can change what a check shows, never what is
written.

Before/after, on a project whose ``train.py`` was edited and whose ``model.py`` was not: the walk
of ``model.py`` reads the same facts and state as in the last check, and is replayed; the walk of
``train.py`` consults its own new facts, misses, and runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from codemod.analysis import facts
from codemod.analysis.callsites import CallGraph, IndexQuery, Instance, StateChange, StateRead
from codemod.analysis.index import ClassKey, ClassSummary, ModuleSummary, RepoIndex

if TYPE_CHECKING:
    from codemod.analysis.callsites import CallSiteFinder

WALKS_FORMAT = 1

_Param = tuple[str, str, str]
READ_TYPES: dict[StateRead, tuple[Any, Any]] = {
    StateRead.PARAM_TYPE: (_Param, Optional[Instance]),
    StateRead.RETURN_TYPE: (tuple[str, str], Optional[Instance]),
    StateRead.UNTRACED: (_Param, dict[str, str]),
    StateRead.OTHER: (_Param, bool),
    StateRead.PASSED_KEYS: (_Param, dict[str, Optional[tuple[str, ...]]]),
    StateRead.TRAINER: (ClassKey, Optional[Instance]),
    StateRead.WATCHING: (str, bool),
    StateRead.WATCHED: (ClassKey, bool),
    StateRead.GLOBALS: (str, Optional[tuple[bool, Optional[dict[str, Instance]]]]),
    StateRead.SUBCLASS_ATTRIBUTE: (tuple[ClassKey, str], Optional[Instance]),
}
"""Each entry of the finder's state a walk reads: the type of its key and of its value."""

CHANGE_TYPES: dict[StateChange, Any] = {
    StateChange.JOIN_PARAM: tuple[_Param, Instance],
    StateChange.JOIN_RETURN: tuple[tuple[str, str], Instance],
    StateChange.JOIN_TRAINER: tuple[ClassKey, Instance],
    StateChange.NOTE_UNTRACED: tuple[_Param, str, str],
    StateChange.CLEAR_UNTRACED: tuple[_Param, str],
    StateChange.NOTE_KEYS: tuple[_Param, str, Optional[tuple[str, ...]]],
    StateChange.NOTE_OTHER: tuple[_Param],
    StateChange.SET_GLOBALS: tuple[str, Optional[dict[str, Instance]]],
    StateChange.SET_SUBCLASS_ATTRIBUTE: tuple[ClassKey, str, Instance],
}
"""The arguments of each change a walk makes to the finder's state."""

QUERY_TYPES: dict[IndexQuery, tuple[Any, Any]] = {
    IndexQuery.SUBCLASSES: (tuple[ClassKey], list[ClassKey]),
    IndexQuery.CLASS_KEY: (tuple[str], Optional[ClassKey]),
    IndexQuery.RESOLVES: (tuple[str], bool),
    IndexQuery.CONFINES_SELF: (tuple[ClassKey, str], bool),
    IndexQuery.INHERITS_LIBRARY_METHOD: (tuple[ClassKey, str, tuple[str, ...]], bool),
    IndexQuery.SPELLED_BESIDE: (tuple[str, str], bool),
    IndexQuery.OPAQUE_STORES: (tuple[str], set[ClassKey]),
}
"""Each question a walk asks that reads the whole index: its arguments' type and its answer's."""

_Damaged = (facts.UnreadableFacts, KeyError, IndexError, ValueError, TypeError, RecursionError)
"""What decoding a damaged or forged trace can raise: the trace is then a miss."""


def walks_key(package: str) -> str:
    """What every stored walk depends on besides its reads: this package's code (another rule
    version walks otherwise) and the interpreter (the grammar its trees were parsed with)."""
    return hashlib.sha256(f"{WALKS_FORMAT}\0{package}\0{facts.interpreter()}".encode()).hexdigest()


def _frozen(data: Any) -> Any:
    """JSON data as a key of a dict: lists as tuples, objects as their items."""
    if isinstance(data, list):
        return tuple(_frozen(item) for item in data)
    if isinstance(data, dict):
        return tuple((key, _frozen(value)) for key, value in data.items())
    return data


def _as_read(value: Any) -> Any:
    """A state entry's value as read, kept apart from the entry: the finder's per-call tables
    (``param_untraced``, ``param_keys``) are changed in place by later changes."""
    return dict(value) if isinstance(value, dict) else value


def _digest(data: Any) -> str:
    return hashlib.blake2b(json.dumps(data, separators=(",", ":")).encode(), digest_size=16).hexdigest()


class Trace:
    """What one walk read and changed, as it runs (``WalkMemo.walk`` starts and ends it)."""

    def __init__(self, memo: "WalkMemo") -> None:
        self.memo = memo
        self.deps: dict[str, str] = {}
        self.queries: dict[tuple[IndexQuery, tuple[Any, ...]], Any] = {}
        self.reads: dict[tuple[StateRead, Any], Any] = {}
        self.before: dict[tuple[StateRead, Any], Any] = {}
        self.changes: list[tuple[StateChange, tuple[Any, ...]]] = []
        self._index: Optional[TracedIndex] = None

    def traced_index(self, finder: "CallSiteFinder") -> "TracedIndex":
        if self._index is None:
            self._index = TracedIndex(finder, self)
        return self._index

    def depend(self, module_key: str) -> None:
        if module_key not in self.deps:
            self.deps[module_key] = self.memo.digest(module_key)

    def asked(self, kind: IndexQuery, args: tuple[Any, ...], answer: Any) -> None:
        self.queries.setdefault((kind, args), answer)

    def read(self, kind: StateRead, key: Any, value: Any) -> None:
        entry = (kind, key)
        if entry not in self.reads:
            self.reads[entry] = self.before.pop(entry) if entry in self.before else _as_read(value)

    def changing(self, kind: StateRead, key: Any, value: Any) -> None:
        """``value``: the entry the change is about to make, as it is before it."""
        entry = (kind, key)
        if entry not in self.reads and entry not in self.before:
            self.before[entry] = _as_read(value)

    def changed(self, kind: StateChange, args: tuple[Any, ...]) -> None:
        self.changes.append((kind, args))

    def encoded(self, graph: CallGraph) -> dict[str, Any]:
        encode = facts.encode_as
        return {
            "deps": sorted(self.deps.items()),
            "queries": [
                [kind.value, encode(args, QUERY_TYPES[kind][0]), _digest(encode(answer, QUERY_TYPES[kind][1]))]
                for (kind, args), answer in self.queries.items()
            ],
            "reads": [
                [kind.value, encode(key, READ_TYPES[kind][0]), _digest(encode(value, READ_TYPES[kind][1]))]
                for (kind, key), value in self.reads.items()
            ],
            "changes": [[kind.value, encode(args, CHANGE_TYPES[kind])] for kind, args in self.changes],
            "graph": encode(graph, CallGraph),
        }


@dataclass
class WalkMemo:
    """One run's use of the remembered walks: those of the last check (``stored``: module key ->
    its walks' traces as JSON text, in the order they ran), and those of this run (``kept``). A
    trace is parsed only when its module is walked, and a replayed one is kept as the very text
    it was read as."""

    run: str
    """``walks_key``: what the stored walks were made under."""
    stored: dict[str, list[str]]
    kept: dict[str, list[str]] = field(default_factory=dict)
    replayed: int = 0
    walked: int = 0
    _digests: dict[str, str] = field(default_factory=dict)
    _index: Optional[RepoIndex] = None
    _answers: dict[tuple[Any, ...], str] = field(default_factory=dict)
    """(question, its arguments as stored) -> the digest of its answer now: the index does not
    change during a run, and most modules ask the same few thousand questions."""
    _entries: dict[tuple[Any, ...], str] = field(default_factory=dict)
    """(entry of the state, its key as stored) -> the digest of its value now, until a change
    to that entry (``forget``)."""

    @property
    def changed(self) -> bool:
        # A replayed trace is kept as the very object stored: comparing is cheap.
        return self.walked > 0 or self.kept != self.stored

    def digest(self, module_key: str) -> str:
        """Everything a walk can read of a module: its facts as the index left them (keys,
        links and bases are the whole project's work) and its text."""
        if module_key not in self._digests:
            assert self._index is not None
            module = self._index.modules.get(module_key)
            if module is None:
                self._digests[module_key] = "-"
            else:
                data = json.dumps(facts.encode(module), separators=(",", ":")) + "\0" + module.text
                self._digests[module_key] = hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        return self._digests[module_key]

    def walk(self, finder: "CallSiteFinder", module: ModuleSummary, walk: Callable[[CallGraph], None]) -> CallGraph:
        """The graph of a walk of ``module`` now, and its changes made to ``finder``: replayed
        from a trace whose reads all answer as they did, else walked (``walk``) and traced."""
        self._index = finder.index
        kept = self.kept.setdefault(module.key, [])
        stored = self.stored.get(module.key, [])
        # The walk of the same round first: the one most likely to read the same state.
        ordinal = len(kept)
        for text in stored[ordinal : ordinal + 1] + stored[:ordinal] + stored[ordinal + 1 :]:
            graph = self._replayed(finder, text)
            if graph is not None:
                self.replayed += 1
                kept.append(text)
                return graph
        graph = CallGraph()
        trace = Trace(self)
        trace.depend(module.key)
        finder.trace = trace
        try:
            walk(graph)
        finally:
            finder.trace = None
        self.walked += 1
        kept.append(json.dumps(trace.encoded(graph), separators=(",", ":")))
        return graph

    def last_walk(self, module_key: str) -> int | str:
        """The trace of the module's last walk, for the parent of a worker process: the number of
        the stored trace it replayed, or the text of the one it made (a large project's traces
        are not worth sending back through a pipe)."""
        text = self.kept[module_key][-1]
        return next((number for number, stored in enumerate(self.stored.get(module_key, ())) if stored is text), text)

    def forget(self, kind: StateRead, key: Any) -> None:
        """An entry of the state is about to change: its digest is no longer its value's."""
        if self._entries:
            self._entries.pop((kind.value, _frozen(facts.encode_as(key, READ_TYPES[kind][0]))), None)

    def took(self, traces: dict[str, int | str], made: int) -> None:
        """The traces of walks run in a worker process (``callsites._walk_chunk``). The parent
        merges their changes into its state next, not through ``change``: no digest of an entry
        of the state is known any more."""
        self._entries.clear()
        for name, trace in traces.items():
            self.kept.setdefault(name, []).append(trace if isinstance(trace, str) else self.stored[name][trace])
        self.walked += made
        self.replayed += len(traces) - made

    def _replayed(self, finder: "CallSiteFinder", text: str) -> Optional[CallGraph]:
        decode = facts.decode_as
        try:
            data = json.loads(text)
            if any(self.digest(key) != digest for key, digest in data["deps"]):
                return None
            if not self._all_hold(data["queries"], self._answers, lambda kind, args: self._answer_now(finder, kind, args)):
                return None
            if not self._all_hold(data["reads"], self._entries, lambda kind, key: self._value_now(finder, kind, key)):
                return None
            # Every part decoded before the first change is made: a damaged trace changes nothing.
            changes = [(StateChange(kind_name), decode(args, CHANGE_TYPES[StateChange(kind_name)])) for kind_name, args in data["changes"]]
            graph: CallGraph = decode(data["graph"], CallGraph)
        except _Damaged:
            return None
        for change, args in changes:
            finder.change(change, *args)
        return graph


    @staticmethod
    def _all_hold(rows: Any, now: dict[tuple[Any, ...], str], digest_now: Callable[[str, Any], str]) -> bool:
        """Does each (kind, argument, digest) row of a trace digest as it does now? ``now`` keeps
        each answer for the next trace that asks."""
        for kind_name, argument, digest in rows:
            asked = (kind_name, _frozen(argument))
            if asked not in now:
                now[asked] = digest_now(kind_name, argument)
            if now[asked] != digest:
                return False
        return True

    @staticmethod
    def _answer_now(finder: "CallSiteFinder", kind_name: str, args: Any) -> str:
        kind = IndexQuery(kind_name)
        args_type, answer_type = QUERY_TYPES[kind]
        return _digest(facts.encode_as(finder.answer(kind, facts.decode_as(args, args_type)), answer_type))

    @staticmethod
    def _value_now(finder: "CallSiteFinder", kind_name: str, key: Any) -> str:
        read = StateRead(kind_name)
        key_type, value_type = READ_TYPES[read]
        return _digest(facts.encode_as(finder.state(read, facts.decode_as(key, key_type)), value_type))


class _TracedModules:
    """``RepoIndex.modules`` as a walk reads it: each module named is a module consulted."""

    def __init__(self, index: RepoIndex, trace: Trace) -> None:
        self._modules = index.modules
        self._trace = trace

    def __getitem__(self, key: str) -> ModuleSummary:
        self._trace.depend(key)
        return self._modules[key]

    def __contains__(self, key: object) -> bool:
        assert isinstance(key, str)
        self._trace.depend(key)
        return key in self._modules

    def get(self, key: str) -> Optional[ModuleSummary]:
        self._trace.depend(key)
        return self._modules.get(key)


class TracedIndex:
    """The questions a walk asks of the index, each recorded in ``trace`` as it is asked. Only
    these: a walk that asks another fails here, where it would otherwise go unrecorded."""

    def __init__(self, finder: "CallSiteFinder", trace: Trace) -> None:
        self._finder = finder
        self._trace = trace
        self.modules = _TracedModules(finder.index, trace)

    def summary(self, key: ClassKey) -> ClassSummary:
        self._trace.depend(key.module)
        return self._finder.index.summary(key)

    def subclasses(self, key: ClassKey) -> list[ClassKey]:
        answer: list[ClassKey] = self._finder.query(IndexQuery.SUBCLASSES, key)
        return answer

    def class_key(self, qualified: str) -> Optional[ClassKey]:
        answer: Optional[ClassKey] = self._finder.query(IndexQuery.CLASS_KEY, qualified)
        return answer

    def resolves(self, dotted: str) -> bool:
        return bool(self._finder.query(IndexQuery.RESOLVES, dotted))

    def confines_self(self, key: ClassKey, method: str) -> bool:
        return bool(self._finder.query(IndexQuery.CONFINES_SELF, key, method))

    def inherits_library_method(self, key: ClassKey, method: str, packages: tuple[str, ...]) -> bool:
        return bool(self._finder.query(IndexQuery.INHERITS_LIBRARY_METHOD, key, method, packages))
