"""Allocates 32 GB: refused by the memory limit with a MemoryError, the grader untouched."""

MODULE = "basics"
TASK = "basics.sgd_step"
REASON = r"MemoryError"


def sgd_step(params, grads, lr):
    hog = np.ones((2**16, 2**16))
    return [p - lr * g + hog[0, 0] for p, g in zip(params, grads)]
