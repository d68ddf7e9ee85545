"""How one case of a task is judged.

Each kind of task (``Task.check``) has two parts:

- ``expected``: what the reference gives on the case's inputs (the values a
  function must return, the gradients a backward must find). The grader computes
  it live from ``solutions/``; the release command stores it for the public
  cases, so that a student's self-check needs no reference code.
- ``judge``: calls the student's code through a runner and raises ``Failed``
  with the first thing that is wrong, what was expected, and a hint.

Gradients are checked twice: against the reference's backward (which says where
they are wrong) and against numerical gradients of a forward pass (the
reference's when grading, the student's own in the self-check), so a wrong
forward never costs the backward task. ``Context.gradcheck`` picks the numerical
check; its ``-alone`` values judge gradients by that check only, without the
reference's backward (to measure what each numerical check catches by itself).

The engine's checks (``CHECKS``: ``value``, ``backward``, ``loss_grad``; ``properties`` in
``properties``) know no course week. Every one of them judges the arguments after the call too:
a ``state`` argument (a task option) must hold what the reference's held after the same call,
any other must be unchanged. An assignment declares checks of its own with ``@check`` in its
checks file (``registry``); a judge gets a ``Context``, the task, the case, the case's inputs and
what was made ahead, and uses ``compare``, ``unpack``, ``check_inputs_unchanged`` like these.
"""

from __future__ import annotations

import builtins
import os
import re
import signal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import gradcheck
from .assignment import Assignment, current
from .child import describe_end
from .errormap import error_map
from .hints import Clue, Diagnosis, diagnose, explain_error, wrong_form
from .inputs import call_form, call_with, describe, fresh, split_call
from .protocol import Opaque
from .runner import Outcome, Runner
from .spec import Case, Task

if TYPE_CHECKING:
    from .child import StudentError

RTOL, ATOL = 1e-6, 1e-9  # forward values: the same float64 formula, computed another way
FULL_LIMIT = 400  # the element-wise gradient check runs on arrays up to this size (with "both")
DIRECTIONS = 3  # random directions of the directional gradient check


class Failed(Exception):
    """A case failed: ``message`` says what, ``hint`` the likely mistake and ``where`` (for a wrong
    array) a small map of where it is wrong (``errormap.error_map``)."""

    def __init__(self, message: str, hint: str = "", where: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message, self.hint, self.where = message, hint, where


class Reference:
    """The trusted reference functions: the assignment's reference package (week 4: ``solutions/``)."""

    def __init__(self, assignment: Assignment | None = None) -> None:
        self.assignment = assignment or current()

    def function(self, qualname: str) -> Callable[..., Any]:
        module, name = qualname.split(".")
        return getattr(self.assignment.reference_module(module), name)

    def run(self, qualname: str, inputs: dict[str, Any] | list[Any]) -> tuple[Any, Any]:
        """The reference function's value on its own deep copy of ``inputs`` (a dict: in its
        signature's call form; a list: by position), and that copy as the call left it."""
        function, own = self.function(qualname), fresh(inputs)
        positional = call_form(function, list(own)) if isinstance(own, dict) else None
        return call_with(function, own, positional), own

    def call(self, qualname: str) -> Callable[[dict[str, Any] | list[Any]], Any]:
        """The reference function as a function of a case's inputs (``run``'s value)."""
        return lambda inputs: self.run(qualname, inputs)[0]


# The numerical checks each ``Context.gradcheck`` value runs on a gradient.
GRADCHECKS = {
    "both": ("directional", "full"),  # the full check only up to Context.full_limit elements
    "full": ("full",),
    "directional": ("directional",),
    "full-alone": ("full",),  # ... and no comparison with the reference's gradient
    "directional-alone": ("directional",),
}


@dataclass
class Context:
    """What a judge works with: the student's functions (``call``), the reference's (``reference``,
    None in the student's self-check), the numerical gradients' truth (``numeric``), the hints.

    ``inputs`` given to ``call`` and ``numeric`` are a case's inputs dict (name -> value), called
    in the case's call form (``positional``: how many go by position, the others by name), or a
    list, all by position. Every call gets its own copy of every argument.
    """

    runner: Runner
    reference: Reference | None = None
    gradcheck: str = "both"  # a key of GRADCHECKS
    full_limit: int = FULL_LIMIT
    numerics: dict[str, Any] = field(default_factory=dict)  # the reference's numerical gradients, made ahead
    public: bool = False  # the case's feedback may show its values (SPEC §3: a hidden case's may not)
    positional: int | None = None  # the case's call form (``inputs.call_form``); None: all by position
    registry: Registry = field(default_factory=lambda: engine())  # the checks and hints tasks may name
    warnings: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)

    def call(self, function: str, inputs: dict[str, Any] | list[Any], keep: tuple[int, ...] = (),
             global_seed: int | None = None, role: str = "") -> Outcome:
        """Call the student's ``function`` ("module.name"); ``Failed`` if it raised, crashed or timed out.

        ``keep``: the indices of returned values that stay in the student's process (a cache);
        ``global_seed``: ``np.random.seed`` before the call; ``role``: why it is called, for messages.
        """
        args, kwargs = split_call(inputs, self.positional)
        outcome = self.runner.call(function, args, keep, global_seed, kwargs)
        self.warnings += outcome.warnings
        if outcome.output:
            self.output.append(outcome.output)
        if outcome.error is not None:
            raise Failed(*_error_message(function, outcome.error, role, self.public, self.modules))
        return outcome

    def numeric(self, function: str) -> Callable[[dict[str, Any] | list[Any]], Any]:
        """The forward pass whose numerical gradients are the truth: the reference's when grading,
        the student's own in the self-check; it takes a case's inputs."""
        if self.reference is not None:
            return self.reference.call(function)
        return lambda inputs: self.call(function, inputs, role="needed for the numerical gradient").value

    def hints(self, names: Iterable[str]) -> tuple[Diagnosis, ...]:
        """The diagnoses ``names`` (a task's ``hints`` option), the assignment's own included."""
        return tuple(self.registry.hints[name] for name in names)

    @property
    def modules(self) -> tuple[str, ...]:
        """Where a hidden case's error may say it was raised: the assignment's modules and notebooks."""
        if self.reference is None:
            return ()
        assignment = self.reference.assignment
        return assignment.modules + tuple(lecture.stem for lecture in assignment.lectures)

    @property
    def numeric_alone(self) -> bool:
        """Gradients judged by the numerical check only (``-alone``), not against the reference's."""
        return self.gradcheck.endswith("-alone")


# Exception classes a hidden case may name: the student's own class names are theirs to choose, so they
# could spell out a hidden input (``type(x.tobytes().hex(), (Exception,), {})``).
KNOWN_ERRORS = frozenset(name for name, value in vars(builtins).items()
                         if isinstance(value, type) and issubclass(value, BaseException)) | {"LinAlgError"}
_SYSTEM_ERROR = re.compile(r"\[Errno (\d{1,4})\] ([\w ,'-]{1,60})")  # an OSError's errno and strerror
# A frame line of child.student_traceback: a module, or a notebook's cell (notebook_runtime names them so).
_FRAME = re.compile(r'File "(\w{1,40})(\.py|\.ipynb, code cell \d{1,4})", line (\d{1,6})')
# child.describe_end's words for a worker's end
_SIGNAL = re.compile(r"the student's process died with (SIG[A-Z0-9]{2,8})(: [\w ,()]{1,80})?")
_EXITED = re.compile(r"the student's process exited \(status (\d{1,3})\) in the middle of a call")
MAX_LINE = 5000  # a line number a hidden case may show: a bounded number, not a channel


def _where(trace: str, modules: Iterable[str]) -> str:
    """The deepest frame of the student's traceback as " in conv.py, line 12", or ''.

    Only a module of the assignment, and a line of a file of a plausible length: a frame's
    file name and line are the student's to choose (code compiled under any name).
    """
    frames = _FRAME.findall(trace)
    if not frames or frames[-1][0] not in modules or int(frames[-1][2]) > MAX_LINE:
        return ""
    return f" in {frames[-1][0]}{frames[-1][1]}, line {frames[-1][2]}"


def _hidden_words(function: str, error: StudentError) -> str:
    """The grader's own words for an error of the student's process, for a hidden case.

    A hidden case never quotes what came from the student's process: that process runs the
    student's code, which can send any error it likes, named like the grader's own. So its
    words are rebuilt from what the grader knows (the module and function it called) and a
    fixed vocabulary; only an error the grader saw itself (``seen_by_grader``) keeps its text.
    """
    module, name = function.split(".")
    if error.seen_by_grader and error.type_name in ("Timeout", "Crash"):  # limits and signals: its words
        return error.message
    if error.type_name == "BadResult":  # the detail quotes what the process sent
        return f"{name}(): the student's process sent back a malformed result"
    if error.type_name == "MissingModule":
        return f"the submission has no {module}.py"
    if error.type_name == "MissingFunction":
        return f"{module}.py has no function {name}()"
    if error.type_name == "Crash":  # child.describe_end's words, if they are, rebuilt from their numbers
        died, exited = _SIGNAL.fullmatch(error.message), _EXITED.fullmatch(error.message)
        if died and died.group(1) in signal.Signals.__members__:
            return describe_end(-signal.Signals[died.group(1)].value)
        if exited and int(exited.group(1)) <= 255:
            return describe_end(int(exited.group(1)))
        return "the student's process ended in the middle of a call"
    return f"{name}() ran out of time, or did not return a result that could be read"  # a forged Timeout


def _error_message(function: str, error: StudentError, role: str, public: bool,
                   modules: Iterable[str] = ()) -> tuple[str, str]:
    """What the student reads when their code raised (``function``: "module.name" as called).

    A public case shows everything. A hidden case is told in the grader's own words only:
    the exception's type if it is a built-in one, where it was raised (a module of the
    assignment, ``modules``), never its message, its traceback, or a name the student chose.
    """
    module, name = function.split(".")
    where = f" ({role})" if role else ""
    if error.type_name == "NotImplementedError":
        return f"{name}(){where} is not written yet: it raised NotImplementedError.", ""
    if error.type_name in ("MissingModule", "MissingFunction", "Timeout", "Crash", "BadResult"):
        return f"{error.message if public else _hidden_words(function, error)}{where}.", ""
    if public:
        trace = f"\n{error.trace}" if error.trace else ""
        return (f"{name}(){where} raised {error.type_name}: {error.message}{trace}",
                explain_error(error.type_name, error.message))
    kind = error.type_name if error.type_name in KNOWN_ERRORS else "an exception of its own class"
    system = _SYSTEM_ERROR.match(error.message)
    if kind != error.type_name or not system or system.group(2) != os.strerror(int(system.group(1))):
        system = None
    kind += f" ({system.group(0)})" if system else ""  # an OSError's errno and the system's own words
    failed_import = error.message.startswith(f"{module}.py does not import")  # child.Executor.module's words
    what = f"{module}.py does not import: it raised" if failed_import else f"{name}(){where} raised"
    return (f"{what} {kind}{_where(error.trace, modules)} (a hidden case shows no exception message: run "
            "`autograder check` to see the public cases' messages)."), explain_error(error.type_name, "")


# Warnings numpy raises on its own, quoted in full where every word is numpy's (the operation one of its
# ufuncs); any other warning's text is the student's to choose, and so is a warning made to look like one.
_NUMPY_WARNING = re.compile(r"RuntimeWarning: (?:overflow|underflow|divide by zero|invalid value) "
                            r"encountered in (?:scalar )?(\w{1,30})")
_NUMPY_OPERATIONS = frozenset(name for name, value in vars(np).items() if isinstance(value, np.ufunc)) | {
    "reduce", "cast", "double_scalars"}


def shown_warnings(warnings: list[str], public: bool) -> list[str]:
    """The warnings a case may show: all of them for a public case, numpy's own for a hidden one."""
    if public:
        return sorted(set(warnings))[:5]
    kept = set()
    for warning in warnings:
        numpy = _NUMPY_WARNING.fullmatch(warning)
        kept.add(warning if numpy and numpy.group(1) in _NUMPY_OPERATIONS else
                 "a warning of your code (its text is not shown for a hidden case)")
    return sorted(kept)[:5]


# --- comparing returned values -----------------------------------------------------------------

# What an Opaque may say it was: the encoder's own words. A class of the student's is named by the student,
# so its name is not repeated (it could spell out a hidden input).
_OPAQUE_TYPES = frozenset({"function", "method", "builtin_function_or_method", "generator", "Generator",
                           "set", "frozenset", "bytes", "bytearray", "complex", "module", "type", "object",
                           "range", "map", "zip", "filter", "dict"})
# An array that cannot cross, by the kind of its dtype (numpy's own letters): never its exact dtype or shape.
_DTYPE_KINDS = {"c": "complex numbers", "U": "strings", "S": "bytes", "O": "Python objects", "M": "dates",
                "m": "time spans", "V": "raw records"}


def kind_of(value: Any) -> str:
    """What a value is, in the grader's words: never a class name, a shape or a length the student's
    code chose (a hidden case must not show them), only the grader's vocabulary and an array's rank."""
    if isinstance(value, Opaque):
        if value.type_name.startswith("ndarray of dtype "):
            try:
                kind = np.dtype(value.type_name[len("ndarray of dtype "):]).kind
            except (TypeError, ValueError, SyntaxError):
                kind = ""
            return f"an ndarray of {_DTYPE_KINDS.get(kind, 'another dtype')}"
        if value.type_name.startswith("ndarray of shape "):
            return "an ndarray too large to send back"
        if value.type_name not in _OPAQUE_TYPES:
            return "an object of a class of its own (it cannot leave the student's process)"
        return f"<{value.type_name}>"
    if isinstance(value, np.ndarray):
        return f"an ndarray with {value.ndim} {'axis' if value.ndim == 1 else 'axes'}"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"



def _count(n: int) -> str:
    """A count the student's code chose, bounded (a hidden case shows no unbounded number)."""
    return str(n) if n <= 10 else "more than 10"


def masked_shape(got: tuple[int, ...], want: tuple[int, ...]) -> str:
    """``got`` as a hidden case may show it: its rank, and only the sizes the case expects (others ``?``)."""
    return "(" + ", ".join(str(n) if n in want else "?" for n in got) + ("," if len(got) == 1 else "") + ")"


def unpack(value: Any, returns: str | tuple[str, ...], function: str) -> dict[str, Any]:
    """Name the returned values; a wrong structure fails with what was expected."""
    if isinstance(returns, str):
        return {returns: value}
    if not isinstance(value, tuple | list) or len(value) != len(returns):
        returned = f"{_count(len(value))} values" if isinstance(value, tuple | list) else kind_of(value)
        raise Failed(f"{function}() should return a tuple of {len(returns)} values ({', '.join(returns)}); "
                     f"it returned {returned}.")
    return dict(zip(returns, value))


def _check_keys(name: str, got: Any, want: dict, public: bool = False) -> None:
    """A dict with exactly the keys of ``want``. A hidden case names only the expected keys: the
    student's keys are strings of their choice."""
    if not isinstance(got, dict) or set(got) != set(want):
        if not isinstance(got, dict):
            detail = "."
        elif public:
            detail = f" with keys {sorted(got)}."
        else:
            missing = sorted(set(want) - set(got))
            detail = (f" missing {missing}" if missing else "") + \
                      (" with other keys" if set(got) - set(want) else "") + "."
        raise Failed(f"{name} should be a dict with keys {sorted(want)}; it is {kind_of(got)}{detail}")


def check_form(name: str, got: Any, want: Any, hints: tuple[Diagnosis, ...] = (), clue: Clue | None = None,
               public: bool = False) -> None:
    """Check that an array (or a dict of arrays) has the type, shape, dtype and finiteness of ``want``.

    What every judgement of an array needs first; the values are left to ``compare``
    or to a numerical gradient check.
    """
    if isinstance(want, dict):
        _check_keys(name, got, want, public)
        for key in want:
            check_form(f"{name}[{key!r}]", got[key], want[key], public=public)
        return
    if not isinstance(got, np.ndarray):
        raise Failed(f"{name} should be an ndarray of shape {want.shape}; it is {kind_of(got)}.")
    if got.shape != want.shape:  # the form is told before any value hint: an empty axis, an axis order
        shape = got.shape if public else masked_shape(got.shape, want.shape)
        raise Failed(f"{name} has shape {shape}; expected {want.shape}.",
                     wrong_form(got, want, name) or diagnose(hints, got, want, clue or Clue(name, {})))
    if got.dtype.kind not in "biuf":
        raise Failed(f"{name} has dtype {got.dtype}; expected a numeric array.")
    if want.dtype == bool and got.dtype != bool:
        raise Failed(f"{name} has dtype {got.dtype}; expected a bool array.",
                     "a comparison (a < b) gives a bool array; .astype(bool) converts one.")
    if want.dtype == np.float64 and got.dtype.kind == "f" and got.dtype != np.float64:
        raise Failed(f"{name} has dtype {got.dtype}; expected float64.",
                     f"compute in float64: {got.dtype} keeps too few digits. Look for dtype={got.dtype} or "
                     ".astype(...) where an array is made.")
    if not np.all(np.isfinite(got)):
        raise Failed(f"{name} contains {int(np.sum(~np.isfinite(got)))} NaN or infinite values.",
                     "look for a division by zero or an overflow (np.exp of a large number).")


def compare(name: str, got: Any, want: Any, hints: tuple[Diagnosis, ...] = (), clue: Clue | None = None,
            public: bool = False) -> None:
    """Check type, shape, finiteness and value of ``got`` against ``want``: an array, a number, a
    string, a bool, None, or a list or dict of these (a dict key by key). ``hints``: the diagnoses
    tried on a wrong array (``Context.hints``)."""
    clue = clue or Clue(name, {})
    clue.name = name
    if isinstance(want, np.ndarray):
        check_form(name, got, want, hints, clue, public)
        if want.dtype == bool:
            got, want = got.astype(np.int8), want.astype(np.int8)  # True/False told apart as 1/0
        wrong = ~np.isclose(got, want, rtol=RTOL, atol=ATOL)
        if wrong.any():
            worst = np.unravel_index(int(np.argmax(np.abs(got - want) * wrong)), want.shape)
            detail = (f" (got {got[worst]:.6g}, expected {want[worst]:.6g})" if public else "")
            raise Failed(f"{name}: {int(wrong.sum())} of {want.size} values are wrong; the largest error is "
                         f"{float(np.abs(got - want)[worst]):.3g} at index {tuple(int(i) for i in worst)}"
                         f"{detail}, relative error {gradcheck.rel_error(got, want):.2g}.",
                         diagnose(hints, got, want, clue),
                         error_map(name, np.abs(got - want) * wrong, clue.inputs, public))
    elif want is None:
        if got is not None:
            raise Failed(f"{name} should be None; it is {kind_of(got)}.")
    elif isinstance(want, bool):
        if got is not want:
            raise Failed(f"{name} should be {want}; it is {got!r}." if public or isinstance(got, bool) else
                         f"{name} should be {want}; it is {kind_of(got)}.")
    elif isinstance(want, int):
        if not isinstance(got, int) or isinstance(got, bool):
            raise Failed(f"{name} should be an int; it is {kind_of(got)}" +
                         (" (use integer division //)." if isinstance(got, float) else "."))
        if got != want:
            raise Failed(f"{name} is {got}; expected {want}." if public else f"{name} is not right.",
                         diagnose(hints, got, want, clue))
    elif isinstance(want, float):
        if not isinstance(got, int | float) or isinstance(got, bool):
            raise Failed(f"{name} should be a Python float; it is {kind_of(got)} (convert with float(...)).")
        if not np.isfinite(got):
            raise Failed(f"{name} is {got}.", "look for a log of zero or an overflow.")
        if not np.isclose(got, want, rtol=RTOL, atol=ATOL):
            detail = f" {got:.8g}; expected {want:.8g}" if public else " wrong"
            hint = diagnose(hints, np.array(got), np.array(want), clue)
            raise Failed(f"{name} is{detail}: relative error {gradcheck.rel_error(got, want):.2g}.", hint)
    elif isinstance(want, str):
        if got != want:
            if public:
                raise Failed(f"{name} is {got!r}; expected {want!r}.")
            what = "another string" if isinstance(got, str) else kind_of(got)
            raise Failed(f"{name} is not right: it is {what} (a hidden case does not show it).")
    elif isinstance(want, list | tuple):
        if not isinstance(got, list | tuple) or len(got) != len(want):
            items = "arrays" if all(isinstance(w, np.ndarray) for w in want) else "values"
            raise Failed(f"{name} should be a list of {len(want)} {items}; it is {kind_of(got)}"
                         + (f" of length {_count(len(got))}." if isinstance(got, list | tuple) else "."))
        hint = diagnose(hints, got, want, clue) if len(want) and isinstance(want[0], np.ndarray) else ""
        for k, (g, w) in enumerate(zip(got, want)):
            try:
                compare(f"{name}[{k}]", g, w, hints, Clue(f"{name}[{k}]", clue.inputs, clue.reference),
                        public)
            except Failed as failed:
                raise Failed(failed.message, hint or failed.hint, failed.where) from None
    elif isinstance(want, dict):
        _check_keys(name, got, want, public)
        for key in want:
            compare(f"{name}[{key!r}]", got[key], want[key], hints, Clue(key, clue.inputs, clue.reference),
                    public)


def _right(got: Any, want: Any) -> bool:
    """Does ``got`` pass ``compare`` against ``want``?"""
    try:
        compare("value", got, want)
    except Failed:
        return False
    return True


_PLAIN = (int, float, str, bool, type(None))


def same(a: Any, b: Any) -> bool:
    """Equal to the last bit: arrays, numbers, strings, None, and lists and dicts of them (NaN equals
    NaN). Objects that never leave the student's process (a cache's handle) count as the same."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f" and b.dtype.kind == "f"))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, _PLAIN) and isinstance(b, _PLAIN):
        return bool(a == b or (a != a and b != b))
    return True


def _changed_part(name: str, before: Any, after: Any) -> str:
    """Where ``after`` first differs from ``before``: ``bn_param['running_mean']``, ``grads[1]``, ``x``."""
    if isinstance(before, dict) and isinstance(after, dict) and before.keys() == after.keys():
        return next((_changed_part(f"{name}[{k!r}]", before[k], after[k]) for k in before
                     if not same(before[k], after[k])), name)
    if isinstance(before, list | tuple) and isinstance(after, list | tuple) and len(before) == len(after):
        return next((_changed_part(f"{name}[{i}]", b, a) for i, (b, a) in enumerate(zip(before, after))
                     if not same(b, a)), name)
    return name


def _copy_advice(name: str, value: Any) -> str:
    """How to leave an argument as it was, in the words of its kind."""
    if isinstance(value, dict):
        return (f"never modify an argument: `{name}[key] = ...` changes the caller's dict. Build a new one "
                f"instead: `d = dict({name})` (or copy.deepcopy({name}) when it holds arrays you update), "
                "then change d.")
    if isinstance(value, list):
        return (f"never modify an argument: `{name}[i] = ...` or `{name}.append(...)` changes the caller's "
                f"list. Build a new one instead: `new = list({name})`, or a list comprehension.")
    return (f"never modify an argument: `{name} += ...` (or `{name}[...] = ...`) changes the caller's array. "
            f"Build a new one instead: `d = {name} + ...`, or work on {name}.copy().")


STATE = "state after the call"  # the expected values' key of the state arguments after the reference's call


def check_inputs_unchanged(function: str, inputs: dict[str, Any], outcome: Outcome,
                           state: dict[str, Any] | None = None, public: bool = False) -> None:
    """Every argument as the call should leave it: a state argument (``state``: its name -> the
    reference's state after the same call) updated in place as the reference's was, any other
    unchanged (SPEC §1, §4). ``inputs``: the call's arguments by parameter name."""
    state = state or {}
    for name, after in outcome.inputs_after(inputs).items():
        before = inputs[name]
        if name in state:
            _check_state(function, name, before, after, state[name], public)
        elif after is not None and not same(before, after):
            raise Failed(f"{function}() changed its input {_changed_part(name, before, after)} in place.",
                         _copy_advice(name, before))


def _check_state(function: str, name: str, before: Any, after: Any, want: Any, public: bool) -> None:
    """A state argument after the call against the reference's after the same call, key by key."""
    if after is None and not isinstance(want, int | float | str | bool | type(None)):
        raise Failed(f"the state argument {name} did not come back from {function}().")
    if isinstance(want, dict) and isinstance(after, dict) and isinstance(before, dict):
        parts = [(f"{name}[{key!r}]", before.get(key), after.get(key), want[key]) for key in want]
    else:
        parts = [(name, before, after, want)]
    for part, old, new, right in parts:
        if same(old, new) and not same(old, right):
            raise Failed(f"{function}() did not update {part}: after the call it still holds what it held "
                         "before.",
                         f"{name} is state that {function}() updates in place, for the caller to see: assign "
                         f"into it ({part} = ...), do not only build a new value or return it.")
    compare(f"{name} after the call", after, want, public=public)


# --- the kinds of task -------------------------------------------------------------------------

def _returns(task: Task) -> str | tuple[str, ...]:
    return task.options["returns"]


def _keep(returns: str | tuple[str, ...]) -> tuple[int, ...]:
    return tuple(i for i, n in enumerate(returns) if n == "cache") if isinstance(returns, tuple) else ()


def _values(named: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in named.items() if k != "cache"}


def fed_function(task: Task) -> str:
    """The function a case's inputs are the arguments of: the task's own, or its ``forward``'s."""
    return task.options.get("forward", task.name)


def _with_state(task: Task, expected: dict, after: dict[str, Any]) -> dict:
    """``expected`` with the task's ``state`` arguments as the reference's call left them."""
    if task.options.get("state"):
        expected[STATE] = {name: after[name] for name in task.options["state"]}
    return expected


def expected_value(ref: Reference, task: Task, inputs: dict[str, Any], rng: np.random.Generator) -> dict:
    value, after = ref.run(task.name, inputs)
    return _with_state(task, _values(unpack(value, _returns(task), task.function)), after)


def judge_value(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> None:
    _judge_values(ctx, task, case, inputs, expected)


def _judge_values(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict,
                  judged: tuple[str, ...] | None = None) -> dict:
    """Call the function once, compare the ``expected`` values (those named ``judged``, by default
    all) and its arguments after the call; returns every value it returned."""
    returns = _returns(task)
    outcome = ctx.call(task.name, inputs, _keep(returns))
    got = _values(unpack(outcome.value, returns, task.function))
    reference = ctx.reference.call(task.name) if ctx.reference else None
    values = {k: v for k, v in expected.items() if k != STATE and (judged is None or k in judged)}
    # Which values are right tells a diagnosis where the mistake is (next_c right, next_h wrong: after c).
    right = [name for name, want in values.items() if _right(got[name], want)]
    extra = {"expected": values, "right": right}
    hints = ctx.hints(task.options.get("hints", ()))
    for name, want in values.items():
        compare(name, got[name], want, hints, Clue(name, inputs, reference, extra), case.public)
    check_inputs_unchanged(task.function, inputs, outcome, expected.get(STATE), case.public)
    return got


def _wrt_paths(task: Task, inputs: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(argument, key) pairs to differentiate; a dict argument contributes each of its keys."""
    paths = []
    for name in task.options["wrt"]:
        value = inputs[name]
        paths += [(name, key) for key in value] if isinstance(value, dict) else [(name, None)]
    return paths


def _grad_name(path: tuple[str, str | None]) -> str:
    return f"d{path[1] or path[0]}"


def _replaced(inputs: dict[str, Any], path: tuple[str, str | None], value: np.ndarray) -> dict[str, Any]:
    """The inputs with one array (an argument, or a key of a dict argument) replaced by ``value``.

    The rest is shared with ``inputs``: whatever calls a function on it copies it first (``Reference.run``,
    the runners)."""
    name, key = path
    return dict(inputs, **{name: dict(inputs[name], **{key: value}) if key else value})


def _numerical_check(ctx: Context, name: str, f: Callable[[np.ndarray], float], x: np.ndarray,
                     grad: np.ndarray) -> None:
    """Compare one analytic gradient with numerical ones; fail with the worst element or direction.

    Where ``f`` is the reference's, its numerical gradients made ahead (``ctx.numerics``, from
    ``reference_numerics``) are used; whatever is missing is computed here.
    """
    made = ctx.numerics.get(name, {}) if ctx.reference is not None else {}
    for mode in GRADCHECKS[ctx.gradcheck]:
        if mode == "full" and x.size > ctx.full_limit and ctx.gradcheck == "both":
            continue
        result = (gradcheck.full_check(f, x, grad, numeric=made.get("full")) if mode == "full"
                  else gradcheck.directional_check(f, x, grad, directions=DIRECTIONS, seed=x.size,
                                                   numeric=made.get("directional")))
        if not result.ok:
            where = (f"at index {result.worst_index}" if mode == "full"
                     else f"along random direction #{result.worst_index}")
            values = f"analytic {result.analytic:.6g}, numerical {result.numeric:.6g}, " if ctx.public else ""
            raise Failed(f"{name} (shape {x.shape}) disagrees with the numerical gradient {where}: "
                         f"{values}relative error {result.rel_error:.2g} ({mode} check).")


def _scalar_from(outputs: Any, returns: str | tuple[str, ...], upstream: list[np.ndarray]) -> float:
    named = unpack(outputs, returns, "forward")
    values = [v for k, v in named.items() if k != "cache"]
    if not all(isinstance(v, np.ndarray) and v.shape == u.shape for v, u in zip(values, upstream)):
        raise Failed("the forward pass returned values of the wrong shape, so its numerical gradient "
                     "cannot be taken.")
    return float(sum(np.sum(v * u) for v, u in zip(values, upstream)))


def expected_backward(ref: Reference, task: Task, inputs: dict[str, Any], rng: np.random.Generator) -> dict:
    returns = task.options["returns"]
    value, after = ref.run(task.options["forward"], inputs)
    named = unpack(value, returns, "forward")
    upstream = [rng.standard_normal(np.shape(v)) for k, v in named.items() if k != "cache"]
    grads, _ = ref.run(task.name, [*upstream, named["cache"]])
    grads = grads if isinstance(grads, tuple) else (grads,)
    expected = {"upstream": upstream, "grads": dict(zip(map(_grad_name, _wrt_paths(task, inputs)), grads))}
    return _with_state(task, expected, after)


def judge_backward(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> None:
    forward, returns = task.options["forward"], task.options["returns"]
    fwd = ctx.call(forward, inputs, _keep(returns), role=f"needed to test {task.function}")
    cache = unpack(fwd.value, returns, forward.split(".")[1])["cache"]
    upstream = expected["upstream"]
    names = list(expected["grads"])
    outcome = ctx.call(task.name, [*upstream, cache])
    got = unpack(outcome.value, tuple(names) if len(names) > 1 else names[0], task.function)
    again = ctx.call(task.name, [*upstream, cache])
    check_inputs_unchanged(forward.split(".")[1], inputs, fwd, expected.get(STATE), case.public)
    # The backward's parameters, as SPEC names them: d + each forward output (dout, dnext_h, dnext_c), cache.
    check_inputs_unchanged(task.function, dict(zip([f"d{n}" for n in returns if n != "cache"], upstream)),
                           outcome)
    reference = ctx.reference.call(forward) if ctx.reference else None
    hints, want = ctx.hints(task.options.get("hints", ())), expected["grads"]
    wrong = [n for n in names if not _right(got[n], want[n])]
    extra = {"upstream": upstream[0], "size": inputs.get("size"), "stride": inputs.get("stride"),
             "wrong": wrong, "all_wrong": len(wrong) == len(names) > 2,
             "dx_right": "dx" in names and "dx" not in wrong}
    # The first wrong gradient is reported, but another may show the mistake better: in an LSTM step, a wrong
    # cell gradient is plain in dWx's gate blocks, not in dx. Its hint then explains the first failure too.
    diagnoses = (diagnose(hints, got[n], want[n], Clue(n, inputs, reference, extra)) for n in wrong)
    shared = next((hint for hint in diagnoses if hint), "")
    fn = ctx.numeric(forward)
    for path in _wrt_paths(task, inputs):
        name = _grad_name(path)
        try:
            if ctx.numeric_alone:
                check_form(name, got[name], want[name])
            else:
                compare(name, got[name], want[name], hints, Clue(name, inputs, reference, extra), case.public)
        except Failed as failed:
            raise Failed(failed.message, failed.hint or shared, failed.where) from None
        _numerical_check(ctx, name, _scalar_function(task, inputs, fn, path, expected), _at(inputs, path),
                         got[name])
    if not same(unpack(again.value, tuple(names) if len(names) > 1 else names[0], task.function), got):
        raise Failed(f"calling {task.function}() twice with the same cache gave different results.",
                     "the backward pass must not change its cache (no in-place updates of cached arrays).")


def expected_loss_grad(ref: Reference, task: Task, inputs: dict[str, Any], rng: np.random.Generator) -> dict:
    return expected_value(ref, task, inputs, rng)


def judge_loss_grad(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> None:
    """A function returning (loss, gradient of the loss): values, and the gradient numerically."""
    loss_name, grad_name = _returns(task)
    if ctx.numeric_alone:
        got = _judge_values(ctx, task, case, inputs, expected, judged=(loss_name,))
        check_form(grad_name, got[grad_name], expected[grad_name])
    else:
        got = _judge_values(ctx, task, case, inputs, expected)
    fn = ctx.numeric(task.name)
    for path in _wrt_paths(task, inputs):
        grad = got[grad_name][path[1]] if path[1] else got[grad_name]
        name = _numeric_name(task, path)
        _numerical_check(ctx, name, _scalar_function(task, inputs, fn, path, expected), _at(inputs, path),
                         grad)


def _at(inputs: dict[str, Any], path: tuple[str, str | None]) -> np.ndarray:
    return inputs[path[0]][path[1]] if path[1] else inputs[path[0]]


def _numeric_name(task: Task, path: tuple[str, str | None]) -> str:
    """The gradient's name in messages: ``dx``; a loss's ``dparams['Wx']``."""
    if task.check == "backward":
        return _grad_name(path)
    grad_name = _returns(task)[1]
    return f"{grad_name}[{path[1]!r}]" if path[1] else grad_name


def _scalar_function(task: Task, inputs: dict[str, Any], fn: Callable[[dict[str, Any]], Any],
                     path: tuple[str, str | None],
                     expected: dict) -> Callable[[np.ndarray], float]:
    """The scalar whose gradient the task's gradient is, as a function of one input (``path``).

    A backward pass: the forward's outputs weighted by the case's upstream gradients; a
    loss: the loss itself. ``fn`` is the forward (the reference's, or the student's own).
    """
    if task.check == "backward":
        returns, upstream = task.options["returns"], expected["upstream"]
        return lambda v: _scalar_from(fn(_replaced(inputs, path, v)), returns, upstream)

    def loss(v: np.ndarray) -> float:
        value = fn(_replaced(inputs, path, v))
        if not isinstance(value, tuple | list) or not isinstance(value[0], int | float):
            raise Failed(f"{task.function}() must return the loss as a float first.")
        return float(value[0])

    return loss


def reference_numerics(ref: Reference, task: Task, inputs: dict[str, Any], expected: dict) -> dict[str, Any]:
    """The reference's numerical gradients on a case, made ahead: the same numbers for every student.

    For each gradient the task returns, by its name: ``directional`` always, ``full`` on
    arrays of up to ``FULL_LIMIT`` elements, as ``gradcheck``'s ``*_numeric`` give them.
    """
    if task.check not in ("backward", "loss_grad"):
        return {}
    fn = ref.call(task.options["forward"] if task.check == "backward" else task.name)
    made = {}
    for path in _wrt_paths(task, inputs):
        f, x = _scalar_function(task, inputs, fn, path, expected), _at(inputs, path)
        made[_numeric_name(task, path)] = {
            "directional": gradcheck.directional_numeric(f, x, DIRECTIONS, seed=x.size),
            **({"full": gradcheck.full_numeric(f, x)} if x.size <= FULL_LIMIT else {}),
        }
    return made


def expected_nothing(ref: Reference, task: Task, inputs: dict[str, Any], rng: np.random.Generator) -> dict:
    """Nothing made ahead: the judge needs no reference value (its time on the case is measured instead)."""
    return {}


Expected = Callable[[Reference, Task, dict[str, Any], np.random.Generator], dict]
Judge = Callable[[Context, Task, Case, dict[str, Any], dict], None]
CHECK_MARK = "autograder_check"  # the attribute ``check`` sets: (name, expected)


@dataclass(frozen=True)
class Check:
    """A kind of task: what the reference gives on a case's inputs (``expected``, made ahead: the
    grader's cache, the public cases' file) and how a case is judged (``judge`` raises ``Failed``)."""

    expected: Expected
    judge: Judge


def check(name: str, expected: Expected = expected_nothing) -> Callable[[Judge], Judge]:
    """Declare a judge of an assignment's own (in its checks file) as the check ``name``, which a
    ``Task(check=name)`` names. ``expected``: what the reference gives, made ahead (default:
    nothing). It registers nothing global: the assignment collects it when it loads (``registry``)."""
    def mark(judge: Judge) -> Judge:
        setattr(judge, CHECK_MARK, (name, expected))
        return judge

    return mark


CHECKS: dict[str, Check] = {
    "value": Check(expected_value, judge_value),
    "backward": Check(expected_backward, judge_backward),
    "loss_grad": Check(expected_loss_grad, judge_loss_grad),
}


@dataclass(frozen=True)
class Registry:
    """The checks and hints an assignment's tasks may name: the engine's and its own (``registry``)."""

    checks: Mapping[str, Check]
    hints: Mapping[str, Diagnosis]


def engine() -> Registry:
    """The engine's checks and hints alone (``registry.ENGINE``: these, and ``properties``)."""
    from .registry import ENGINE  # properties builds on this module

    return ENGINE


def judge_raises(ctx: Context, task: Task, case: Case, inputs: dict[str, Any]) -> None:
    """The function must refuse these inputs with ``case.raises`` and a message."""
    args, kwargs = split_call(inputs, ctx.positional)
    outcome = ctx.runner.call(task.name, args, (), None, kwargs)
    ctx.warnings += outcome.warnings
    shown = [describe(v) for v in args] + [f"{name}={describe(v)}" for name, v in kwargs.items()]
    call = f"{task.function}({', '.join(shown)})"
    error = outcome.error
    if error is None:
        why = diagnose(ctx.hints(task.options.get("hints", ())), outcome.value, None, Clue("refused", inputs))
        raise Failed(f"{call} returned {kind_of(outcome.value)}; it should raise {case.raises} "
                     f"({case.label}).", why)
    if error.type_name == "NotImplementedError":
        raise Failed(f"{task.function}() is not written yet: it raised NotImplementedError.")
    if error.type_name != case.raises:
        message, _ = _error_message(task.name, error, "", case.public, ctx.modules)
        raise Failed(f"{call}: {message} It should raise {case.raises}.",
                     "check the inputs first and raise a ValueError that says what is wrong.")
    if not error.message.strip():
        raise Failed(f"{call} raised {case.raises} without a message: say what is wrong with the input.")
