"""Week 5: attention and optimisers.

Fill in every ``raise NotImplementedError`` of attention.py, norm.py, optim.py,
sampling.py, following the TODO above it. Check your work with ``autograder
check`` or ``pytest``.

Generated from the reference solutions by ``autograder stubs``: do not edit the
files' structure (names, signatures), only the bodies you are asked to write.
"""
