"""The student's side: import the submission and call its functions on request.

In the sandbox this module runs in the isolated child (see ``limits``), which
computes and nothing else. The child itself never runs student code: it forks
a worker that imports the submission and calls its functions, and when the
grader asks for a fresh one (``drop`` with ``fresh``: after a failed case, and
for every module) it kills that worker and every process the worker left, and
reaps them. So a failure cannot affect the next case, nor one module another
(a monkeypatched numpy, a spinning thread, a background process, a changed
global, a file in the scratch folder, a System V shared-memory segment all end
with their worker), and a crash costs one fork, not a new interpreter; a
module's passing cases share their worker, which forgets what a case kept. Between
the grader and a worker the child passes whole frames only: a worker that dies
halfway through a reply, or sends garbage, becomes a clean error reply, and the
worker never holds the grader's pipes.

A worker sends back what the function returned, the arguments as they are
after the call (to detect in-place changes), the warnings raised, or the
student's own traceback. Objects that must stay (caches) are kept in the worker
and named by a Handle, whatever their type: only the wire's own lists, tuples
and dicts are rebuilt on the way back in.

The submission is a package of our own name; ``SubmissionFinder`` makes its modules
import each other as the student's scripts do (``import rnn``, ``from assignments.rnn
import ...``), one module object under every name. A notebook's module runs its cells
with ``notebook_runtime``; an import's reply carries the cells that raised.

``Executor`` is also used in-process by the student's self-check, where there is
no untrusted code to fear. Importing this module needs nothing Unix-only (only
the sandbox forks workers), so the self-check runs on Windows too.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import os
import signal
import sys
import time
import traceback
import types
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import numpy as np
import numpy.random  # noqa: F401 - numpy loads it lazily: once here, not once per case's worker

try:  # part of the autograder package
    from . import cleanup, notebook_runtime, protocol
except ImportError:  # a script beside its modules in the sandbox's runtime folder
    import cleanup
    import notebook_runtime
    import protocol

_packages = itertools.count()
PR_SET_DUMPABLE = 4
NOTEBOOK_SHARE = 0.7  # of an import's time limit, what its notebooks' cells may take before one is stopped

# Why a process died of a signal, in the student's terms.
SIGNAL_CAUSES = {
    "SIGXCPU": "it used up its CPU time",
    "SIGXFSZ": "it wrote or printed too much",
    "SIGSEGV": "it crashed (segmentation fault)",
    "SIGBUS": "it crashed (bus error)",
    "SIGABRT": "it aborted",
    "SIGKILL": "it was killed (out of CPU time, or it killed itself)",
}


class StudentError(Exception):
    """The student's code raised, or could not be imported, or its process failed.

    ``seen_by_grader``: the grader saw this itself (a call that ran out of time, a process
    that died), so its words are the grader's; every other error comes from the student's
    process, where the student's code could have written any of it.
    """

    def __init__(self, type_name: str, message: str, trace: str = "", seen_by_grader: bool = False) -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name, self.message, self.trace = type_name, message, trace
        self.seen_by_grader = seen_by_grader


def describe_end(code: int) -> str:
    """A process's end as words; ``code`` as ``os.waitstatus_to_exitcode`` gives it (-N: signal N)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        cause = SIGNAL_CAUSES.get(name)
        return f"the student's process died with {name}" + (f": {cause}" if cause else "")
    return f"the student's process exited (status {code}) in the middle of a call"


def student_traceback(exc: BaseException, package_dir: str) -> str:
    """The traceback lines that point into the student's files (a notebook's cells included), none
    of the grader's; each file named by its path in the submission's package."""
    inside = package_dir.rstrip(os.sep) + os.sep
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(inside)]
    if isinstance(exc, SyntaxError) and exc.filename and exc.filename.startswith(inside):
        return f'  File "{exc.filename[len(inside):]}", line {exc.lineno}\n    {(exc.text or "").strip()}'
    return "".join(
        f'  File "{f.filename[len(inside):]}", line {f.lineno}, in {f.name}\n    {(f.line or "").strip()}\n'
        for f in frames
    ).rstrip()


class _Alias:
    """A loader that gives, under a second name, the module already imported under its first:
    one module object, not a copy (the import system returns what ``exec_module`` leaves in
    ``sys.modules``)."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        sys.modules[module.__name__] = importlib.import_module(self.target)


class SubmissionFinder:
    """Imports the submission as the student's own scripts do: ``import rnn`` and ``from rnn import
    rnn_forward`` (a module beside the importer), ``from assignments.rnn import ...`` (the release's
    layout, or the folder the modules were in), each the package's own module.

    First on ``sys.meta_path`` for the submission's module names only; a name of the standard
    library is never taken. A module name that differs only in case (``import Conv``) is found too.
    """

    def __init__(self, package: str, modules: Sequence[str],
                 folders: Sequence[str] = ("assignments",)) -> None:
        self.package, self.folders = package, set(folders)
        self.modules = {name.lower(): name for name in modules if name not in sys.stdlib_module_names}

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        first, _, rest = name.partition(".")
        if first in self.folders:
            module = self.package + (f".{self.modules.get(rest.lower(), rest)}" if rest else "")
        elif not rest and first.lower() in self.modules:
            module = f"{self.package}.{self.modules[first.lower()]}"
        else:
            return None
        return importlib.util.spec_from_loader(name, _Alias(module))


def make_generators(value: Any) -> Any:
    """Replace each SeedArg in an argument tree by a fresh numpy Generator."""
    return protocol.map_leaves(value, lambda v: v.generator() if isinstance(v, protocol.SeedArg) else v)


class Executor:
    """Imports a submission's modules as one package and calls their functions."""

    def __init__(self, package_dir: str | os.PathLike) -> None:
        self.package_dir = str(Path(package_dir).resolve())
        self.kept: dict[int, Any] = {}
        self._ids = itertools.count(1)
        self.problems: list[list[Any]] = []  # the notebooks' cells that raised (notebook_runtime's records)
        # A package of our own name: relative imports (``from .rnn import ...``) work, and
        # two submissions in one process never share modules.
        self.package = f"_submission_{os.getpid()}_{next(_packages)}"
        self.finder: SubmissionFinder | None = None
        self.shadowed: dict[str, types.ModuleType] = {}  # modules of the submission's names, set aside
        self._import_package()

    def _import_package(self) -> None:
        package = types.ModuleType(self.package)
        package.__path__ = [self.package_dir]
        sys.modules[self.package] = package
        # The notebooks' modules run their cells with it (``from . import _runtime``).
        package._runtime = sys.modules[f"{self.package}._runtime"] = notebook_runtime
        modules = [name[:-3] for name in os.listdir(self.package_dir) if name.endswith(".py")]
        self.finder = SubmissionFinder(self.package, modules)
        sys.meta_path.insert(0, self.finder)
        # In-process, modules of those names imported before (the repository's own ``assignments``)
        # step aside while this submission is imported: its names are its own.
        # (Names first: a fresh worker has a thousand modules, and a millisecond is a case's cost.)
        firsts = {*self.finder.modules, *self.finder.folders}
        candidates = [name for name in sys.modules if name.partition(".")[0].lower() in firsts]
        self.shadowed = {name: sys.modules.pop(name) for name in candidates
                         if self.finder.find_spec(name) is not None}

    def module(self, module_name: str) -> types.ModuleType:
        """Import one of the student's modules (running its top level the first time)."""
        try:
            return importlib.import_module(f"{self.package}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{self.package}.{module_name}":
                raise StudentError("MissingModule", f"the submission has no {module_name}.py") from None
            raise StudentError(type(exc).__name__, f"{module_name}.py does not import: {exc}",
                               student_traceback(exc, self.package_dir)) from None
        except BaseException as exc:  # noqa: BLE001 - any failure of student code is reported
            raise StudentError(type(exc).__name__, f"{module_name}.py does not import: {exc}",
                               student_traceback(exc, self.package_dir)) from None
        finally:
            self.problems += notebook_runtime.problems
            notebook_runtime.problems.clear()

    def function(self, qualname: str) -> Any:
        module_name, function_name = qualname.split(".")
        module = self.module(module_name)
        fn = getattr(module, function_name, None)
        if not callable(fn):
            # A module assembled from several files (notebook_runtime.assemble) says where it looked.
            why = getattr(module, "__missing__", {}).get(function_name)
            why = why or f"{module_name}.py has no function {function_name}()"
            raise StudentError("MissingFunction", why)
        return fn

    def resolve(self, value: Any) -> Any:
        if isinstance(value, protocol.Handle):
            if value.ident not in self.kept:
                raise StudentError("GraderError", f"no kept object #{value.ident}")
            return self.kept[value.ident]
        if type(value) in (list, tuple):  # exact types only: what the wire builds (protocol.map_leaves)
            return type(value)(self.resolve(v) for v in value)
        if type(value) is dict:
            return {key: self.resolve(v) for key, v in value.items()}
        return value

    def load(self, module_name: str, seconds: float | None = None) -> dict[str, Any]:
        """Import a module ahead of its calls, so that its import has a time limit of its own.

        ``seconds``: that limit. A notebook's cells are stopped at a share of it (``NOTEBOOK_SHARE``),
        so that a cell that loops for ever leaves the notebook's later cells time to run. The reply
        carries the cells that raised.
        """
        if seconds is not None:
            notebook_runtime.deadline = time.monotonic() + NOTEBOOK_SHARE * seconds
        try:
            self.module(module_name)
            reply: dict[str, Any] = {"imported": True}
        except StudentError as exc:
            reply = {"error": [exc.type_name, exc.message, exc.trace]}
        finally:
            notebook_runtime.deadline = None
        reply["problems"], self.problems = self.problems, []
        return reply

    def call(self, qualname: str, args: list, keep: tuple[int, ...] = (), global_seed: int | None = None,
             kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a student function; returns value, args_after, kwargs_after, warnings, or error."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fn = self.function(qualname)
                args = make_generators(self.resolve(args))
                kwargs = make_generators(kwargs or {})
                if global_seed is not None:
                    np.random.seed(global_seed)
                value = fn(*args, **kwargs)
            except StudentError as exc:
                return {"error": [exc.type_name, exc.message, exc.trace]}
            except BaseException as exc:  # noqa: BLE001 - SystemExit included: report, never exit
                return {"error": [type(exc).__name__, str(exc)[:2000],
                                  student_traceback(exc, self.package_dir)]}
        if keep:  # the cache stays here, named by a Handle, whether it came in a tuple or a list
            several = isinstance(value, tuple | list)
            items = list(value) if several else [value]
            for index in keep:
                if index < len(items):
                    ident = next(self._ids)
                    self.kept[ident] = items[index]
                    items[index] = protocol.Handle(ident)
            value = (tuple(items) if isinstance(value, tuple) else items) if several else items[0]
        messages = [f"{w.category.__name__}: {w.message}" for w in caught][:20]
        def mutable(a: Any) -> Any:
            return a if isinstance(a, np.ndarray | list | dict) else None

        return {"value": value, "args_after": [mutable(a) for a in args],
                "kwargs_after": {name: mutable(a) for name, a in kwargs.items()}, "warnings": messages}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """One request of the grader: ``import`` a module, ``call`` a function, ``drop`` what it kept."""
        if request["op"] == "import":
            return self.load(request["module"], request.get("seconds"))
        if request["op"] == "drop":
            self.drop()
            return {"dropped": True}
        if request.get("forget"):  # a new case of the same task, in the same worker
            self.drop()
        return self.call(request["function"], request["args"], tuple(request["keep"]), request["global_seed"],
                         request.get("kwargs"))

    def drop(self) -> None:
        self.kept.clear()

    def close(self) -> None:
        """Forget the submission: its modules, under every name they were imported by, and its finder
        (in-process, where another submission may be imported next)."""
        self.drop()
        if self.finder is not None and self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)
        ours = {id(module) for name, module in sys.modules.items()
                if name == self.package or name.startswith(f"{self.package}.")} - {id(notebook_runtime)}
        for name in [name for name, module in sys.modules.items()
                     if id(module) in ours or name.startswith(f"{self.package}.")]:
            del sys.modules[name]
        sys.modules.update(self.shadowed)


# --- in the sandbox: the child and its workers -----------------------------------------------------

def _work(package_dir: str, requests: int, responses: int, max_bytes: int) -> None:
    """A worker: serve the requests of one case, until the child kills it or closes its pipe."""
    executor = Executor(package_dir)
    inbox, outbox = os.fdopen(requests, "rb"), os.fdopen(responses, "wb")
    while True:
        try:
            request = protocol.decode(*protocol.read_message(inbox))
        except EOFError:
            return
        result = executor.handle(request)
        for stream in (sys.stdout, sys.stderr):  # before the reply: the grader reads the output on it
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a student's broken stdout (closed, over the size limit)
                pass
        try:
            protocol.write_message(outbox, *protocol.encode(result, max_bytes))
        except Exception as exc:  # noqa: BLE001 - a value that cannot even be described
            unsendable = {"error": ["UnsendableResult", str(exc)[:500], ""]}
            protocol.write_message(outbox, *protocol.encode(unsendable))


def _prefer_for_oom_kill() -> None:
    """Should the case's memory run out (a cgroup), make the kernel kill this worker, not the child.

    The worker inherits the child's "not dumpable", which closes its own /proc files to
    it; it holds nothing of the child's (its pipes are closed), so it may open them again.
    """
    import ctypes

    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    try:
        with open("/proc/self/oom_score_adj", "w") as adjust:
            adjust.write("1000")
    except OSError:  # no /proc here: nothing to prefer
        pass


class _Worker:
    """The child's handle on one worker: forked ahead of its case, ended after it."""

    def __init__(self, config: dict[str, Any], grader_fds: tuple[int, ...]) -> None:
        self.config = config
        to_worker, from_child = os.pipe()
        to_child, from_worker = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            code = 0
            try:
                for fd in (*grader_fds, from_child, to_child):  # the worker never holds the grader's pipes
                    os.close(fd)
                _prefer_for_oom_kill()
                _work(config["package"], to_worker, from_worker, config["max_bytes"])
            except BaseException:  # noqa: BLE001 - whatever happens, never return into the child's loop
                code = 1
            finally:
                os._exit(code)
        os.close(to_worker)
        os.close(from_worker)
        self.requests, self.responses = os.fdopen(from_child, "wb"), os.fdopen(to_child, "rb")
        self.used = False  # it has run student code: it must go before the next case
        self.failed = False  # it died, or its replies can no longer be trusted to be whole

    def exchange(self, header: Any, buffers: list[bytes]) -> tuple[Any, list[bytes]]:
        """Pass one request on and its reply back, or an error reply if the worker fails."""
        self.used = True
        try:
            protocol.write_message(self.requests, header, buffers)
            return protocol.read_message(self.responses, self.config["max_bytes"])
        except (EOFError, BrokenPipeError):
            self.failed = True
            _, status = os.waitpid(self.pid, 0)
            self.pid = 0
            return protocol.encode({"error": ["Crash", describe_end(os.waitstatus_to_exitcode(status)), ""]})
        except protocol.ProtocolError as exc:
            self.failed = True
            reason = f"the student's process sent a malformed result: {exc}"
            return protocol.encode({"error": ["BadResult", reason, ""]})

    def kill(self) -> None:
        """Stop the worker at once: none of its code runs after this."""
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)

    def end(self) -> None:
        """Kill the worker and every process it left, reap them all, remove the files and IPC it left."""
        self.kill()
        for stream in (self.requests, self.responses):
            try:
                stream.close()
            except OSError:
                pass
        if self.pid:
            os.waitpid(self.pid, 0)
        # The child is a subreaper: what the worker left (threads die with it; processes do
        # not, even detached with setsid) is now the child's to kill. No child left means
        # nothing left at all, and spares the walk through /proc.
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                cleanup.kill_tree(int(os.readlink("/proc/self")), include_root=False)
                os.waitpid(-1, 0)
        if self.used:
            cleanup.clear_scratch(self.config["scratch"])
            if self.config["clear_ipc"]:
                cleanup.clear_ipc()


def _field(header: Any, name: str) -> Any:
    """A plain field of a request (``op``, ``fresh``), read without decoding its arrays."""
    try:
        return header["items"][name]["v"]
    except (KeyError, TypeError):
        raise protocol.ProtocolError(f"a request without its {name}") from None


def serve(config: dict[str, Any], hello: dict[str, Any]) -> None:
    """The child's loop: say what isolates it, then one request in, one reply out, until the grader closes.

    ``config`` (from the grader): ``requests`` and ``responses`` (the pipes' fds),
    ``package`` (the submission's folder), ``max_bytes`` (of one reply), ``scratch``
    (folders emptied after each worker) and ``clear_ipc``. ``drop`` ends the current
    case, and with ``fresh`` its worker; any other request goes to the case's worker.
    A used worker is killed
    before the reply that ends its case; reaping it and what it left, and forking
    the next case's worker, happen after the reply, while the grader judges: both
    are done before the next request is read.
    """
    grader_fds = (config["requests"], config["responses"])
    # Unbuffered: no buffer of the last request's bytes stays in memory for a worker to inherit.
    inbox, outbox = os.fdopen(config["requests"], "rb", buffering=0), os.fdopen(config["responses"], "wb")
    protocol.write_message(outbox, *protocol.encode({"ready": hello}))
    worker = _Worker(config, grader_fds)
    try:
        while True:
            try:
                header, buffers = protocol.read_message(inbox)
            except EOFError:
                return
            op = _field(header, "op")
            fresh = op == "drop" and _field(header, "fresh")
            # A drop that keeps the worker (between two cases of a task) makes it forget what it kept.
            reply = protocol.encode({"dropped": True}) if fresh else worker.exchange(header, buffers)
            retire = worker.failed or (worker.used and fresh)
            if retire:
                worker.kill()
            protocol.write_message(outbox, *reply)
            # The next worker is forked from this process: it must find nothing of this request, nor of
            # its reply (a hidden case's inputs, and what the student's code made of them), on its stack.
            header = buffers = reply = None
            if retire:
                worker.end()
                worker = _Worker(config, grader_fds)
    finally:
        worker.end()
