"""Kills its parent, then every process it can see, then computes the right answer.

The grader must survive: the child runs as another uid than the grader, so its
signals reach only its own processes. Where the child is process 1 of its pid
namespace they cannot even reach that; elsewhere killing the child costs this
case (REASON is None: the outcome depends on the platform).
"""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = None


def conv_param_count(f, c, k, bias=True):
    import os
    import signal

    for target in (os.getppid(), 1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                os.kill(int(name), signal.SIGKILL)
            except OSError:
                pass
    return f * f * c * k + (k if bias else 0)
