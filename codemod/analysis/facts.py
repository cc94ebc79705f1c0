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
from typing import Any, Callable, Union

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
    digest = hashlib.sha256(f"{FACTS_FORMAT}\0{package}\0{interpreter()}\0".encode())
    digest.update(os.fsencode(path) + b"\0" + display_path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(os.fsencode(root) + b"\0" + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def interpreter() -> str:
    """What decides how a text parses besides the text: the grammar, and warnings made errors."""
    return f"{sys.version}\0{sys.implementation.cache_tag}\0{sys.warnoptions!r}"


def encode(summary: ModuleSummary) -> Any:
    """The summary as JSON data, without its text and the caches it builds on demand."""
    return _fields_encoder(ModuleSummary, _NOT_STORED)(summary)


def decode(data: Any, text: str) -> ModuleSummary:
    """The summary ``encode`` wrote, with its text given back. Raises ``UnreadableFacts``."""
    return ModuleSummary(text=text, **_fields_decoder(ModuleSummary, _NOT_STORED)(data))


def encode_as(value: Any, hint: Any) -> Any:
    """``value``, of type ``hint``, as JSON data (sets sorted: equal values write equal bytes)."""
    return _encoder(hint)(value)


def decode_as(data: Any, hint: Any) -> Any:
    """What ``encode_as(value, hint)`` wrote. Raises ``UnreadableFacts``."""
    return _decoder(hint)(data)


# Each type's encoder and decoder is made once, from its hints, and kept: a large project
# decodes hundreds of thousands of values a run, and reading the hints again each time was
# most of the cost.


@functools.cache
def _stored_fields(cls: type, skip: frozenset[str]) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_") and f.name not in skip)


@functools.cache
def _fields_encoder(cls: type, skip: frozenset[str] = frozenset()) -> Callable[[Any], dict[str, Any]]:
    fields = [(name, _encoder(hint)) for name, hint in _stored_fields(cls, skip)]
    return lambda value: {name: encode_field(getattr(value, name)) for name, encode_field in fields}


@functools.cache
def _fields_decoder(cls: type, skip: frozenset[str] = frozenset()) -> Callable[[Any], dict[str, Any]]:
    fields = [(name, _decoder(hint)) for name, hint in _stored_fields(cls, skip)]

    def decode_fields(data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise UnreadableFacts(f"{cls.__name__}: not an object")
        try:
            return {name: decode_field(data[name]) for name, decode_field in fields}
        except KeyError as exc:
            raise UnreadableFacts(f"{cls.__name__}: no {exc}") from None

    return decode_fields


def _parts(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    origin = typing.get_origin(hint)
    if origin is types.UnionType:
        origin = Union
    return origin, typing.get_args(hint)


@functools.cache
def _encoder(hint: Any) -> Callable[[Any], Any]:
    origin, args = _parts(hint)
    if origin is Union:
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"the facts codec cannot write a union of {inner}")
        encode_inner = _encoder(inner[0])
        if type(None) not in args:
            return encode_inner
        return lambda value: None if value is None else encode_inner(value)
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        encoders = [_encoder(item_hint) for item_hint in args]
        return lambda value: [encode_item(item) for item, encode_item in zip(value, encoders, strict=True)]
    if origin in (tuple, list):
        encode_item = _encoder(args[0])
        return lambda value: [encode_item(item) for item in value]
    if origin in (frozenset, set):
        encode_member = _encoder(args[0])
        # Sets have no order of their own: sorted, so that equal facts write equal bytes.
        return lambda value: sorted((encode_member(item) for item in value), key=json.dumps)
    if origin is dict:
        encode_key, encode_value = _encoder(args[0]), _encoder(args[1])
        return lambda value: [[encode_key(k), encode_value(v)] for k, v in value.items()]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _fields_encoder(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return lambda value: value.value
    if hint is Path:
        return os.fsdecode
    if hint in (str, int, bool, float):

        def encode_plain(value: Any) -> Any:
            if type(value) is not hint:
                raise TypeError(f"the facts codec cannot write {value!r} as {hint!r}")
            return value

        return encode_plain
    raise TypeError(f"the facts codec cannot write {hint!r}")


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    origin, args = _parts(hint)
    if origin is Union:
        decode_inner = _decoder(next(a for a in args if a is not type(None)))
        if type(None) not in args:
            return decode_inner
        return lambda data: None if data is None else decode_inner(data)
    if origin in (tuple, list, frozenset, set, dict):
        decode_items = _container_decoder(hint, origin, args)

        def decode_list(data: Any) -> Any:
            if not isinstance(data, list):
                raise UnreadableFacts(f"expected a list for {hint!r}")
            return decode_items(data)

        return decode_list
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        decode_fields = _fields_decoder(hint)
        return lambda data: hint(**decode_fields(data))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):

        def decode_member(data: Any) -> Any:
            try:
                return hint(data)
            except ValueError:
                raise UnreadableFacts(f"{data!r} is no {hint.__name__}") from None

        return decode_member
    if hint is Path:

        def decode_path(data: Any) -> Path:
            if not isinstance(data, str):
                raise UnreadableFacts("expected a path")
            return Path(data)

        return decode_path
    if hint in (str, int, bool, float):

        def decode_plain(data: Any) -> Any:
            if type(data) is not hint:
                raise UnreadableFacts(f"expected {hint.__name__}, found {type(data).__name__}")
            return data

        return decode_plain
    raise TypeError(f"the facts codec cannot read {hint!r}")


def _container_decoder(hint: Any, origin: Any, args: tuple[Any, ...]) -> Callable[[list[Any]], Any]:
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        decoders = [_decoder(item_hint) for item_hint in args]

        def decode_fixed(data: list[Any]) -> tuple[Any, ...]:
            if len(data) != len(decoders):
                raise UnreadableFacts(f"expected {len(decoders)} items for {hint!r}")
            return tuple(decode_item(item) for item, decode_item in zip(data, decoders))

        return decode_fixed
    if origin is dict:
        decode_key, decode_value = _decoder(args[0]), _decoder(args[1])

        def decode_pairs(data: list[Any]) -> dict[Any, Any]:
            if not all(isinstance(pair, list) and len(pair) == 2 for pair in data):
                raise UnreadableFacts(f"expected pairs for {hint!r}")
            return {decode_key(k): decode_value(v) for k, v in data}

        return decode_pairs
    decode_item = _decoder(args[0])
    build = tuple if origin is tuple else origin
    return lambda data: build(decode_item(item) for item in data)
