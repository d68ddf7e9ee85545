"""Every graded task of week 5: its points, its check and its cases. The one place.

The format is week 4's (see week4/tasks.py and the README, "For instructors"): a
case names the function's arguments; an argument left out takes its default, a
keyword-only one (``eps``) is passed by name. Options beyond week 4's:

- ``state``: the arguments the function must update IN PLACE (batch norm's
  ``bn_param``, an optimiser's ``config``), compared after the call with the
  reference's; every other argument must stay unchanged.
- the ``properties`` check: a random function judged by its draws (shape and
  dtype, reproducibility from ``rng``, independence from numpy's global
  generator, the distribution against the reference's draws), not by values.
- ``hints`` may name the week's own diagnoses, defined in ``checks.py``.

Every family of hidden case (a mask, Tq != Tk, batch and length 1, large scores,
a first and a later optimiser step, each raise) has a public one, so that a
mistake the grade sees, the self-check sees too.
"""

from __future__ import annotations

from autograder.spec import Bools, Case, Positive, Rand, Seed, Task, Uniform


def _attention(n, tq, tk, d, dv, mask=None, label="", scale=1.0, public=False) -> Case:
    """q (N, Tq, D), k (N, Tk, D), v (N, Tk, Dv); ``mask``: the probability that a key is visible."""
    args = {"q": Rand((n, tq, d), scale), "k": Rand((n, tk, d), scale), "v": Rand((n, tk, dv))}
    if mask is not None:
        args["mask"] = Bools((n, tq, tk), mask)
    shapes = f"N={n}, Tq={tq}, Tk={tk}, D={d}, Dv={dv}"
    return Case(args, f"{shapes}, {label or ('a mask' if mask is not None else 'no mask')}", public)


def _layernorm(shape, label="", public=False, raises=None, **eps) -> Case:
    d = shape[-1]
    return Case({"x": Rand(shape), "gamma": Rand((d,)), "beta": Rand((d,)), **eps},
                label or f"x{shape}" + (f", eps={eps['eps']}" if eps else ""), public, raises)


def _batchnorm(n, d, mode, label, public=False, raises=None, **state) -> Case:
    """bn_param: the mode, and ``state`` (momentum, eps, running statistics) where given."""
    return Case({"x": Rand((n, d), 2.0), "gamma": Rand((d,)), "beta": Rand((d,)),
                 "bn_param": {"mode": mode, **state}}, f"x({n}, {d}), {label}", public, raises)


def _running(d) -> dict:
    return {"running_mean": Rand((d,)), "running_var": Positive((d,))}


def _step(shape, config, label, public=False, raises=None, dw=None) -> Case:
    return Case({"w": Rand(shape), "dw": Rand(dw or shape), "config": config}, f"w{shape}, {label}",
                public, raises)


ATTENTION_CASES = (
    _attention(2, 3, 3, 4, 5, public=True),
    _attention(2, 4, 6, 3, 2, mask=0.7, label="a mask, Tq != Tk", public=True),
    _attention(1, 1, 1, 2, 3, label="batch 1, one query and one key", public=True),
    _attention(2, 3, 5, 4, 3, mask=0.2, label="a sparse mask: many queries see one key or none", public=True),
    _attention(1, 2, 3, 4, 2, mask=0.0, label="a mask that hides every key: out is zero", public=True),
    _attention(3, 5, 4, 8, 4, mask=0.6),
    _attention(1, 4, 4, 5, 3),
    _attention(2, 6, 2, 3, 3, mask=0.5, label="a mask, Tq > Tk"),
    _attention(2, 5, 2, 3, 4, mask=0.3, label="a sparse mask, Tq > Tk"),
)
LAYERNORM_CASES = (
    _layernorm((4, 5), public=True),
    _layernorm((2, 3, 6), label="a batch of sequences x(2, 3, 6)", public=True),
    _layernorm((3, 4), public=True, eps=0.1),
    _layernorm((1, 7), label="one example x(1, 7)"),
    _layernorm((2, 5, 3)),
    _layernorm((6, 8), eps=1e-3),
)
ATTENTION_HINTS = ("attention_variant", "zero")
GRAD_HINTS = ("zero", "sign", "factor")
NORM_HINTS = ("norm_variant", "zero", "must_refuse")  # must_refuse: why a case's inputs must be refused
STEP_HINTS = ("optimiser_step", "zero", "must_refuse")

TASKS: tuple[Task, ...] = (
    # --- attention -----------------------------------------------------------------------------
    Task("attention.scaled_dot_product_attention_forward", 14, "value", ATTENTION_CASES + (
        _attention(2, 3, 4, 4, 3, scale=40.0, label="large scores (overflow without the max-shift)",
                   public=True),
        _attention(1, 2, 5, 6, 2, mask=0.6, scale=30.0, label="large scores and a mask"),
    ), {"returns": ("out", "cache"), "hints": ATTENTION_HINTS}),
    Task("attention.scaled_dot_product_attention_backward", 16, "backward", ATTENTION_CASES,
         {"forward": "attention.scaled_dot_product_attention_forward", "returns": ("out", "cache"),
          "wrt": ("q", "k", "v"), "hints": ("attention_scale", "zero", "sign", "factor")}),
    Task("attention.positional_encoding", 5, "value", (
        Case({"T": 4, "D": 6}, "T=4, D=6", public=True),
        Case({"T": 1, "D": 8}, "one position", public=True),
        Case({"T": 7, "D": 5}, "an odd D: the last column is a sine", public=True),
        Case({"T": 10, "D": 16}, "T=10, D=16"),
        Case({"T": 50, "D": 64}, "T=50, D=64"),
        Case({"T": 3, "D": 1}, "D=1: a single sine column"),
    ), {"returns": "pe", "hints": ("sin_cos_swapped", "zero")}),
    # --- normalisation and activations ---------------------------------------------------------
    Task("norm.layernorm_forward", 8, "value", LAYERNORM_CASES + (
        _layernorm((3, 4), label="eps=0.0", public=True, raises="ValueError", eps=0.0),
        _layernorm((2, 6), label="eps=-0.1", raises="ValueError", eps=-0.1),
    ), {"returns": ("out", "cache"), "hints": ("eps_outside_sqrt", *NORM_HINTS)}),
    Task("norm.layernorm_backward", 12, "backward", LAYERNORM_CASES,
         {"forward": "norm.layernorm_forward", "returns": ("out", "cache"), "wrt": ("x", "gamma", "beta"),
          "hints": ("summed_axes",) + GRAD_HINTS}),
    Task("norm.batchnorm_forward", 10, "value", (
        _batchnorm(5, 4, "train", "training, a new bn_param (the defaults)", public=True),
        _batchnorm(6, 3, "train", "training, running statistics and momentum 0.8", public=True,
                   momentum=0.8, eps=1e-3, **_running(3)),
        _batchnorm(4, 5, "test", "test mode: the running statistics", public=True, **_running(5)),
        _batchnorm(1, 3, "train", "training on a batch of 1", public=True, **_running(3)),
        _batchnorm(10, 3, "train", "training, running statistics", momentum=0.95, **_running(3)),
        _batchnorm(8, 6, "test", "test mode, eps 0.01", eps=0.01, **_running(6)),
        _batchnorm(7, 2, "train", "training, a new bn_param with momentum 0.5", momentum=0.5),
        _batchnorm(3, 4, "eval", 'mode "eval"', public=True, raises="ValueError", **_running(4)),
        _batchnorm(3, 4, "Train", 'mode "Train"', raises="ValueError"),
    ), {"returns": ("out", "cache"), "state": ("bn_param",), "hints": NORM_HINTS}),
    Task("norm.activation", 5, "value", (
        Case({"x": Rand((3, 4)), "kind": "relu"}, "relu", public=True),
        Case({"x": Rand((2, 5)), "kind": "tanh"}, "tanh", public=True),
        Case({"x": Rand((4, 4), 3.0), "kind": "gelu"}, "gelu", public=True),
        Case({"x": Rand((6,), 3.0)}, "the default kind (gelu)"),
        Case({"x": Rand((2, 3, 4), 10.0), "kind": "gelu"}, "gelu on large inputs"),
        Case({"x": Rand((3,)), "kind": "swish"}, 'kind "swish"', public=True, raises="ValueError"),
        Case({"x": Rand((3,)), "kind": "GELU"}, 'kind "GELU"', raises="ValueError"),
    ), {"returns": "out", "hints": ("zero", "must_refuse")}),
    # --- optimisers ----------------------------------------------------------------------------
    Task("optim.sgd_momentum", 6, "value", (
        _step((3, 4), {"learning_rate": 0.1, "momentum": 0.9}, "a first step", public=True),
        _step((4, 2), {"learning_rate": 0.05, "momentum": 0.8, "velocity": Rand((4, 2))}, "a later step",
              public=True),
        _step((5,), {}, "a first step with the defaults"),
        _step((2, 3, 4), {"learning_rate": 0.01, "momentum": 0.99, "velocity": Rand((2, 3, 4))},
              "a later step, momentum 0.99"),
        _step((3, 4), {"learning_rate": 0.1}, "dw of shape (4,)", public=True, raises="ValueError", dw=(4,)),
        _step((2, 5), {}, "dw of shape (1, 5)", raises="ValueError", dw=(1, 5)),
    ), {"returns": ("next_w", "config"), "state": ("config",), "hints": STEP_HINTS}),
    Task("optim.adam", 10, "value", (
        _step((3, 4), {"learning_rate": 1e-2}, "a first step", public=True),
        _step((4, 3), {"learning_rate": 1e-2, "beta1": 0.8, "beta2": 0.99, "m": Rand((4, 3), 0.1),
                       "v": Positive((4, 3), 0.01), "t": 5}, "a later step (t = 5)", public=True),
        _step((6,), {}, "a first step with the defaults"),
        _step((2, 3, 2), {"learning_rate": 3e-3, "m": Rand((2, 3, 2), 0.1), "v": Positive((2, 3, 2), 0.01),
                          "t": 100}, "a later step (t = 100)"),
        _step((3, 4), {"beta1": 1.0}, "beta1 = 1", public=True, raises="ValueError"),
        _step((3, 4), {"beta2": 1.0}, "beta2 = 1", raises="ValueError"),
    ), {"returns": ("next_w", "config"), "state": ("config",), "hints": STEP_HINTS}),
    # --- sampling and initialisation: judged by their properties ---------------------------------
    Task("sampling.sample_tokens", 8, "properties", (
        Case({"logits": Rand((5,), 2.0), "rng": Seed(1), "num_samples": 1000}, "V=5, temperature 1",
             public=True),
        Case({"logits": Rand((6,), 2.0), "rng": Seed(2), "temperature": 2.0, "num_samples": 1000},
             "V=6, temperature 2", public=True),
        Case({"logits": Rand((8,), 2.0), "rng": Seed(3), "temperature": 0.5, "num_samples": 1000},
             "V=8, temperature 0.5"),
        Case({"logits": Uniform((4,), 2998.0, 3001.0), "rng": Seed(4), "temperature": 3.0,
              "num_samples": 1000}, "large logits (overflow without the max-shift)", public=True),
        Case({"logits": Rand((10,)), "rng": Seed(5), "temperature": 1.5, "num_samples": 1000},
             "V=10, temperature 1.5"),
        Case({"logits": Uniform((6,), 1000.0, 1004.0), "rng": Seed(8), "num_samples": 1000},
             "large logits, temperature 1"),
        Case({"logits": Rand((5,)), "rng": Seed(6), "temperature": 0.0, "num_samples": 10}, "temperature 0",
             public=True, raises="ValueError"),
        Case({"logits": Rand((5,)), "rng": Seed(7), "temperature": -1.0, "num_samples": 10},
             "temperature -1", raises="ValueError"),
    ), {"returns": "ids", "hints": ("must_refuse",)}),
    Task("sampling.kaiming_init", 6, "properties", (
        Case({"fan_in": 64, "fan_out": 16, "rng": Seed(11)}, "fan_in 64, fan_out 16", public=True),
        Case({"fan_in": 16, "fan_out": 64, "rng": Seed(12)}, "fan_in 16, fan_out 64", public=True),
        Case({"fan_in": 48, "fan_out": 48, "rng": Seed(13)}, "fan_in = fan_out = 48"),
        Case({"fan_in": 200, "fan_out": 20, "rng": Seed(14)}, "fan_in 200, fan_out 20"),
    ), {"returns": "W"}),
)
