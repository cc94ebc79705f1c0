"""Reading and writing Python files without losing a byte: encoding, BOM, newlines, mode."""

from __future__ import annotations

import codecs
import io
import os
import secrets
import signal
import stat
import threading
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from codemod.notebooks import Notebook, SourceError, read_notebook

__all__ = ["SourceError", "SourceFile", "WriteError", "decode_source", "read_source", "write_all_atomically"]


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display_path: str
    text: str
    encoding: str
    bom: bool
    notebook: Optional[Notebook] = None
    """For a ``.ipynb`` file: its JSON, and how ``text`` (its code cells) maps back into it."""

    def encode(self, text: str) -> bytes:
        """The file's bytes for new ``text``. Raises UnicodeEncodeError, or SourceError when
        a notebook's rewrite cannot be put back exactly."""
        data = self.notebook.encode(text) if self.notebook is not None else text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data

    def locate(self, line: int) -> tuple[Optional[int], int]:
        """Where a line of ``text`` is for a person: (None, line); in a notebook (cell number,
        line within the cell)."""
        if self.notebook is None:
            return None, line
        return self.notebook.locate(line)


def read_source(path: Path, display_path: str) -> SourceFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror or exc}") from None
    return decode_source(path, display_path, raw)


def decode_source(path: Path, display_path: str, raw: bytes) -> SourceFile:
    """A file's text from its bytes (as read from disk, or handed over on stdin)."""
    if b"\x00" in raw:
        raise SourceError("not a text file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        if "unknown encoding" in str(exc.msg):
            raise SourceError(f"unknown encoding in the coding declaration: {exc.msg}") from None
        raise SourceError("not valid UTF-8, and no `# -*- coding: ... -*-` line says what it is") from None
    bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[len(codecs.BOM_UTF8) :] if bom else raw
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise SourceError(f"not valid {encoding}: {exc.reason}", line) from None
    except LookupError as exc:
        raise SourceError(f"unknown encoding {encoding}: {exc}") from None
    if path.suffix == ".ipynb":
        notebook = read_notebook(text)
        return SourceFile(path, display_path, notebook.text, encoding, bom, notebook)
    return SourceFile(path, display_path, text, encoding, bom)


def _stage(path: Path, data: bytes, staged: list[tuple[Path, str]]) -> None:
    """Write ``data`` to a new temporary file beside ``path`` (same directory, so the final
    rename is atomic), with ``path``'s permission bits. The name goes into ``staged`` before
    the file exists, so an interrupt at any point leaves nothing that cleanup does not know."""
    mode = stat.S_IMODE(path.stat().st_mode)
    tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.fixlabels")
    staged.append((path, tmp))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, mode)


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class WriteError(Exception):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


def write_all_atomically(files: list[tuple[Path, bytes]], committed: list[Path]) -> None:
    """Replace every file, so that a reader (or a crash, or Ctrl-C) sees each file old or new,
    never partial. All files are staged first, so a full disk or a failed write changes
    nothing; then all are renamed into place with SIGINT/SIGTERM held back, so an interrupt
    lands before any rename or after the last. ``committed`` gets each replaced path as it
    goes (the caller learns what was written even when an exception comes out)."""
    staged: list[tuple[Path, str]] = []
    hold = threading.current_thread() is threading.main_thread()
    saved_mask = None
    # One try for all of it: an interrupt can land between any two steps, and whatever was
    # staged but not renamed must go, and a changed signal mask must be restored.
    try:
        for path, data in files:
            try:
                _stage(path, data, staged)
            except OSError as exc:
                raise WriteError(path, exc.strerror or str(exc)) from None
        if hold:
            # Read the mask first: blocking can itself deliver a pending signal (raising here),
            # and the finally must still know what to restore.
            saved_mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        for path, tmp in staged:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise WriteError(path, exc.strerror or str(exc)) from None
            committed.append(path)
    finally:
        for path, tmp in staged:
            if path not in committed:
                _unlink_quietly(tmp)
        if saved_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, saved_mask)  # a held-back signal lands here
