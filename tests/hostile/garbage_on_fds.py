"""Writes garbage to every file descriptor it has (its reply pipe among them), then computes the right answer."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = r"malformed result"


def conv_param_count(f, c, k, bias=True):
    import os

    for fd in range(3, 64):
        try:
            os.write(fd, b"\xff" * 64)
        except OSError:
            pass
    return f * f * c * k + (k if bias else 0)
