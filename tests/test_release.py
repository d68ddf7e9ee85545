"""`autograder release OUT`: a student bundle that checks itself and gives nothing away.

One bundle is written per test module (notebooks included); the tests read it, and run
``python -m autograder check`` and ``pytest`` in it as a student would, in subprocesses
whose ``autograder`` is the bundle's own (PYTHONPATH and the working directory are the
bundle; its requirements are this virtualenv's, the same pins).
"""

import json
import os
import re
import subprocess
import sys
import tomllib
from itertools import takewhile
from pathlib import Path

import pytest
import yaml

from autograder import public, release
from autograder.stubs import BEGIN, END, solution_blocks
from tests.week4 import SOLUTIONS, TASKS, WEEK4

PACKAGE = Path(release.__file__).parent
N_PUBLIC = sum(len(cases) for _, cases in public.load_plan())


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "week4"
    release.write_release(out)
    return out


def _texts(folder: Path) -> dict[Path, str]:
    """Every file's text as a reader would search it: a notebook's cells decoded from their JSON."""
    texts = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text())["cells"]
            parts = [c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in cells]
            parts += [json.dumps(c.get("outputs", [])) for c in cells]
            texts[path] = "\n".join(parts)
        else:
            texts[path] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


def _published_text() -> str:
    """What the course publishes on purpose, written outside the solution blocks: the grader's
    own source and the assignment's checks file (its hints spell out formulas), the lecture notes
    (the notebooks' text), the solution modules' lines outside the blocks, and the hint comments
    that open a block (the stubs keep them)."""
    parts = [path.read_text() for path in [*sorted(PACKAGE.glob("*.py")), WEEK4.checks_file]]
    parts += [path.read_text() for path in sorted((WEEK4.folder / "lecture").glob("*.md"))]
    for path in sorted(SOLUTIONS.glob("*.py")):
        inside = False
        for line in path.read_text().splitlines():
            if line.strip() in (BEGIN, END):
                inside = line.strip() == BEGIN
            elif not inside:
                parts.append(line)
        for _, block in solution_blocks(path.read_text()):
            parts += takewhile(lambda line: line.strip().startswith("#"), block)
    return "\n".join(parts)


def _secret_lines() -> set[str]:
    """The code lines of the solution blocks that a bundle must not contain.

    Not secret: comments, lines the course publishes anyway (``_published_text``: a
    signature, ``return out, cache`` after a block, a formula a hint spells out), and lines
    with fewer than three names or numbers (``else:``, ``return dx``), which any code may hold.
    """
    published = _published_text()
    code = {line.strip() for path in sorted(SOLUTIONS.glob("*.py"))
            for _, block in solution_blocks(path.read_text()) for line in block}
    return {line for line in code if not line.startswith("#") and len(re.findall(r"\w+", line)) >= 3
            and line not in published}


def _leaks(folder: Path, secrets: set[str]) -> list[str]:
    return [f"{path.relative_to(folder)}: {line}" for path, text in _texts(folder).items()
            for line in sorted(secrets) if line in text]


def test_no_line_of_a_solution_block_is_in_the_bundle(bundle):
    secrets = _secret_lines()
    assert len(secrets) > 100, "the solution blocks should hold many code lines"
    assert len(_leaks(SOLUTIONS, secrets)) >= len(secrets)  # the search finds them where they are
    assert _leaks(bundle, secrets) == []


def test_the_bundle_holds_no_reference_and_no_hidden_case(bundle):
    files = [p.relative_to(bundle) for p in bundle.rglob("*")]
    assert not [f for f in files if "solutions" in f.parts or f.name in ("tasks.py", "__pycache__")]
    public_labels = {c.label for t in TASKS for c in t.cases if c.public}
    hidden_labels = {c.label for t in TASKS for c in t.cases if not c.public} - public_labels
    assert len(hidden_labels) > 20
    found = [(str(path.relative_to(bundle)), label) for path, text in _texts(bundle).items()
             for label in sorted(hidden_labels) if label in text]
    assert found == []


def test_the_bundle_runs_the_self_check_on_github_classroom(bundle):
    workflow = yaml.safe_load((bundle / release.WORKFLOW_PATH).read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    grader = next(step for step in steps if step.get("id") == "public-cases")
    assert grader["with"]["command"] == "python -m autograder check"
    reporter = steps[-1]
    assert reporter["with"]["runners"] == "public-cases"
    assert reporter["env"]["PUBLIC-CASES_RESULTS"] == "${{steps.public-cases.outputs.result}}"
    readme = (bundle / "README.md").read_text()
    assert (bundle / release.WORKFLOW_PATH).read_text() in readme.replace("\n    ", "\n")


def test_the_bundle_has_what_a_student_needs(bundle):
    for name in ("README.md", ".gitignore", "requirements.txt", "pyproject.toml", "conftest.py",
                 "assignments/conv.py", "assignments/public_cases.bin", "autograder/selfcheck.py",
                 "autograder/pytest_plugin.py", "autograder/notebook_grading.py"):
        assert (bundle / name).is_file(), name
    assert list((bundle / "notebooks").glob("*.ipynb"))
    assert "autograder.pytest_plugin" in (bundle / "conftest.py").read_text()
    project = tomllib.loads((bundle / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["packages"] == ["autograder"]
    assert project["tool"]["pytest"]["ini_options"]["testpaths"] == ["assignments"]
    requirements = (bundle / "requirements.txt").read_text().splitlines()
    lock = release.LOCK.read_text().splitlines()
    pins = [next(line for line in lock if line.lower().startswith(f"{name}=="))
            for name in release.STUDENT_REQUIREMENTS]
    assert [r for r in requirements if "==" in r] == pins
    assert "-e ." in requirements
    readme = (bundle / "README.md").read_text()
    # The README's -k example is the assignment's own first task (basics.mse_loss for week 4).
    assert "python -m autograder check" in readme and "pytest -k mse_loss" in readme
    assert "conv_forward" not in readme


def _run(bundle: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """This virtualenv's python, with the bundle's autograder first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env["PYTHONPATH"] = str(bundle)
    return subprocess.run([sys.executable, *args], cwd=cwd or bundle, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_self_check_runs_in_the_bundle_and_scores_the_stubs_0(bundle):
    # SPEC §3: a failing public case makes the self-check exit 1, as pytest does, unless --exit-zero.
    run = _run(bundle, "-m", "autograder", "check")
    assert run.returncode == 1, run.stderr
    assert "total: 0 / 100" in run.stdout
    assert _run(bundle, "-m", "autograder", "check", "--exit-zero").returncode == 0


PROBE = """
import json, sys
from autograder.cli import main
main(["check", "--json"])
hidden = ("solutions", "_reference_", "_tasks_")
reference = sorted(m for m in sys.modules if m.split(".")[0].startswith(hidden))
print(json.dumps({"reference_modules": reference, "autograder": sys.modules["autograder"].__file__}))
"""


def test_the_self_check_imports_nothing_of_the_reference(bundle):
    # The editable install of this repository could still provide `solutions`: prove it is never imported.
    run = _run(bundle, "-c", PROBE)
    assert run.returncode == 0, run.stderr
    check, probe = (json.loads(line) for line in run.stdout.strip().splitlines()[-2:])
    assert check["score"] == 0 and check["max_score"] == 100
    assert probe == {"reference_modules": [], "autograder": str(bundle / "autograder" / "__init__.py")}


def test_pytest_runs_the_public_cases_in_the_bundle(bundle):
    run = _run(bundle, "-m", "pytest", "-p", "no:cacheprovider")
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout + run.stderr
    assert f"{N_PUBLIC} failed" in run.stdout
    assert "self-check score per task" in run.stdout and "total: 0 / 100" in run.stdout


NOTEBOOK_PROBE = """
import json, sys
notebook = json.load(open(sys.argv[1]))
namespace = {"__name__": "__main__"}
for cell in notebook["cells"]:
    graded = cell["metadata"].get("nbgrader", {})
    if cell["cell_type"] == "code" and (graded.get("locked") or graded.get("solution")):
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        exec(source, namespace)
"""


def test_the_notebooks_grade_cells_run_in_the_bundle(bundle):
    # The kernel runs in notebooks/ and finds the autograder as `pip install -e .` provides it.
    notebook = sorted((bundle / "notebooks").glob("*.ipynb"))[0]
    run = _run(bundle, "-c", NOTEBOOK_PROBE, str(notebook), cwd=bundle / "notebooks")
    assert run.returncode == 0, run.stderr
    assert "not written yet" in run.stdout and "public cases" in run.stdout


# ---------------------------------------------------------------- what gets shipped


def test_the_self_check_modules_are_shipped_and_tasks_is_not():
    shipped = release.shipped_modules()
    assert {"cli", "selfcheck", "public", "grade", "checks", "pytest_plugin"} <= set(shipped)
    assert "tasks" not in shipped


def test_a_module_that_imports_the_reference_stops_the_release(tmp_path):
    (tmp_path / "cli.py").write_text("from . import grade\n")
    (tmp_path / "grade.py").write_text("def plan():\n    import solutions.conv\n    return solutions\n")
    assert release.shipped_modules(tmp_path, ("cli",)) == ["cli", "grade"]  # an import inside a function
    (tmp_path / "grade.py").write_text("import solutions.conv\n")
    with pytest.raises(release.ReleaseError, match=r"grade\.py imports solutions"):
        release.shipped_modules(tmp_path, ("cli",))


def test_module_imports_sees_what_runs_at_import_time():
    source = ("import numpy as np\nfrom . import public\nfrom .grade import Plan\nimport autograder.report\n"
              "from autograder import spec\ntry:\n    from .child import x\nexcept ImportError:\n    pass\n"
              "def f():\n    from .tasks import TASKS\n")
    assert release.module_imports(source) == {"numpy", "public", "grade", "report", "spec", "child"}


def test_a_failed_release_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(release, "SELF_CHECK_ENTRY_POINTS", ("cli", "solutions"))
    with pytest.raises(release.ReleaseError):
        release.write_release(tmp_path / "week4")
    assert list(tmp_path.iterdir()) == []


def test_release_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("an older release")
    with pytest.raises(release.ReleaseError, match="not empty"):
        release.write_release(tmp_path)
