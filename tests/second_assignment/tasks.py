"""The graded tasks of the ReLU practice: 2 functions, 10 points."""

from autograder.spec import Case, Rand, Task


def _x(n: int, d: int, public: bool = False) -> Case:
    return Case({"x": Rand((n, d))}, f"x({n}, {d})", public)


TASKS = (
    Task("layers.relu_forward", 4, "value", (_x(3, 4, public=True), _x(1, 7), _x(5, 2)),
         {"returns": ("out", "cache")}),
    Task("layers.relu_backward", 6, "backward", (_x(3, 4, public=True), _x(1, 7), _x(5, 2)),
         {"forward": "layers.relu_forward", "returns": ("out", "cache"), "wrt": ("x",)}),
)
