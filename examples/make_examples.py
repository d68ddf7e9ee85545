"""Regenerate examples/submissions/: a small class of realistic student submissions.

    alice/     every function written (the reference, as a student hands it in)
    bob/       the untouched stubs
    carol/     half done: basics, conv and dropout written, the recurrent part not
    dave.zip   everything written, with typical bugs (from tests/bugs/)
    erin/      the six notebooks, filled in, with two bugs and an exploratory plot cell
    frank/     everything written, but conv.py has a syntax error

Run from the repository's root: ``python examples/make_examples.py``.
"""

import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import nbformat  # noqa: E402
from bugcorpus import load_bug, reference_source, write_submission  # noqa: E402

from autograder.notebooks import build_notebooks, solved, with_function  # noqa: E402
from tests.week4 import ASSIGNMENTS, MODULES  # noqa: E402

OUT = ROOT / "examples" / "submissions"
DAVE_BUGS = ("conv_flipped_kernel", "rnn_clip_per_array", "dropout_not_inverted", "lstm_gates_ifgo")
ERIN_BUGS = {"04_rnn.ipynb": "rnn_bptt_no_carry", "02_convolution.ipynb": "pool_backward_overwrite"}


def bug(name: str):
    return load_bug(ROOT / "tests" / "bugs" / f"{name}.py")


def write_notebook_student(out: Path) -> None:
    out.mkdir(parents=True)
    for name, notebook in build_notebooks(release=False).items():
        notebook = solved(notebook)
        if name in ERIN_BUGS:
            for source in bug(ERIN_BUGS[name]).functions.values():
                notebook = with_function(notebook, source)
        if name == "02_convolution.ipynb":  # students explore: this cell must not stop grading
            notebook.cells.append(
                nbformat.v4.new_code_cell(
                    "import matplotlib.pyplot as plt\nplt.imshow(conv_forward(x, w, b)[0][0, 0])\nprint('looks fine')"
                )
            )
        nbformat.write(notebook, out / name)


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    write_submission(OUT / "alice")
    shutil.copytree(
        ASSIGNMENTS, OUT / "bob", ignore=shutil.ignore_patterns("__init__.py", "*.bin", "__pycache__")
    )
    carol = OUT / "carol"
    shutil.copytree(OUT / "bob", carol)
    for module in ("basics", "conv", "dropout"):
        (carol / f"{module}.py").write_text(reference_source(module))
    dave = write_submission(OUT / "dave", [bug(name) for name in DAVE_BUGS])
    with zipfile.ZipFile(OUT / "dave.zip", "w") as archive:
        for module in MODULES:
            archive.write(dave / f"{module}.py", f"dave/{module}.py")
    shutil.rmtree(dave)
    write_notebook_student(OUT / "erin")
    frank = write_submission(OUT / "frank")
    source = (frank / "conv.py").read_text()
    (frank / "conv.py").write_text(
        source.replace("return span // stride + 1", "return span // stride + 1)", 1)
    )


if __name__ == "__main__":
    main()
