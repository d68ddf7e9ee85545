"""The bug corpora: every realistic mistake costs points on its own task, and only where it should,
and the feedback of its first failing case names the symptom.

Each assignment has its corpus (``bugcorpus.CORPORA``: week 4's ``tests/bugs/``, week 5's
``tests/bugs_week5/``). Each bug is spliced into its assignment's reference and graded in-process
with the hidden cases. Only the tasks the bug can reach are graded: those of its module and of the
modules that import it (``char_rnn`` imports ``rnn``); every other module is the reference's, which
scores full marks (``test_reference_scores_full``), so grading it again would only cost time.
"""

from __future__ import annotations

import ast
import functools

import pytest
from bugcorpus import CORPORA, load_bugs, reference_source, write_submission

from autograder import public
from autograder.assignment import Assignment
from autograder.grade import GradeResult, Plan, grade_submission, hidden_plan
from autograder.selfcheck import run_selfcheck
from tests.week4 import WEEK4

ASSIGNMENTS = {name: assignment for name, (assignment, _) in CORPORA.items()}
CORPUS = {name: load_bugs(folder) for name, (_, folder) in CORPORA.items()}
BUGS = [(ASSIGNMENTS[name], bug) for name, bugs in CORPUS.items() for bug in bugs]
SMALLEST = {"week4": 50, "week5": 22}  # how many bugs each corpus holds at least


@functools.cache
def reached_modules(module: str, assignment: Assignment = WEEK4) -> frozenset[str]:
    """``module`` and every reference module that imports it, directly or through another."""
    reached = {module}
    changed = True
    while changed:
        changed = False
        for other in assignment.modules:
            tree = ast.parse((assignment.reference / f"{other}.py").read_text())
            imports = {node.module for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom) and node.level}
            if other not in reached and imports & reached:
                reached.add(other)
                changed = True
    return frozenset(reached)


def plan_for(module: str, plan: Plan | None = None, assignment: Assignment = WEEK4) -> Plan:
    return [(task, cases) for task, cases in plan or hidden_plan(assignment)
            if task.module in reached_modules(module, assignment)]


@functools.cache
def public_plan(assignment: Assignment = WEEK4) -> Plan:
    return public.load_plan(assignment.public_cases)


def lost(result: GradeResult) -> set[str]:
    return {task.name for task in result.tasks if task.score < task.max_score}


@pytest.mark.parametrize("corpus", CORPUS)
def test_the_corpus_is_complete_and_well_formed(corpus):
    assignment, by_name = ASSIGNMENTS[corpus], ASSIGNMENTS[corpus].by_name
    assert len(CORPUS[corpus]) >= SMALLEST[corpus]
    for bug in CORPUS[corpus]:
        assert bug.description, f"{bug.name}: say in a docstring what the student got wrong"
        assert bug.task in by_name and by_name[bug.task].module == bug.module, bug.name
        assert all(name in by_name for name in bug.also), bug.name
        assert bug.task not in bug.also, bug.name
        defined = {node.name for node in ast.parse(reference_source(bug.module, assignment)).body
                   if isinstance(node, ast.FunctionDef)}
        assert set(bug.functions) <= defined, f"{bug.name} replaces a function {bug.module}.py does not have"


def test_reached_modules_follow_the_imports():
    assert reached_modules("rnn") == {"rnn", "char_rnn"}
    assert reached_modules("conv") == {"conv"}


@pytest.mark.parametrize(("assignment", "bug"), BUGS, ids=[f"{a.name}-{bug.name}" for a, bug in BUGS])
def test_bug_is_caught_on_its_task_only_and_named(assignment, bug, tmp_path):
    submission = write_submission(tmp_path / bug.name, [bug], assignment)
    result = grade_submission(submission, isolated=False, plan=plan_for(bug.module, assignment=assignment),
                              assignment=assignment)
    assert lost(result) == {bug.task, *bug.also}, "TASK and ALSO must be exactly the tasks that lose points"
    task = next(t for t in result.tasks if t.name == bug.task)
    first = next(case for case in task.cases if not case.passed)
    feedback = f"{first.message}\n{first.hint}"
    assert bug.symptom.lower() in feedback.lower(), f"the first failing case of {bug.task} says:\n{feedback}"
    # The self-check tells the truth: what the grade sees, the student's `autograder check` sees too.
    checked = run_selfcheck(submission, plan_for(bug.module, public_plan(assignment), assignment))
    checked_task = next(t for t in checked.tasks if t.name == bug.task)
    assert checked_task.passed < len(checked_task.cases), f"no public case of {bug.task} fails"


@pytest.mark.parametrize("corpus", CORPUS)
def test_reference_scores_full(corpus, tmp_path):
    assignment = ASSIGNMENTS[corpus]
    result = grade_submission(write_submission(tmp_path / "reference", assignment=assignment), isolated=False,
                              assignment=assignment)
    assert result.score == result.max_score == assignment.total_points == 100
    assert not result.problems


@pytest.mark.parametrize("corpus", CORPUS)
def test_untouched_stubs_score_zero(corpus):
    assignment = ASSIGNMENTS[corpus]
    result = grade_submission(assignment.stubs, isolated=False, assignment=assignment)
    assert result.score == 0 and result.max_score == 100
    assert all(case.message for task in result.tasks for case in task.cases)
