"""A fork bomb in one case: bounded by the process limit, stopped at the wall clock, all of it killed."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = r"did not finish within"
FAILED_CASES = 1


def conv_param_count(f, c, k, bias=True):
    import os

    if k == 32:
        while True:
            try:
                os.fork()
            except OSError:
                pass
    return f * f * c * k + (k if bias else 0)
