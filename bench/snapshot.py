"""A behaviour snapshot: every golden case and corpus run through the installed CLI, its
findings and diffs gathered into one JSON document.

Used around refactors that must not change behaviour: take a snapshot before, one after,
and compare them (``--compare OLD NEW``). It calls the CLI as a user would, so it holds
whatever the package's inside looks like.

    python bench/snapshot.py --out /tmp/before.json
    python bench/snapshot.py --out /tmp/after.json --compare /tmp/before.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.golden_cases import case_folders  # noqa: E402


def _fixlabels(args: list[str], cwd: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "codemod", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    return {"args": args, "exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


def _case_args(case: Path) -> list[str]:
    toml = case / "case.toml"
    args = tomllib.loads(toml.read_text(encoding="utf-8")).get("args", []) if toml.exists() else []
    return [str(a) for a in args if a != "--no-verify"]


def _golden(case: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "before"
        shutil.copytree(case / "before", copy)
        own = _fixlabels(["--diff", "--no-verify", "--no-cache", *_case_args(case), "."], copy)
        every = _fixlabels(["--diff", "--no-verify", "--no-cache", "--select", "ALL", "."], copy)
        checked = _fixlabels(["--no-cache", "--select", "ALL", "--output-format", "json", "."], copy)
    return {"own": own, "all": every, "check": checked}


def _corpus(path: Path) -> dict[str, object]:
    return _fixlabels(["--no-cache", "--select", "ALL", "--output-format", "json", str(path)], Path("/"))


def _fetched(git_dir: Path) -> dict[str, object]:
    """A repository ``fetch`` brought (a git directory, no work tree): its files at HEAD, diffed
    with every rule on, from inside the checkout (paths in the output are then relative)."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", f"--git-dir={git_dir}", "archive", "HEAD"], capture_output=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, capture_output=True)
        return _fixlabels(["--diff", "--no-cache", "--no-verify", "--select", "ALL", "."], Path(tmp))


def snapshot(corpora: bool) -> dict[str, object]:
    cases = case_folders(REPO / "golden")
    with ThreadPoolExecutor(2) as pool:
        golden = dict(zip((c.relative_to(REPO / "golden").as_posix() for c in cases), pool.map(_golden, cases)))
    result: dict[str, object] = {"golden": golden}
    if corpora:
        site = Path(sysconfig.get_paths()["purelib"])
        roots = [site / "transformers", site / "torch"]
        corpora: dict[str, object] = {str(p): _corpus(p) for p in roots if p.exists()}
        mirrors = Path("/work/.mirror")
        for git_dir in sorted(mirrors.glob("*/repo")) if mirrors.is_dir() else []:
            corpora[git_dir.parent.name] = _fetched(git_dir)
        result["corpora"] = corpora
    return result


def _without(value: object, keys: frozenset[str]) -> object:
    """``value`` with those keys dropped from every JSON output it holds (a field added on
    purpose between two snapshots)."""
    if isinstance(value, dict):
        if "json" in value.get("args", ()) and isinstance(value.get("stdout"), str):
            try:
                records = json.loads(value["stdout"])
            except json.JSONDecodeError:
                return value
            stripped = [{k: v for k, v in r.items() if k not in keys} for r in records]
            return {**value, "stdout": stripped}
        return {k: _without(v, keys) for k, v in value.items()}
    return value


def compare(old: dict[str, object], new: dict[str, object], ignore: frozenset[str] = frozenset()) -> list[str]:
    old, new = _without(old, ignore), _without(new, ignore)  # type: ignore[assignment]
    differences = []
    for group in ("golden", "corpora"):
        a, b = old.get(group, {}), new.get(group, {})
        assert isinstance(a, dict) and isinstance(b, dict)
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                differences.append(f"{group}/{name}")
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="an earlier snapshot: print what differs, exit 1 if anything")
    parser.add_argument("--no-corpora", action="store_true", help="golden cases only")
    parser.add_argument("--ignore-json-key", action="append", default=[], help="a JSON output field added on purpose")
    options = parser.parse_args()
    taken = snapshot(corpora=not options.no_corpora)
    options.out.write_text(json.dumps(taken, indent=1, sort_keys=True), encoding="utf-8")
    if options.compare:
        differences = compare(json.loads(options.compare.read_text(encoding="utf-8")), taken, frozenset(options.ignore_json_key))
        print("\n".join(differences) or "identical")
        sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
