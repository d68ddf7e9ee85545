"""Gradient descent that climbs: the step adds the gradient instead of subtracting it."""

MODULE = "basics"
TASK = "basics.sgd_step"
SYMPTOM = "wrong sign"


def sgd_step(params, grads, lr):
    if len(params) != len(grads):
        raise ValueError(f"sgd_step: {len(params)} params but {len(grads)} grads")
    new_params = []
    for p, g in zip(params, grads):
        new_params.append(p + lr * g)
    return new_params
