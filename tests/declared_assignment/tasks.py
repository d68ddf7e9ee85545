"""The graded tasks of the practice: 4 functions, 12 points."""

from autograder.spec import Case, Positive, Rand, Seed, Task

TASKS = (
    Task("layers.leaky_relu", 3, "value", (
        Case({"x": Rand((3, 4)), "slope": 0.1}, "slope 0.1", public=True),
        Case({"x": Rand((5,)), "mode": "relu"}, "mode relu, slope left out"),
        Case({"x": Rand((2, 6)), "slope": 0.5, "mode": "leaky"}, "slope 0.5"),
    ), {"returns": "out", "hints": ("zero", "no_slope")}),
    Task("layers.momentum_step", 3, "value", (
        Case({"w": Rand((4,)), "dw": Rand((4,)), "config": {"lr": 0.1, "momentum": 0.9,
                                                            "velocity": Rand((4,))}}, "D=4", public=True),
        Case({"w": Rand((6,)), "dw": Rand((6,)), "config": {"lr": 0.01, "momentum": 0.5,
                                                            "velocity": Rand((6,))}}, "D=6"),
    ), {"returns": "next_w", "state": ("config",)}),
    Task("layers.gaussian_noise", 3, "properties", (
        Case({"shape": (30, 40), "std": 2.0, "rng": Seed(3)}, "(30, 40), std 2", public=True),
        Case({"shape": (500,), "std": 0.5, "rng": Seed(4)}, "(500,), std 0.5"),
    ), {"returns": "noise"}),
    Task("layers.unit_rows", 3, "unit_rows", (
        Case({"x": Positive((3, 5))}, "x(3, 5)", public=True),
        Case({"x": Rand((4, 2))}, "x(4, 2)"),
    )),
)
