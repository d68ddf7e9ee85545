"""`pytest` in a student's checkout runs the public cases, judged as `autograder check` judges them.

Each test builds the checkout as the release lays it out (its conftest.py and pyproject.toml,
``assignments/`` with public_cases.bin) in pytester's temporary folder, fills
``assignments/`` with some code and runs pytest on it in-process.
"""

import shutil
from pathlib import Path

import bugcorpus
import pytest

from autograder import public, release
from tests.week4 import ASSIGNMENTS, MODULES, SOLUTIONS

pytest_plugins = ["pytester"]

PLAN = public.load_plan()
N_PUBLIC = sum(len(cases) for _, cases in PLAN)
CONV_FORWARD_CASES = next(len(cases) for task, cases in PLAN if task.name == "conv.conv_forward")


@pytest.fixture
def checkout(pytester: pytest.Pytester):
    """fill(folder): a student's checkout whose assignments/ holds the modules of ``folder``."""
    pytester.makeconftest(release.CONFTEST)
    pytester.makepyprojecttoml(release.PYPROJECT)
    assignments = pytester.mkdir("assignments")
    shutil.copy(public.default_path(), assignments)

    def fill(folder: Path) -> None:
        for module in MODULES:
            shutil.copy(folder / f"{module}.py", assignments)

    return fill


def test_the_reference_passes_every_public_case(pytester, checkout):
    checkout(SOLUTIONS)
    result = pytester.runpytest()
    result.assert_outcomes(passed=N_PUBLIC)
    result.stdout.fnmatch_lines(["*self-check score per task (public cases only)*", "total: 100 / 100"])


def test_the_stubs_fail_every_case_as_not_written_yet(pytester, checkout):
    checkout(ASSIGNMENTS)
    result = pytester.runpytest()
    result.assert_outcomes(failed=N_PUBLIC)
    output = result.stdout.str()
    failures = output.split("= FAILURES =")[1].split("self-check score per task")[0]
    assert failures.count("is not written yet: it raised NotImplementedError.") == N_PUBLIC
    # a clean explanation, not the grader's traceback
    assert "Traceback" not in failures and "grade.py" not in failures and "def runtest" not in failures
    result.stdout.fnmatch_lines(["*conv.conv_forward*0/8*", "total: 0 / 100"])


def test_dash_k_selects_the_cases_of_one_task(pytester, checkout):
    # The test's name must not contain "conv_forward": -k also matches the temporary folder's name.
    checkout(SOLUTIONS)
    result = pytester.runpytest("-k", "conv_forward", "-v")
    result.assert_outcomes(passed=CONV_FORWARD_CASES)
    result.stdout.fnmatch_lines(["assignments/public_cases.bin::conv::conv_forward[[]x(2, 3, 7, 7)* PASSED*",
                                 "total: 8 / 8"])
    assert "conv.conv_backward" not in result.stdout.str()


def test_a_failing_case_shows_its_message_and_hint(pytester, checkout, tmp_path):
    summed = bugcorpus.load_bug(bugcorpus.BUGS_DIR / "basics_mse_summed.py")
    buggy = bugcorpus.write_submission(tmp_path / "buggy", [summed])
    checkout(buggy)
    result = pytester.runpytest("-k", "mse_loss")
    result.assert_outcomes(failed=1, passed=1)  # its raise case (mismatched shapes) passes
    result.stdout.fnmatch_lines([
        "*_ mse_loss[[]shape (4, 3)[]] _*",
        "loss is *; expected *",
        "hint: loss is 12 times the right value*",
        "*self-check score per task*",
    ])


def test_submission_option_checks_another_folder(pytester, checkout):
    checkout(ASSIGNMENTS)
    result = pytester.runpytest(f"--submission={SOLUTIONS}")
    result.assert_outcomes(passed=N_PUBLIC)
    assert str(SOLUTIONS) in result.stdout.str()  # the header says which folder is checked

    missing = pytester.runpytest("--submission=no/such/folder")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*--submission no/such/folder: no such folder*"])


def test_collecting_imports_no_student_code(pytester, checkout, tmp_path):
    (tmp_path / "crashing").mkdir()
    for module in MODULES:
        (tmp_path / "crashing" / f"{module}.py").write_text("raise SystemExit('imported while collecting')\n")
    checkout(tmp_path / "crashing")
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines([f"{N_PUBLIC} tests collected*"])
