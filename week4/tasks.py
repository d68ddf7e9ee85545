"""Every graded task of week 4: its points, its check and its cases. The one place.

A task is one graded function (``module.function``). Its score is the share of
its cases passed times its points; the week totals 100. A case lists the
function's arguments in signature order (see ``inputs``); ``public`` cases are
the ones a student's self-check runs (their expected values ship as data), the
others are hidden. ``raises`` marks a case where the function must raise that
exception. ``check`` names how a case is judged (the engine's ``value``,
``backward``, ``loss_grad``, or one of week 4's own in ``checks.py``); ``options``
are that check's settings:

- ``returns``: the names of the returned values (a single name: the function
  returns one value, not a tuple); ``cache`` is kept inside the student's process.
- ``forward``, ``wrt``, ``upstream`` (backward checks): the forward function (the
  one a case's arguments are for), the arguments to differentiate in the order the
  backward returns their gradients, and the forward outputs that receive an
  upstream gradient.
- ``hints``: names of the diagnoses tried on a wrong array: the engine's
  (``hints.DIAGNOSES``) or week 4's own (``checks.py``).

Adding an exercise: write the reference function between solution markers,
then add its Task here.
"""

from __future__ import annotations

from autograder.spec import Case, Ints, Rand, Seed, Task


def _conv(x, w, stride, pad, label="", public=False, raises=None) -> Case:
    return Case(
        {"x": Rand(x), "w": Rand(w), "b": Rand((w[0],)), "stride": stride, "pad": pad},
        label or f"x{x}, w{w}, stride {stride}, pad {pad}",
        public,
        raises,
    )


def _pool(x, size, stride, public=False, raises=None) -> Case:
    return Case({"x": Rand(x), "size": size, "stride": stride}, f"x{x}, size {size}, stride {stride}",
                public, raises)


def _affine(n, d, m, public=False) -> Case:
    return Case({"x": Rand((n, d)), "W": Rand((d, m)), "b": Rand((m,))}, f"N={n}, D={d}, M={m}", public)


def _rnn_step(n, d, h, public=False) -> Case:
    return Case({"x": Rand((n, d)), "prev_h": Rand((n, h)), "Wx": Rand((d, h), 0.5),
                 "Wh": Rand((h, h), 0.5), "b": Rand((h,))}, f"N={n}, D={d}, H={h}", public)


def _rnn_seq(n, t, d, h, public=False) -> Case:
    return Case({"x": Rand((n, t, d)), "h0": Rand((n, h)), "Wx": Rand((d, h), 0.5),
                 "Wh": Rand((h, h), 0.5), "b": Rand((h,))}, f"N={n}, T={t}, D={d}, H={h}", public)


def _lstm_step(n, d, h, public=False) -> Case:
    return Case({"x": Rand((n, d)), "prev_h": Rand((n, h)), "prev_c": Rand((n, h)),
                 "Wx": Rand((d, 4 * h), 0.5), "Wh": Rand((h, 4 * h), 0.5), "b": Rand((4 * h,))},
                f"N={n}, D={d}, H={h}", public)


def _lstm_seq(n, t, d, h, public=False) -> Case:
    return Case({"x": Rand((n, t, d)), "h0": Rand((n, h)), "Wx": Rand((d, 4 * h), 0.5),
                 "Wh": Rand((h, 4 * h), 0.5), "b": Rand((4 * h,))}, f"N={n}, T={t}, D={d}, H={h}", public)


def _char_params(v, h) -> dict[str, Rand]:
    return {"Wx": Rand((v, h), 0.5), "Wh": Rand((h, h), 0.5), "b": Rand((h,), 0.1),
            "Why": Rand((h, v), 0.5), "by": Rand((v,), 0.1)}


CONV_CASES = (
    _conv((2, 3, 7, 7), (4, 3, 3, 3), 1, 0, public=True),
    _conv((1, 2, 8, 6), (3, 2, 3, 2), 1, 1),
    _conv((2, 3, 7, 9), (2, 3, 3, 3), 2, 1, public=True),
    _conv((1, 1, 8, 11), (2, 1, 3, 3), 3, 2),
    _conv((2, 2, 5, 6), (3, 2, 2, 3), 1, 0, public=True),
    _conv((1, 3, 5, 5), (2, 3, 5, 5), 1, 0, label="F = N: a 1x1 output"),
)
POOL_CASES = (
    _pool((2, 3, 8, 8), 2, 2, public=True),
    _pool((1, 2, 7, 5), 3, 2),
    _pool((2, 1, 6, 9), 3, 3),
    _pool((1, 2, 5, 5), 2, 1, public=True),
)
# Every family of hidden case has a public one (stride > 1 with pad > 0, overlapping pooling, N = 1,
# T = 1, each raise), so that a mistake the grade sees, the self-check sees too.
RNN_STEP_CASES = (_rnn_step(3, 4, 5, public=True), _rnn_step(1, 2, 3, public=True), _rnn_step(4, 6, 2))
RNN_SEQ_CASES = (_rnn_seq(2, 4, 3, 5, public=True), _rnn_seq(3, 1, 2, 4, public=True), _rnn_seq(1, 6, 3, 3))
LSTM_STEP_CASES = (_lstm_step(3, 4, 5, public=True), _lstm_step(1, 2, 3, public=True), _lstm_step(4, 3, 2))
LSTM_SEQ_CASES = (_lstm_seq(2, 4, 3, 5, public=True), _lstm_seq(3, 1, 2, 4, public=True),
                  _lstm_seq(1, 5, 3, 3))
AFFINE_CASES = (_affine(4, 5, 3, public=True), _affine(1, 3, 2, public=True), _affine(6, 2, 7))
SEQ_HINTS = ("zero", "sign", "factor", "transposed", "early_steps", "last_step")
GRAD_HINTS = ("zero", "sign", "factor", "transposed")

TASKS: tuple[Task, ...] = (
    # --- basics: cost, gradient descent, computational graph ---------------------------------
    Task("basics.mse_loss", 3, "loss_grad", (
        Case({"y_pred": Rand((4, 3)), "y": Rand((4, 3))}, "shape (4, 3)", public=True),
        Case({"y_pred": Rand((1,)), "y": Rand((1,))}, "one element"),
        Case({"y_pred": Rand((2, 3, 5)), "y": Rand((2, 3, 5))}, "shape (2, 3, 5)"),
        # Shapes numpy broadcasts without a word: only the function's own check can refuse them.
        Case({"y_pred": Rand((4, 3)), "y": Rand((4, 1))}, "shapes (4, 3) and (4, 1) differ", public=True,
             raises="ValueError"),
    ), {"returns": ("loss", "dy_pred"), "wrt": ("y_pred",), "hints": GRAD_HINTS}),
    Task("basics.affine_forward", 3, "value", AFFINE_CASES,
         {"returns": ("out", "cache"), "hints": ("zero", "factor", "transposed")}),
    Task("basics.affine_backward", 4, "backward", AFFINE_CASES,
         {"forward": "basics.affine_forward", "returns": ("out", "cache"), "wrt": ("x", "W", "b"),
          "hints": GRAD_HINTS}),
    Task("basics.sgd_step", 2, "value", (
        Case({"params": [Rand((3, 2)), Rand((4,))], "grads": [Rand((3, 2)), Rand((4,))], "lr": 0.1},
             "two parameters, lr 0.1", public=True),
        Case({"params": [Rand((5,))], "grads": [Rand((5,))], "lr": 0.01}, "one parameter, lr 0.01"),
        Case({"params": [Rand((2, 2)), Rand((2,)), Rand((1,))], "grads": [Rand((2, 2)), Rand((2,)),
              Rand((1,))], "lr": 1.5}, "three parameters, lr 1.5"),
    ), {"returns": "params", "hints": ("step",)}),
    # --- convolution and pooling ------------------------------------------------------------
    Task("conv.conv_output_size", 4, "value", (
        Case({"n": 7, "f": 3, "pad": 0, "stride": 1}, "7x7 input, 3x3 filter, stride 1", public=True),
        Case({"n": 7, "f": 3, "pad": 0, "stride": 2}, "7x7 input, 3x3 filter, stride 2", public=True),
        Case({"n": 7, "f": 3, "pad": 1, "stride": 1}, "7x7 input, 3x3 filter, pad 1", public=True),
        Case({"n": 7, "f": 3, "pad": 0, "stride": 3}, "7x7 input, 3x3 filter, stride 3", public=True,
             raises="ValueError"),
        Case({"n": 128, "f": 5, "pad": 2, "stride": 1}, "the quiz: 128 input, 5x5 filter, pad 2"),
        Case({"n": 5, "f": 7, "pad": 1, "stride": 1}, "F = N + 2P: a 1x1 output"),
        Case({"n": 11, "f": 3, "pad": 2, "stride": 4}, "11 input, filter 3, pad 2, stride 4"),
        Case({"n": 3, "f": 5, "pad": 0, "stride": 1}, "a filter larger than the input", public=True,
             raises="ValueError"),
        Case({"n": 9, "f": 3, "pad": 1, "stride": 2}, "9 input, filter 3, pad 1, stride 2 (9 = 2*4+1)"),
        Case({"n": 8, "f": 3, "pad": 0, "stride": 0}, "stride 0", public=True, raises="ValueError"),
        Case({"n": 8, "f": 3, "pad": -1, "stride": 1}, "pad -1", public=True, raises="ValueError"),
        Case({"n": 8, "f": 0, "pad": 1, "stride": 1}, "a filter of size 0", public=True, raises="ValueError"),
    ), {"returns": "size", "hints": ("output_size",)}),
    Task("conv.conv_param_count", 2, "value", (
        Case({"f": 5, "c": 3, "k": 10}, "the quiz: ten 5x5x3 filters", public=True),
        Case({"f": 5, "c": 3, "k": 10, "bias": False}, "ten 5x5x3 filters without bias"),
        Case({"f": 3, "c": 16, "k": 32}, "32 filters of 3x3x16"),
        Case({"f": 1, "c": 64, "k": 8}, "1x1 filters"),
    ), {"returns": "count", "hints": ("param_count",)}),
    Task("conv.conv_forward", 8, "value", CONV_CASES + (
        _conv((1, 1, 7, 7), (1, 1, 3, 3), 3, 0, "stride 3 does not divide 7 - 3", public=True,
              raises="ValueError"),
        # Stride 2 makes the size formula give 0, not a negative size numpy would refuse by itself.
        _conv((1, 1, 3, 3), (1, 1, 5, 5), 2, 0, "a 5x5 filter on a 3x3 input, stride 2", public=True,
              raises="ValueError"),
    ), {"returns": ("out", "cache"),
        "hints": ("output_size", "zero", "flipped_kernel", "bias_axis", "factor", "border")}),
    Task("conv.conv_backward", 10, "backward", CONV_CASES,
         {"forward": "conv.conv_forward", "returns": ("out", "cache"), "wrt": ("x", "w", "b"),
          "hints": ("uncropped", "crop_offset", "overwritten", "zero", "sign", "factor", "stride_ignored",
                    "border", "kernel_axes", "flipped_kernel")}),
    Task("conv.max_pool_forward", 4, "value", POOL_CASES + (
        _pool((1, 1, 5, 5), 2, 2, public=True, raises="ValueError"),
    ), {"returns": ("out", "cache"), "hints": ("output_size", "zero")}),
    Task("conv.max_pool_backward", 5, "backward", POOL_CASES,
         {"forward": "conv.max_pool_forward", "returns": ("out", "cache"), "wrt": ("x",),
          "hints": ("zero", "average_pool", "overlap")}),
    # --- dropout -----------------------------------------------------------------------------
    Task("dropout.dropout_mask", 3, "dropout_mask", (
        Case({"shape": (100, 100), "p": 0.5, "rng": Seed(1)}, "shape (100, 100), p 0.5", public=True),
        Case({"shape": (50, 40), "p": 0.2, "rng": Seed(2)}, "shape (50, 40), p 0.2", public=True),
        Case({"shape": (200, 50), "p": 0.8, "rng": Seed(3)}, "shape (200, 50), p 0.8"),
        Case({"shape": (30, 7), "p": 0.0, "rng": Seed(4)}, "p 0: nothing dropped"),
        Case({"shape": (4, 5), "p": 1.0, "rng": Seed(5)}, "p 1", public=True, raises="ValueError"),
        Case({"shape": (4, 5), "p": -0.1, "rng": Seed(6)}, "p -0.1", public=True, raises="ValueError"),
    )),
    Task("dropout.dropout_forward", 3, "dropout_forward", (
        Case({"x": Rand((80, 60)), "p": 0.3, "rng": Seed(11), "train": True}, "x(80, 60), p 0.3",
             public=True),
        Case({"x": Rand((40, 50, 2)), "p": 0.5, "rng": Seed(12), "train": True}, "x(40, 50, 2), p 0.5"),
        Case({"x": Rand((100, 30)), "p": 0.8, "rng": Seed(13), "train": True}, "x(100, 30), p 0.8"),
        Case({"x": Rand((20, 10)), "p": 0.5, "rng": Seed(14), "train": False}, "test time", public=True),
    )),
    Task("dropout.dropout_backward", 2, "dropout_backward", (
        Case({"x": Rand((30, 40)), "p": 0.4, "rng": Seed(21), "train": True}, "x(30, 40), p 0.4",
             public=True),
        Case({"x": Rand((10, 20, 3)), "p": 0.7, "rng": Seed(22), "train": True}, "x(10, 20, 3), p 0.7"),
        Case({"x": Rand((8, 9)), "p": 0.5, "rng": Seed(23), "train": False}, "test time"),
    ), {"forward": "dropout.dropout_forward"}),
    # --- vanilla RNN, backpropagation through time, clipping ------------------------------------
    Task("rnn.rnn_step_forward", 3, "value", RNN_STEP_CASES,
         {"returns": ("next_h", "cache"), "hints": ("zero", "sigmoid_for_tanh", "transposed")}),
    Task("rnn.rnn_step_backward", 5, "backward", RNN_STEP_CASES,
         {"forward": "rnn.rnn_step_forward", "returns": ("next_h", "cache"),
          "wrt": ("x", "prev_h", "Wx", "Wh", "b"), "hints": GRAD_HINTS + ("tanh_from_input",)}),
    Task("rnn.rnn_forward", 3, "value", RNN_SEQ_CASES,
         {"returns": ("h", "cache"), "hints": ("zero", "h0_ignored")}),
    Task("rnn.rnn_backward", 7, "backward", RNN_SEQ_CASES,
         {"forward": "rnn.rnn_forward", "returns": ("h", "cache"), "wrt": ("x", "h0", "Wx", "Wh", "b"),
          "hints": SEQ_HINTS}),
    Task("rnn.clip_grad_norm", 4, "value", (
        Case({"grads": [Rand((3, 4), 10.0), Rand((4,), 10.0)], "max_norm": 5.0}, "norm above max_norm",
             public=True),
        Case({"grads": [Rand((3, 4), 0.1), Rand((4,), 0.1)], "max_norm": 5.0}, "norm below max_norm",
             public=True),
        Case({"grads": [Rand((2, 2), 1.0), Rand((30,), 5.0), Rand((2,), 0.01)], "max_norm": 1.0},
             "three arrays of very different norms"),
        Case({"grads": [Rand((10,), 3.0)], "max_norm": 2.0}, "a single array"),
    ), {"returns": ("clipped", "total_norm"), "hints": ("factor", "per_array")}),
    # --- LSTM --------------------------------------------------------------------------------
    Task("lstm.lstm_step_forward", 4, "value", LSTM_STEP_CASES,
         {"returns": ("next_h", "next_c", "cache"), "hints": ("zero", "gate_order", "cell_output")}),
    Task("lstm.lstm_step_backward", 7, "backward", LSTM_STEP_CASES,
         {"forward": "lstm.lstm_step_forward", "returns": ("next_h", "next_c", "cache"),
          "wrt": ("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
          "hints": GRAD_HINTS + ("gate_factor", "gate_order", "gate_block")}),
    Task("lstm.lstm_forward", 2, "value", LSTM_SEQ_CASES,
         {"returns": ("h", "cache"), "hints": ("zero", "gate_order", "h0_ignored")}),
    Task("lstm.lstm_backward", 4, "backward", LSTM_SEQ_CASES,
         {"forward": "lstm.lstm_forward", "returns": ("h", "cache"), "wrt": ("x", "h0", "Wx", "Wh", "b"),
          "hints": SEQ_HINTS + ("gate_block",)}),
    # --- the char-RNN "hello" ----------------------------------------------------------------
    Task("char_rnn.softmax_cross_entropy", 2, "loss_grad", (
        Case({"scores": Rand((1, 4, 4)), "targets": Ints((1, 4), 4)}, "N=1, T=4, V=4", public=True),
        Case({"scores": Rand((3, 2, 5), 3.0), "targets": Ints((3, 2), 5)}, "N=3, T=2, V=5"),
        Case({"scores": Rand((2, 3, 6), 1000.0), "targets": Ints((2, 3), 6)}, "large scores (overflow)",
             public=True),
    ), {"returns": ("loss", "dscores"), "wrt": ("scores",), "hints": ("softmax_axis",) + GRAD_HINTS}),
    Task("char_rnn.char_rnn_loss", 2, "loss_grad", (
        Case({"params": _char_params(4, 5), "inputs": Ints((1, 4), 4), "targets": Ints((1, 4), 4)},
             "V=4, H=5, one sequence of 4", public=True),
        Case({"params": _char_params(3, 2), "inputs": Ints((2, 3), 3), "targets": Ints((2, 3), 3)},
             "V=3, H=2, two sequences of 3"),
    ), {"returns": ("loss", "grads"), "wrt": ("params",), "hints": GRAD_HINTS}),
    Task("char_rnn.sample", 1, "value", (
        Case({"params": _char_params(4, 6), "vocab": "ehlo", "start": "h", "length": 5},
             "vocab 'ehlo', 5 characters from 'h'", public=True),
        Case({"params": _char_params(3, 4), "vocab": "abc", "start": "c", "length": 8},
             "vocab 'abc', 8 characters from 'c'"),
    ), {"returns": "text"}),
    Task("char_rnn.train_char_rnn", 3, "char_rnn_train", (
        Case({"text": "hello", "hidden_size": 16, "steps": 300, "lr": 0.5, "max_norm": 5.0, "seed": 0},
             "'hello', 300 steps, seed 0", public=True),
        Case({"text": "hello", "hidden_size": 16, "steps": 300, "lr": 0.5, "max_norm": 5.0, "seed": 7},
             "'hello', 300 steps, seed 7"),
    )),
)

TOTAL_POINTS = sum(task.points for task in TASKS)
BY_NAME = {task.name: task for task in TASKS}
