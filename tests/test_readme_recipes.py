"""The README's IDE recipes and pre-commit snippet, run exactly as written: each is read out of
the README (so a test fails when the README drifts), its placeholders are filled in the way the
IDE fills them, and the installed `fixlabels` command is run on a two-file project."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden_cases import GOLDEN, execute

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()
# A class in models/net.py whose fix spans its call sites in train.py and evaluate.py.
CASE = GOLDEN / "multi_file_repo"
# The installed console script, as an IDE or a pre-commit hook finds it on PATH.
SCRIPTS = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{SCRIPTS}{os.pathsep}{os.environ.get('PATH', '')}"}


def _tree_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(CASE / "before", project)
    return project


def _installed_fixlabels() -> str:
    found = shutil.which("fixlabels", path=ENV["PATH"])
    assert found, f"the fixlabels console script is not installed beside {sys.executable}"
    return found


def _pycharm_tool() -> dict[str, str]:
    section = README.split("**PyCharm / IntelliJ.**", 1)[1].split("**VS Code.**", 1)[0]
    rows = re.findall(r"^\| (.+?) \| `([^`]+)`.*\|$", section, re.MULTILINE)
    return {field: value for field, value in rows if field != "field"}


def test_readme_pycharm_recipe_has_the_fields_an_external_tool_needs() -> None:
    tool = _pycharm_tool()
    assert set(tool) == {"Program", "Arguments", "Working directory", "Advanced Options → Output filters"}


@pytest.mark.execution  # runs the program before and after, to compare its losses
@pytest.mark.parametrize("opened", ["models/net.py", "train.py"])
def test_readme_pycharm_recipe_fixes_the_whole_project_from_either_file(tmp_path: Path, opened: str) -> None:
    """PyCharm runs the tool with the open file's absolute path in the project directory. From
    the class's file or from a caller's, the fix lands in all three files, and the program
    prints the same losses afterwards."""
    project = _project(tmp_path)
    losses_before = execute(project, ("main.py",))
    assert losses_before.returncode == 0, losses_before.stderr
    tool = _pycharm_tool()
    macros = {"$FilePath$": str(project / opened), "$ProjectFileDir$": str(project)}

    def expand(value: str) -> str:
        for macro, meaning in macros.items():
            value = value.replace(macro, meaning)
        return value

    assert tool["Program"] == "fixlabels"
    command = [_installed_fixlabels(), *(expand(arg) for arg in shlex.split(tool["Arguments"]))]
    result = subprocess.run(
        command, cwd=expand(tool["Working directory"]), env=ENV, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _tree_files(project) == _tree_files(CASE / "after")
    # The tool window names every file the fix wrote besides the one opened.
    written_elsewhere = re.findall(r"^also wrote (\S+) \(the fix spans it\)$", result.stderr, re.MULTILINE)
    assert sorted(written_elsewhere) == sorted({"models/net.py", "train.py", "evaluate.py"} - {opened})
    losses_after = execute(project, ("main.py",))
    assert losses_after.returncode == 0, losses_after.stderr
    assert losses_after.stdout == losses_before.stdout


def test_readme_pycharm_output_filter_links_every_reported_location(tmp_path: Path) -> None:
    """The filter's macros become a pattern as PyCharm reads them. Run as written on a file with
    a finding that cannot be fixed and on one that does not parse, then as the dry run the
    README offers: each reported path:line:col is matched and names a file of the project."""
    project = tmp_path / "project"
    shutil.copytree(GOLDEN / "refuse_deep_supervision_loss" / "before", project)
    (project / "broken.py").write_text("x = (\n")
    before = _tree_files(project)
    tool = _pycharm_tool()
    pattern = re.escape(tool["Advanced Options → Output filters"])
    for macro, group in (("$FILE_PATH$", r"(?P<file>[^:]+)"), ("$LINE$", r"(?P<line>\d+)"), ("$COLUMN$", r"(?P<column>\d+)")):
        pattern = pattern.replace(re.escape(macro), group)
    as_written = shlex.split(tool["Arguments"])
    dry_run = ["--diff" if arg == "--write" else arg for arg in as_written]
    assert dry_run != as_written, "the README offers --diff in place of --write for a dry run"
    linked: set[tuple[str, str]] = set()
    for arguments in (as_written, dry_run):
        for opened in ("train.py", "broken.py"):
            args = [arg.replace("$FilePath$", str(project / opened)) for arg in arguments]
            result = subprocess.run(
                [_installed_fixlabels(), *args], cwd=project, env=ENV, capture_output=True, text=True, timeout=300
            )
            assert result.returncode in (1, 2), result.stdout + result.stderr
            for line in (result.stdout + result.stderr).splitlines():
                if re.search(r":\d+:\d+: ", line):
                    match = re.match(pattern, line)
                    assert match, line
                    assert (project / match["file"]).is_file(), line
                    assert int(match["line"]) >= 1 and int(match["column"]) >= 1
                    linked.add((opened, match["file"]))
    assert linked == {("train.py", "train.py"), ("broken.py", "broken.py")}
    assert _tree_files(project) == before  # nothing could be fixed, so nothing was written


def vscode_task() -> dict:  # type: ignore[type-arg]
    block = re.search(r"```json\n(\{\n  \"version\": \"2\.0\.0\".*?)\n```", README, re.DOTALL)
    assert block, "the README has no tasks.json block"
    return json.loads(block.group(1))["tasks"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", ["multi_file_repo", "mixed_repo"])
def test_readme_vscode_task_reports_every_finding_into_the_problems_panel(tmp_path: Path, case: str) -> None:
    """The task as VS Code runs it: `${workspaceFolder}` filled in the command, its arguments
    and its working directory. Every reported line becomes a problem at an existing file
    (fileLocation is relative to the workspace); the summary line does not."""
    project = tmp_path / "project"
    shutil.copytree(GOLDEN / case / "before", project)
    (project / "broken.py").write_text("x = (\n")
    task = vscode_task()

    def expand(value: str) -> str:
        return value.replace("${workspaceFolder}", str(project))

    assert task["type"] == "shell" and task["command"] == "fixlabels"
    command = [_installed_fixlabels(), *(expand(arg) for arg in task["args"])]
    result = subprocess.run(
        command, cwd=expand(task["options"]["cwd"]), env=ENV, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2, result.stdout + result.stderr  # an unparsable file is an error
    matcher = task["problemMatcher"]
    assert matcher["fileLocation"] == ["relative", "${workspaceFolder}"]
    pattern = matcher["pattern"]
    # VS Code's regexps are JavaScript's; this one uses only syntax the two share.
    regexp = re.compile(pattern["regexp"])
    lines = (result.stdout + result.stderr).splitlines()
    located = [line for line in lines if re.match(r"^\S+:\d+:\d+: ", line)]
    problems = [regexp.match(line) for line in located]
    assert problems and all(problems), [line for line, match in zip(located, problems) if not match]
    codes = {(m[pattern["file"]], m[pattern["code"]]) for m in problems if m}
    assert ("broken.py", "E999") in codes and any(code.startswith("FL") for _, code in codes)
    if case == "multi_file_repo":
        assert codes == {("models/net.py", "FL001"), ("broken.py", "E999")}
    for match in filter(None, problems):
        assert (project / match[pattern["file"]]).is_file()
        assert int(match[pattern["line"]]) >= 1 and int(match[pattern["column"]]) >= 1
        assert match[pattern["message"]]
    assert not any(regexp.match(line) for line in lines if line.startswith("Found "))


def _pre_commit_snippet() -> str:
    block = re.search(r"```yaml\n(repos:\n.*?)```", README, re.DOTALL)
    assert block, "the README has no .pre-commit-config.yaml block"
    return block.group(1)


def _git_project(tmp_path: Path, config: str) -> Path:
    project = _project(tmp_path)
    (project / ".pre-commit-config.yaml").write_text(config)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=project, check=True)
    return project


def _pre_commit_run(project: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )


@pytest.fixture
def needs_git_and_pre_commit() -> None:
    pytest.importorskip("pre_commit")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")


@pytest.mark.usefixtures("needs_git_and_pre_commit")
def test_readme_pre_commit_snippet_fails_the_commit_on_a_finding(tmp_path: Path) -> None:
    project = _git_project(tmp_path, _pre_commit_snippet())
    _installed_fixlabels()
    result = _pre_commit_run(project, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "models/net.py:13:5: FL001" in result.stdout
    assert _tree_files(project) == _tree_files(CASE / "before")


@pytest.mark.usefixtures("needs_git_and_pre_commit")
def test_readme_pre_commit_snippet_with_the_write_entry_fixes_the_project(tmp_path: Path) -> None:
    """The snippet's commented alternative entry, switched on as a user would."""
    project = _git_project(tmp_path, _switched_to(ENTRIES[1]))
    _installed_fixlabels()
    result = _pre_commit_run(project, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in result.stdout
    assert _tree_files(project) == _tree_files(CASE / "after")
    again = _pre_commit_run(project, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr


ENTRIES = ("fixlabels", "fixlabels --write", "fixlabels --write --python .venv/bin/python")


def _switched_to(entry: str) -> str:
    """The snippet with ``entry`` switched on, and the others off, as a user would."""
    snippet = _pre_commit_snippet()
    entries = re.findall(r"^( *)(# )?entry: (.+?)(?: +#.*)?$", snippet, re.MULTILINE)
    assert [(commented, entry) for _, commented, entry in entries] == [("", ENTRIES[0]), *(("# ", e) for e in ENTRIES[1:])]
    kept = []
    for line in snippet.splitlines():
        found = re.match(r"^( *)(# )?entry: (.+?)(?: +#.*)?$", line)
        if found is None:
            kept.append(line)
        elif found.group(3) == entry:
            kept.append(f"{found.group(1)}entry: {entry}")
    return "\n".join(kept) + "\n"


@pytest.mark.usefixtures("needs_git_and_pre_commit")
def test_readme_pre_commit_snippet_with_the_project_s_python_imports_with_it(tmp_path: Path) -> None:
    """The third entry: the import check runs the project's .venv (here one that sees this
    machine's torch), and the run says it imported the changed modules with it."""
    project = _git_project(tmp_path, _switched_to(ENTRIES[2]))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(project / ".venv")], check=True)
    _installed_fixlabels()
    result = _pre_commit_run(project, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert _tree_files(project) == _tree_files(CASE / "after")
    assert "imports (3 of 3 module(s) imported before and after)" in result.stdout


@pytest.mark.slow
def test_readme_first_command_shows_the_seed_example_s_fix_in_a_fresh_checkout(tmp_path: Path) -> None:
    """The first thing a new user types, in a checkout of this repository: its project is the
    whole checkout (every golden case, the package, the tests), and the fix is the seed
    example's. Evaluating every module of that project for the same-numbers check once took
    more than twelve minutes here; the check now reads only what the fix can reach."""
    command = README.split("```bash\n", 1)[1].split("\n", 1)[0].split("&&", 1)[1].split()
    assert command == ["fixlabels", "--diff", "golden/seed_example/before"]
    checkout = tmp_path / "checkout"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in filter(None, tracked.split("\0")):
        if (REPO / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, checkout / name)
    result = subprocess.run([_installed_fixlabels(), *command[1:]], cwd=checkout, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr  # a finding, shown and not written
    removed = [line[1:] for line in result.stdout.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in result.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
    before = (CASE.parent / "seed_example" / "before" / "train.py").read_text().splitlines()
    after = (CASE.parent / "seed_example" / "after" / "train.py").read_text().splitlines()
    assert removed and all(line in before for line in removed)
    assert added and all(line in after for line in added)
    assert "--- a/golden/seed_example/before/train.py" in result.stdout
    assert _tree_files(checkout / "golden" / "seed_example" / "before") == _tree_files(CASE.parent / "seed_example" / "before")
