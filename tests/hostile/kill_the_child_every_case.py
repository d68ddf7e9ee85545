"""Kills the sandbox's child (its worker's parent) on every case of a task with twelve cases.

Each kill ends the child, so bubblewrap's namespace init ends too, after its launcher: an
orphan. Unreaped, each one stayed a zombie counted against the sandbox cgroup's process
limit, until no new child could fork ("Can't fork for pid 1") and the grader crashed. Every
child the grader starts must be reaped: each case fails alone, the next start works.
"""

MODULE = "conv"
TASK = "conv.conv_output_size"
REASON = r"died with SIGKILL|ended in the middle of a call|exited"
# The conv and pooling passes call conv_output_size: they die with it (some thirty deaths in all).
ALSO = ("conv.conv_forward", "conv.conv_backward", "conv.max_pool_forward", "conv.max_pool_backward")


def conv_output_size(n, f, pad=0, stride=1):
    import os
    import signal

    os.kill(os.getppid(), signal.SIGKILL)
