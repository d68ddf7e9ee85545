"""The bug corpus: every realistic mistake costs points on its own task, and only where it should,
and the feedback of its first failing case names the symptom.

Each bug of ``tests/bugs/`` is spliced into the reference and graded in-process with the hidden
cases. Only the tasks the bug can reach are graded: those of its module and of the modules that
import it (``char_rnn`` imports ``rnn``); every other module is the reference's, which scores full
marks (``test_reference_scores_full``), so grading it again would only cost time.
"""

from __future__ import annotations

import ast
import functools

import pytest
from bugcorpus import load_bugs, reference_source, write_submission

from autograder import public
from autograder.grade import GradeResult, Plan, grade_submission, hidden_plan
from autograder.selfcheck import run_selfcheck
from tests.week4 import ASSIGNMENTS, BY_NAME, MODULES, SOLUTIONS, TOTAL_POINTS

BUGS = load_bugs()


@functools.cache
def reached_modules(module: str) -> frozenset[str]:
    """``module`` and every reference module that imports it, directly or through another."""
    reached = {module}
    changed = True
    while changed:
        changed = False
        for other in MODULES:
            tree = ast.parse((SOLUTIONS / f"{other}.py").read_text())
            imports = {node.module for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom) and node.level}
            if other not in reached and imports & reached:
                reached.add(other)
                changed = True
    return frozenset(reached)


def plan_for(module: str, plan: Plan | None = None) -> Plan:
    return [(task, cases) for task, cases in plan or hidden_plan() if task.module in reached_modules(module)]


@functools.cache
def public_plan() -> Plan:
    return public.load_plan()


def lost(result: GradeResult) -> set[str]:
    return {task.name for task in result.tasks if task.score < task.max_score}


def test_the_corpus_is_complete_and_well_formed():
    assert len(BUGS) >= 50
    for bug in BUGS:
        assert bug.description, f"{bug.name}: say in a docstring what the student got wrong"
        assert bug.task in BY_NAME and BY_NAME[bug.task].module == bug.module, bug.name
        assert all(name in BY_NAME for name in bug.also), bug.name
        assert bug.task not in bug.also, bug.name
        defined = {node.name for node in ast.parse(reference_source(bug.module)).body
                   if isinstance(node, ast.FunctionDef)}
        assert set(bug.functions) <= defined, f"{bug.name} replaces a function {bug.module}.py does not have"


def test_reached_modules_follow_the_imports():
    assert reached_modules("rnn") == {"rnn", "char_rnn"}
    assert reached_modules("conv") == {"conv"}


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_bug_is_caught_on_its_task_only_and_named(bug, tmp_path):
    result = grade_submission(write_submission(tmp_path / bug.name, [bug]), isolated=False,
                              plan=plan_for(bug.module))
    assert lost(result) == {bug.task, *bug.also}, "TASK and ALSO must be exactly the tasks that lose points"
    task = next(t for t in result.tasks if t.name == bug.task)
    first = next(case for case in task.cases if not case.passed)
    feedback = f"{first.message}\n{first.hint}"
    assert bug.symptom.lower() in feedback.lower(), f"the first failing case of {bug.task} says:\n{feedback}"
    # The self-check tells the truth: what the grade sees, the student's `autograder check` sees too.
    checked = run_selfcheck(tmp_path / bug.name, plan_for(bug.module, public_plan()))
    checked_task = next(t for t in checked.tasks if t.name == bug.task)
    assert checked_task.passed < len(checked_task.cases), f"no public case of {bug.task} fails"


def test_reference_scores_full(tmp_path):
    result = grade_submission(write_submission(tmp_path / "reference"), isolated=False)
    assert result.score == result.max_score == TOTAL_POINTS == 100
    assert not result.problems


def test_untouched_stubs_score_zero():
    result = grade_submission(ASSIGNMENTS, isolated=False)
    assert result.score == 0 and result.max_score == 100
    assert all(case.message for task in result.tasks for case in task.cases)
