"""An endless loop in one case: stopped at the wall-clock limit, it costs that case only."""

MODULE = "basics"
TASK = "basics.sgd_step"
REASON = r"did not finish within"
FAILED_CASES = 1


def sgd_step(params, grads, lr):
    if len(params) == 1:
        while True:
            pass
    return [p - lr * g for p, g in zip(params, grads)]
