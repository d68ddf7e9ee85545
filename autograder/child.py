"""The student's side: import the submission and call its functions on request.

This file is the whole program of the isolated child (``python -I child.py
PACKAGE_DIR``, with ``protocol.py`` beside it). It computes and nothing else: the
grader sends arguments, the child calls the student's function and sends back
what it returned, the arguments as they are after the call (to detect in-place
changes), the warnings raised, or the student's own traceback. Objects that must
stay (caches) are kept here and named by a Handle.

``Executor`` is also used in-process by the student's self-check, where there is
no untrusted code to fear.
"""

from __future__ import annotations

import importlib
import itertools
import os
import sys
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

import numpy as np

try:  # as a script in the sandbox folder
    from protocol import Handle, SeedArg, decode, encode, read_message, write_message
except ImportError:  # as part of the autograder package
    from .protocol import Handle, SeedArg, decode, encode, read_message, write_message

_packages = itertools.count()


class StudentError(Exception):
    """The student's code raised, or could not be imported."""

    def __init__(self, type_name: str, message: str, trace: str = "") -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name, self.message, self.trace = type_name, message, trace


def student_traceback(exc: BaseException, package_dir: str) -> str:
    """The traceback lines that point into the student's files, none of the grader's."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(package_dir)]
    if isinstance(exc, SyntaxError) and exc.filename and exc.filename.startswith(package_dir):
        return f'  File "{Path(exc.filename).name}", line {exc.lineno}\n    {(exc.text or "").strip()}'
    return "".join(
        f'  File "{Path(f.filename).name}", line {f.lineno}, in {f.name}\n    {(f.line or "").strip()}\n'
        for f in frames
    ).rstrip()


def make_generators(value: Any) -> Any:
    """Replace each SeedArg in an argument tree by a fresh numpy Generator."""
    if isinstance(value, SeedArg):
        return np.random.default_rng(value.seed)
    if isinstance(value, list | tuple):
        return type(value)(make_generators(v) for v in value)
    if isinstance(value, dict):
        return {k: make_generators(v) for k, v in value.items()}
    return value


class Executor:
    """Imports a submission's modules as one package and calls their functions."""

    def __init__(self, package_dir: str | os.PathLike) -> None:
        self.package_dir = str(Path(package_dir).resolve())
        # A package of our own name: relative imports (``from .rnn import ...``) work, and
        # two submissions in one process never share modules.
        self.package = f"_submission_{os.getpid()}_{next(_packages)}"
        package = types.ModuleType(self.package)
        package.__path__ = [self.package_dir]
        sys.modules[self.package] = package
        self.kept: dict[int, Any] = {}
        self._ids = itertools.count(1)

    def function(self, qualname: str) -> Any:
        module_name, function_name = qualname.split(".")
        try:
            module = importlib.import_module(f"{self.package}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{self.package}.{module_name}":
                raise StudentError("MissingModule", f"the submission has no {module_name}.py") from None
            raise StudentError(type(exc).__name__, f"{module_name}.py does not import: {exc}",
                               student_traceback(exc, self.package_dir)) from None
        except BaseException as exc:  # noqa: BLE001 - any failure of student code is reported
            raise StudentError(type(exc).__name__, f"{module_name}.py does not import: {exc}",
                               student_traceback(exc, self.package_dir)) from None
        fn = getattr(module, function_name, None)
        if not callable(fn):
            raise StudentError("MissingFunction", f"{module_name}.py has no function {function_name}()")
        return fn

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Handle):
            if value.ident not in self.kept:
                raise StudentError("GraderError", f"no kept object #{value.ident}")
            return self.kept[value.ident]
        if isinstance(value, list | tuple):
            return type(value)(self.resolve(v) for v in value)
        return value

    def call(self, qualname: str, args: list, keep: tuple[int, ...] = (), global_seed: int | None = None
             ) -> dict[str, Any]:
        """Call a student function; returns value, args_after, warnings, or error."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fn = self.function(qualname)
                args = make_generators(self.resolve(args))
                if global_seed is not None:
                    np.random.seed(global_seed)
                value = fn(*args)
            except StudentError as exc:
                return {"error": [exc.type_name, exc.message, exc.trace]}
            except BaseException as exc:  # noqa: BLE001 - SystemExit included: report, never exit
                return {"error": [type(exc).__name__, str(exc)[:2000],
                                  student_traceback(exc, self.package_dir)]}
        if keep:
            items = list(value) if isinstance(value, tuple) else [value]
            for index in keep:
                if index < len(items):
                    ident = next(self._ids)
                    self.kept[ident] = items[index]
                    items[index] = Handle(ident)
            value = tuple(items) if isinstance(value, tuple) else items[0]
        messages = [f"{w.category.__name__}: {w.message}" for w in caught][:20]
        after = [a if isinstance(a, np.ndarray | list | dict) else None for a in args]
        return {"value": value, "args_after": after, "warnings": messages}

    def drop(self) -> None:
        self.kept.clear()


def serve(package_dir: str, requests: int, responses: int) -> None:
    """The child's loop: one request in, one response out, until the grader closes."""
    executor = Executor(package_dir)
    inbox, outbox = os.fdopen(requests, "rb"), os.fdopen(responses, "wb")
    while True:
        try:
            header, buffers = read_message(inbox)
        except EOFError:
            return
        request = decode(header, buffers)
        if request["op"] == "drop":
            executor.drop()
            result: dict[str, Any] = {"dropped": True}
        else:
            result = executor.call(request["function"], request["args"], tuple(request["keep"]),
                                   request["global_seed"])
        try:
            write_message(outbox, *encode(result))
        except Exception as exc:  # noqa: BLE001 - a value that cannot even be described
            write_message(outbox, *encode({"error": ["UnsendableResult", str(exc)[:500], ""]}))
        del result
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
