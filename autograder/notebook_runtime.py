"""What a notebook's code finds when the grader runs it: Jupyter's "Run All", without Jupyter.

The grader has turned each code cell into plain Python with IPython's own input transformer
(``notebook_cells``, on the grader's side): a magic is now a call such as
``get_ipython().run_line_magic("matplotlib", "inline")``, a shell escape
``get_ipython().system("pip install tqdm")``. This module runs those cells in the student's
process (the sandbox's worker, or the self-check's own process):

- ``run_notebook``: a notebook's cells in order, in its module's namespace, under the name
  ``__main__`` as in a kernel. A cell that raises (anything, ``SystemExit`` included) is
  recorded in ``problems`` (notebook, cell, exception, line) and the next cells run.
- ``Shell``, what ``get_ipython()`` returns: ``%%time``, ``%%timeit``, ``%%capture`` and the
  ``%time``/``%timeit`` lines run their code once in the notebook's namespace (a ``%%time`` on
  a cell of definitions still defines them); ``%%writefile helper.py`` writes its file into a
  temporary folder of the process that imports can read (a notebook may import what it wrote);
  every other magic and every shell escape (``%pip``, ``!ls``, ``%%bash``, ``?`` help, unknown
  magics) does nothing.
- a stand-in ``autograder.notebook_grading`` while a notebook runs: ``import_functions``
  takes another notebook's functions from that notebook's module, ``grade_task`` does nothing.
- ``deadline``: set by the sandbox's worker around an import, it stops a cell that runs past
  it (a soft alarm, raised into the cell and again every ``REPEAT`` seconds while the cell
  catches it), so that a notebook's endless loop costs that notebook's time and its later
  cells still define their functions. The grader's hard wall-clock limit stays outside.
- ``assemble``: an exercise module made of functions from several files (``submission``
  writes such a module when, say, ``conv.py`` is an untouched stub and the notebook filled in).

Standard library only: it runs in the sandbox, where IPython is not.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import linecache
import os
import posixpath
import re
import signal
import sys
import tempfile
import time
import traceback
import types
from collections.abc import Iterator, Sequence
from typing import Any

RUN_BODY = ("time", "timeit", "capture")  # cell magics whose body is the student's code: it runs
MESSAGE = 300  # characters of an exception's message kept in a cell's problem
REPEAT = 0.1  # seconds between two stops of a cell that caught the first one
LAST_CELLS = 0.05  # seconds each cell still gets once the notebook's time is spent

deadline: float | None = None  # time.monotonic() after which a cell is stopped (None: never)
problems: list[list[Any]] = []  # [notebook, cell, exception type, message, line] per cell that raised


class CellTimeout(BaseException):
    """Raised into a cell that runs past the notebook's time (a BaseException: ``except Exception``
    in the student's loop does not swallow it)."""


# --- get_ipython() and display() ------------------------------------------------------------------


class SList(list):
    """What ``x = !ls`` gives (IPython's SList): here always empty, since nothing is executed."""

    s = n = ""
    l = p = property(lambda self: list(self))  # noqa: E741 - IPython's names

    def grep(self, *args: Any, **kwargs: Any) -> SList:
        return SList()

    def fields(self, *args: Any) -> SList:
        return SList()


class _Ignored:
    """Any other attribute of ``get_ipython()`` (``.events.register(...)``, ``.kernel``): a no-op."""

    def __getattr__(self, name: str) -> _Ignored:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        return None


class CapturedIO:
    """What ``%%capture output`` stores in ``output``: the text the cell printed."""

    def __init__(self, stdout: str, stderr: str) -> None:
        self.stdout, self.stderr, self.outputs = stdout, stderr, []

    def show(self) -> None:
        print(self.stdout, end="")
        print(self.stderr, end="", file=sys.stderr)

    __call__ = show


class Shell(_Ignored):
    """``get_ipython()`` in a notebook the grader runs: the magics that run code run it, once;
    the others, and every shell command, do nothing on any machine."""

    def __init__(self, namespace: dict[str, Any], filename: str) -> None:
        self.user_ns, self.filename = namespace, filename

    def __repr__(self) -> str:
        return "<the grader's stand-in for IPython: magics and shell commands do nothing>"

    def _run(self, source: str, first_line: int) -> None:
        """The student's code of a magic, in the notebook's namespace, its lines numbered as in the cell."""
        code = compile("\n" * (first_line - 1) + source, self.filename, "exec", dont_inherit=True)
        exec(code, self.user_ns)

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> None:
        if name in ("time", "timeit"):
            self._run(_without_options(line), 1)

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        if name == "timeit" and _without_options(line).strip():
            self._run(_without_options(line), 1)  # the setup statement
        if name in ("time", "timeit"):
            self._run(cell, 2)
        elif name == "writefile":
            words = line.split()
            if words and words[-1] != "-a":
                with open(os.path.join(_written(), os.path.basename(words[-1])),
                          "a" if "-a" in words[:-1] else "w", encoding="utf-8") as out:
                    out.write(cell)
                importlib.invalidate_caches()
        elif name == "capture":
            words = line.split()
            out, err = io.StringIO(), io.StringIO()
            with contextlib.ExitStack() as stack:
                if "--no-stdout" not in words:
                    stack.enter_context(contextlib.redirect_stdout(out))
                if "--no-stderr" not in words:
                    stack.enter_context(contextlib.redirect_stderr(err))
                self._run(cell, 2)
            names = [word for word in words if not word.startswith("-")]
            if names:
                self.user_ns[names[0]] = CapturedIO(out.getvalue(), err.getvalue())

    def magic(self, line: str) -> None:  # IPython's older spelling of run_line_magic
        name, _, rest = line.lstrip("%").partition(" ")
        self.run_line_magic(name, rest)

    def system(self, command: str) -> None:
        return None

    def getoutput(self, command: str, split: bool = True, depth: int = 0) -> SList:
        return SList()


_folder: list[str] = []  # the folder of what %%writefile wrote, made once per process


def _written() -> str:
    """The folder ``%%writefile`` writes into, on ``sys.path`` as a kernel's working folder is."""
    if not _folder:
        _folder.append(tempfile.mkdtemp(prefix="notebook-files-"))
        sys.path.append(_folder[0])
    return _folder[0]


_OPTIONS = re.compile(r"\s*(?:(?:-[nrp]\s*\d+|-[tcqo]|--\S+)\s+)*")  # %timeit -n 10 -r 3 ...


def _without_options(line: str) -> str:
    """The statement of ``%timeit -n 10 f(x)``: what follows the options."""
    return line[_OPTIONS.match(line + " ").end():] if line.lstrip().startswith("-") else line


def display(*objects: Any, **options: Any) -> None:
    """IPython's ``display``: nothing is shown where nobody looks."""


# --- the time a notebook's cells may take ---------------------------------------------------------

_armed = False


def _stop(signum: int, frame: Any) -> None:
    if _armed:
        raise CellTimeout


@contextlib.contextmanager
def _alarm(cells_left: int) -> Iterator[None]:
    """Stop the cell inside at ``deadline``, leaving ``LAST_CELLS`` seconds to each cell after it."""
    global _armed
    if deadline is None or not hasattr(signal, "setitimer"):
        yield
        return
    seconds = max(LAST_CELLS, deadline - time.monotonic() - cells_left * LAST_CELLS)
    previous = signal.signal(signal.SIGALRM, _stop)
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    try:
        yield
    finally:
        _armed = False  # first: an alarm from here on raises nothing
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- running a notebook ---------------------------------------------------------------------------


def _line(exc: BaseException, filename: str) -> int | None:
    """The line of the cell where ``exc`` came from (its innermost frame in that cell)."""
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        return exc.lineno
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == filename]
    return lines[-1] if lines else None


def _message(exc: BaseException) -> str:
    if isinstance(exc, CellTimeout):
        return "the notebook's time ran out in this cell (an endless loop, or far too slow)"
    try:
        return str(exc)[:MESSAGE]
    except Exception:  # noqa: BLE001 - a message that cannot be made
        return ""


@contextlib.contextmanager
def _stand_in_grading(namespace: dict[str, Any], notebook: str, siblings: dict[str, str]) -> Iterator[None]:
    """``autograder.notebook_grading`` as the course's notebooks import it, while the notebook runs."""
    package = namespace["__package__"]

    def import_functions(other: str | os.PathLike, *names: str) -> tuple[Any, ...]:
        wanted = posixpath.normpath(posixpath.join(posixpath.dirname(notebook), os.fspath(other)))
        by_name = [path for path in siblings if posixpath.basename(path) == posixpath.basename(wanted)]
        path = wanted if wanted in siblings else by_name[0] if len(by_name) == 1 else None
        if path is None:
            raise ImportError(f"{other} is not in the submission: hand in the week's notebooks together")
        module = importlib.import_module(f"{package}.{siblings[path]}")
        missing = [name for name in names if not callable(getattr(module, name, None))]
        if missing:
            raise ImportError(f"{posixpath.basename(path)} defines no "
                              f"{', '.join(f'{name}()' for name in missing)}")
        return tuple(getattr(module, name) for name in names)

    def grade_task(task: str, namespace: dict[str, Any]) -> None:
        """The grade comes from the grader, not from a notebook's own cells."""

    stand_in = types.ModuleType("autograder.notebook_grading", "The grader's stand-in for the notebooks.")
    stand_in.import_functions, stand_in.grade_task = import_functions, grade_task
    saved = {name: sys.modules.get(name) for name in ("autograder", "autograder.notebook_grading")}
    if saved["autograder"] is None:  # in the sandbox: no grader package at all
        parent = types.ModuleType("autograder")
        parent.__path__ = []
        parent.notebook_grading = stand_in
        sys.modules["autograder"] = parent
    sys.modules["autograder.notebook_grading"] = stand_in
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def run_notebook(namespace: dict[str, Any], notebook: str, cells: Sequence[tuple[int, str]],
                 siblings: dict[str, str] | None = None) -> None:
    """Run a notebook's ``cells`` (number, Python source) in order in ``namespace``, its module's globals.

    ``notebook`` is its path in the submission; ``siblings`` maps every notebook's path to its
    module's name, for the stand-in ``import_functions`` (None: in a kernel, where the real one
    reads the other notebook's file). Each cell is compiled under a file name that says
    the notebook and the cell, so that a traceback says where.
    """
    namespace.pop("_runtime", None)  # the generated module's own import: not the student's name
    module_name, pid = namespace["__name__"], os.getpid()
    folder = os.path.dirname(namespace.get("__file__") or "")
    in_process = deadline is None
    with contextlib.nullcontext() if siblings is None else _stand_in_grading(namespace, notebook, siblings):
        namespace["__name__"] = "__main__"  # as in a kernel: `if __name__ == "__main__":` runs
        try:
            for index, (number, source) in enumerate(cells):
                filename = os.path.join(folder, f"{notebook}, code cell {number}")
                linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
                shell = Shell(namespace, filename)
                namespace["get_ipython"], namespace["display"] = lambda shell=shell: shell, display
                try:
                    with _alarm(len(cells) - index - 1):
                        exec(compile(source, filename, "exec", dont_inherit=True), namespace)
                except BaseException as exc:  # noqa: BLE001 - Run All goes on after any error
                    if in_process and isinstance(exc, KeyboardInterrupt):
                        raise  # the student pressed Ctrl-C during the self-check
                    line = _line(exc, filename)
                    problems.append([notebook, number, type(exc).__name__, _message(exc), line])
                if os.getpid() != pid:  # a cell forked: the copy must not go on as the worker
                    os._exit(0)
        finally:
            namespace["__name__"] = module_name


def assemble(namespace: dict[str, Any], functions: dict[str, Sequence[str]], files: dict[str, str],
             rest: str | None = None) -> None:
    """An exercise module made of each function from the first of its ``functions`` sources that
    has it (the package's module names, best first); ``files`` names each source's file.

    ``rest``: the student's own module of that name, whose other names come along (the
    student's other modules import its helpers). A function found nowhere gets its reason
    in ``__missing__``, which the grader's message uses.
    """
    namespace.pop("_runtime", None)
    package, missing = namespace["__package__"], {}
    modules: dict[str, Any] = {}

    def source(name: str) -> Any:
        if name not in modules:
            try:
                modules[name] = importlib.import_module(f"{package}.{name}")
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - it costs the functions it gives
                modules[name] = f"{files[name]} does not import: {type(exc).__name__}: {_message(exc)}"
        return modules[name]

    if rest is not None and isinstance(own := source(rest), types.ModuleType):
        namespace.update({k: v for k, v in vars(own).items() if not k.startswith("_")})
    for function, sources in functions.items():
        reasons = []
        for name in sources:
            module = source(name)
            if isinstance(module, str):
                reasons.append(module)
            elif callable(value := getattr(module, function, None)):
                namespace[function] = value
                break
            else:
                reasons.append(f"{files[name]} has no function {function}()")
        else:
            namespace.pop(function, None)
            missing[function] = "; ".join(reasons) or f"the submission has no function {function}()"
    namespace["__missing__"] = missing
