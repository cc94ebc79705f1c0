"""Per-file facts, cached by content: a file's ``ModuleSummary`` (its imports, classes and their
``forward`` signatures, functions, the folders it adds to ``sys.path``) is a pure function of
its text, its path, its import root, this package's code and the interpreter (what parses is
the running Python's grammar, and its warning filters can make a warning a syntax error). A
check that has seen those before takes the facts from ``.fixlabels_cache/facts.json``
(``codemod.cache`` reads and writes it) instead of parsing the file again.

The codec is read off the dataclasses' own type hints, so a field added to a summary is stored
with it, and a type the codec cannot write fails loudly instead of being dropped. No syntax tree
is stored; the text is read from disk each run (it is hashed anyway). Stored as JSON, never
pickle: the cache folder is inside a project anyone may have written. A damaged entry is a miss
(the decoder checks every value's type); an entry under the right key is believed, as the
whole-run cache's answers are, so ``--write`` never reads the store.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
import enum
import functools
import hashlib
import json
import os
import sys
import types
import typing
from pathlib import Path
from typing import Any, Union

from codemod.analysis.index import ModuleSummary

FACTS_FORMAT = 1
_NOT_STORED = frozenset({"text"})
"""Fields read again from the file itself."""


@dataclass
class FactsRun:
    """One run's use of the store: what it held (``stored``), and what it must hold after the
    run, the facts of exactly the files read (``kept``)."""

    package: str
    """This package's code (``cache.package_digest``): another rule version, other facts."""
    stored: dict[str, Any]
    kept: dict[str, Any] = field(default_factory=dict)
    made: bool = False
    """Some file's facts were made anew (not in the store, or damaged there)."""

    @property
    def changed(self) -> bool:
        return self.made or self.kept.keys() != self.stored.keys()


class UnreadableFacts(ValueError):
    """A stored entry that does not decode to the declared types: treated as a miss."""


def fact_key(package: str, path: Path, display_path: str, root: Path, text: str) -> str:
    """Everything ``summarize`` reads. NUL cannot occur in a path, so fields cannot run together."""
    interpreter = f"{sys.version}\0{sys.implementation.cache_tag}\0{sys.warnoptions!r}"
    digest = hashlib.sha256(f"{FACTS_FORMAT}\0{package}\0{interpreter}\0".encode())
    digest.update(os.fsencode(path) + b"\0" + display_path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(os.fsencode(root) + b"\0" + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def encode(summary: ModuleSummary) -> Any:
    """The summary as JSON data, without its text and the caches it builds on demand."""
    return _encode_fields(summary, type(summary), skip=_NOT_STORED)


def decode(data: Any, text: str) -> ModuleSummary:
    """The summary ``encode`` wrote, with its text given back. Raises ``UnreadableFacts``."""
    values = _decode_fields(data, ModuleSummary, skip=_NOT_STORED)
    return ModuleSummary(text=text, **values)


@functools.cache
def _stored_fields(cls: type, skip: frozenset[str]) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_") and f.name not in skip)


def _encode_fields(value: Any, cls: type, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {name: _encode(getattr(value, name), hint) for name, hint in _stored_fields(cls, skip)}


def _decode_fields(data: Any, cls: type, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise UnreadableFacts(f"{cls.__name__}: not an object")
    try:
        return {name: _decode(data[name], hint) for name, hint in _stored_fields(cls, skip)}
    except KeyError as exc:
        raise UnreadableFacts(f"{cls.__name__}: no {exc}") from None


def _parts(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    origin = typing.get_origin(hint)
    if origin is types.UnionType:
        origin = Union
    return origin, typing.get_args(hint)


def _encode(value: Any, hint: Any) -> Any:
    origin, args = _parts(hint)
    if origin is Union:
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"the facts codec cannot write a union of {inner}")
        return _encode(value, inner[0])
    if origin in (tuple, list, frozenset, set):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return [_encode(item, item_hint) for item, item_hint in zip(value, args, strict=True)]
        items = [_encode(item, args[0]) for item in value]
        # Sets have no order of their own: sorted, so that equal facts write equal bytes.
        return sorted(items, key=json.dumps) if origin in (frozenset, set) else items
    if origin is dict:
        return [[_encode(k, args[0]), _encode(v, args[1])] for k, v in value.items()]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _encode_fields(value, hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return value.value
    if hint is Path:
        return os.fsdecode(value)
    if hint in (str, int, bool, float) and type(value) is hint:
        return value
    raise TypeError(f"the facts codec cannot write {value!r} as {hint!r}")


def _decode(data: Any, hint: Any) -> Any:
    origin, args = _parts(hint)
    if origin is Union:
        if data is None and type(None) in args:
            return None
        return _decode(data, next(a for a in args if a is not type(None)))
    if origin in (tuple, list, frozenset, set, dict) and not isinstance(data, list):
        raise UnreadableFacts(f"expected a list for {hint!r}")
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(item, args[0]) for item in data)
        if len(data) != len(args):
            raise UnreadableFacts(f"expected {len(args)} items for {hint!r}")
        return tuple(_decode(item, item_hint) for item, item_hint in zip(data, args))
    if origin in (list, frozenset, set):
        return origin(_decode(item, args[0]) for item in data)
    if origin is dict:
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in data):
            raise UnreadableFacts(f"expected pairs for {hint!r}")
        return {_decode(k, args[0]): _decode(v, args[1]) for k, v in data}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint(**_decode_fields(data, hint))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(data)
        except ValueError:
            raise UnreadableFacts(f"{data!r} is no {hint.__name__}") from None
    if hint is Path:
        if not isinstance(data, str):
            raise UnreadableFacts("expected a path")
        return Path(data)
    if hint in (str, int, bool, float):
        if type(data) is not hint:
            raise UnreadableFacts(f"expected {hint.__name__}, found {type(data).__name__}")
        return data
    raise TypeError(f"the facts codec cannot read {hint!r}")
