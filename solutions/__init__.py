"""Reference solutions of week 4 (convolutional and recurrent networks).

Every graded function keeps its computation between ``# BEGIN SOLUTION`` and
``# END SOLUTION``; ``autograder stubs`` turns these blocks into the student
stubs in ``assignments/``. The comment lines that open a block (``# TODO ...``)
are the hint that the stub keeps.
"""
