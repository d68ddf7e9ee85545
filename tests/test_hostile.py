"""Grade hostile submissions (``tests/hostile/``): each attack costs its own points and nothing else.

Every attack is spliced into the reference submission and graded through
``grade_submission`` (isolated, small limits) on the tasks of its module and
one task of another module. The test then checks that the grader survived,
that the attacked task lost its points for the stated reason (or, for an
attack that computes the right answer after trying its tricks, kept them
fairly), that every other task earned full points, that no process of the
sandbox is left, and that no file outside the sandbox's folder changed.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
import subprocess
import sysconfig
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.cleanup import ipc_objects, processes
from autograder.grade import GradeResult, grade_submission, hidden_plan
from autograder.sandbox import Limits
from tests.bugcorpus import _splice, reference_source, write_submission
from tests.isolation import readable_by_others, unprivileged_python
from tests.test_sandbox import AS_ROOT, BWRAP

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "hostile"
LIMITS = Limits(wall=2.0, cpu=10, memory=2**30)


@dataclass(frozen=True)
class Hostile:
    name: str
    module: str
    task: str
    reason: str | None
    failed_cases: int | None
    also: tuple[str, ...]
    requires: tuple[str, ...]
    at_import: str
    functions: dict[str, str]

    def attacked(self, task: str) -> bool:
        return task == self.task or (self.task.endswith(".*") and task.startswith(self.task[:-1]))


def load(path: Path) -> Hostile:
    source = path.read_text()
    tree = ast.parse(source)
    constants = {target.id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}
    lines = source.splitlines()
    functions = {node.name: "\n".join(lines[node.lineno - 1: node.end_lineno])
                 for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert ast.get_docstring(tree), f"{path.name} must say what the student does"
    return Hostile(path.stem, constants["MODULE"], constants["TASK"], constants["REASON"],
                   constants.get("FAILED_CASES"), tuple(constants.get("ALSO", ())),
                   tuple(constants.get("REQUIRES", ())), constants.get("AT_IMPORT", ""), functions)


CORPUS = [load(p) for p in sorted(HOSTILE.glob("*.py"))]


def write_hostile(hostile: Hostile, folder: Path, places: dict[str, str]) -> Path:
    """The reference submission with the attack spliced in and its placeholders filled."""
    write_submission(folder)
    source = _splice(reference_source(hostile.module), hostile.functions) + hostile.at_import
    for placeholder, value in places.items():
        source = source.replace(placeholder, value)
    (folder / f"{hostile.module}.py").write_text(source)
    return folder


def plan_for(hostile: Hostile):
    """The attacked module's tasks, and one task of another module to show that nothing else is hurt."""
    witness = "basics.mse_loss" if hostile.module == "lstm" else "lstm.lstm_step_forward"
    return [(task, cases) for task, cases in hidden_plan()
            if task.name.startswith(f"{hostile.module}.") or task.name == witness]


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``folder`` with its mode and content hash (no __pycache__: the grader's own)."""
    return {str(p.relative_to(folder)): (p.stat().st_mode, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def bytecode() -> dict[str, str]:
    """The grader's and the reference's compiled modules, with their content hashes."""
    files = [p for folder in ("autograder", "solutions") for p in (ROOT / folder / "__pycache__").glob("*")]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def live_leftovers(result: GradeResult, marker: str) -> list[str]:
    """Live processes of the sandbox's uid, or whose environment names the sandbox's temporary folder."""
    uid = result.isolation["user"]["uid"] if result.isolation["user"]["own_uid"] else None
    found = []
    for pid, proc in processes().items():
        if not proc.alive or pid == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            environ = b""
        if (uid is not None and uid in proc.uids) or marker.encode() in environ:
            found.append(f"{pid} ({Path(f'/proc/{pid}/cmdline').read_bytes()[:80]!r})")
    return found


@pytest.fixture
def sandbox_tmp(monkeypatch):
    """A temporary folder of its own for the grader (reachable by the sandbox's uid); must end empty."""
    folder = Path(tempfile.mkdtemp(prefix="hostile-tmp-"))
    folder.chmod(0o711)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_corpus_has_the_attacks_of_the_issue():
    names = {h.name for h in CORPUS}
    assert len(CORPUS) >= 20 and {"endless_loop", "segfault", "kill_the_grader", "fork_bomb"} <= names
    for hostile in CORPUS:
        tasks = {task.name for task, _ in plan_for(hostile)}
        assert any(hostile.attacked(t) for t in tasks), f"{hostile.name}: no task {hostile.task}"
        assert set(hostile.functions) or hostile.at_import, f"{hostile.name}: no attack"


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda h: h.name)
def test_an_attack_costs_its_own_points_and_nothing_else(hostile, tmp_path, sandbox_tmp):
    marker = f"HOSTILE-{uuid.uuid4().hex}"
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text('{"score": 0}')
    places = {"@REPO@": str(ROOT), "@OUT@": str(out), "@SUBMISSION@": str(tmp_path / "submission"),
              "@MARKER@": marker}
    submission = write_hostile(hostile, tmp_path / "submission", places)
    watched = {folder: snapshot(folder) for folder in (out, submission, HOSTILE)}
    compiled = bytecode()
    ipc_before = ipc_objects()

    result = grade_submission(submission, isolated=True, limits=LIMITS, plan=plan_for(hostile))

    for folder, before in watched.items():
        assert snapshot(folder) == before, f"{hostile.name} changed {folder}"
    for target in (ROOT / "solutions" / "conv.py", ROOT / "week4" / "tasks.py", ROOT / "README.md"):
        assert marker not in target.read_text(errors="replace"), f"{hostile.name} wrote into {target}"
    assert not list(Path("/tmp").glob(f"{marker}*")), f"{hostile.name} left a file in /tmp"
    assert list(sandbox_tmp.iterdir()) == [], "the sandbox's folders must be removed"
    assert live_leftovers(result, str(sandbox_tmp)) == [], f"{hostile.name} left processes"
    assert all(set(ipc_objects()[kind]) <= set(ipc_before[kind]) for kind in ipc_before), \
        f"{hostile.name} left System V IPC objects"
    after = bytecode()
    assert all(after.get(name) == digest for name, digest in compiled.items()), "the grader's bytecode"
    assert not [name for name in after if marker in name], f"{hostile.name} planted bytecode"

    # Skip only where the platform cannot give the protection: where it can, the sandbox must use it.
    if "own_uid" in hostile.requires and not AS_ROOT:
        pytest.skip("without root the child runs as the grader's user: it can delete what the grader can")
    if "hidden" in hostile.requires and not BWRAP and result.isolation["grader_files_readable"]:
        pytest.skip("no bubblewrap here, and the grader's files are readable by every user")
    if "process_limit" in hostile.requires and not (
            "processes" in result.isolation["rlimits"] or result.isolation["cgroup"]):
        pytest.skip("no process limit here: without root, only a user namespace makes one count")

    for task in result.tasks:
        failed = [case for case in task.cases if not case.passed]
        if hostile.attacked(task.name):
            if hostile.reason is None:
                continue
            assert failed, f"{hostile.name}: {task.name} kept all its points"
            for case in failed:
                assert re.search(hostile.reason, case.message), f"{task.name} {case.label}: {case.message}"
            if hostile.failed_cases is not None:
                assert len(failed) == hostile.failed_cases, [c.label for c in failed]
                share = 1 - len(failed) / len(task.cases)
                assert task.score == pytest.approx(task.max_score * share, abs=1e-4)
        elif task.name not in hostile.also:
            assert task.score == task.max_score, f"{hostile.name} hurt {task.name}: {failed[0].message}"
    for case in (case for task in result.tasks for case in task.cases):
        assert "CONV_CASES" not in case.output, "the hidden cases leaked into the feedback"
        assert len(case.output) <= 4100, "the student's output must be capped"


def test_a_timeout_and_a_crash_cost_their_cases_only_in_a_whole_grading(tmp_path, sandbox_tmp):
    """End to end with every hidden task: one case loops, another segfaults, all else scores."""
    endless = next(h for h in CORPUS if h.name == "endless_loop")
    crashing = {"conv_param_count": "def conv_param_count(f, c, k, bias=True):\n"
                                    "    import ctypes\n"
                                    "    if k == 8:\n"
                                    "        ctypes.string_at(0)\n"
                                    "    return f * f * c * k + (k if bias else 0)\n"}
    submission = write_hostile(endless, tmp_path / "submission", {})
    conv = submission / "conv.py"
    conv.write_text(_splice(conv.read_text(), crashing))

    result = grade_submission(submission, isolated=True, limits=LIMITS)

    lost = {task.name: [c.message for c in task.cases if not c.passed] for task in result.tasks}
    lost = {name: messages for name, messages in lost.items() if messages}
    assert set(lost) == {"basics.sgd_step", "conv.conv_param_count"}
    assert "did not finish within 2 s" in lost["basics.sgd_step"][0]
    assert "SIGSEGV" in lost["conv.conv_param_count"][0]
    assert result.score == pytest.approx(result.max_score - 2 * 1 / 3 - 2 * 1 / 4, abs=1e-3)
    assert result.isolation["child_starts"] == 2, "the timeout restarts the child, the crash only a worker"


@pytest.mark.skipif(not AS_ROOT or not shutil.which("runuser"), reason="becoming a plain user needs root")
def test_the_hostile_corpus_and_the_sandbox_tests_pass_for_an_unprivileged_grader():
    """The same attacks, the grader run by a plain user (no root: bubblewrap's user namespace, or rlimits)."""
    python = unprivileged_python()
    site = Path(sysconfig.get_paths()["purelib"])
    if python is None or not readable_by_others(site / "numpy" / "__init__.py"):
        pytest.skip("no interpreter and packages that an unprivileged user may run here")
    top = Path(tempfile.mkdtemp(prefix="unprivileged-"))  # pytest's own folders are root's alone
    try:
        _run_as_nobody(top, python, site)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _run_as_nobody(top: Path, python: str, site: Path) -> None:
    repo = top / "repo"
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    tracked = subprocess.run(listing, cwd=ROOT, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, repo / name)
    for path in [top, *repo.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": f"{repo}:{site}"}
    run = subprocess.run(
        ["runuser", "-u", "nobody", "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()),
         python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-o", "addopts=",
         "tests/test_hostile.py", "tests/test_sandbox.py", "-k", "not unprivileged_grader"],
        cwd=repo, capture_output=True, text=True, timeout=600)
    summary = (run.stdout + run.stderr)[-3000:]
    assert run.returncode == 0, summary
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary


# --- a notebook's top level runs: it costs its notebook's time, and opens no hole ---------------------

NOTEBOOK_ATTACKS = {  # a cell put before the notebook's definitions
    "loops_for_ever": "while True:\n    try:\n        pass\n"
                      "    except BaseException:  # even the grader's stop\n        pass",
    "forks": "import os\nos.fork()\nprint('both processes went on')",
    "exits": "import sys\nsys.exit(0)",
    "prints_a_hidden_looking_value": "print('@MARKER@', __import__('gc').get_objects()[:50])",
}


@pytest.mark.parametrize("attack", list(NOTEBOOK_ATTACKS))
def test_a_notebooks_top_level_costs_its_notebook_and_nothing_else(attack, tmp_path, sandbox_tmp):
    """The attack runs in 01's top level, before its definitions: Run All goes on, so 01's later cells
    still define their functions (an endless cell is stopped at the notebook's share of the import's
    limit); 05 is untouched; nothing is left running; what it printed shows with a public case only."""
    import nbformat
    from nbformat.v4 import new_code_cell

    from autograder.notebooks import build_notebooks, solved

    marker = f"HOSTILE-{uuid.uuid4().hex}"
    notebooks = {name: solved(nb) for name, nb in build_notebooks(release=False).items()
                 if name in ("01_computational_graph.ipynb", "05_lstm.ipynb")}
    cells = notebooks["01_computational_graph.ipynb"].cells
    cells.insert(2, new_code_cell(NOTEBOOK_ATTACKS[attack].replace("@MARKER@", marker)))
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / name)
    plan = [(task, cases) for task, cases in hidden_plan() if task.module == "basics"
            or task.name == "lstm.lstm_step_forward"]

    result = grade_submission(folder, isolated=True, limits=LIMITS, plan=plan)

    lost = {t.name: next(c.message for c in t.cases if not c.passed) for t in result.tasks
            if t.score < t.max_score}
    assert not lost, lost
    assert live_leftovers(result, str(sandbox_tmp)) == [], f"{attack} left processes"
    assert list(sandbox_tmp.iterdir()) == [], "the sandbox's folders must be removed"
    if attack == "loops_for_ever":
        assert any(p.startswith("01_computational_graph.ipynb, code cell 2, line ") and
                   "CellTimeout: the notebook's time ran out in this cell" in p for p in result.problems)
        assert result.elapsed_seconds < 60
    if attack == "exits":
        assert any("code cell 2, line 2: SystemExit: 0" in p for p in result.problems), result.problems
    shown = [case for task in result.tasks for case in task.cases if marker in case.output]
    assert all(case.public for case in shown), "a hidden case showed what the top level printed"
    assert marker not in str(result.problems)
