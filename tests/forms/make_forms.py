"""Regenerate tests/forms/corpus/: correct submissions in the forms students really hand in.

Every form is CORRECT: each graded function is the week-4 reference (``solutions/``), a correct
alternative style (``tests/styles/``) or the project's own notebooks solved, so each must score
full marks however it is read. What differs is the FORM: how the code is written around the
functions (lambdas, aliases, magics, decorators, caches of the student's own types), how the
notebooks were saved (nbformat 4.0 to 4.5, JupyterLab, Colab, VS Code, CRLF, outputs) and how the
folder was handed in (zips from Linux, macOS and Windows, with ``.venv/`` or ``.git/`` inside, the
release bundle zipped back).

Each form is one function below, registered with ``@form``; its docstring says what real-world
situation it reproduces. The corpus holds one entry per form (a folder, a ``.zip`` or a ``.ipynb``
named after it), and ``tests/forms/forms.json`` lists them: the entry's file name, whether it is
the project's six notebooks (so that nbgrader can grade it), how to import it in plain Python, and
the docstring.

Run from the repository's root: ``python tests/forms/make_forms.py``. The output is deterministic
(fixed cell ids, fixed zip dates), so regenerating changes nothing unless this script, the
reference, the notebooks or the release bundle changed.
"""

from __future__ import annotations

import ast
import base64
import copy
import json
import shutil
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import nbformat  # noqa: E402
from autograder.notebooks import KERNELSPEC, build_notebooks, solved  # noqa: E402
from autograder.release import write_release  # noqa: E402
from bugcorpus import STYLES_DIR, load_bug, reference_source  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook  # noqa: E402
from tests.week4 import MODULES  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "corpus"
MANIFEST = HERE / "forms.json"
ZIP_DATE = (2026, 11, 30, 18, 42, 10)  # every zip member's date: the same bytes on every run

# ------------------------------------------------------------------ the registry


FORMS: dict[str, tuple[str, Callable[[Path], None], dict]] = {}  # name -> (entry's file name, maker, facts)


def form(suffix: str = "", *, nbgrader: bool = False, path: str = "", package: str = "") -> Callable:
    """Register a form maker: ``suffix`` is its entry's (``""`` a folder, ``.zip``, ``.ipynb``).

    ``nbgrader``: the entry is the project's six notebooks at its top (nbgrader grades it).
    How a student runs it (``check_forms.py`` does the same): its modules and notebooks are in
    ``path`` (relative to the entry, unzipped if a zip; ``..`` is the corpus), and its modules are
    imported as ``package.module`` with ``path`` on ``sys.path`` (plain ``module`` without one).
    """
    def register(maker: Callable[[Path], None]) -> Callable[[Path], None]:
        name = maker.__name__
        FORMS[name] = (name + suffix, maker, {"nbgrader": nbgrader, "path": path, "package": package})
        return maker
    return register


# ------------------------------------------------------------------ text helpers


def swap(text: str, old: str, new: str, count: int = 1) -> str:
    """``text`` with ``old`` replaced by ``new``; ``old`` must be there (the reference may change)."""
    assert old in text, f"not found: {old!r}"
    return text.replace(old, new, count if count else -1)


def function_source(source: str, name: str) -> str:
    """A top-level function of ``source``, as written (decorators included)."""
    lines = source.splitlines()
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return "\n".join(lines[first - 1:node.end_lineno])


def replace_function(source: str, name: str, new: str) -> str:
    """``source`` with its top-level function ``name`` replaced by ``new``."""
    return swap(source, function_source(source, name), new)


def module_sources() -> dict[str, str]:
    """The reference modules as a student hands them in: char_rnn.py imports its sibling by name,
    the way that makes ``python char_rnn.py`` run."""
    sources = {module: reference_source(module) for module in MODULES}
    sources["char_rnn"] = swap(sources["char_rnn"], "from .rnn import", "from rnn import")
    return sources


def tabbed(source: str) -> str:
    """``source`` indented with one tab per four spaces of indentation, as an editor set to tabs writes it."""
    lines = []
    for line in source.split("\n"):
        stripped = line.lstrip(" ")
        depth, rest = divmod(len(line) - len(stripped), 4)
        lines.append("\t" * depth + " " * rest + stripped)
    return "\n".join(lines)


def style(name: str):
    return load_bug(STYLES_DIR / f"{name}.py")


def write_modules(folder: Path, sources: dict[str, str], newline: str = "\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for module, source in sources.items():
        (folder / f"{module}.py").write_bytes(source.replace("\n", newline).encode())
    return folder


# ------------------------------------------------------------------ notebook helpers


def six_notebooks() -> dict[str, nbformat.NotebookNode]:
    """The project's six notebooks, solved: what a student who wrote the reference hands in."""
    return {name: solved(notebook) for name, notebook in build_notebooks(release=False).items()}


def cell(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    """The cell nbgrader knows as ``grade_id`` (a solution cell is named after its function)."""
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def code(source: str, cell_id: str) -> nbformat.NotebookNode:
    """A code cell the student added (no nbgrader metadata), with a fixed id."""
    return new_code_cell(source, id=cell_id)


def insert_after(notebook: nbformat.NotebookNode, grade_id: str, new: nbformat.NotebookNode) -> None:
    """Put ``new`` right after the cell ``grade_id`` (after its test cell when it is a solution)."""
    index = notebook.cells.index(cell(notebook, grade_id))
    test = f"test_{grade_id}"
    if index + 1 < len(notebook.cells) and notebook.cells[index + 1].metadata.get("nbgrader", {}).get(
            "grade_id") == test:
        index += 1
    notebook.cells.insert(index + 1, new)


def insert_before(notebook: nbformat.NotebookNode, grade_id: str, new: nbformat.NotebookNode) -> None:
    notebook.cells.insert(notebook.cells.index(cell(notebook, grade_id)), new)


def set_source(notebook: nbformat.NotebookNode, grade_id: str, change: Callable[[str], str]) -> None:
    target = cell(notebook, grade_id)
    target.source = change(target.source)


def with_cells(out: Path, *added: tuple[str, str, nbformat.NotebookNode]) -> None:
    """Write the six notebooks with the student's own cells added: (notebook, the grade_id of the
    cell each follows, the cell)."""
    notebooks = six_notebooks()
    for name, after, new in added:
        insert_after(notebooks[name], after, new)
    write_notebooks(out, notebooks)


def notebook_json(notebook: nbformat.NotebookNode, minor: int = 5, lines: bool = True,
                  newline: str = "\n") -> str:
    """The notebook's file text in format 4.``minor``, as Jupyter writes it (indent 1, sorted keys).

    ``lines``: sources as lists of lines (Jupyter) or as one string (nbformat allows both).
    Before 4.5 cells have no ids. The result is validated against that minor version's schema.
    """
    data = json.loads(json.dumps(notebook))
    data["nbformat"], data["nbformat_minor"] = 4, minor
    for each in data["cells"]:
        if minor < 5:
            each.pop("id", None)
        source = each["source"].replace("\n", newline) if isinstance(each["source"], str) \
            else "".join(each["source"]).replace("\n", newline)
        each["source"] = source.splitlines(keepends=True) if lines else source
        for output in each.get("outputs", []):
            if "text" in output and isinstance(output["text"], str):
                output["text"] = output["text"].splitlines(keepends=True)
    errors = list(nbformat.validator.get_validator(4, minor).iter_errors(data))
    assert not errors, f"not a valid nbformat 4.{minor} notebook: {errors[0].message}"
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_notebooks(folder: Path, notebooks: dict[str, nbformat.NotebookNode], **how) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, notebook in notebooks.items():
        (folder / name).write_text(notebook_json(notebook, **how), encoding="utf-8", newline="")
    return folder


def one_notebook(title: str, metadata: dict | None = None) -> nbformat.NotebookNode:
    """Every graded function in one notebook, as a student who ignores the six notebooks writes it:
    one import cell, then the modules' functions one cell each, char_rnn using rnn's directly."""
    cells = [new_markdown_cell(f"# {title}", id="title"), code("import numpy as np", "imports")]
    for module in MODULES:
        cells.append(new_markdown_cell(f"## {module}", id=f"md-{module}"))
        source = reference_source(module)
        tree = ast.parse(source)
        lines = source.splitlines()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.Assign):
                text = "\n".join(lines[node.lineno - 1:node.end_lineno])
                name = node.name if isinstance(node, ast.FunctionDef) else node.targets[0].id
                cells.append(code(text, f"{module}-{name}"))
    return new_notebook(cells=cells, metadata=metadata or {"kernelspec": KERNELSPEC,
                                                           "language_info": {"name": "python"}})


# ------------------------------------------------------------------ zip helpers


def _tree(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).parts)


def zip_folder(folder: Path, archive: Path, top: str, *, system: int = 3, dirs: bool = True,
               extra: dict[str, bytes | None] | None = None) -> None:
    """Zip ``folder`` under the top folder ``top``, as an archiver does.

    ``system`` 3 (Unix: ``zip -r``, Finder) sets Unix modes; 0 (Windows Explorer) the archive
    attribute. ``dirs``: folder entries as well (zip -r and Finder write them, Explorer does not).
    ``extra``: more members by name (Finder's ``__MACOSX/`` entries; None for a folder entry).
    """
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        entries = [(f"{top}/", None)] if dirs else []
        for path in _tree(folder):
            name = f"{top}/{path.relative_to(folder).as_posix()}"
            if path.is_dir():
                if dirs:
                    entries.append((name + "/", None))
            else:
                entries.append((name, path.read_bytes()))
        entries += sorted((extra or {}).items())
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.create_system = system
            if system == 3:
                mode = 0o40755 if data is None else 0o100644
                info.external_attr = (mode << 16) | (0x10 if data is None else 0)  # 0x10: MS-DOS's folder bit
            else:
                info.external_attr = 0x10 if data is None else 0x20
            info.compress_type = zipfile.ZIP_STORED if data is None else zipfile.ZIP_DEFLATED
            out.writestr(info, b"" if data is None else data)


# ------------------------------------------------------------------ notebook forms: the loader


@form(nbgrader=True)
def nb_project_solved(out: Path) -> None:
    """The project's six notebooks, every exercise solved, nothing else changed: the char-RNN
    notebook reads the student's RNN from 04_rnn.ipynb with ``import_functions``."""
    write_notebooks(out, six_notebooks())


@form(nbgrader=True)
def nb_lambda_helper(out: Path) -> None:
    """A student writes a one-line lambda helper above conv_forward (``pad_hw = lambda x, p: ...``)
    and calls it from the function."""
    notebooks = six_notebooks()
    set_source(notebooks["02_convolution.ipynb"], "conv_forward", lambda s: (
        "pad_hw = lambda x, p: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n\n\n"
        + swap(s, "np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))", "pad_hw(x, pad)")))
    write_notebooks(out, notebooks)


def _sliding_window_conv(notebooks: dict, prelude: str, name: str = "sliding_window_view") -> None:
    """The convolution notebook's four layer functions in the sliding_window_view style, with
    ``prelude`` (where the name comes from) at the top of conv_forward's cell."""
    functions = style("conv_sliding_window_einsum").functions
    notebook = notebooks["02_convolution.ipynb"]
    for function, source in functions.items():
        source = source.replace("sliding_window_view", name)
        first = function == "conv_forward"
        cell(notebook, function).source = prelude + "\n\n\n" + source if first else source


@form(nbgrader=True)
def nb_alias(out: Path) -> None:
    """A student shortens a long numpy name: ``swv = np.lib.stride_tricks.sliding_window_view``
    above conv_forward, then uses ``swv`` in the convolution and pooling functions."""
    notebooks = six_notebooks()
    _sliding_window_conv(notebooks, "swv = np.lib.stride_tricks.sliding_window_view", "swv")
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_try_import(out: Path) -> None:
    """A student guards an import for older numpy: ``try: from numpy.lib.stride_tricks import
    sliding_window_view`` / ``except ImportError:`` a fallback of their own."""
    notebooks = six_notebooks()
    _sliding_window_conv(notebooks, (
        "try:\n"
        "    from numpy.lib.stride_tricks import sliding_window_view\n"
        "except ImportError:  # numpy older than 1.20 (the lab machines?)\n"
        "    def sliding_window_view(x, window_shape, axis):\n"
        "        raise RuntimeError('please upgrade numpy to 1.20 or later')"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_type_alias(out: Path) -> None:
    """A student who likes type hints adds a cell ``Array = NDArray[np.float64]`` and annotates the
    basics functions with it (annotations are evaluated when the ``def`` runs)."""
    notebooks = six_notebooks()
    notebook = notebooks["01_computational_graph.ipynb"]
    insert_after(notebook, "imports", code(
        "from numpy.typing import NDArray\n\nArray = NDArray[np.float64]  # my shorthand", "type-alias"))
    for function in ("mse_loss", "affine_forward", "affine_backward", "sgd_step"):
        set_source(notebook, function, lambda s: s.replace("np.ndarray", "Array"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_rng_default_argument(out: Path) -> None:
    """A student keeps one generator for the notebook, ``rng = np.random.default_rng(0)``, and
    uses it as the default of dropout's ``rng`` argument (the grader always passes its own)."""
    notebooks = six_notebooks()
    notebook = notebooks["03_dropout.ipynb"]
    shared = code("rng = np.random.default_rng(0)  # one generator for the whole notebook", "shared-rng")
    insert_before(notebook, "dropout_mask", shared)
    set_source(notebook, "dropout_mask", lambda s: swap(s, "rng: np.random.Generator)",
                                                        "rng: np.random.Generator = rng)"))
    set_source(notebook, "dropout_forward", lambda s: swap(s, "rng: np.random.Generator, train",
                                                           "rng: np.random.Generator = rng, train"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_quick_tests(out: Path) -> None:
    """A student tries each function right after writing it: top-level prints, shape asserts and a
    comparison of conv_forward with a naive double loop, in cells between the exercises."""
    with_cells(
        out,
        ("02_convolution.ipynb", "conv_forward", code(
            "x = np.random.randn(2, 3, 5, 5)\n"
            "w = np.random.randn(4, 3, 3, 3)\n"
            "b = np.random.randn(4)\n"
            "out, _ = conv_forward(x, w, b, pad=1)\n"
            "print(out.shape)\n"
            "assert out.shape == (2, 4, 5, 5)\n"
            "xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))\n"
            "naive = np.array([[[[np.sum(xp[n, :, i:i + 3, j:j + 3] * w[f]) + b[f] for j in range(5)]\n"
            "                    for i in range(5)] for f in range(4)] for n in range(2)])\n"
            "print('max difference to the naive loop:', np.abs(out - naive).max())", "try-conv")),
        ("04_rnn.ipynb", "rnn_step_forward", code(
            "h, _ = rnn_step_forward(np.ones((2, 3)), np.zeros((2, 4)), np.ones((3, 4)) * 0.1,\n"
            "                        np.eye(4), np.zeros(4))\n"
            "print(h)\n"
            "h.shape", "try-rnn-step")),
    )


@form(nbgrader=True)
def nb_matplotlib_inline(out: Path) -> None:
    """A student plots: ``%matplotlib inline`` and ``import matplotlib.pyplot as plt`` in a cell of
    their own, then a feature map with ``plt.imshow`` and ``plt.show()`` and a loss curve."""
    notebooks = six_notebooks()
    convolution = notebooks["02_convolution.ipynb"]
    insert_after(convolution, "imports", code("%matplotlib inline\nimport matplotlib.pyplot as plt", "plots"))
    insert_after(convolution, "max_pool_forward", code(
        "image = np.zeros((1, 1, 8, 8))\n"
        "image[0, 0, 2:6, 2:6] = 1.0\n"
        "edges = np.array([[[[1.0, 0.0, -1.0]] * 3]])\n"
        "maps, _ = conv_forward(image, edges, np.zeros(1), pad=1)\n"
        "pooled, _ = max_pool_forward(maps)\n"
        "fig, axes = plt.subplots(1, 2, figsize=(6, 3))\n"
        "axes[0].imshow(maps[0, 0], cmap='gray')\n"
        "axes[1].imshow(pooled[0, 0], cmap='gray')\n"
        "plt.show()", "plot-maps"))
    notebooks["06_char_rnn.ipynb"].cells.append(code(
        "import matplotlib.pyplot as plt\n\n"
        "_, _, losses = train_char_rnn('hello', steps=60)\n"
        "plt.plot(losses)\n"
        "plt.xlabel('step')\n"
        "plt.ylabel('loss')\n"
        "plt.show()", "plot-losses"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_display(out: Path) -> None:
    """A student shows results with IPython's ``display(...)`` (a builtin in Jupyter, never
    imported) and with ``IPython.display.Markdown``."""
    with_cells(
        out,
        ("01_computational_graph.ipynb", "mse_loss", code(
            "loss, grad = mse_loss(np.array([1.0, 2.0]), np.array([1.5, 1.0]))\n"
            "display(loss, grad)", "display-loss")),
        ("03_dropout.ipynb", "dropout_forward", code(
            "from IPython.display import Markdown\n\n"
            "out, _ = dropout_forward(np.ones((100, 100)), 0.25, np.random.default_rng(1))\n"
            "display(Markdown(f'mean after dropout: **{out.mean():.3f}** (should be close to 1)'))",
            "display-md")),
    )


@form(nbgrader=True)
def nb_training_loop(out: Path) -> None:
    """A student runs a short training loop at the top level: gradient descent with the affine
    node, mse_loss and sgd_step, printing the loss every 20 steps, and a char-RNN run."""
    notebooks = six_notebooks()
    insert_after(notebooks["01_computational_graph.ipynb"], "sgd_step", code(
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(32, 3))\n"
        "Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3\n"
        "W, b = np.zeros((3, 1)), np.zeros(1)\n"
        "for epoch in range(100):\n"
        "    pred, cache = affine_forward(X, W, b)\n"
        "    loss, dpred = mse_loss(pred, Y)\n"
        "    _, dW, db = affine_backward(dpred, cache)\n"
        "    W, b = sgd_step([W, b], [dW, db], 0.1)\n"
        "    if epoch % 20 == 0:\n"
        "        print(f'epoch {epoch}: loss {loss:.4f}')", "train-affine"))
    notebooks["06_char_rnn.ipynb"].cells.append(code(
        "params, vocab, losses = train_char_rnn('hello', steps=100)\n"
        "for step in range(0, 100, 25):\n"
        "    print(step, round(losses[step], 3))\n"
        "print(sample(params, vocab, 'h', 5))", "train-char-rnn"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_time_cell_magic(out: Path) -> None:
    """A student times the cells that define conv_forward and dropout_forward with ``%%time`` on
    their first line (IPython runs the cell, so the functions are defined)."""
    notebooks = six_notebooks()
    set_source(notebooks["02_convolution.ipynb"], "conv_forward", lambda s: "%%time\n" + s)
    set_source(notebooks["03_dropout.ipynb"], "dropout_forward", lambda s: "%%time\n" + s)
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_timeit_lines(out: Path) -> None:
    """A student compares speeds with ``%timeit`` lines after their convolution and pooling."""
    with_cells(
        out,
        ("02_convolution.ipynb", "max_pool_forward", code(
            "x = np.random.randn(2, 3, 8, 8)\n"
            "w = np.random.randn(4, 3, 3, 3)\n"
            "%timeit -n 5 -r 2 conv_forward(x, w, np.zeros(4))\n"
            "%timeit -n 5 -r 2 max_pool_forward(x)", "timeit")),
    )


@form(nbgrader=True)
def nb_pip_install(out: Path) -> None:
    """A student's first cell installs what the notebook needs, as tutorials and Colab tell them:
    ``!pip install numpy matplotlib`` and ``%pip install -q nbformat``."""
    notebooks = six_notebooks()
    for name in ("01_computational_graph.ipynb", "02_convolution.ipynb"):
        notebooks[name].cells.insert(1, code("!pip install numpy matplotlib\n%pip install -q nbformat",
                                             "pip"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_help_lines(out: Path) -> None:
    """A student asks IPython for help: ``np.pad?``, ``?np.einsum`` and ``conv_forward??`` lines."""
    with_cells(
        out,
        ("02_convolution.ipynb", "imports", code("np.pad?\n?np.einsum", "help")),
        ("02_convolution.ipynb", "conv_forward", code("conv_forward??", "help-own")),
    )


@form(nbgrader=True)
def nb_question_marks(out: Path) -> None:
    """A student thinks aloud: a docstring line and comments ending in ``?``, one of them at the end
    of a line of code (``if span % stride != 0:  # does the filter end on the last pixel?``)."""
    notebooks = six_notebooks()
    set_source(notebooks["02_convolution.ipynb"], "conv_output_size", lambda s: swap(swap(swap(
        s, '"""Output size of a convolution or pooling along one spatial axis.',
        '"""Output size of a convolution or pooling along one spatial axis.\n\n'
        '    Why must the stride divide n + 2*pad - f?'),
        "    if span % stride != 0:", "    if span % stride != 0:  # does the filter end on the last pixel?"),
        "    return span // stride + 1",
        "    # is this the lecture's (N - F) / S + 1?\n    return span // stride + 1"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_black_continuations(out: Path) -> None:
    """A student formats with black: long conditions split before their operator, so continuation
    lines start with ``%`` and ``!=``; and a one-line ``if (b.shape[0] != w.shape[0]):``."""
    notebooks = six_notebooks()
    notebook = notebooks["02_convolution.ipynb"]
    set_source(notebook, "conv_output_size", lambda s: swap(
        s, "    if span % stride != 0:\n",
        "    remainder = (\n        span\n        % stride\n    )\n    if remainder != 0:\n"))
    set_source(notebook, "conv_forward", lambda s: swap(swap(
        s, "    if x.shape[1] != w.shape[1]:\n",
        "    if (\n        x.shape[1]\n        != w.shape[1]\n    ):\n"),
        "    if b.shape[0] != w.shape[0]:\n", "    if (b.shape[0] != w.shape[0]):\n"))
    write_notebooks(out, notebooks)


CHECK_FINITE = '''\
import functools


def check_finite(layer):
    """My debugging aid: fail loudly when a layer returns NaN or inf."""
    @functools.wraps(layer)
    def checked(*args, **kwargs):
        result = layer(*args, **kwargs)
        out = result[0] if isinstance(result, tuple) else result
        assert np.all(np.isfinite(out)), f"{layer.__name__} returned NaN or inf"
        return result
    return checked'''


@form(nbgrader=True)
def nb_decorator(out: Path) -> None:
    """A student writes a decorator of their own (``@check_finite``, with ``functools.wraps``) in a
    cell and puts it on the convolution and pooling layers."""
    notebooks = six_notebooks()
    notebook = notebooks["02_convolution.ipynb"]
    insert_after(notebook, "imports", code(CHECK_FINITE, "decorator"))
    for function in ("conv_forward", "max_pool_forward"):
        set_source(notebook, function, lambda s: "@check_finite\n" + s)
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_non_ascii_identifiers(out: Path) -> None:
    """A student writes the maths as in the lecture: ``Δ`` and ``größe`` as names (Python 3 allows
    Unicode identifiers), and a helper ``def mittelwert_über_alles``."""
    notebooks = six_notebooks()
    notebook = notebooks["01_computational_graph.ipynb"]
    insert_before(notebook, "mse_loss", code(
        'def mittelwert_über_alles(a):\n    """Der Mittelwert über alle Elemente."""\n'
        '    größe = a.size\n    return float(np.sum(a) / größe)', "umlaut-helper"))
    set_source(notebook, "mse_loss", lambda s: swap(swap(swap(
        s, "    diff = y_pred - y\n", "    Δ = y_pred - y\n"),
        "    loss = float(np.mean(diff**2))\n", "    loss = mittelwert_über_alles(Δ**2)\n"),
        "    dy_pred = 2.0 * diff / diff.size\n", "    dy_pred = 2.0 * Δ / Δ.size\n"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_name_error_cell(out: Path) -> None:
    """A student's exploration cell uses a name they never defined (it raises NameError when run):
    only that cell is lost; every function around it is right."""
    with_cells(
        out,
        ("02_convolution.ipynb", "conv_forward", code(
            "out, _ = conv_forward(x_test, w_test, b_test)\nprint(out.shape)", "name-error")),
    )


@form(nbgrader=True)
def nb_two_step_helpers(out: Path) -> None:
    """Two notebooks each define a helper named ``step``: one kernel offset of the convolution in
    02_convolution, one RNN step in 04_rnn. Each notebook uses its own."""
    notebooks = six_notebooks()
    set_source(notebooks["02_convolution.ipynb"], "conv_forward", lambda s: (
        "def step(xpad, w, di, dj, stride, H_out, W_out):\n"
        '    """What the filters\' offset (di, dj) adds to every output pixel."""\n'
        "    seen = xpad[:, :, di : di + stride * H_out : stride, dj : dj + stride * W_out : stride]\n"
        '    return np.einsum("nchw,fc->nfhw", seen, w[:, :, di, dj])\n\n\n'
        + swap(swap(s, "            seen = xpad[:, :, di : di + stride * H_out : stride, "
                       "dj : dj + stride * W_out : stride]\n", ""),
               '            out += np.einsum("nchw,fc->nfhw", seen, w[:, :, di, dj])',
               "            out += step(xpad, w, di, dj, stride, H_out, W_out)")))
    set_source(notebooks["04_rnn.ipynb"], "rnn_forward", lambda s: (
        "def step(x_t, prev_h, Wx, Wh, b):\n"
        '    """One time step: the new hidden state and its cache."""\n'
        "    return rnn_step_forward(x_t, prev_h, Wx, Wh, b)\n\n\n"
        + swap(s, "rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)", "step(x[:, t], prev_h, Wx, Wh, b)")))
    write_notebooks(out, notebooks)


@form()
def nb_all_in_one(out: Path) -> None:
    """A student ignores the six notebooks and hands in a folder with ONE notebook of their own
    holding every function of the week (char_rnn's functions call rnn_forward directly)."""
    notebook = one_notebook("Week 4: all my exercises")
    notebook.cells.append(code("params, vocab, losses = train_char_rnn('hello', steps=50)\n"
                               "print(losses[0], losses[-1])", "try-all"))
    write_notebooks(out, {"Week4_all.ipynb": notebook})


@form(".ipynb")
def nb_single_file(out: Path) -> None:
    """A student uploads one .ipynb file (not a folder) holding every function, saved by an older
    Jupyter (nbformat 4.4, no cell ids)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(notebook_json(one_notebook("Homework 4"), minor=4), encoding="utf-8")


@form(nbgrader=True)
def nb_autoreload(out: Path) -> None:
    """A student's first cell is the ``%load_ext autoreload`` / ``%autoreload 2`` pair that many
    tutorials start with, and a ``%config`` line for sharper plots."""
    notebooks = six_notebooks()
    for notebook in notebooks.values():
        notebook.cells.insert(1, code("%load_ext autoreload\n%autoreload 2\n"
                                      "%config InlineBackend.figure_format = 'retina'", "autoreload"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_draft_redefined(out: Path) -> None:
    """A student's first draft of mse_loss (the sum, not the mean) stays in a cell above the
    exercise, whose cell redefines it correctly: run in order, the later definition wins."""
    notebooks = six_notebooks()
    insert_before(notebooks["01_computational_graph.ipynb"], "mse_loss", code(
        "# first try, wrong: the sum instead of the mean (kept to remember)\n"
        "def mse_loss(y_pred, y):\n    diff = y_pred - y\n    return float(np.sum(diff**2)), 2 * diff",
        "draft"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_main_guard_cell(out: Path) -> None:
    """A student pastes script habits into a cell: a demo under ``if __name__ == "__main__":``
    (true in a Jupyter kernel, so it runs there)."""
    with_cells(
        out,
        ("03_dropout.ipynb", "dropout_backward", code(
        'if __name__ == "__main__":\n'
            "    out, cache = dropout_forward(np.ones((4, 4)), 0.5, np.random.default_rng(0))\n"
            "    print(out)\n"
            "    print(dropout_backward(np.ones((4, 4)), cache))", "main-guard")),
    )


@form(nbgrader=True)
def nb_namedtuple_cache(out: Path) -> None:
    """In the RNN notebook, a student makes the step's cache a ``typing.NamedTuple`` (a class in
    the forward's cell) and reads it by field name in the backward pass."""
    notebooks = six_notebooks()
    notebook = notebooks["04_rnn.ipynb"]
    set_source(notebook, "rnn_step_forward", lambda s: (
        "from typing import NamedTuple\n\n\n"
        "class StepCache(NamedTuple):\n"
        "    x: np.ndarray\n    prev_h: np.ndarray\n    Wx: np.ndarray\n    Wh: np.ndarray\n"
        "    next_h: np.ndarray\n\n\n"
        + swap(s, "    cache = (x, prev_h, Wx, Wh, next_h)\n",
               "    cache = StepCache(x, prev_h, Wx, Wh, next_h)\n")))
    set_source(notebook, "rnn_step_backward", lambda s: swap(
        s, "    x, prev_h, Wx, Wh, next_h = cache\n",
        "    x, prev_h, Wx, Wh, next_h = cache.x, cache.prev_h, cache.Wx, cache.Wh, cache.next_h\n"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_writefile_helper(out: Path) -> None:
    """A student keeps a helper in a module of their own, written from the notebook with
    ``%%writefile conv_helpers.py`` (so the file is in the folder they hand in), and imports it
    in the conv_forward cell."""
    helper = ("import numpy as np\n\n\ndef pad_hw(x, p):\n"
              '    """Zero padding of the two spatial axes of x (N, C, H, W)."""\n'
              "    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n")
    notebooks = six_notebooks()
    notebook = notebooks["02_convolution.ipynb"]
    insert_after(notebook, "imports", code("%%writefile conv_helpers.py\n" + helper, "writefile"))
    set_source(notebook, "conv_forward", lambda s: "from conv_helpers import pad_hw\n\n\n" + swap(
        s, "np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))", "pad_hw(x, pad)"))
    write_notebooks(out, notebooks)
    (out / "conv_helpers.py").write_text(helper)


@form(nbgrader=True)
def nb_get_ipython(out: Path) -> None:
    """A student calls IPython's API directly, as exported scripts and some tutorials do:
    ``get_ipython().run_line_magic("matplotlib", "inline")``."""
    with_cells(out, ("02_convolution.ipynb", "imports", code(
        'shell = get_ipython()\nshell.run_line_magic("matplotlib", "inline")\nprint(type(shell).__name__)',
        "get-ipython")))


@form(nbgrader=True)
def nb_capture_cell_magic(out: Path) -> None:
    """A student silences a noisy defining cell with ``%%capture`` on its first line (IPython runs
    the cell and keeps its output aside, so the function is defined)."""
    notebooks = six_notebooks()
    set_source(notebooks["02_convolution.ipynb"], "max_pool_forward", lambda s: "%%capture pool_output\n" + s)
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_future_import(out: Path) -> None:
    """A student pastes code that starts with ``from __future__ import annotations`` at the top of a
    solution cell (legal at the top of a cell in IPython)."""
    notebooks = six_notebooks()
    set_source(notebooks["01_computational_graph.ipynb"], "mse_loss",
               lambda s: "from __future__ import annotations\n\n" + s)
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_shell_and_html_cells(out: Path) -> None:
    """A student's notebook has cells for the shell and the page: ``%%bash`` listing the folder, a
    ``files = !ls`` assignment and a ``%%html`` cell."""
    with_cells(
        out,
        ("01_computational_graph.ipynb", "imports", code("%%bash\necho \"working in $(pwd)\"\nls", "bash")),
        ("01_computational_graph.ipynb", "sgd_step", code("files = !ls\nprint(len(files), 'files here')",
                                                          "shell-assign")),
        ("03_dropout.ipynb", "dropout_backward", code("%%html\n<b>Dropout done.</b>", "html")),
    )


@form(nbgrader=True)
def nb_verbose_training(out: Path) -> None:
    """A student prints the loss at every one of 300 training steps at the top level of the
    char-RNN notebook (300 lines of output)."""
    notebooks = six_notebooks()
    notebooks["06_char_rnn.ipynb"].cells.append(code(
        "params, vocab, losses = train_char_rnn('hello', steps=300)\n"
        "for step, loss in enumerate(losses):\n"
        "    print(f'step {step:3d}  loss {loss:.4f}')", "verbose"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_tabs_in_cells(out: Path) -> None:
    """A student pasted code indented with tabs into two solution cells (Python accepts tabs used
    consistently)."""
    notebooks = six_notebooks()
    set_source(notebooks["02_convolution.ipynb"], "conv_output_size", tabbed)
    set_source(notebooks["03_dropout.ipynb"], "dropout_mask", tabbed)
    write_notebooks(out, notebooks)


@form()
def nb_renamed_files(out: Path) -> None:
    """A student renamed the six notebooks (``Übung 4 – Teil 2.ipynb``, spaces and non-ASCII) and
    fixed the char-RNN notebook's ``import_functions`` to the new name; an empty ``Untitled.ipynb``
    lies beside them."""
    notebooks = six_notebooks()
    renamed = {name: f"Übung 4 – Teil {number}.ipynb" for number, name in enumerate(notebooks, 1)}
    set_source(notebooks["06_char_rnn.ipynb"], "imports", lambda s: swap(s, '"04_rnn.ipynb"',
                                                                         f'"{renamed["04_rnn.ipynb"]}"'))
    untitled = new_notebook(cells=[code("", "empty")], metadata={"kernelspec": KERNELSPEC})
    write_notebooks(out, {renamed[name]: nb for name, nb in notebooks.items()} | {"Untitled.ipynb": untitled})


@form(nbgrader=True)
def nb_error_demo_in_defining_cell(out: Path) -> None:
    """A student shows off the error their function raises, in the cell that defines it: after
    ``def mse_loss`` the cell calls it with two shapes and the ValueError ends the cell (the
    function is defined all the same)."""
    notebooks = six_notebooks()
    set_source(notebooks["01_computational_graph.ipynb"], "mse_loss", lambda s: s + (
        "\n\n\n# it must complain about different shapes:\nmse_loss(np.ones(3), np.ones(4))"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nb_global_settings(out: Path) -> None:
    """A student's first cell changes numpy's and Python's global settings: numpy raises on
    division by zero, overflow and invalid values (to catch NaNs early), prints 3 decimals, and
    ``warnings.filterwarnings("ignore")``."""
    notebooks = six_notebooks()
    for notebook in notebooks.values():
        insert_after(notebook, "imports", code(
            'import warnings\n\nwarnings.filterwarnings("ignore")\n'
            'np.seterr(divide="raise", over="raise", invalid="raise")\n'
            "np.set_printoptions(precision=3, suppress=True)", "settings"))
    write_notebooks(out, notebooks)


# ------------------------------------------------------------------ notebook forms: formats and tools


@form(nbgrader=True)
def nbf_v4_0(out: Path) -> None:
    """The six notebooks saved in nbformat 4.0 (an old Jupyter or an old course template), sources
    as lists of lines."""
    write_notebooks(out, six_notebooks(), minor=0)


@form(nbgrader=True)
def nbf_v4_1(out: Path) -> None:
    """The six notebooks saved in nbformat 4.1 (Jupyter Notebook 4.x, as in old course templates)."""
    write_notebooks(out, six_notebooks(), minor=1)


@form(nbgrader=True)
def nbf_v4_2(out: Path) -> None:
    """The six notebooks saved in nbformat 4.2 (Jupyter Notebook 5, still on some lab machines)."""
    write_notebooks(out, six_notebooks(), minor=2)


@form(nbgrader=True)
def nbf_v4_4(out: Path) -> None:
    """The six notebooks saved in nbformat 4.4 (Jupyter Notebook 6, before cell ids)."""
    write_notebooks(out, six_notebooks(), minor=4)


@form(nbgrader=True)
def nbf_v4_5_string_sources(out: Path) -> None:
    """The six notebooks in nbformat 4.5 with cell ids and every source one string, not a list of
    lines (as nbformat's own writers and some tools save them)."""
    write_notebooks(out, six_notebooks(), lines=False)


def _run_like_jupyter(notebook: nbformat.NotebookNode, tool_metadata: dict | None = None) -> None:
    """Execution counts on every code cell, as after "Run All" (outputs cleared), and the
    saving tool's own cell metadata."""
    count = 0
    for each in notebook.cells:
        if each.cell_type == "code":
            count += 1
            each.execution_count = count
            each.outputs = []
            if tool_metadata:
                each.metadata.update(copy.deepcopy(tool_metadata))


@form(nbgrader=True)
def nbf_jupyterlab(out: Path) -> None:
    """The six notebooks as JupyterLab 4 saves them after "Run All": execution counts, cell tags
    and execution-timing metadata, the full kernelspec and language_info."""
    notebooks = six_notebooks()
    for notebook in notebooks.values():
        _run_like_jupyter(notebook, {"tags": [], "execution": {
            "iopub.execute_input": "2026-11-30T18:40:01.123456Z",
            "iopub.status.busy": "2026-11-30T18:40:01.120000Z",
            "iopub.status.idle": "2026-11-30T18:40:01.200000Z",
            "shell.execute_reply": "2026-11-30T18:40:01.199000Z"}})
        notebook.metadata = {"kernelspec": KERNELSPEC, "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
            "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3", "version": "3.11.9"}}
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nbf_colab(out: Path) -> None:
    """The six notebooks downloaded from Google Colab (File > Download .ipynb): colab metadata on
    the notebook and its cells, and a first cell ``from google.colab import drive`` with
    ``drive.mount(...)``, which fails anywhere but on Colab."""
    notebooks = six_notebooks()
    for name, notebook in notebooks.items():
        notebook.metadata = {"colab": {"provenance": [], "name": name, "toc_visible": True},
                             "kernelspec": {"name": "python3", "display_name": "Python 3"},
                             "language_info": {"name": "python"}, "accelerator": "GPU",
                             "gpuClass": "standard"}
        for number, each in enumerate(notebook.cells):
            each.metadata["id"] = f"c{number:03d}{name[:2]}XyZ"
            if each.cell_type == "code":
                each.metadata["colab"] = {"base_uri": "https://localhost:8080/"}
        notebook.cells.insert(1, code("from google.colab import drive\n"
                                      "drive.mount('/content/drive')\n"
                                      "%cd /content/drive/MyDrive/week4", "colab-drive"))
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nbf_vscode(out: Path) -> None:
    """The six notebooks saved by VS Code's Jupyter extension: its ``vscode`` interpreter metadata,
    a kernelspec named after the student's .venv, language_info with the version."""
    notebooks = six_notebooks()
    for notebook in notebooks.values():
        _run_like_jupyter(notebook)
        notebook.metadata = {
            "kernelspec": {"display_name": ".venv", "language": "python", "name": "python3"},
            "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                              "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                              "pygments_lexer": "ipython3", "version": "3.11.4"},
            "vscode": {"interpreter": {"hash": "3f1c0a8e6b0b8d4b5a0d7c0f9e2b1a4c" * 2}}}
    write_notebooks(out, notebooks)


@form(nbgrader=True)
def nbf_crlf_in_cells(out: Path) -> None:
    """The six notebooks saved on Windows by a tool that keeps CRLF line ends inside the cells'
    sources."""
    write_notebooks(out, six_notebooks(), newline="\r\n")


def _png(width: int = 4, height: int = 4) -> bytes:
    """A small grey PNG, made by hand (zlib is deterministic): a plot's output."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes([128] * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


@form(nbgrader=True)
def nbf_outputs(out: Path) -> None:
    """The six notebooks with their outputs saved: printed text, an execute_result with HTML, a
    plot as a PNG image, and the error traceback of a cell that failed once."""
    notebooks = six_notebooks()
    for notebook in notebooks.values():
        _run_like_jupyter(notebook)
        try_it = notebook.cells[-1]
        try_it.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text="looks right\n"),
            nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(_png()).decode(),
                                                         "text/plain": "<Figure size 640x480 with 1 Axes>"}),
            nbformat.v4.new_output("execute_result", execution_count=try_it.execution_count,
                                   data={"text/plain": "array([1., 2.])", "text/html": "<b>1, 2</b>"}),
        ]
        first = next(c for c in notebook.cells if c.cell_type == "code")
        first.outputs = [nbformat.v4.new_output(
            "error", ename="ModuleNotFoundError", evalue="No module named 'numpy'",
            traceback=["\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
                       "\x1b[0;31mModuleNotFoundError\x1b[0m: No module named 'numpy'"])]
    write_notebooks(out, notebooks)


# ------------------------------------------------------------------ Python forms


@form()
def py_sibling_from_import(out: Path) -> None:
    """The six modules as a student runs them with ``python char_rnn.py``: char_rnn.py uses its
    sibling with ``from rnn import clip_grad_norm, rnn_backward, rnn_forward``."""
    write_modules(out, module_sources())


@form()
def py_sibling_import_module(out: Path) -> None:
    """char_rnn.py imports its sibling module whole, ``import rnn``, and calls ``rnn.rnn_forward``."""
    sources = module_sources()
    source = swap(sources["char_rnn"], "from rnn import clip_grad_norm, rnn_backward, rnn_forward",
                  "import rnn")
    for name in ("clip_grad_norm(", "rnn_backward(", "rnn_forward(x", "rnn_forward(one_hot"):
        source = source.replace(name, "rnn." + name)
    sources["char_rnn"] = source
    write_modules(out, sources)


@form(path="..", package="py_package_relative")
def py_package_relative(out: Path) -> None:
    """The folder is a package: an ``__init__.py`` that imports the modules, and char_rnn.py with the
    reference's relative import ``from .rnn import ...``."""
    write_modules(out, {module: reference_source(module) for module in MODULES})
    (out / "__init__.py").write_text('"""Week 4."""\n\n'
                                     'from . import basics, char_rnn, conv, dropout, lstm, rnn\n')


@form()
def py_main_demos(out: Path) -> None:
    """Every module ends with an ``if __name__ == "__main__":`` demo that the student ran."""
    demos = {
        "basics": "    print(mse_loss(np.array([1.0, 2.0]), np.array([1.0, 0.0])))",
        "conv": "    print(conv_output_size(7, 3, stride=2), conv_param_count(5, 3, 10))",
        "dropout": "    print(dropout_forward(np.ones((2, 4)), 0.5, np.random.default_rng(0))[0])",
        "rnn": "    print(rnn_forward(np.ones((1, 3, 2)), np.zeros((1, 4)), np.ones((2, 4)), np.eye(4),"
               " np.zeros(4))[0])",
        "lstm": "    print(lstm_forward(np.ones((1, 3, 2)), np.zeros((1, 4)), np.ones((2, 16)),"
                " np.ones((4, 16)), np.zeros(16))[0])",
        "char_rnn": "    params, vocab, losses = train_char_rnn()\n"
                    "    print(losses[0], losses[-1], sample(params, vocab, 'h', 5))",
    }
    sources = module_sources()
    write_modules(out, {m: s + f'\n\nif __name__ == "__main__":\n{demos[m]}\n' for m, s in sources.items()})


@form()
def py_percent_cells(out: Path) -> None:
    """A student works in VS Code or Spyder with ``# %%`` cell markers in the .py files, and
    top-level cells that try the functions out (they run when the module is imported)."""
    sources = module_sources()
    sources["conv"] = swap(sources["conv"], "import numpy as np\n", "# %%\nimport numpy as np\n\n# %%\n") + (
        "\n\n# %% try it\nprint(conv_output_size(7, 3, pad=1), conv_param_count(5, 3, 10))\n"
        "out, _ = max_pool_forward(np.arange(16.0).reshape(1, 1, 4, 4))\nprint(out)\n")
    sources["rnn"] = sources["rnn"] + (
        "\n\n# %%\nh, _ = rnn_forward(np.ones((1, 2, 3)), np.zeros((1, 4)), np.ones((3, 4)) / 10, np.eye(4), "
        "np.zeros(4))\nprint(h.shape)\n")
    write_modules(out, sources)


@form()
def py_namedtuple_cache(out: Path) -> None:
    """The RNN step's cache is a ``typing.NamedTuple`` of the student's own, read by field name in
    the backward pass; the sequence's cache is a list of them."""
    sources = module_sources()
    source = swap(sources["rnn"], "import numpy as np\n", (
        "from typing import NamedTuple\n\nimport numpy as np\n\n\n"
        "class StepCache(NamedTuple):\n"
        '    """What one step keeps for its backward pass."""\n\n'
        "    x: np.ndarray\n    prev_h: np.ndarray\n    Wx: np.ndarray\n    Wh: np.ndarray\n"
        "    next_h: np.ndarray\n"))
    source = swap(source, "    cache = (x, prev_h, Wx, Wh, next_h)\n",
                  "    cache = StepCache(x, prev_h, Wx, Wh, next_h)\n")
    source = swap(source, "    x, prev_h, Wx, Wh, next_h = cache\n    da = dnext_h * (1 - next_h**2)\n",
                  "    da = dnext_h * (1 - cache.next_h**2)\n"
                  "    x, prev_h, Wx, Wh = cache.x, cache.prev_h, cache.Wx, cache.Wh\n")
    sources["rnn"] = swap(source, "    x0, _, Wx, Wh, _ = caches[0]\n",
                          "    x0, Wx, Wh = caches[0].x, caches[0].Wx, caches[0].Wh\n")
    write_modules(out, sources)


@form()
def py_dataclass_cache(out: Path) -> None:
    """The convolution's cache is a ``@dataclass`` of the student's own, read by attribute."""
    sources = module_sources()
    source = swap(sources["conv"], "import numpy as np\n", (
        "from dataclasses import dataclass\n\nimport numpy as np\n\n\n"
        "@dataclass\nclass ConvCache:\n"
        '    """What conv_backward needs: the padded input, the filters, the stride and the padding."""\n\n'
        "    xpad: np.ndarray\n    w: np.ndarray\n    stride: int\n    pad: int\n"))
    source = swap(source, "    cache = (xpad, w, stride, pad)\n",
                  "    cache = ConvCache(xpad, w, stride, pad)\n")
    sources["conv"] = swap(source, "    xpad, w, stride, pad = cache\n",
                           "    xpad, w, stride, pad = cache.xpad, cache.w, cache.stride, cache.pad\n")
    write_modules(out, sources)


@form()
def py_dict_subclass_cache(out: Path) -> None:
    """The LSTM step's cache is a dict subclass of the student's own (keys readable as attributes),
    and the sequence's cache is a list of them."""
    sources = module_sources()
    source = swap(sources["lstm"], "import numpy as np\n", (
        "import numpy as np\n\n\n"
        "class Cache(dict):\n"
        '    """A dict whose keys read as attributes: cache.x is cache["x"]."""\n\n'
        "    __getattr__ = dict.__getitem__\n"))
    source = swap(source, "    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)\n",
                  "    cache = Cache(x=x, prev_h=prev_h, prev_c=prev_c, Wx=Wx, Wh=Wh,\n"
                  "                  i=i, f=f, o=o, g=g, tanh_c=tanh_c)\n")
    source = swap(source, "    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache\n",
                  '    x, prev_h, prev_c = cache["x"], cache["prev_h"], cache["prev_c"]\n'
                  '    Wx, Wh = cache["Wx"], cache["Wh"]\n'
                  "    i, f, o, g, tanh_c = cache.i, cache.f, cache.o, cache.g, cache.tanh_c\n")
    sources["lstm"] = swap(source, "    x0, _, _, Wx, Wh, *_ = caches[0]\n",
                           '    x0, Wx, Wh = caches[0]["x"], caches[0]["Wx"], caches[0]["Wh"]\n')
    write_modules(out, sources)


@form()
def py_matplotlib_at_top(out: Path) -> None:
    """conv.py imports ``matplotlib.pyplot`` at its top for a function that plots feature maps (the
    bundle's requirements.txt installs matplotlib on the student's machine)."""
    sources = module_sources()
    sources["conv"] = swap(sources["conv"], "import numpy as np\n",
                           "import matplotlib.pyplot as plt\nimport numpy as np\n") + (
        "\n\ndef show_feature_maps(out: np.ndarray) -> None:\n"
        '    """Plot the activation maps of the first input, side by side."""\n'
        "    fig, axes = plt.subplots(1, out.shape[1], squeeze=False)\n"
        "    for f, ax in enumerate(axes[0]):\n"
        "        ax.imshow(out[0, f], cmap='gray')\n"
        "    plt.show()\n")
    write_modules(out, sources)


@form()
def py_training_run_at_import(out: Path) -> None:
    """char_rnn.py trains the model at its top level (no ``__main__`` guard) and prints the losses:
    importing it runs a short training."""
    sources = module_sources()
    sources["char_rnn"] += ("\n\nparams, vocab, losses = train_char_rnn(steps=100)\n"
                            "for step in range(0, 100, 20):\n"
                            "    print(f'step {step}: loss {losses[step]:.3f}')\n"
                            "print('h ->', sample(params, vocab, 'h', 5))\n")
    write_modules(out, sources)


@form()
def py_prints_unicode(out: Path) -> None:
    """The modules print non-ASCII text when imported (``Faltung geladen ✓ – Ausgabegröße 5``): a
    student's progress messages, in their language."""
    sources = module_sources()
    sources["conv"] += "\n\nprint('Faltung geladen ✓ – Ausgabegröße', conv_output_size(7, 3))\n"
    sources["rnn"] += "\n\nprint('RNN prêt ✓ — état caché h_t = tanh(x_t Wx + h_{t−1} Wh + b)')\n"
    write_modules(out, sources)


@form()
def py_sys_path_hack(out: Path) -> None:
    """char_rnn.py puts its own folder on ``sys.path`` before importing its sibling (a fix students
    find online for "No module named rnn"): ``sys.path.append(os.path.dirname(__file__))``."""
    sources = module_sources()
    sources["char_rnn"] = swap(sources["char_rnn"], "from rnn import", (
        "import os\nimport sys\n\nsys.path.append(os.path.dirname(os.path.abspath(__file__)))\n\n"
        "from rnn import"))
    write_modules(out, sources)


# ------------------------------------------------------------------ folder forms: encodings and layouts


@form()
def folder_case_mismatch(out: Path) -> None:
    """A student on macOS or Windows (case-insensitive file systems) saved the convolution as
    ``Conv.py``; everything else is lower case."""
    sources = module_sources()
    write_modules(out, sources)
    (out / "conv.py").rename(out / "Conv.py")


@form()
def folder_bom(out: Path) -> None:
    """Every .py starts with a UTF-8 byte order mark (Notepad, some Windows editors)."""
    folder = write_modules(out, module_sources())
    for path in folder.glob("*.py"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


@form()
def folder_tabs(out: Path) -> None:
    """The modules are indented with tabs, one tab per level (an editor set to tabs)."""
    write_modules(out, {module: tabbed(source) for module, source in module_sources().items()})


@form()
def folder_crlf(out: Path) -> None:
    """The modules have Windows line ends (CRLF) throughout."""
    write_modules(out, module_sources(), newline="\r\n")


@form(path="src", package="week4")
def folder_src_layout(out: Path) -> None:
    """A student who knows packaging: ``src/week4/`` holds the modules (a package, char_rnn.py with
    a relative import), beside a pyproject.toml, a README and tests of their own."""
    package = write_modules(out / "src" / "week4", {module: reference_source(module) for module in MODULES})
    (package / "__init__.py").write_text("")
    (out / "pyproject.toml").write_text('[project]\nname = "week4"\nversion = "0.1.0"\n'
                                        'dependencies = ["numpy"]\n\n[tool.setuptools.packages.find]\n'
                                        'where = ["src"]\n')
    (out / "README.md").write_text("# Week 4\n\nMy solutions. Run `pytest` for my tests.\n")
    (out / "tests").mkdir()
    (out / "tests" / "test_mine.py").write_text(
        "import numpy as np\n\nfrom week4.conv import conv_output_size\n\n\n"
        "def test_output_size():\n    assert conv_output_size(7, 3, stride=2) == 3\n")


@form()
def folder_modules_and_notebooks(out: Path) -> None:
    """A student did the first three topics as modules and the last three in the project's
    notebooks: basics.py, conv.py and dropout.py beside 04_rnn, 05_lstm and 06_char_rnn.ipynb."""
    sources = module_sources()
    write_modules(out, {m: sources[m] for m in ("basics", "conv", "dropout")})
    notebooks = six_notebooks()
    later = ("04_rnn.ipynb", "05_lstm.ipynb", "06_char_rnn.ipynb")
    write_notebooks(out, {name: notebooks[name] for name in later})


# ------------------------------------------------------------------ zips


def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="forms-"))


@form(".zip", path="week4")
def zip_linux(out: Path) -> None:
    """The folder zipped on Linux with ``zip -r week4.zip week4``: a top folder, folder entries,
    Unix modes."""
    scratch = _scratch()
    zip_folder(write_modules(scratch / "week4", module_sources()), out, "week4")
    shutil.rmtree(scratch)


@form(".zip", path="week4")
def zip_notebooks(out: Path) -> None:
    """The folder of the six solved notebooks zipped on Linux (``zip -r week4.zip week4``)."""
    scratch = _scratch()
    zip_folder(write_notebooks(scratch / "week4", six_notebooks()), out, "week4")
    shutil.rmtree(scratch)


def _apple_double(name: str) -> bytes:
    """A ``._name`` AppleDouble file as Finder writes it beside each file: magic, version, one
    Finder-info entry (type and creator codes) and an extended-attribute header."""
    finder_info = b"TEXTR*ch" + bytes(24)
    header = struct.pack(">II16sH", 0x00051607, 0x00020000, b"Mac OS X        ", 1)
    entry = struct.pack(">III", 9, 50, len(finder_info))
    return header + entry + finder_info + b"ATTR" + bytes(40) + name.encode()


@form(".zip", path="week4")
def zip_macos_finder(out: Path) -> None:
    """The folder compressed with macOS Finder ("Compress week4"): a ``__MACOSX/`` tree of ``._``
    AppleDouble files beside every file, and a ``.DS_Store`` in the folder."""
    scratch = _scratch()
    folder = write_modules(scratch / "week4", module_sources())
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(2040))
    extra: dict[str, bytes | None] = {"__MACOSX/": None, "__MACOSX/week4/": None}  # None: a folder entry
    extra |= {f"__MACOSX/week4/._{path.name}": _apple_double(path.name) for path in sorted(folder.iterdir())}
    zip_folder(folder, out, "week4", extra=extra)
    shutil.rmtree(scratch)


WINDOWS_TOP = "Hausübung 4 – Jürgen Müller"


@form(".zip", path=WINDOWS_TOP)
def zip_windows(out: Path) -> None:
    """The folder zipped on Windows with Explorer ("Send to > Compressed folder"): CRLF files, a top
    folder whose name has spaces and non-ASCII letters, no folder entries, DOS attributes."""
    scratch = _scratch()
    folder = write_modules(scratch / "top", module_sources(), newline="\r\n")
    zip_folder(folder, out, WINDOWS_TOP, system=0, dirs=False)
    shutil.rmtree(scratch)


@form(".zip", path="week4")
def zip_with_venv(out: Path) -> None:
    """The project folder zipped with its virtual environment inside: ``.venv/`` with pyvenv.cfg and
    2500 small files under lib/python3.11/site-packages/ (a real one holds thousands)."""
    scratch = _scratch()
    folder = write_modules(scratch / "week4", module_sources())
    venv = folder / ".venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    for package in range(50):
        (site / f"package{package:02d}").mkdir(parents=True)
        for number in range(50):
            (site / f"package{package:02d}" / f"module{number:02d}.py").write_text(f"VALUE = {number}\n")
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\n"
                                     "version = 3.11.9\n")
    (venv / "bin").mkdir()
    (venv / "bin" / "activate").write_text('VIRTUAL_ENV="/home/student/week4/.venv"\nexport VIRTUAL_ENV\n')
    zip_folder(folder, out, "week4")
    shutil.rmtree(scratch)


@form(".zip", path="week4")
def zip_with_git(out: Path) -> None:
    """The project folder zipped with its git repository inside: ``.git/`` (HEAD, config, hooks,
    refs, a few hundred loose objects) and a .gitignore."""
    scratch = _scratch()
    folder = write_modules(scratch / "week4", module_sources())
    git = folder / ".git"
    for sub in ("refs/heads", "refs/tags", "hooks", "info", "logs/refs/heads"):
        (git / sub).mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "config").write_text("[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n")
    (git / "description").write_text("Unnamed repository; edit this file 'description' to name the "
                                      "repository.\n")
    (git / "refs" / "heads" / "main").write_text("3f1c0a8e6b0b8d4b5a0d7c0f9e2b1a4c6d8e0f2a\n")
    (git / "hooks" / "pre-commit.sample").write_text("#!/bin/sh\nexit 0\n")
    (git / "info" / "exclude").write_text("# git ls-files --others --exclude-from=.git/info/exclude\n")
    for number in range(300):
        digest = f"{zlib.crc32(str(number).encode()):08x}{number:032x}"
        (git / "objects" / digest[:2]).mkdir(parents=True, exist_ok=True)
        blob = zlib.compress(f"blob 2\x00{number}\n".encode())
        (git / "objects" / digest[:2] / digest[2:]).write_bytes(blob)
    (folder / ".gitignore").write_text(".venv/\n__pycache__/\n")
    zip_folder(folder, out, "week4")
    shutil.rmtree(scratch)


@form(".zip", path="week4")
def zip_with_caches(out: Path) -> None:
    """The folder zipped with what running it left behind: ``__pycache__/`` with .pyc files and
    ``.ipynb_checkpoints/`` with a checkpoint copy of a scratch notebook."""
    scratch = _scratch()
    folder = write_modules(scratch / "week4", module_sources())
    (folder / "__pycache__").mkdir()
    for module in MODULES:
        (folder / "__pycache__" / f"{module}.cpython-311.pyc").write_bytes(
            b"\xa7\r\r\n" + bytes(12) + zlib.compress(module.encode()))
    scratch_notebook = new_notebook(cells=[code("import conv\nconv.conv_output_size(7, 3)", "scratch")],
                                    metadata={"kernelspec": KERNELSPEC})
    (folder / "scratch.ipynb").write_text(notebook_json(scratch_notebook))
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "scratch-checkpoint.ipynb").write_text(notebook_json(scratch_notebook))
    zip_folder(folder, out, "week4")
    shutil.rmtree(scratch)


def _release(folder: Path) -> Path:
    """The student bundle (``autograder release``), as the student downloaded it."""
    write_release(folder)
    return folder


@form(".zip", path="week4", package="assignments")
def zip_release_filled_modules(out: Path) -> None:
    """The whole release bundle zipped back, with ``assignments/*.py`` filled in; its notebooks are
    the release's, untouched (the student worked in the modules)."""
    scratch = _scratch()
    bundle = _release(scratch / "week4")
    sources = module_sources()
    sources["char_rnn"] = reference_source("char_rnn")  # the stub's own relative import, kept
    write_modules(bundle / "assignments", sources)
    zip_folder(bundle, out, "week4")
    shutil.rmtree(scratch)


@form(".zip", path="week4/notebooks")
def zip_release_filled_notebooks(out: Path) -> None:
    """The whole release bundle zipped back, with its notebooks filled in and ``assignments/*.py``
    the untouched stubs (the student worked in the notebooks): the notebooks must be graded."""
    scratch = _scratch()
    bundle = _release(scratch / "week4")
    write_notebooks(bundle / "notebooks", six_notebooks())
    zip_folder(bundle, out, "week4")
    shutil.rmtree(scratch)


# ------------------------------------------------------------------ main


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    manifest = {}
    for name, (entry, maker, facts) in FORMS.items():
        maker(OUT / entry)
        manifest[name] = {"entry": entry, **facts, "situation": " ".join(maker.__doc__.split())}
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(manifest)} forms into {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
