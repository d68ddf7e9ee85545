"""Week 4, the default assignment, as the tests see it: its tasks, its reference, its stubs."""

from autograder.assignment import current
from autograder.grade import exercises

WEEK4 = current()
TASKS, BY_NAME, TOTAL_POINTS = WEEK4.tasks, WEEK4.by_name, WEEK4.total_points
SOLUTIONS, ASSIGNMENTS, MODULES = WEEK4.reference, WEEK4.stubs, WEEK4.modules
LECTURES = WEEK4.lectures
BY_MODULE = {lecture.module: lecture for lecture in LECTURES}
EXERCISES = exercises(WEEK4)  # what a submission is searched for
