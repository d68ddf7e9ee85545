"""os._exit(0) in the middle of a call: no exception to catch, the worker just ends."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = r"exited \(status 0\) in the middle of a call"


def conv_param_count(f, c, k, bias=True):
    import os

    os._exit(0)
