"""Check that every form of the corpus is correct the way its student saw it, without the grader's loader.

Each form's modules are imported in plain Python (a fresh interpreter, the form's folder on
``sys.path``, as ``python -c "import conv, rnn, char_rnn"`` does) and each of its notebooks runs top
to bottom in a real IPython kernel (nbclient, one kernel per notebook, as Jupyter runs them). Then
every graded function the form defines is

- compared with the reference on one small input (forward passes and their backward passes), and
- graded with ``notebook_grading.grade_task`` (the hidden cases, in the student's own process).

A form is correct when every task is defined somewhere, compares equal and scores full marks, its
notebooks' test cells show full points, and no cell raised but those the form is about
(``EXPECTED_ERRORS``). Slow (kernels; about three minutes for the corpus): run it by hand after
changing make_forms.py, from the repository's root:

    .venv/bin/python tests/forms/check_forms.py [FORM ...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
# The cells a form is about, which raise when run outside the student's setting (exception names).
EXPECTED_ERRORS = {"nb_name_error_cell": {"NameError"}, "nbf_colab": {"ModuleNotFoundError"},
                   "nb_error_demo_in_defining_cell": {"ValueError"}}

# Run in the student's process: its own functions against the reference, then graded.
CHECK = '''
import contextlib as _contextlib, io as _io, json as _json
import numpy as _np
from autograder.assignment import current as _current
from autograder.notebook_grading import grade_task as _grade_task


def _same(a, b):
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return _np.allclose(a, b)


def _compare(namespace, reference):
    """Each pair (forward, backward) on one small input: outputs and gradients as the reference's."""
    rng = _np.random.default_rng(4)
    r = lambda *shape: rng.normal(size=shape)
    x4, h, wx = r(2, 3, 6, 6), r(2, 5), {"rnn": r(4, 5), "lstm": r(4, 20)}
    pairs = {
        "affine": (("affine_forward", "affine_backward"), (r(3, 4), r(4, 2), r(2))),
        "conv": (("conv_forward", "conv_backward"), (x4, r(4, 3, 3, 3), r(4), 1, 1)),
        "max_pool": (("max_pool_forward", "max_pool_backward"), (x4,)),
        "rnn": (("rnn_forward", "rnn_backward"), (r(2, 3, 4), h, wx["rnn"], r(5, 5), r(5))),
        "lstm": (("lstm_forward", "lstm_backward"), (r(2, 3, 4), h, wx["lstm"], r(5, 20), r(20))),
    }
    wrong = []
    for (forward, backward), args in pairs.values():
        if forward not in namespace or forward not in reference:
            continue
        out, cache = namespace[forward](*args)[:2]
        expected, reference_cache = reference[forward](*args)[:2]
        dout = r(*_np.shape(expected))
        if not _same(out, expected):
            wrong.append(forward)
        elif backward in namespace and not _same(namespace[backward](dout, cache),
                                                 reference[backward](dout, reference_cache)):
            wrong.append(backward)
    return wrong


def _check(namespace, own):
    """own(function): whether the student defined it here (not imported from elsewhere)."""
    import importlib
    scores, wrong = {}, []
    for module in dict.fromkeys(t.name.split(".")[0] for t in _current().tasks):
        reference = vars(importlib.import_module(f"solutions.{module}"))
        mine = {t.name.split(".")[1] for t in _current().tasks if t.name.startswith(module + ".")}
        defined = {name: namespace[name] for name in mine
                   if callable(namespace.get(name)) and own(namespace[name])}
        wrong += _compare(defined, reference)
        for name in defined:
            with _contextlib.redirect_stdout(_io.StringIO()):
                task = _current().by_name[f"{module}.{name}"]
                scores[task.name] = [_grade_task(task.name, namespace), task.points]
    print("RESULT", _json.dumps({"scores": scores, "wrong": wrong}))
'''

IMPORT = '''
import importlib, sys
{check}
sys.path.insert(0, {path!r})  # after the grader's imports: the release bundle holds an autograder/ of its own
for _module, _stem in {stems!r}.items():
    _loaded = importlib.import_module({prefix!r} + _stem)
    _check(vars(_loaded), lambda f: getattr(f, "__module__", "").split(".")[-1].lower() == _module)
'''

NOTEBOOK_LAST_CELL = CHECK + '\n_check(globals(), lambda f: getattr(f, "__module__", None) == "__main__")\n'


def _results(text: str) -> list[dict]:
    return [json.loads(line[len("RESULT "):]) for line in text.splitlines() if line.startswith("RESULT ")]


def import_modules(path: Path, package: str, modules: tuple[str, ...]) -> tuple[list[dict], list[str]]:
    """Import the form's modules in a fresh interpreter; each one's check result, and what failed."""
    folder = path / package.replace(".", "/") if package else path
    stems = {p.stem.lower(): p.stem for p in sorted(folder.glob("*.py")) if p.stem.lower() in modules}
    if not stems:
        return [], []
    prefix = f"{package}." if package else ""
    done = subprocess.run([sys.executable, "-c", IMPORT.format(path=str(path), check=CHECK, stems=stems,
                                                               prefix=prefix)],
                          cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=900)
    results = _results(done.stdout)
    return results, [] if len(results) == len(stems) else [f"import failed: {done.stderr[-600:]}"]


def run_notebook(path: Path) -> tuple[list[dict], list[str], list[str]]:
    """Run a notebook in a real kernel from its folder: its check's results, the exceptions its cells
    raised, and its test cells that showed less than full points."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(NOTEBOOK_LAST_CELL))
    NotebookClient(notebook, kernel_name="python3", timeout=600, iopub_timeout=60, allow_errors=True,
                   raise_on_iopub_timeout=True, resources={"metadata": {"path": str(path.parent)}}).execute()
    errors, short, printed = [], [], ""
    for each in notebook.cells:
        if each.cell_type != "code":
            continue
        for output in each.outputs:
            if output.output_type == "error":
                errors.append(output.ename)
            elif output.output_type == "stream":
                printed += output.text
        grading = each.metadata.get("nbgrader", {})
        if grading.get("grade"):
            shown = [o.data["text/plain"] for o in each.outputs if o.output_type == "execute_result"]
            if not shown or float(shown[0]) != grading["points"]:
                short.append(f"{path.name} {grading['grade_id']}: {shown} of {grading['points']}")
    results = _results(printed)
    return results, errors, short + ([] if results else [f"{path.name}: the last cell printed no result"])


def check(name: str, facts: dict, scratch: Path, pool: ProcessPoolExecutor) -> list[str]:
    """What is wrong with one form (nothing when it is correct)."""
    from tests.week4 import MODULES, TASKS

    entry = CORPUS / facts["entry"]
    if entry.suffix == ".zip":
        with zipfile.ZipFile(entry) as archive:
            archive.extractall(scratch / name)
        entry = scratch / name
    path = (entry / facts["path"]).resolve()
    results, wrong = import_modules(path, facts["package"], MODULES)
    notebooks = [entry] if entry.suffix == ".ipynb" else sorted(path.glob("*.ipynb"))
    for found, errors, short in pool.map(run_notebook, notebooks):
        results += found
        wrong += short + [f"a cell raised {e}" for e in errors if e not in EXPECTED_ERRORS.get(name, ())]
    scores = {task: score for result in results for task, score in result["scores"].items()}
    wrong += [f"{function} differs from the reference" for result in results for function in result["wrong"]]
    wrong += [f"{task} not defined" for task in {t.name for t in TASKS} - scores.keys()]
    wrong += [f"{task}: {got:g} of {points:g}" for task, (got, points) in scores.items() if got != points]
    return wrong


def main(only: list[str]) -> int:
    sys.path.insert(0, str(HERE.parents[1]))
    manifest = json.loads((HERE / "forms.json").read_text())
    failed = 0
    with tempfile.TemporaryDirectory() as scratch, ProcessPoolExecutor(2) as pool:
        for name, facts in manifest.items():
            if only and name not in only:
                continue
            wrong = check(name, facts, Path(scratch), pool)
            failed += bool(wrong)
            print(f"{name}: {'; '.join(wrong) if wrong else 'correct'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
