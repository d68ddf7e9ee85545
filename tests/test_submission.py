"""A submission is read the way the student ran it (SPEC §2): notebooks run as Run All runs them, a
folder imports as Python imports it, each function is taken from the file where it is filled in,
and what is never graded counts against no cap. The corpus of forms (``tests/test_forms.py``) is
the acceptance test; these are the rules one at a time, each small enough to say why it fails.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder import submission
from autograder.grade import grade_submission, hidden_plan
from autograder.notebooks import solved
from autograder.report import feedback_markdown
from autograder.selfcheck import run_selfcheck
from tests.bugcorpus import reference_source, write_submission
from tests.test_bug_corpus import public_plan
from tests.test_notebooks import SOURCE, nbgrader_meta
from tests.week4 import ASSIGNMENTS, EXERCISES, MODULES

SOLVED = {name: solved(nb) for name, nb in SOURCE.items()}


def plan_of(*modules: str):
    return [(task, cases) for task, cases in hidden_plan() if task.module in modules]


def problems(result) -> list[str]:
    """The problems but those of the modules a one-notebook submission does not hold."""
    return [p for p in result.problems if not p.startswith("no notebook defines the functions of")]


def lost(result) -> dict[str, str]:
    return {t.name: next((c.message for c in t.cases if not c.passed), "no case ran")
            for t in result.tasks if t.score < t.max_score}


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def with_cells(name: str, *cells: str, before: bool = False) -> nbformat.NotebookNode:
    nb = SOLVED[name].copy()
    new = [new_code_cell(source) for source in cells]
    nb.cells = new + list(nb.cells) if before else list(nb.cells) + new
    return nb


# --- notebooks run as Run All runs them ------------------------------------------------------------


def test_a_notebook_runs_its_cells_with_the_magics_answered(tmp_path):
    """Every statement runs: an alias, a lambda, a try-import and a default argument made at the top
    level; ``%%time`` still defines; shell escapes, help and line magics are answered and skipped."""
    nb = with_cells("01_computational_graph.ipynb",
                    "!pip install numpy\n%matplotlib inline\n%load_ext autoreload\n%autoreload 2\n"
                    "import numpy as np\nnp.sum?",
                    "try:\n    from tqdm import tqdm\nexcept ImportError:\n    tqdm = lambda x: x\n"
                    "square = lambda v: v ** 2  # why not?\nrng = np.random.default_rng(0)\n"
                    "listing = !ls\nassert listing == [] and listing.s == ''", before=True)
    nb.cells.append(new_code_cell(
        "%%time\n"
        "def mse_loss(y_pred, y, scale=float(rng.integers(1, 2))):\n"
        "    if (y_pred.shape\n"
        "            != y.shape):\n"
        "        raise ValueError(f'shapes differ: {y_pred.shape} and {y.shape}')\n"
        "    diff = y_pred - y\n"
        "    return float(np.mean(square(diff))) * scale, 2 * diff / diff.size\n"))
    nb.cells.append(new_code_cell("%timeit mse_loss(np.ones(3), np.zeros(3))\n%time checked = True"))
    nb.cells.append(new_code_cell("assert checked\nprint(mse_loss(np.ones(3), np.zeros(3)))"))
    result = grade_submission(write_notebook(nb, tmp_path / "01_computational_graph.ipynb"),
                              plan=plan_of("basics"))
    assert not lost(result) and problems(result) == [], (lost(result), problems(result))


def test_a_cell_that_raises_is_named_and_the_next_cells_run(tmp_path):
    nb = with_cells("01_computational_graph.ipynb", "import sys\nx = undefined_name\n", "sys.exit(3)",
                    before=True)
    result = grade_submission(write_notebook(nb, tmp_path / "nb.ipynb"), plan=plan_of("basics"))
    assert not lost(result)
    assert problems(result) == [
        "nb.ipynb, code cell 1, line 2: NameError: name 'undefined_name' is not defined; "
        "the rest of the cell was skipped, the next cells ran",
        "nb.ipynb, code cell 2, line 1: SystemExit: 3; the rest of the cell was skipped, the next cells ran"]


def test_each_notebook_is_its_own_namespace(tmp_path):
    """A helper of the same name in two notebooks never collides; a notebook that fails costs its own
    tasks only (the feedback says where)."""
    basics = with_cells("01_computational_graph.ipynb", "def step(v):\n    return 'basics'")
    lstm = SOLVED["05_lstm.ipynb"].copy()
    lstm.cells = [new_code_cell("raise RuntimeError('this notebook was never run')")] + [
        c for c in lstm.cells if nbgrader_meta(c).get("grade_id") != "imports"]
    dropout = with_cells("03_dropout.ipynb", "def step(v):\n    return 'drop'\nassert step(0) == 'drop'")
    folder = tmp_path / "notebooks"
    for name, nb in (("01_computational_graph.ipynb", basics), ("05_lstm.ipynb", lstm),
                     ("03_dropout.ipynb", dropout)):
        write_notebook(nb, folder / name)
    result = grade_submission(folder, plan=plan_of("basics", "dropout", "lstm"))
    assert {name.split(".")[0] for name in lost(result)} == {"lstm"}
    assert any(p.startswith("05_lstm.ipynb, code cell 1, line 1: RuntimeError") for p in result.problems)
    assert result.sources == {"basics": "01_computational_graph.ipynb", "dropout": "03_dropout.ipynb",
                              "lstm": "05_lstm.ipynb"}


# --- where each function comes from --------------------------------------------------------------


def test_a_filled_function_beats_an_untouched_stub_wherever_each_is(tmp_path):
    """The release zipped back: stubs in assignments/ (one module filled, one named in capitals), the
    work in a notebook; each function from where it is filled in, and the feedback says so."""
    bundle = tmp_path / "bundle"
    (bundle / "assignments").mkdir(parents=True)
    for module in MODULES:
        (bundle / "assignments" / f"{module}.py").write_text((ASSIGNMENTS / f"{module}.py").read_text())
    (bundle / "assignments" / "basics.py").write_text(reference_source("basics"))
    (bundle / "assignments" / "dropout.py").unlink()
    (bundle / "assignments" / "Dropout.py").write_text(reference_source("dropout"))
    write_notebook(SOLVED["02_convolution.ipynb"], bundle / "notebooks" / "02_convolution.ipynb")
    write_notebook(SOLVED["04_rnn.ipynb"], bundle / "notebooks" / "scratch.ipynb")
    result = grade_submission(bundle, plan=plan_of("basics", "conv", "dropout", "rnn"))
    assert not lost(result)
    assert result.sources == {"basics": "assignments/basics.py", "conv": "notebooks/02_convolution.ipynb",
                              "dropout": "assignments/Dropout.py", "rnn": "notebooks/scratch.ipynb",
                              "lstm": "assignments/lstm.py", "char_rnn": "assignments/char_rnn.py"}
    assert "assignments/Dropout.py was taken as dropout.py (the names differ only in case)" in result.problems
    assert "conv: notebooks/02_convolution.ipynb" in feedback_markdown(result)
    checked = run_selfcheck(bundle, [(t, c) for t, c in public_plan() if t.module in ("conv", "rnn")])
    assert not lost(checked) and checked.sources["conv"] == "notebooks/02_convolution.ipynb"


def test_a_notebook_beside_filled_modules_is_named(tmp_path):
    folder = write_submission(tmp_path / "student")
    write_notebook(SOLVED["02_convolution.ipynb"], folder / "try.ipynb")
    loaded = submission.load(folder, tmp_path / "work", EXERCISES)
    assert loaded.sources["conv"] == "conv.py"
    assert loaded.problems == ["try.ipynb was read, but no graded function was taken from it (each was found "
                               "filled in elsewhere, or it defines none)"]


# --- a folder imports as Python imports it ---------------------------------------------------------


NEEDED = "clip_grad_norm, rnn_backward, rnn_forward"


@pytest.mark.parametrize("statement", [
    f"import rnn\n{NEEDED} = rnn.clip_grad_norm, rnn.rnn_backward, rnn.rnn_forward",
    f"from rnn import {NEEDED}",
    f"from .rnn import {NEEDED}",
    f"from assignments.rnn import {NEEDED}",
    f"import RNN\n{NEEDED} = RNN.clip_grad_norm, RNN.rnn_backward, RNN.rnn_forward",  # macOS, Windows
])
def test_a_module_imports_its_sibling_as_a_script_does(tmp_path, statement):
    folder = write_submission(tmp_path / "student")
    source = reference_source("char_rnn")
    assert f"from .rnn import {NEEDED}\n" in source
    (folder / "char_rnn.py").write_text(source.replace(f"from .rnn import {NEEDED}\n", statement + "\n"))
    for isolated in (True, False):
        result = grade_submission(folder, isolated=isolated, plan=plan_of("char_rnn"))
        assert not lost(result), (statement, isolated, lost(result))


# --- caps count what is graded ------------------------------------------------------------------------


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_a_virtualenv_git_and_macos_folders_count_against_no_cap(tmp_path):
    """Twice MAX_FILES members in .venv/, .git/ and __MACOSX/: the zip is graded, with one line."""
    members = {f"hw/{module}.py": reference_source(module) for module in MODULES}
    many = submission.MAX_FILES
    members.update({f"hw/.venv/lib/site-packages/pkg/m{i}.py": "" for i in range(many)})
    members["hw/.venv/pyvenv.cfg"] = "home = /usr/bin\n"
    members.update({f"hw/.git/objects/{i:04x}": "" for i in range(many // 2)})
    members.update({f"__MACOSX/hw/._{module}.py": "" for module in MODULES})
    members.update({f"hw/myenv/lib/m{i}.py": "" for i in range(many // 2)})
    members["hw/myenv/pyvenv.cfg"] = "home = /usr/bin\n"
    (tmp_path / "hw.zip").write_bytes(_zip(members))
    loaded = submission.load(tmp_path / "hw.zip", tmp_path / "zip", EXERCISES)
    assert sorted(p.name for p in loaded.package_dir.iterdir()) == sorted(f"{m}.py" for m in MODULES)
    assert loaded.problems == ["not graded, and counted against no limit: hw/.venv/, hw/.git/, hw/myenv/ "
                               "(hidden folders, virtual environments, caches)"]
    folder = write_submission(tmp_path / "folder")
    (folder / "venv" / "lib").mkdir(parents=True)
    for i in range(submission.MAX_ENTRIES + 10):
        (folder / "venv" / "lib" / f"m{i}.py").touch()
    os.mkdir(folder / ".ipynb_checkpoints")
    loaded = submission.load(folder, tmp_path / "folder-work", EXERCISES)
    assert loaded.problems == ["not graded, and counted against no limit: venv/ (hidden folders, virtual "
                               "environments, caches)"]
