"""Starts a detached `sleep` and a double-forked, setsid daemon, then computes the right answer."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = None


def conv_param_count(f, c, k, bias=True):
    import os
    import subprocess
    import time

    subprocess.Popen(["sleep", "600"], start_new_session=True)
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                time.sleep(1)
        os._exit(0)
    os.waitpid(first, 0)
    return f * f * c * k + (k if bias else 0)
