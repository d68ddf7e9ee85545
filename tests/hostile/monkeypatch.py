"""Patches numpy's comparisons and builtins so that everything looks equal, then returns a wrong loss.

The patches live in the worker of this case only (they may break its replies: the case fails
either way). The grader compares in its own process, and the next cases run in fresh workers.
"""

MODULE = "basics"
TASK = "basics.mse_loss"
REASON = r"loss is|malformed result|exited"


def mse_loss(y_pred, y):
    import builtins

    for name in ("allclose", "isclose", "array_equal", "array_equiv", "all", "any", "isfinite"):
        setattr(np, name, lambda *args, **kwargs: True)
    np.ndarray = type("Fake", (), {})
    builtins.isinstance = lambda *args: True
    builtins.len = lambda *args: 0
    builtins.print = lambda *args, **kwargs: None
    return 0.0, np.zeros(y.shape)
