"""Forks processes that each hold 700 MB (under the per-process limit) to hold gigabytes at once."""

MODULE = "basics"
TASK = "basics.sgd_step"
REASON = r"BlockingIOError|MemoryError|died"
REQUIRES = ("process_limit",)
FAILED_CASES = 1


def sgd_step(params, grads, lr):
    import os
    import time

    if len(params) == 1:
        children = []
        for _ in range(8):
            pid = os.fork()
            if pid == 0:
                hold = np.ones(700 * 2**20 // 8)
                time.sleep(30)
                os._exit(int(hold[0]))
            children.append(pid)
        hold = np.ones(700 * 2**20 // 8)
        time.sleep(30)
    return [p - lr * g for p, g in zip(params, grads)]
