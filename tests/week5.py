"""Week 5, the repository's second week (``week5/``), as the tests see it: its tasks, reference and stubs."""

from autograder.assignment import ROOT, load

WEEK5 = load(ROOT / "week5")
TASKS, BY_NAME, TOTAL_POINTS = WEEK5.tasks, WEEK5.by_name, WEEK5.total_points
SOLUTIONS, ASSIGNMENTS, MODULES = WEEK5.reference, WEEK5.stubs, WEEK5.modules
