"""The update is done in place (p -= ...): the caller's parameters change under its feet."""

MODULE = "basics"
TASK = "basics.sgd_step"
SYMPTOM = "in place"


def sgd_step(params, grads, lr):
    if len(params) != len(grads):
        raise ValueError(f"sgd_step: {len(params)} params but {len(grads)} grads")
    for p, g in zip(params, grads):
        p -= lr * g
    return params
