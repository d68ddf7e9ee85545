"""The week's notebooks: built from solutions/, valid for nbgrader, gradable with and without a kernel."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell

from autograder import notebook_grading
from autograder.grade import grade_submission
from autograder.notebook_grading import grade_task, import_functions
from autograder.notebooks import build_notebooks, solved, with_function, write_notebooks
from autograder.stubs import make_stub, solution_blocks
from tests.week4 import BY_NAME, LECTURES, MODULES, SOLUTIONS, TASKS

SOURCE = build_notebooks(release=False)
RELEASE = build_notebooks(release=True)
SOLVED = {name: solved(nb) for name, nb in SOURCE.items()}
GRADE_CALL = re.compile(r'grade_task\("([\w.]+)", globals\(\)\)\Z')

# Realistic mistakes; each notebook's test cells must score them as `autograder grade` does.
FLIPPED_KERNEL = '''\
def conv_forward(x, w, b, stride=1, pad=0):
    """A true convolution: the kernel flipped, unlike the lecture's cross-correlation."""
    H_out = conv_output_size(x.shape[2], w.shape[2], pad, stride)
    W_out = conv_output_size(x.shape[3], w.shape[3], pad, stride)
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    flipped = w[:, :, ::-1, ::-1]
    out = np.zeros((x.shape[0], w.shape[0], H_out, W_out))
    for di in range(w.shape[2]):
        for dj in range(w.shape[3]):
            seen = xpad[:, :, di : di + stride * H_out : stride, dj : dj + stride * W_out : stride]
            out += np.einsum("nchw,fc->nfhw", seen, flipped[:, :, di, dj])
    return out + b[None, :, None, None], (xpad, w, stride, pad)
'''
EMPTY_MEAN = '''\
def softmax_cross_entropy(scores, targets):
    """Right, but a leftover check takes the mean of an empty array: numpy warns at every call."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    negative = np.mean(targets[targets < 0])  # debugging: there is none, so nan and a RuntimeWarning
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)
    return float(-picked.mean()), (np.exp(log_probs) - one_hot(targets, scores.shape[-1])) / targets.size
'''
DEBUG_OUTPUT = '''\
import os
import sys
import warnings


def dropout_forward(x, p, rng, train=True):
    """Right, but left its debugging output: on stderr, on file descriptor 2, and a warning."""
    print("debug: x", x.shape, file=sys.stderr)
    os.write(2, b"debug at the C level\\n")
    warnings.warn("still debugging")
    if not train:
        return x.copy(), (np.ones(x.shape),)
    scaled_mask = dropout_mask(x.shape, p, rng) / (1 - p)
    return x * scaled_mask, (scaled_mask,)
'''
BPTT_NO_CARRY = '''\
def rnn_backward(dh, cache):
    """Forgets the gradient that step t+1 sends back to h_t."""
    N, T, H = dh.shape
    x0, _, Wx, Wh, _ = cache[0]
    dx = np.empty((N, T, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
'''
BUGS = {"02_convolution.ipynb": [FLIPPED_KERNEL], "03_dropout.ipynb": [DEBUG_OUTPUT],
        "04_rnn.ipynb": [BPTT_NO_CARRY], "06_char_rnn.ipynb": [EMPTY_MEAN]}


def buggy_notebooks() -> dict[str, nbformat.NotebookNode]:
    """The solved notebooks with the bugs above spliced in."""
    notebooks = dict(SOLVED)
    for name, sources in BUGS.items():
        for source in sources:
            notebooks[name] = with_function(notebooks[name], source)
    return notebooks


def nbgrader_meta(cell: nbformat.NotebookNode) -> dict:
    return cell.metadata.get("nbgrader", {})


def graded_task(cell: nbformat.NotebookNode) -> str:
    match = GRADE_CALL.search(cell.source)
    assert match, f"a test cell that does not end with grade_task(...): {cell.source!r}"
    return match.group(1)


def solution_code_lines() -> set[str]:
    """Code lines that exist only inside the reference's solution blocks (not in what students get)."""
    inside, given = set(), set()
    for module in MODULES:
        source = (SOLUTIONS / f"{module}.py").read_text()
        for _, block in solution_blocks(source):
            inside |= {line.strip() for line in block if line.strip() and not line.strip().startswith("#")}
        given |= {line.strip() for line in make_stub(source).splitlines()}
    return inside - given


def code_lines(notebooks: dict[str, nbformat.NotebookNode]) -> set[str]:
    return {line.strip() for nb in notebooks.values() for cell in nb.cells if cell.cell_type == "code"
            for line in cell.source.splitlines()}


def write(notebooks: dict[str, nbformat.NotebookNode], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / name)
    return folder


def kernel_namespace(notebook: nbformat.NotebookNode) -> dict:
    """What a kernel holds after running a notebook's given and solution cells in order."""
    namespace = {"__name__": "__main__"}
    for cell in notebook.cells:
        if cell.cell_type == "code" and nbgrader_meta(cell) and not nbgrader_meta(cell)["grade"]:
            exec(compile(cell.source, "<cell>", "exec"), namespace)
    return namespace


# --- structure ---------------------------------------------------------------------------------

def test_one_notebook_per_topic_in_lecture_order():
    assert list(SOURCE) == [lecture.filename for lecture in LECTURES] == list(RELEASE)
    assert [lecture.module for lecture in LECTURES] == list(MODULES)


@pytest.mark.parametrize("version", ["source", "release"])
def test_notebooks_validate_with_nbformat_and_nbgrader_schema_v3(version):
    from nbgrader.nbgraderformat import MetadataValidator

    for name, nb in (SOURCE if version == "source" else RELEASE).items():
        nbformat.validate(nb)
        MetadataValidator().validate_nb(nb)  # each cell against v3.json, and unique grade ids
        ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c)]
        assert len(ids) == len(set(ids)), name
        assert all(re.fullmatch(r"[a-zA-Z0-9_\-]+", i) for i in ids), ids
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if not meta:
                continue
            assert meta["schema_version"] == 3
            kind = (meta["grade"], meta["solution"], meta["locked"])
            # test cell, solution cell, or given code: nothing else
            assert kind in {(True, False, True), (False, True, False), (False, False, True)}, (name, meta)
            assert cell.cell_type == "code"
            assert ("points" in meta) == meta["grade"]


def test_every_task_has_one_solution_cell_and_one_test_cell_worth_its_points():
    tests, solutions = Counter(), Counter()
    for lecture in LECTURES:
        for cell in SOURCE[lecture.filename].cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade"):
                task = graded_task(cell)
                assert BY_NAME[task].module == lecture.module
                assert meta["points"] == BY_NAME[task].points
                tests[task] += 1
            elif meta.get("solution"):
                solutions[f"{lecture.module}.{meta['grade_id']}"] += 1
                assert f"def {meta['grade_id']}(" in cell.source
    assert tests == solutions == Counter(list(BY_NAME))
    assert sum(nbgrader_meta(c).get("points", 0) for nb in SOURCE.values() for c in nb.cells) == 100


def test_the_release_holds_no_solution_code_and_keeps_the_hints():
    secret = solution_code_lines()
    assert len(secret) > 100
    assert secret <= code_lines(SOURCE)
    assert not secret & code_lines(RELEASE)
    release_text = json.dumps([nbformat.writes(nb) for nb in RELEASE.values()])
    assert "BEGIN SOLUTION" not in release_text
    assert "# TODO: ONE norm over all arrays together" in release_text
    stubs = sum(c.source.count("raise NotImplementedError()") for nb in RELEASE.values() for c in nb.cells
                if c.cell_type == "code")
    assert stubs == len(TASKS)


def test_the_release_is_what_nbgrader_makes_of_the_source():
    from nbgrader.preprocessors import ClearSolutions

    for name, nb in SOURCE.items():
        cleared, _ = ClearSolutions().preprocess(copy.deepcopy(nb), {})
        assert [c.source for c in cleared.cells] == [c.source for c in RELEASE[name].cells], name


def test_builds_are_reproducible_and_written_as_valid_notebooks(tmp_path):
    written = write_notebooks(tmp_path / "out", release=True)
    assert [p.name for p in written] == list(RELEASE)
    for path in written:
        assert nbformat.writes(nbformat.read(path, as_version=4)) == nbformat.writes(RELEASE[path.name])


LECTURE_TEXT = {
    "01_computational_graph.ipynb": ["computational graph", "chain rule", r"W \leftarrow W - \eta",
                                     r"C = \frac{1}{n} \sum_{i=1}^{n} (\hat y_i - y_i)^2"],
    "02_convolution.ipynb": [r"W_\text{out} = \frac{N + 2P - F}{S} + 1", "(N + 2P - F) / S + 1",
                             "$(7 - 3)/1 + 1 = 5$", "$(7 - 3)/2 + 1 = 3$", "stride 3 does not fit",
                             "$(7 + 2 - 3)/1 + 1 = 7$", r"$128 \times 128 \times 3$",
                             r"ten $5 \times 5 \times 3$", "stride 1 and pad 2",
                             r"$128 \times 128 \times 10$", "= 760$ parameters", "Max pooling"],
    "03_dropout.ipynb": ["inverted dropout", r"\tilde h = \frac{h \odot m}{1 - p}"],
    "04_rnn.ipynb": [r"h_t = f_W(h_{t-1}, x_t) = \tanh(W_{hh} h_{t-1} + W_{xh} x_t)", r"y_t = W_{hy} h_t",
                     "Backpropagation through time", "exploding gradients", "vanishing gradients",
                     "Gradient clipping"],
    "05_lstm.ipynb": [r"\begin{pmatrix} i \\ f \\ o \\ g \end{pmatrix}",
                      r"\sigma \\ \sigma \\ \sigma \\ \tanh", r"c_t = f \odot c_{t-1} + i \odot g",
                      r"h_t = o \odot \tanh(c_t)", "input gate", "forget gate", "output gate"],
    "06_char_rnn.ipynb": ['**"hell"**', '**"ello"**', r"y_t = W_{hy} h_t", "softmax", "cross-entropy"],
}


@pytest.mark.parametrize("name", list(LECTURE_TEXT))
def test_the_lectures_formulas_and_examples_are_in_the_markdown(name):
    for notebooks in (SOURCE, RELEASE):
        markdown = "\n".join(c.source for c in notebooks[name].cells if c.cell_type == "markdown")
        missing = [text for text in LECTURE_TEXT[name] if text not in markdown]
        assert not missing, missing


# --- grading in a kernel: what the test cells call ---------------------------------------------

def test_test_cells_score_like_autograder_grade_and_write_nothing_on_stderr(tmp_path, monkeypatch, capfd):
    notebooks = buggy_notebooks()
    folder = write(notebooks, tmp_path / "submission")
    expected = {task.name: task.score for task in grade_submission(folder).tasks}
    capfd.readouterr()
    monkeypatch.chdir(folder)  # a kernel runs in its notebook's folder: 06 reads 04_rnn.ipynb there
    scores = {}
    for nb in notebooks.values():
        namespace = kernel_namespace(nb)
        for cell in nb.cells:
            if nbgrader_meta(cell).get("grade"):
                scores[graded_task(cell)] = grade_task(graded_task(cell), namespace)
    out, err = capfd.readouterr()
    assert err == ""
    assert all(type(score) is float for score in scores.values())
    assert scores == pytest.approx(expected)
    lost = {task for task, score in scores.items() if score < BY_NAME[task].points}
    # the flipped kernel, and BPTT, felt by the char-RNN's loss too through 04_rnn.ipynb; the debug
    # output and numpy's warnings cost nothing
    assert lost == {"conv.conv_forward", "rnn.rnn_backward", "char_rnn.char_rnn_loss"}
    assert "debug: x" in out and "debug at the C level" in out  # reported, on stdout
    assert "(hidden cases)" in out and "flip" in out


def test_on_a_students_machine_the_test_cells_run_the_public_cases(monkeypatch, capsys):
    monkeypatch.setattr(notebook_grading, "reference_installed", lambda: False)
    namespace = kernel_namespace(SOLVED["02_convolution.ipynb"])
    assert grade_task("conv.conv_forward", namespace) == BY_NAME["conv.conv_forward"].points
    assert "(public cases)" in capsys.readouterr().out
    assert grade_task("conv.conv_forward", kernel_namespace(RELEASE["02_convolution.ipynb"])) == 0.0
    assert "not written yet" in capsys.readouterr().out


def test_a_solutions_module_that_is_not_the_reference_does_not_count(tmp_path, monkeypatch):
    """On a student's machine (no assignment folder), a solutions.py beside the notebooks changes nothing."""
    (tmp_path / "solutions.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("AUTOGRADER_ASSIGNMENT", str(tmp_path))  # no assignment.toml there: a student's copy
    assert not notebook_grading.reference_installed()
    monkeypatch.delenv("AUTOGRADER_ASSIGNMENT")
    assert notebook_grading.reference_installed(), "the grader's machine: week 4 and its reference"


def test_a_test_cell_never_raises(capsys):
    assert grade_task("conv.no_such_function", {}) == 0.0
    assert "could not run" in capsys.readouterr().out
    assert grade_task("conv.conv_forward", {}) == 0.0
    assert "no function conv_forward()" in capsys.readouterr().out


def test_import_functions_reads_another_notebook_and_says_what_is_missing(tmp_path, monkeypatch):
    write({"04_rnn.ipynb": SOLVED["04_rnn.ipynb"], "01_computational_graph.ipynb": RELEASE[
        "01_computational_graph.ipynb"]}, tmp_path)
    monkeypatch.chdir(tmp_path)
    (clip,) = import_functions("04_rnn.ipynb", "clip_grad_norm")
    assert clip([np.ones(4)], 1.0)[1] == 2.0
    with pytest.raises(ImportError, match="defines no rnn_forward"):
        import_functions("01_computational_graph.ipynb", "rnn_forward")
    with pytest.raises(ImportError, match="keep the week's notebooks in one folder"):
        import_functions("missing.ipynb", "rnn_forward")


# --- grading without a kernel: autograder grade ------------------------------------------------

def _cells(nb: nbformat.NotebookNode, keep) -> nbformat.NotebookNode:
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if keep(c)]
    return out


def test_autograder_grade_survives_deleted_copied_reordered_and_exploratory_cells(tmp_path):
    """The notebooks run as Run All runs them, so what Run All survives, grading does.

    (Before notebooks ran, the imports cell could be deleted, and cells reversed: the loader added
    numpy's import and read the definitions alone. Run All stops a reversed notebook at its first
    ``np.ndarray`` annotation, and so does grading now.)
    """
    notebooks = copy.deepcopy(SOLVED)
    # deleted: every test cell
    notebooks["01_computational_graph.ipynb"] = _cells(
        notebooks["01_computational_graph.ipynb"], lambda c: not nbgrader_meta(c).get("grade"))
    # copied and reordered: a solution cell twice, the test cells last
    conv = notebooks["02_convolution.ipynb"]
    original = next(c for c in conv.cells if nbgrader_meta(c).get("grade_id") == "conv_forward")
    duplicate = copy.deepcopy(original)
    duplicate.id = "copied-cell"  # Jupyter gives a copied cell its own id
    conv.cells.append(duplicate)
    conv.cells.sort(key=lambda c: bool(nbgrader_meta(c).get("grade")))
    # exploration: magics, plots, prints, changed arrays, and a cell that does not even parse
    notebooks["03_dropout.ipynb"].cells += [
        new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt"),
        new_code_cell("out, _ = dropout_forward(np.ones((4, 4)), 0.5, np.random.default_rng(0))\n"
                      "plt.imshow(out)\nprint(out)\nout[0, 0] = 1\nN = 3"),
        new_code_cell("def broken(:\n    pass"),
    ]
    result = grade_submission(write(notebooks, tmp_path / "edited"))
    assert result.score == 100
    assert len(result.problems) == 1 and "03_dropout.ipynb, code cell" in result.problems[0]
    assert "syntax error" in result.problems[0]


def test_a_deleted_solution_costs_only_its_task_with_the_reason(tmp_path):
    notebooks = dict(SOLVED)
    notebooks["02_convolution.ipynb"] = _cells(SOLVED["02_convolution.ipynb"],
                                               lambda c: nbgrader_meta(c).get("grade_id") != "conv_backward")
    result = grade_submission(write(notebooks, tmp_path / "deleted"))
    assert result.score == 100 - BY_NAME["conv.conv_backward"].points
    task = next(t for t in result.tasks if t.name == "conv.conv_backward")
    assert "no function conv_backward()" in task.cases[0].message


@pytest.mark.parametrize("content, why", [
    ("{this is not json", "JSONDecodeError"),
    ('{"nbformat": 4, "metadata": {}}', "it has no list of cells"),
])
def test_a_file_that_is_not_a_notebook_gets_a_clear_reason(tmp_path, content, why):
    path = tmp_path / "04_rnn.ipynb"
    path.write_text(content)
    result = grade_submission(path)
    assert result.score == 0
    assert len(result.problems) == 1
    assert result.problems[0].startswith(f"04_rnn.ipynb is not a valid notebook ({why}")
