"""The practice's own check and hint: what the engine's generic ones do not know."""

import numpy as np

from autograder.checks import Context, Failed, check, kind_of
from autograder.hints import Clue, close, hint
from autograder.spec import Case, Task


@check("unit_rows")
def unit_rows(ctx: Context, task: Task, case: Case, inputs: dict, expected: dict) -> None:
    """Judged by what any right answer is: rows of length 1 pointing where x's rows point."""
    x = inputs["x"]
    out = ctx.call(task.name, inputs).value
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise Failed(f"out should be an ndarray of shape {x.shape}; it is {kind_of(out)}.")
    lengths = np.linalg.norm(out, axis=1)
    if not np.allclose(lengths, 1):
        raise Failed(f"the rows of out have lengths from {lengths.min():.3g} to {lengths.max():.3g}, not 1.",
                     "divide each row by its own norm: np.linalg.norm(x, axis=1, keepdims=True).")
    if not np.allclose(np.sum(out * x, axis=1), np.linalg.norm(x, axis=1)):
        raise Failed("the rows of out do not point where the rows of x point.")


@hint("no_slope")
def no_slope(got, want, clue: Clue):
    """The negative side set to zero where it should be slope * x."""
    x = clue.inputs.get("x")
    if x is not None and np.any(want < 0) and close(got, np.maximum(x, 0)):
        return "the negative inputs became 0: a leaky ReLU multiplies them by slope (keyword-only)."
