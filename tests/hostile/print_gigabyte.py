"""Prints a gigabyte: its writes fail at the file size limit (File too large), its output is cut for the feedback."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = r"File too large"


def conv_param_count(f, c, k, bias=True):
    import sys

    line = "x" * 2**20
    for _ in range(1024):
        sys.stdout.write(line)
    return f * f * c * k + (k if bias else 0)
