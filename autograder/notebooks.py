"""The week's notebooks, built with nbformat from the one source: ``solutions/*.py``.

One notebook per topic, in lecture order, each from one solution module:

- Markdown cells carry the lecture's explanation and formulas (``LECTURES``);
- a locked *given* cell holds the module's imports, and one locked cell each of its
  helpers (``sigmoid``, ``one_hot``, ...);
- every graded function becomes a *solution* cell (the whole function; the hint
  stays above nbgrader's ``### BEGIN SOLUTION`` marker, so nbgrader's release keeps it)
  followed by a locked, autograded *test* cell worth the task's points, which calls
  ``notebook_grading.grade_task`` and shows the score as its last expression;
- an ungraded cell at the end tries the functions out.

``build_notebooks(release=False)`` is the instructor's version (nbgrader's
``source/``); ``release=True`` is the student's, with every solution region replaced
exactly as nbgrader's ``ClearSolutions`` does (``# YOUR CODE HERE`` and
``raise NotImplementedError()``), so both releases agree line for line.

A notebook that needs another notebook's functions (the char-RNN trains on the
student's own RNN) reads them from that notebook's file with
``notebook_grading.import_functions``: nbgrader runs one kernel per notebook, and
``autograder grade`` merges all notebooks' definitions, so both find the same code.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .stubs import BEGIN, END, SOLUTIONS, solution_blocks
from .tasks import BY_NAME

NB_BEGIN, NB_END = "### BEGIN SOLUTION", "### END SOLUTION"
# nbgrader's default ClearSolutions.code_stub for Python: the release must match nbgrader's own.
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass(frozen=True)
class Lecture:
    """One notebook: the solution module it is built from and the lecture text around it."""

    module: str  # solutions/<module>.py
    stem: str  # the notebook's file name without .ipynb
    title: str
    intro: str  # Markdown: the lecture's explanation and formulas
    notes: dict[str, str] = field(default_factory=dict)  # function -> Markdown above its exercise
    explore: str = ""  # an ungraded cell that tries the functions out

    @property
    def filename(self) -> str:
        return f"{self.stem}.ipynb"


HOW_TO = """\
**How this notebook works.** Each exercise is a function: write your code in place of
`raise NotImplementedError()`, following the `# TODO` above it, and run the cell. The locked
cell after it grades that function and shows its score; its printout says which case failed,
what was expected and a hint. On your machine it runs the public cases; the graders run more
(other shapes, strides, sequence lengths), so make your function general. Do not rename the
functions. Only definitions are graded: cells that explore, print or plot are fine anywhere.
"""

BASICS = Lecture("basics", "01_computational_graph", "Cost, gradient descent and the computational graph",
                 r"""
A network is trained by making a **cost** small. For predictions $\hat y$ and targets $y$ with
$n$ elements, the mean squared error is

$$C = \frac{1}{n} \sum_{i=1}^{n} (\hat y_i - y_i)^2 .$$

**Gradient descent** moves every parameter a small step downhill, against its gradient, with a
learning rate $\eta$:

$$W \leftarrow W - \eta \, \frac{\partial C}{\partial W} .$$

**The computational graph.** A network is a graph of simple nodes. The forward pass computes each
node's output from its inputs; the backward pass visits the nodes in reverse and applies the
**chain rule**: a node $z = f(x)$ that receives the upstream gradient $\partial C / \partial z$
passes on

$$\frac{\partial C}{\partial x} = \frac{\partial C}{\partial z} \, \frac{\partial z}{\partial x}
\qquad \text{(upstream gradient} \times \text{local gradient)} .$$

Each node only needs its local gradient; the graph multiplies them together. The affine node
$z = xW + b$ (a minibatch $x$ of shape $(N, D)$) has

$$\frac{\partial C}{\partial x} = \frac{\partial C}{\partial z} W^\top, \qquad
\frac{\partial C}{\partial W} = x^\top \frac{\partial C}{\partial z}, \qquad
\frac{\partial C}{\partial b} = \sum_{n} \frac{\partial C}{\partial z_n} .$$

Check every gradient's shape: $\partial C / \partial W$ has the shape of $W$.
""", notes={
    "affine_forward": "The simplest node of a computational graph: every output is a weighted sum "
                      "of the inputs plus a bias.",
    "affine_backward": "The chain rule through the affine node: the three formulas above.",
}, explore="""\
# Try it: gradient descent on a one-parameter model y = w x, fitted to y = 3 x.
x = np.linspace(-1, 1, 20)[:, None]
w = np.zeros((1, 1))
for step in range(50):
    y_pred, cache = affine_forward(x, w, np.zeros(1))
    loss, dy = mse_loss(y_pred, 3 * x)
    _, dw, _ = affine_backward(dy, cache)
    (w,) = sgd_step([w], [dw], lr=0.5)
print(f"w = {w.item():.4f} after 50 steps, loss {loss:.2e}")
""")

CONV = Lecture("conv", "02_convolution", "Convolution and pooling", r"""
A **convolutional layer** slides $K$ filters over its input volume. Each filter spans the input's
full depth ($F \times F \times C$); at every position it computes a dot product with the input
patch it covers, plus a bias, and makes one **activation map**. The $K$ maps stacked make the
output volume. (As in every deep-learning library, "convolution" here is cross-correlation: the
filter is not flipped.)

**The output size.** For an input of size $N$, a filter of size $F$, zero padding $P$ on each side
and stride $S$, the output size along one spatial axis is

$$W_\text{out} = \frac{N + 2P - F}{S} + 1, \qquad \text{that is } (N + 2P - F) / S + 1 .$$

The lecture's $7 \times 7$ input with a $3 \times 3$ filter:

| stride $S$ | pad $P$ | output size |
|---|---|---|
| 1 | 0 | $(7 - 3)/1 + 1 = 5$: a $5 \times 5$ output |
| 2 | 0 | $(7 - 3)/2 + 1 = 3$: a $3 \times 3$ output |
| 3 | 0 | $(7 - 3)/3 + 1 = 2.33$: stride 3 does not fit (the filter would not end on the last pixel) |
| 1 | 1 | $(7 + 2 - 3)/1 + 1 = 7$: padding $P = (F - 1)/2$ keeps the size |

**Quiz.** The input volume is $128 \times 128 \times 3$; the layer has ten $5 \times 5 \times 3$
filters with stride 1 and pad 2. The output is $(128 + 2 \cdot 2 - 5)/1 + 1 = 128$ wide and high,
one map per filter: $128 \times 128 \times 10$. Each filter has $5 \cdot 5 \cdot 3 = 75$ weights
and one bias, 76 parameters; the layer has $10 \cdot 76 = 760$ parameters.

**Pooling** shrinks each activation map on its own (the depth is kept) and has no parameters.
**Max pooling** with $2 \times 2$ windows and stride 2 keeps the largest value of each window and
halves the width and height. In the backward pass each window's gradient goes to the pixel that
was its maximum; the others get zero.
""", notes={
    "conv_output_size": "The formula above, with a `ValueError` that says why when the filter does "
                        "not fit. Use it in `conv_forward` and `max_pool_forward`.",
    "conv_param_count": "The quiz: `conv_param_count(5, 3, 10)` must be 760.",
    "conv_forward": r"With zero padding $x_\text{pad}$ and stride $S$: "
                    r"$\text{out}[n, k, i, j] = b_k + \sum_{c, d_i, d_j} w[k, c, d_i, d_j] \, "
                    r"x_\text{pad}[n, c, iS + d_i, jS + d_j]$.",
    "conv_backward": "Every input pixel is seen by several filter positions: its gradient is the sum "
                     "over all of them. The bias of filter $k$ was added to every pixel of map $k$.",
    "max_pool_backward": "Windows overlap when the stride is smaller than the window: a pixel that is "
                         "the maximum of several windows receives the sum of their gradients.",
}, explore="""\
# Try it: the lecture's 7x7 examples and the quiz.
for pad, stride in [(0, 1), (0, 2), (1, 1)]:
    print(f"7x7 input, 3x3 filter, pad {pad}, stride {stride}: {conv_output_size(7, 3, pad, stride)}")
try:
    conv_output_size(7, 3, 0, 3)
except ValueError as error:
    print("stride 3:", error)
print("quiz:", conv_output_size(128, 5, 2, 1), "x", conv_output_size(128, 5, 2, 1), "x 10,",
      conv_param_count(5, 3, 10), "parameters")
""")

DROPOUT = Lecture("dropout", "03_dropout", "Dropout", r"""
**Dropout** regularises a network by setting each unit to zero with probability $p$ at training
time (here, as in the lecture and in PyTorch, $p$ is the fraction **dropped**). The network cannot
rely on any single unit, as if an ensemble of thinned networks were trained together.

At test time every unit is used. For the expected activations to be the same in both modes,
**inverted dropout** scales the kept units up during training:

$$m_i \sim \text{Bernoulli}(1 - p), \qquad \tilde h = \frac{h \odot m}{1 - p}, \qquad
\mathbb{E}[\tilde h] = h ,$$

so the test-time layer is the identity. The backward pass uses the same mask:
$\partial C / \partial h = \frac{\partial C}{\partial \tilde h} \odot m / (1 - p)$.

All randomness comes from the `rng` argument (a `numpy.random.Generator`): the same seed, the same
mask, which is what makes a dropout network testable.
""", explore="""\
# Try it: inverted dropout keeps the mean activation.
rng = np.random.default_rng(0)
x = np.ones((1000, 100))
out, _ = dropout_forward(x, 0.3, rng)
print(f"kept {np.mean(out > 0):.3f} of the units (expected 0.7),",
      f"mean activation {out.mean():.3f} (expected 1)")
""")

RNN = Lecture("rnn", "04_rnn", "Recurrent networks, backpropagation through time and gradient clipping", r"""
A **recurrent neural network** reads a sequence one step at a time and keeps a hidden state
$h_t$, updated by the same function with the same weights at every step:

$$h_t = f_W(h_{t-1}, x_t) = \tanh(W_{hh} h_{t-1} + W_{xh} x_t)$$

and, when an output is wanted at step $t$,

$$y_t = W_{hy} h_t .$$

In code, a minibatch holds one example per **row**, so the products are written the other way
round and with a bias: `next_h = tanh(x @ Wx + prev_h @ Wh + b)`, where `Wx` $= W_{xh}^\top$ and
`Wh` $= W_{hh}^\top$.

**Backpropagation through time (BPTT).** Unrolled over $T$ steps, the RNN is one deep
computational graph whose layers share their weights. The backward pass runs the chain rule
from $t = T$ down to 1. The state $h_{t-1}$ reaches the cost twice, through its own output and
through $h_t$, so its gradient is the sum

$$\frac{\partial C}{\partial h_{t-1}} = \frac{\partial C_{t-1}}{\partial h_{t-1}}
+ \frac{\partial C}{\partial h_t} \frac{\partial h_t}{\partial h_{t-1}}, \qquad
\frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(1 - h_t^2) \, W_{hh} ,$$

and because the weights are shared, their gradient is the sum of every step's contribution.

**Exploding and vanishing gradients.** From step $t$ back to step $k$ the gradient is multiplied
by $W_{hh}$ (and a tanh derivative $\le 1$) $t - k$ times. When the largest singular value of
$W_{hh}$ is above 1 it can grow exponentially (**exploding gradients**); below 1 it shrinks
exponentially (**vanishing gradients**) and the network cannot learn long-range dependencies.

**Gradient clipping** tames exploding gradients: when the global norm of all gradients together
exceeds a threshold $\theta$, scale them all down to that norm, keeping their direction:

$$\text{if } \lVert g \rVert > \theta: \quad g \leftarrow \frac{\theta}{\lVert g \rVert} \, g .$$

(Vanishing gradients need another architecture: the LSTM of the next notebook.)
""", notes={
    "rnn_backward": "Backpropagation through time: walk the steps backwards, adding the gradient that "
                    "comes back from step $t + 1$ to `dh[:, t]`.",
    "clip_grad_norm": r"One norm over all arrays together: "
                      r"$\lVert g \rVert = \sqrt{\sum_\text{arrays} \sum_\text{elements} g^2}$.",
}, explore="""\
# Try it: the gradient reaching h0 from the last step explodes or vanishes with the scale of Wh.
rng = np.random.default_rng(0)
x = rng.standard_normal((1, 30, 4))
for scale in (0.2, 3.0):
    Wh = scale * rng.standard_normal((8, 8)) / np.sqrt(8)
    h, cache = rnn_forward(x, np.zeros((1, 8)), rng.standard_normal((4, 8)), Wh, np.zeros(8))
    dh = np.zeros_like(h)
    dh[:, -1] = 1
    dh0 = rnn_backward(dh, cache)[1]
    print(f"Wh scale {scale}: |dC/dh0| = {np.linalg.norm(dh0):.2e}")
""")

LSTM = Lecture("lstm", "05_lstm", "Long short-term memory (LSTM)", r"""
An **LSTM** keeps a **cell state** $c_t$ beside the hidden state $h_t$. At every step four vectors
of size $H$ are computed from the previous hidden state and the input, the gates $i, f, o$ and the
candidate $g$:

$$\begin{pmatrix} i \\ f \\ o \\ g \end{pmatrix} =
\begin{pmatrix} \sigma \\ \sigma \\ \sigma \\ \tanh \end{pmatrix}
\left( W \begin{pmatrix} h_{t-1} \\ x_t \end{pmatrix} \right)$$

$$c_t = f \odot c_{t-1} + i \odot g$$

$$h_t = o \odot \tanh(c_t)$$

- $i$, the **input gate**: how much of the candidate to write into the cell;
- $f$, the **forget gate**: how much of the old cell to keep;
- $o$, the **output gate**: how much of the cell to show as $h_t$;
- $g$, the **candidate** values (the "gate gate").

In code, `a = x @ Wx + prev_h @ Wh + b` has shape $(N, 4H)$ and its column blocks are
$i, f, o, g$ **in that order** (PyTorch orders them $i, f, g, o$).

**Why it helps.** The cell is updated by addition, so the gradient flows back from $c_t$ to
$c_{t-1}$ multiplied only by $f$, element-wise, not by a weight matrix: an uninterrupted gradient
highway through time, which keeps gradients from vanishing as in the vanilla RNN.
""", notes={
    "lstm_step_backward": "The cell reaches the cost directly and through $h_t = o \\odot \\tanh(c_t)$: "
                          "add both before going through the gates.",
}, explore="""\
# Try it: the LSTM's gradient from the last step reaches h0 without vanishing as quickly.
rng = np.random.default_rng(0)
x = rng.standard_normal((1, 30, 4))
h, cache = lstm_forward(x, np.zeros((1, 8)), 0.3 * rng.standard_normal((4, 32)),
                        0.3 * rng.standard_normal((8, 32)), np.zeros(32))
dh = np.zeros_like(h)
dh[:, -1] = 1
print(f"|dC/dh0| = {np.linalg.norm(lstm_backward(dh, cache)[1]):.2e}")
""")

CHAR_RNN = Lecture("char_rnn", "06_char_rnn", 'A character-level RNN: "hello"', r"""
The lecture's example: a vanilla RNN reads **"hell"** one character at a time and must predict the
next character at every step, **"ello"**. The vocabulary is $\{h, e, l, o\}$; each character
enters as a one-hot vector $x_t$ of size 4. The hidden state is what lets the network answer "l"
after the first "l" but "o" after the second.

At every step the RNN updates its state and scores every character of the vocabulary:

$$h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t), \qquad y_t = W_{hy} h_t$$

(in code `scores = h @ Why + by`). The **softmax** turns the scores into probabilities, and the
**cross-entropy** cost is the mean over the $N \cdot T$ positions of $-\log$ of the probability of
the correct next character:

$$p_t = \operatorname{softmax}(y_t), \qquad C = -\frac{1}{NT} \sum_{n, t} \log p_{t}[\text{target}_{n,t}],
\qquad \frac{\partial C}{\partial y_t} = \frac{p_t - \text{one\_hot}(\text{target})}{NT} .$$

Training is gradient descent through your own `rnn_forward` / `rnn_backward`, with your
`clip_grad_norm` before every step. When they are right, the model fed "h" continues it as
"ello". The first code cell reads them from `04_rnn.ipynb`: save that notebook first.
""", notes={
    "softmax_cross_entropy": "Subtract each position's largest score before `np.exp`: the softmax is "
                             "unchanged and nothing overflows.",
    "train_char_rnn": "Gradient descent with clipping: $W \\leftarrow W - \\eta \\, \\partial C / "
                      "\\partial W$ after scaling the gradients to a global norm of at most `max_norm`.",
}, explore="""\
# Try it: train on "hello" and let the model continue "h".
params, vocab, losses = train_char_rnn("hello")
print(f"loss {losses[0]:.3f} -> {losses[-1]:.4f}; 'h' continues as {sample(params, vocab, 'h', 5)!r}")
""")

LECTURES: tuple[Lecture, ...] = (BASICS, CONV, DROPOUT, RNN, LSTM, CHAR_RNN)
BY_MODULE = {lecture.module: lecture for lecture in LECTURES}


def _nbgrader(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
              points: float | None = None) -> dict:
    """Cell metadata in nbgrader's schema v3 (``nbgraderformat/v3.json``)."""
    meta = {"schema_version": 3, "grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _solution_source(function: str) -> str:
    """A reference function with its hint above nbgrader's markers and its code between them."""
    out: list[str] = []
    block: list[str] | None = None
    for line in function.splitlines():
        if line.strip() == BEGIN:
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif line.strip() == END:
            hint = list(takewhile(lambda text: text.strip().startswith("#"), block))
            out += [*hint, indent + NB_BEGIN, *block[len(hint):], indent + NB_END]
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    return "\n".join(out)


def clear_solutions(source: str) -> str:
    """The student's version of a solution cell, as nbgrader's ClearSolutions makes it."""
    out, inside = [], False
    for line in source.split("\n"):
        if "BEGIN SOLUTION" in line:
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + stub for stub in CODE_STUB]
            inside = True
        elif "END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def strip_markers(source: str) -> str:
    """A solution cell as a student who wrote the reference hands it in: the markers removed."""
    return "\n".join(line for line in source.split("\n") if line.strip() not in (NB_BEGIN, NB_END))


def _segments(source: str) -> list[tuple[ast.stmt, str]]:
    """The module's top-level statements after its docstring, each with its text.

    A statement's text takes the comments above it and the indented lines after it: a
    function's ``# END SOLUTION`` may follow its last statement.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    body = tree.body[1:] if ast.get_docstring(tree) is not None else tree.body
    segments, start = [], body[0].lineno - 1 if body else 0
    for node in body:
        end = node.end_lineno
        while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "\t"))):
            end += 1
        segments.append((node, "\n".join(lines[start:end]).strip("\n")))
        start = end
    return segments


def _import_cell(imports: list[tuple[ast.stmt, str]]) -> str:
    """The given imports; a relative import (another notebook's functions) reads that notebook."""
    lines = []
    for node, text in imports:
        if not (isinstance(node, ast.ImportFrom) and node.level):
            lines.append(text)
        else:
            other = BY_MODULE[node.module].filename
            names = [alias.name for alias in node.names]
            targets = ", ".join(names) + ("," if len(names) == 1 else "")
            quoted = ", ".join(f'"{name}"' for name in [other, *names])
            lines += ["", "from autograder.notebook_grading import import_functions", "",
                      f"# Your own functions from {other}, graded there and used here: save it first.",
                      f"{targets} = import_functions(\n    {quoted})"]
    return "\n".join(lines)


def grading_source(task: str) -> str:
    """A test cell: its last expression is the score, which nbgrader reads as partial credit."""
    return f'from autograder.notebook_grading import grade_task\n\ngrade_task("{task}", globals())'


def build_notebook(lecture: Lecture, release: bool) -> nbformat.NotebookNode:
    """One topic's notebook: the instructor's (``release=False``) or the student's version."""
    source = (SOLUTIONS / f"{lecture.module}.py").read_text()
    graded = {function for function, _ in solution_blocks(source)}
    segments = _segments(source)
    imports = [(node, text) for node, text in segments if isinstance(node, ast.Import | ast.ImportFrom)]
    cells = [new_markdown_cell(f"# Week 4: {lecture.title}\n{lecture.intro}\n{HOW_TO}"),
             new_code_cell(_import_cell(imports), metadata=_nbgrader("imports", locked=True))]
    for node, text in segments:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        name = node.name if isinstance(node, ast.FunctionDef) else ast.unparse(node.targets[0])
        if name not in graded:
            cells.append(new_code_cell(text, metadata=_nbgrader(f"given_{name}", locked=True)))
            continue
        task = BY_NAME[f"{lecture.module}.{name}"]
        heading = f"## Exercise: `{name}` ({task.points:g} points)"
        note = lecture.notes.get(name)
        cells.append(new_markdown_cell(f"{heading}\n\n{note}" if note else heading))
        solution = _solution_source(text)
        cells.append(new_code_cell(clear_solutions(solution) if release else solution,
                                   metadata=_nbgrader(name, solution=True)))
        test = _nbgrader(f"test_{name}", grade=True, locked=True, points=task.points)
        cells.append(new_code_cell(grading_source(task.name), metadata=test))
    if lecture.explore:
        cells += [new_markdown_cell("## Try it (not graded)"), new_code_cell(lecture.explore.rstrip("\n"))]
    for number, cell in enumerate(cells):
        # Stable ids: the same source builds byte-identical notebooks.
        cell["id"] = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell-{number}"
    return new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})


def build_notebooks(release: bool) -> dict[str, nbformat.NotebookNode]:
    """File name -> notebook, in lecture order (``release=True``: the student's version)."""
    return {lecture.filename: build_notebook(lecture, release) for lecture in LECTURES}


def write_notebooks(out_dir: str | Path, release: bool) -> list[Path]:
    """Write every notebook into ``out_dir``; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, notebook in build_notebooks(release).items():
        nbformat.write(notebook, out / name)
        written.append(out / name)
    return written


# --- rehearsing grading: what students would hand in -------------------------------------------

def solved(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A source notebook as a student who wrote the reference hands it in: it must score full marks."""
    out = copy.deepcopy(notebook)
    for cell in out.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = strip_markers(cell.source)
    return out


def with_function(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    """The notebook with the solution cell of the function defined in ``source`` replaced by it."""
    name = next(node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef))
    out = copy.deepcopy(notebook)
    cell = next(c for c in out.cells if c.metadata.get("nbgrader", {}).get("grade_id") == name)
    cell.source = source
    return out
