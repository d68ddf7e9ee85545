"""Write the similarity corpus: a small class of independent work with planted, disguised copies.

    .venv/bin/python tests/similarity/make_corpus.py     # rewrites tests/similarity/class/ and planted.txt

Independent authors, each a different way of writing the exercises (every one graded correct):

- ``ref``: the reference solutions, all six modules;
- ``loops``: ``tests/styles``' plain loops (conv), closures (rnn), lists (basics, dropout);
- ``einsum``: ``tests/styles``' sliding windows with einsum (conv) and an object cache (lstm);
- ``offsets``: ``authors/offsets/``, convolution by kernel offsets, a stacked RNN, gates by name (lstm);
- ``classy``: ``authors/classy/``, einsum everywhere, a step record, put_along_axis (basics, dropout,
  rnn, char_rnn); it appears only as the four own modules of ``two_of_six``.

Each student's modules are the assignment's stubs with her functions in place of the stubs'.
The copies, each disguised one way: ``offsets_renamed`` (every name she chose renamed),
``offsets_compact`` (one-line blocks, statements joined by ``;``, no comments), ``loops_reordered``
(the functions of each module in reverse order), ``loops_notebook`` (a notebook per module, a cell
per function, magics and exploration cells), ``einsum_recommented`` (comments and docstrings
rewritten), ``ref_black`` (``ruff format``, black's style, at 60 columns: calls exploded, trailing
commas) and ``two_of_six`` (``ref``'s conv and lstm; the other four modules are ``classy``'s).
``stubs_1`` and ``stubs_2`` handed in the stubs unchanged; ``broken.zip`` is no zip.

planted.txt lists the pairs that share a copied module, one ``a b`` per line.
"""

from __future__ import annotations

import ast
import io
import shutil
import subprocess
import sys
import tempfile
import tokenize
from itertools import combinations
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bugcorpus import STYLES_DIR, load_bug, reference_source  # noqa: E402

from autograder.similarity import statement_text  # noqa: E402
from tests.week4 import ASSIGNMENTS, MODULES  # noqa: E402

CLASS = HERE / "class"
AUTHORS = HERE / "authors"
STYLES = {
    "loops": ["conv_plain_loops", "rnn_closure_cache", "basics_lists", "dropout_lists"],
    "einsum": ["conv_sliding_window_einsum", "lstm_object_cache"],
}


# ------------------------------------------------------------------ authors: functions by module


def _parts(source: str) -> tuple[list[str], dict[str, str]]:
    """A module's imports (numpy's aside) and its top-level functions and classes by name, as written."""
    lines = source.splitlines()
    tree = ast.parse(source)
    imports = [
        ast.get_source_segment(source, node)
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom) and ast.unparse(node) != "import numpy as np"
    ]
    functions = {
        node.name: statement_text(lines, node)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    return imports, functions


def author(name: str) -> dict[str, str]:
    """module -> the source of what the author wrote for it (imports, functions, classes)."""
    if name in STYLES:
        found: dict[str, str] = {}
        for style in STYLES[name]:
            bug = load_bug(STYLES_DIR / f"{style}.py")
            found[bug.module] = bug.module_state + "\n\n" + "\n\n".join(bug.functions.values())
        return found
    return {path.stem: path.read_text() for path in sorted((AUTHORS / name).glob("*.py"))}


def with_functions(stub: str, written: str) -> str:
    """The stub module with the author's functions in place of its own, new ones and imports added."""
    imports, functions = _parts(written)
    tree = ast.parse(stub)
    lines = stub.splitlines()
    spans = {
        node.name: (node.lineno - 1, node.end_lineno)
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }
    for name in sorted((n for n in functions if n in spans), key=lambda n: -spans[n][0]):
        start, end = spans[name]
        lines[start:end] = functions[name].splitlines()
    last_import = max(node.end_lineno for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom))
    lines[last_import:last_import] = imports
    extra = [source for name, source in functions.items() if name not in spans]
    return "\n".join(lines) + "\n" + "".join(f"\n\n{source}\n" for source in extra)


def modules_of(name: str) -> dict[str, str]:
    """An independent student's six modules: her functions in the stubs (the reference's for ``ref``)."""
    if name == "ref":
        return {module: reference_source(module) for module in MODULES}
    written = author(name)
    return {
        module: with_functions((ASSIGNMENTS / f"{module}.py").read_text(), written.get(module, ""))
        for module in MODULES
    }


# ------------------------------------------------------------------ disguises


def renamed(source: str) -> str:
    """Every name the module binds (variables, helpers, their arguments) renamed; the graded functions keep
    theirs and their arguments' (the grader may pass those by name)."""
    tree = ast.parse(source)
    graded = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.name[0].islower()
    }
    graded_args = {
        arg.arg
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in graded
        for arg in node.args.args + node.args.kwonlyargs
    }
    bound = {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }
    bound |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)} - graded_args
    bound |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    bound -= graded | {"np", "self"}
    mapping = {name: f"my_{name.lower()}_{len(name)}" for name in sorted(bound)}
    spans = []  # (line, column, old name): where a renamed name is written
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in mapping:
            spans.append((node.lineno, node.col_offset, node.id))
        elif isinstance(node, ast.arg) and node.arg in mapping:
            spans.append((node.lineno, node.col_offset, node.arg))
        elif isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in mapping:
            spans.append(
                (node.lineno, source.splitlines()[node.lineno - 1].index(f" {node.name}") + 1, node.name)
            )
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in mapping:
            spans += [(k.lineno, k.col_offset, k.arg) for k in node.keywords if k.arg in mapping]
    lines = source.splitlines(keepends=True)
    for row, column, name in sorted(set(spans), reverse=True):  # from the end: earlier columns stay right
        assert lines[row - 1][column : column + len(name)] == name
        lines[row - 1] = lines[row - 1][:column] + mapping[name] + lines[row - 1][column + len(name) :]
    return "".join(lines)


def reordered(source: str) -> str:
    """The module's top-level definitions in reverse order, after its imports."""
    tree = ast.parse(source)
    lines = source.splitlines()
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
    if not defs:
        return source
    first = min([defs[0].lineno, *(d.lineno for d in defs[0].decorator_list)])
    head = "\n".join(lines[: first - 1])
    texts = [statement_text(lines, n) for n in defs]
    rest = [n for n in tree.body if n not in defs and n.lineno > defs[0].lineno]
    tail = "\n".join("\n".join(lines[n.lineno - 1 : n.end_lineno]) for n in rest)
    return head + "\n\n" + "\n\n\n".join(reversed(texts)) + "\n\n" + tail + "\n"


def _without_comments(source: str) -> str:
    """The source with its comments and blank lines removed."""
    toks = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type != tokenize.COMMENT]
    return "\n".join(line.rstrip() for line in tokenize.untokenize(toks).splitlines() if line.strip()) + "\n"


def recommented(source: str) -> str:
    """Comments and docstrings rewritten: the old ones gone, new ones in other words and places."""
    source = _without_comments(source)
    tree = ast.parse(source)
    lines = source.splitlines()
    for node in sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Module)),
        key=lambda n: -getattr(n, "lineno", 0),
    ):
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            indent = " " * first.col_offset
            name = getattr(node, "name", "this module")
            lines[first.lineno - 1 : first.end_lineno] = [
                f'{indent}"""My version of {name}, written for week 4."""'
            ]
    out = []
    for number, line in enumerate(lines):
        if number % 4 == 3 and line.startswith("    ") and not line.strip().startswith(("else", "elif", ")")):
            out.append(line[: len(line) - len(line.lstrip())] + f"# step {number // 4}: see the lecture")
        out.append(line)
    return "\n".join(out) + "\n"


def compact(source: str) -> str:
    """One-line blocks and runs of simple statements joined by ``;``; no comments, no blank lines."""
    source = _without_comments(source)
    tree = ast.parse(source)
    lines = source.splitlines()
    simple = {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt)
        and node.lineno == node.end_lineno
        and not isinstance(
            node, ast.If | ast.For | ast.While | ast.With | ast.FunctionDef | ast.ClassDef | ast.Try
        )
        and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    }
    headers = {
        node.lineno: node
        for node in ast.walk(tree)
        if isinstance(node, ast.If | ast.For | ast.While)
        and len(node.body) == 1
        and not getattr(node, "orelse", None)
        and node.body[0].lineno in simple
        and node.lineno == node.body[0].lineno - 1
    }
    out: list[str] = []
    previous_simple = False
    number = 0
    while number < len(lines):
        line = lines[number]
        indent = len(line) - len(line.lstrip())
        if number + 1 in headers:
            out.append(line + " " + lines[number + 1].strip())
            number += 2
            previous_simple = False
            continue
        is_simple = number + 1 in simple
        if (
            is_simple
            and previous_simple
            and out
            and len(out[-1]) - len(out[-1].lstrip()) == indent
            and out[-1].count(";") < 2
        ):
            out[-1] += "; " + line.strip()
        else:
            out.append(line)
        previous_simple = is_simple
        number += 1
    return "\n".join(out) + "\n"


def black_like(source: str) -> str:
    """``ruff format`` (black's style) at 60 columns: long calls exploded, one argument a line."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "module.py"
        path.write_text(source)
        ruff = Path(sys.executable).parent / "ruff"
        subprocess.run(
            [str(ruff), "format", "--quiet", "--line-length", "60", "--isolated", str(path)], check=True
        )
        return path.read_text()


def notebooks(modules: dict[str, str], folder: Path) -> None:
    """One notebook per module: a title, magics, a cell per top-level statement group, an exploration cell."""
    folder.mkdir(parents=True)
    for module, source in modules.items():
        tree = ast.parse(source)
        lines = source.splitlines()
        cells = [
            new_markdown_cell(f"# {module}\n\nMy work for this week."),
            new_code_cell("%matplotlib inline\nimport numpy as np\n!ls"),
        ]
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                cells.append(new_code_cell(statement_text(lines, node)))
        cells.append(new_code_cell("x = np.random.default_rng(0).normal(size=(2, 3))\nprint(x.shape)\nx?"))
        notebook = new_notebook(cells=cells)
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(notebook, folder / f"{module}.ipynb")


# ------------------------------------------------------------------ the class


def write_folder(folder: Path, modules: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for module, source in modules.items():
        ast.parse(source)  # every disguise still parses
        (folder / f"{module}.py").write_text(source)


def build() -> list[tuple[str, str]]:
    """Write the class; return the planted pairs."""
    shutil.rmtree(CLASS, ignore_errors=True)
    CLASS.mkdir()
    independent = {name: modules_of(name) for name in ("ref", "loops", "einsum", "offsets")}
    for name, modules in independent.items():
        write_folder(CLASS / name, modules)
    derived = {
        "offsets_renamed": ("offsets", renamed),
        "offsets_compact": ("offsets", compact),
        "loops_reordered": ("loops", reordered),
        "einsum_recommented": ("einsum", recommented),
        "ref_black": ("ref", black_like),
    }
    for name, (source, disguise) in derived.items():
        write_folder(CLASS / name, {m: disguise(s) for m, s in independent[source].items()})
    notebooks(independent["loops"], CLASS / "loops_notebook")
    classy = modules_of("classy")
    write_folder(
        CLASS / "two_of_six",
        {m: independent["ref"][m] if m in ("conv", "lstm") else classy[m] for m in MODULES},
    )
    stubs = {module: (ASSIGNMENTS / f"{module}.py").read_text() for module in MODULES}
    write_folder(CLASS / "stubs_1", stubs)
    write_folder(CLASS / "stubs_2", stubs)
    (CLASS / "broken.zip").write_bytes(b"this is not a zip file\n")
    copies_of = {
        "offsets": ["offsets", "offsets_renamed", "offsets_compact"],
        "loops": ["loops", "loops_reordered", "loops_notebook"],
        "einsum": ["einsum", "einsum_recommented"],
        "ref": ["ref", "ref_black", "two_of_six"],
    }
    return sorted(tuple(sorted(pair)) for group in copies_of.values() for pair in combinations(group, 2))


if __name__ == "__main__":
    planted = build()
    (HERE / "planted.txt").write_text("".join(f"{a} {b}\n" for a, b in planted))
    print(f"wrote {CLASS} and {len(planted)} planted pairs")
