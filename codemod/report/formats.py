"""Findings as text for people and editors, JSON for scripts, GitHub workflow annotations, and
SARIF 2.1.0 for code scanning: the ``OutputFormat``s, each of which renders findings to a string
(pure functions; the CLI prints them).

JSON (``--output-format json``) is a list of objects, one per finding or error, sorted by
path, line and column::

    {"code": "FL001", "message": "...", "path": "train.py", "cell": null,
     "line": 12, "column": 5, "end_line": 12, "end_column": 5,
     "fixable": true, "fix_applied": false, "refusal": null}

``line``/``column`` are 1-based; a notebook's finding gives the cell number in ``cell`` and the
line within that cell. In ``github`` and ``sarif`` output a notebook's finding names the file
without a line (its lines count within the cell), and the cell and line in the message. ``end_line``/``end_column`` equal the start: rules report a point.
``fix_applied`` is true when this run wrote (``--write``) or would write (``--diff``) the fix;
``refusal`` says why fixlabels would not make it (the message says it too), else null.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any, Iterable
from urllib.parse import quote

from codemod import __version__
from codemod.registry import RULES, documentation
from codemod.results import Finding
from codemod.vocabulary import INTERNAL_ERROR, IO_ERROR, SYNTAX_ERROR, TextEnum


class OutputFormat(TextEnum):
    """How findings are printed (``--output-format``); ``render`` makes the text of each."""

    TEXT = "text"
    """``path:line:col: CODE message``, a line each: for people, editors and problem matchers."""
    JSON = "json"
    """One JSON list of objects, the fields described above: for scripts."""
    GITHUB = "github"
    """GitHub Actions workflow commands: an annotation on each finding's line."""
    SARIF = "sarif"
    """A SARIF 2.1.0 log, with the rules' documentation: for code scanning."""

    @property
    def for_programs(self) -> bool:
        """Read by a program: lists the run's errors and fixed findings with the others."""
        return self is not OutputFormat.TEXT

    @property
    def one_document(self) -> bool:
        """Its stream must parse as one JSON document: nothing else may be printed on it."""
        return self in (OutputFormat.JSON, OutputFormat.SARIF)

    def render(self, findings: Iterable[Finding]) -> str:
        if self is OutputFormat.JSON:
            return as_json(findings)
        if self is OutputFormat.GITHUB:
            return github(findings)
        if self is OutputFormat.SARIF:
            return sarif(findings, {code: documentation(code) for code in RULES})
        return text(findings)


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INPUT_ERRORS = {
    IO_ERROR: "a file could not be read or written",
    SYNTAX_ERROR: "a file does not parse",
    INTERNAL_ERROR: "fixlabels hit an internal error",
}
def text(findings: Iterable[Finding]) -> str:
    return "".join(f"{f.render()}\n" for f in findings)


def as_json(findings: Iterable[Finding]) -> str:
    records = []
    for finding in findings:
        path, cell = finding.path, finding.cell
        records.append(
            {
                "code": finding.code,
                "message": finding.text,
                "path": path,
                "cell": cell,
                "line": finding.line,
                "column": finding.column,
                "end_line": finding.line,
                "end_column": finding.column,
                "fixable": finding.fixable,
                "fix_applied": finding.fixed,
                "refusal": finding.refusal,
            }
        )
    return json.dumps(records, indent=2) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Iterable[Finding]) -> str:
    """GitHub Actions workflow commands: each finding becomes an annotation on its line."""
    lines = []
    for finding in findings:
        path, cell = finding.path, finding.cell
        kind = "error" if finding.code in INPUT_ERRORS or not finding.fixed else "notice"
        # A notebook's line counts within its cell, not within the JSON file GitHub shows:
        # annotate the file, and say where in the message.
        where = f"line={finding.line},col={finding.column}," if cell is None else ""
        within = f" (cell {cell}, line {finding.line}, column {finding.column})" if cell is not None else ""
        lines.append(
            f"::{kind} file={_escape_property(path)},{where}"
            f"title={_escape_property(f'fixlabels {finding.code}')}::"
            f"{_escape_data(f'{finding.code} {finding.text}{within}')}\n"
        )
    return "".join(lines)


def sarif(findings: Iterable[Finding], rule_docs: dict[str, str]) -> str:
    """A SARIF 2.1.0 log with one run. ``rule_docs`` maps a code to its documentation (the
    rule module's docstring), shown by code scanning as the rule's help."""
    findings = list(findings)
    codes = sorted({f.code for f in findings} | set(RULES))
    rules: list[dict[str, Any]] = []
    for code in codes:
        info = RULES.get(code)
        summary = info.summary if info else INPUT_ERRORS.get(code, code)
        descriptor: dict[str, Any] = {
            "id": code,
            "name": info.name if info else "input-error",
            "shortDescription": {"text": summary},
            "defaultConfiguration": {"level": "error" if code in INPUT_ERRORS else "warning"},
        }
        if code in rule_docs:
            descriptor["fullDescription"] = {"text": rule_docs[code].strip().splitlines()[0]}
            descriptor["help"] = {"text": rule_docs[code].strip()}
        rules.append(descriptor)
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for finding in findings:
        path, cell = finding.path, finding.cell
        location: dict[str, Any] = {"artifactLocation": _artifact(path)}
        if cell is None:
            location["region"] = {"startLine": finding.line, "startColumn": finding.column}
        within = f" (notebook cell {cell}, line {finding.line}, column {finding.column})" if cell is not None else ""
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": "error" if finding.code in INPUT_ERRORS else "warning",
            "message": {"text": finding.text + within},
            # A notebook's lines count within a cell, not within the JSON file a viewer opens:
            # the file is named without a region, and the cell in the message and properties.
            "locations": [{"physicalLocation": location}],
            "properties": {"fixable": finding.fixable, "fixApplied": finding.fixed},
        }
        if finding.refusal is not None:
            result["properties"]["refusal"] = finding.refusal
        if cell is not None:
            result["properties"].update(cell=cell, cellLine=finding.line, cellColumn=finding.column)
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "fixlabels",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _artifact(path: str) -> dict[str, str]:
    """Where a file is: relative to the checkout (``%SRCROOT%``, what code scanning maps to the
    repository) when the display path is below the working directory, else an absolute
    ``file:`` URI (a ``../`` path means nothing against a base)."""
    if PurePosixPath(path).is_absolute() or path.split("/")[0] == "..":
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}
