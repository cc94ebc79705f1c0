"""The bench's program generator (``bench/fuzz_programs.py``), for the tests that hold a shortcut
to the full path on generated programs as well as on golden cases."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def program_files(seed: int) -> dict[str, str]:
    """The files of the program ``seed`` generates: relative path -> text."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    from fuzz_programs import generate

    return dict(generate(seed).files)


def write_files(target: Path, files: dict[str, str]) -> Path:
    """``files`` written under ``target`` (made as needed); ``target``."""
    for name, text in files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text)
    return target
