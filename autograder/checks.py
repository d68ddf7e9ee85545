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
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import gradcheck
from .assignment import Assignment, current
from .hints import Clue, diagnose, explain_error, why_invalid, wrong_form
from .inputs import describe, to_generators
from .protocol import Opaque
from .runner import Outcome, Runner
from .spec import Case, Seed, Task

if TYPE_CHECKING:
    from .child import StudentError

RTOL, ATOL = 1e-6, 1e-9  # forward values: the same float64 formula, computed another way
FULL_LIMIT = 400  # the element-wise gradient check runs on arrays up to this size (with "both")
DIRECTIONS = 3  # random directions of the directional gradient check


class Failed(Exception):
    """A case failed: ``message`` says what and ``hint`` the likely mistake."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class Reference:
    """The trusted reference functions: the assignment's reference package (week 4: ``solutions/``)."""

    def __init__(self, assignment: Assignment | None = None) -> None:
        self.assignment = assignment or current()

    def function(self, qualname: str) -> Callable[..., Any]:
        module, name = qualname.split(".")
        return getattr(self.assignment.reference_module(module), name)


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
    """What a judge works with. ``reference`` is None in the student's self-check."""

    runner: Runner
    reference: Reference | None = None
    gradcheck: str = "both"  # a key of GRADCHECKS
    full_limit: int = FULL_LIMIT
    numerics: dict[str, Any] = field(default_factory=dict)  # the reference's numerical gradients, made ahead
    public: bool = False  # the case's feedback may show its values (SPEC §3: a hidden case's may not)
    warnings: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)

    def call(self, function: str, args: list[Any], keep: tuple[int, ...] = (),
             global_seed: int | None = None, role: str = "") -> Outcome:
        outcome = self.runner.call(function, args, keep, global_seed)
        self.warnings += outcome.warnings
        if outcome.output:
            self.output.append(outcome.output)
        if outcome.error is not None:
            raise Failed(*_error_message(function.split(".")[1], outcome.error, role, self.public))
        return outcome

    def numeric(self, function: str) -> Callable[..., Any]:
        """The forward pass whose numerical gradients are the truth."""
        if self.reference is not None:
            return self.reference.function(function)

        def student(*args: Any) -> Any:
            return self.call(function, list(args), role="needed for the numerical gradient").value

        return student

    @property
    def numeric_alone(self) -> bool:
        """Gradients judged by the numerical check only (``-alone``), not against the reference's."""
        return self.gradcheck.endswith("-alone")


# Exception classes a hidden case may name: the student's own class names are theirs to choose, so they
# could spell out a hidden input (``type(x.tobytes().hex(), (Exception,), {})``).
KNOWN_ERRORS = frozenset(name for name, value in vars(builtins).items()
                         if isinstance(value, type) and issubclass(value, BaseException)) | {"LinAlgError"}
# Where in the student's code: a frame line of ``child.student_traceback``, the module one of the week's.
_IMPORT_FAILED = re.compile(r"\w{1,40}\.py does not import")  # child.Executor.module's words
_SYSTEM_ERROR = re.compile(r"\[Errno (\d{1,4})\] ([\w ,'-]{1,60})")  # an OSError's errno and strerror
_FRAME = re.compile(r'File "(\w{1,40}\.py)", line (\d{1,6})')


def _where(trace: str) -> str:
    """The deepest frame of the student's traceback as " in conv.py, line 12", or ''."""
    frames = _FRAME.findall(trace)
    return f" in {frames[-1][0]}, line {frames[-1][1]}" if frames else ""


def _error_message(name: str, error: StudentError, role: str, public: bool) -> tuple[str, str]:
    """What the student reads when their code raised. A hidden case names the exception's type and
    where it was raised, never its message or traceback: either may hold the case's inputs."""
    where = f" ({role})" if role else ""
    if error.type_name == "NotImplementedError":
        return f"{name}(){where} is not written yet: it raised NotImplementedError.", ""
    if error.type_name in ("MissingModule", "MissingFunction", "Timeout", "Crash"):
        return f"{error.message}{where}.", ""
    if error.type_name == "BadResult" and not public:  # its detail quotes what the student's process sent
        return f"{name}(){where}: the student's process sent back a malformed result.", ""
    if error.type_name == "BadResult":
        return f"{error.message}{where}.", ""
    advice = explain_error(error.type_name, error.message)
    if public:
        trace = f"\n{error.trace}" if error.trace else ""
        return f"{name}(){where} raised {error.type_name}: {error.message}{trace}", advice
    kind = error.type_name if error.type_name in KNOWN_ERRORS else "an exception of its own class"
    system = _SYSTEM_ERROR.match(error.message)
    if system and system.group(2) == os.strerror(int(system.group(1))):  # the words are the system's
        kind += f" ({system.group(0)})"
    failed_import = _IMPORT_FAILED.match(error.message)
    what = f"{failed_import.group(0)}: it raised" if failed_import else f"{name}(){where} raised"
    return (f"{what} {kind}{_where(error.trace)} (a hidden case shows no exception message: run "
            "`autograder check` to see the public cases' messages)."), advice


# Warnings numpy raises on its own, quoted in full; any other warning's text is the student's to choose.
_NUMPY_WARNING = re.compile(r"RuntimeWarning: (overflow|underflow|divide by zero|invalid value) encountered "
                            r"in [\w ]{1,40}")


def shown_warnings(warnings: list[str], public: bool) -> list[str]:
    """The warnings a case may show: all of them for a public case, numpy's own for a hidden one."""
    if public:
        return sorted(set(warnings))[:5]
    kept = {w if _NUMPY_WARNING.fullmatch(w) else "a warning of your code (its text is not shown for a "
            "hidden case)" for w in warnings}
    return sorted(kept)[:5]


# --- comparing returned values -----------------------------------------------------------------

# What an Opaque may say it was: the encoder's own words. A class of the student's is named by the student,
# so its name is not repeated (it could spell out a hidden input).
_OPAQUE_TYPES = re.compile(r"ndarray of dtype [\w<>|=\[\]]{1,24}|ndarray of shape \([\d, ]{0,60}\)"
                           r"|function|method|builtin_function_or_method|generator|Generator|set|frozenset|"
                           r"bytes|bytearray|complex|module|type|object|range|map|zip|filter|dict")


def _kind(value: Any) -> str:
    if isinstance(value, Opaque):
        if not _OPAQUE_TYPES.fullmatch(value.type_name):
            return "an object of a class of its own (it cannot leave the student's process)"
        return f"<{value.type_name}{': too large' if value.reason == 'too large' else ''}>"
    if isinstance(value, np.ndarray):
        return f"an ndarray of shape {value.shape}"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def unpack(value: Any, returns: str | tuple[str, ...], function: str) -> dict[str, Any]:
    """Name the returned values; a wrong structure fails with what was expected."""
    if isinstance(returns, str):
        return {returns: value}
    if not isinstance(value, tuple | list) or len(value) != len(returns):
        returned = f"{len(value)} values" if isinstance(value, tuple | list) else _kind(value)
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
                      (f" with {len(set(got) - set(want))} other keys" if set(got) - set(want) else "") + "."
        raise Failed(f"{name} should be a dict with keys {sorted(want)}; it is {_kind(got)}{detail}")


def check_form(name: str, got: Any, want: Any, hints: tuple[str, ...] = (), clue: Clue | None = None,
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
        raise Failed(f"{name} should be an ndarray of shape {want.shape}; it is {_kind(got)}.")
    if got.shape != want.shape:  # the form is told before any value hint: an empty axis, an axis order
        raise Failed(f"{name} has shape {got.shape}; expected {want.shape}.",
                     wrong_form(got, want, name) or diagnose(hints, got, want, clue or Clue(name, {})))
    if got.dtype.kind not in "biuf":
        raise Failed(f"{name} has dtype {got.dtype}; expected a numeric array.")
    if want.dtype == np.float64 and got.dtype.kind == "f" and got.dtype != np.float64:
        raise Failed(f"{name} has dtype {got.dtype}; expected float64.",
                     f"compute in float64: {got.dtype} keeps too few digits. Look for dtype={got.dtype} or "
                     ".astype(...) where an array is made.")
    if not np.all(np.isfinite(got)):
        raise Failed(f"{name} contains {int(np.sum(~np.isfinite(got)))} NaN or infinite values.",
                     "look for a division by zero or an overflow (np.exp of a large number).")


def compare(name: str, got: Any, want: Any, hints: tuple[str, ...] = (), clue: Clue | None = None,
            public: bool = False) -> None:
    """Check type, shape, finiteness and value of ``got`` against ``want``."""
    clue = clue or Clue(name, {})
    clue.name = name
    if isinstance(want, np.ndarray):
        check_form(name, got, want, hints, clue, public)
        wrong = ~np.isclose(got, want, rtol=RTOL, atol=ATOL)
        if wrong.any():
            worst = np.unravel_index(int(np.argmax(np.abs(got - want) * wrong)), want.shape)
            detail = (f" (got {got[worst]:.6g}, expected {want[worst]:.6g})" if public else "")
            raise Failed(f"{name}: {int(wrong.sum())} of {want.size} values are wrong; the largest error is "
                         f"{float(np.abs(got - want)[worst]):.3g} at index {tuple(int(i) for i in worst)}"
                         f"{detail}, relative error {gradcheck.rel_error(got, want):.2g}.",
                         diagnose(hints, got, want, clue))
    elif isinstance(want, bool):
        if got is not want:
            raise Failed(f"{name} should be {want}; it is {got!r}.")
    elif isinstance(want, int):
        if not isinstance(got, int) or isinstance(got, bool):
            raise Failed(f"{name} should be an int; it is {_kind(got)}" +
                         (" (use integer division //)." if isinstance(got, float) else "."))
        if got != want:
            raise Failed(f"{name} is {got}" + (f"; expected {want}." if public else "; that is not right."),
                         diagnose(hints, got, want, clue))
    elif isinstance(want, float):
        if not isinstance(got, int | float) or isinstance(got, bool):
            raise Failed(f"{name} should be a Python float; it is {_kind(got)} (convert with float(...)).")
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
            what = f"a string of {len(got)} characters" if isinstance(got, str) else _kind(got)
            raise Failed(f"{name} is not right: it is {what} (a hidden case does not show it).")
    elif isinstance(want, list | tuple):
        if not isinstance(got, list | tuple) or len(got) != len(want):
            raise Failed(f"{name} should be a list of {len(want)} arrays; it is {_kind(got)}"
                         + (f" of length {len(got)}." if isinstance(got, list | tuple) else "."))
        hint = diagnose(hints, got, want, clue) if len(want) and isinstance(want[0], np.ndarray) else ""
        for k, (g, w) in enumerate(zip(got, want)):
            try:
                compare(f"{name}[{k}]", g, w, hints, Clue(f"{name}[{k}]", clue.inputs, clue.reference),
                        public)
            except Failed as failed:
                raise Failed(failed.message, hint or failed.hint) from None
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


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            bool(np.array_equal(a, b))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return True


def check_inputs_unchanged(function: str, names: list[str], before: list[Any], outcome: Outcome) -> None:
    """No argument may change (SPEC §1); ``names`` are the function's parameter names."""
    for name, old, new in zip(names, before, outcome.args_after):
        if new is not None and not _same(old, new):
            raise Failed(f"{function}() changed its input {name} in place.",
                         f"never modify an argument: `{name} += ...` (or `{name}[...] = ...`) changes the "
                         f"caller's array. Build a new one instead: `d = {name} + ...`, or work on "
                         f"{name}.copy().")


# --- the kinds of task -------------------------------------------------------------------------

def _returns(task: Task) -> str | tuple[str, ...]:
    return task.options["returns"]


def _keep(returns: str | tuple[str, ...]) -> tuple[int, ...]:
    return tuple(i for i, n in enumerate(returns) if n == "cache") if isinstance(returns, tuple) else ()


def _values(named: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in named.items() if k != "cache"}


def _reference_call(ref: Reference, task_function: str, inputs: dict[str, Any]) -> Any:
    return ref.function(task_function)(*to_generators(list(inputs.values())))


def expected_value(ref: Reference, task: Task, inputs: dict[str, Any], rng: np.random.Generator) -> dict:
    return _values(unpack(_reference_call(ref, task.name, inputs), _returns(task), task.function))


def judge_value(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> None:
    _judge_values(ctx, task, case, inputs, expected)


def _judge_values(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> dict:
    """Call the function once, compare the ``expected`` values; returns every value it returned."""
    returns = _returns(task)
    args = list(inputs.values())
    outcome = ctx.call(task.name, args, _keep(returns))
    got = _values(unpack(outcome.value, returns, task.function))
    reference = ctx.reference.function(task.name) if ctx.reference else None
    # Which values are right tells a diagnosis where the mistake is (next_c right, next_h wrong: after c).
    right = [name for name, want in expected.items() if _right(got[name], want)]
    extra = {"expected": expected, "right": right}
    for name, want in expected.items():
        compare(name, got[name], want, task.options.get("hints", ()), Clue(name, inputs, reference, extra),
                case.public)
    check_inputs_unchanged(task.function, list(inputs), args, outcome)
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


def _replaced(inputs: dict[str, Any], path: tuple[str, str | None], value: np.ndarray) -> list[Any]:
    name, key = path
    new = dict(inputs)
    new[name] = dict(inputs[name], **{key: value}) if key else value
    return list(new.values())


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
    named = unpack(_reference_call(ref, task.options["forward"], inputs), returns, "forward")
    upstream = [rng.standard_normal(np.shape(v)) for k, v in named.items() if k != "cache"]
    grads = ref.function(task.name)(*upstream, named["cache"])
    grads = grads if isinstance(grads, tuple) else (grads,)
    return {"upstream": upstream, "grads": dict(zip(map(_grad_name, _wrt_paths(task, inputs)), grads))}


def judge_backward(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> None:
    forward, returns = task.options["forward"], task.options["returns"]
    args = list(inputs.values())
    fwd = ctx.call(forward, args, _keep(returns), role=f"needed to test {task.function}")
    cache = unpack(fwd.value, returns, forward.split(".")[1])["cache"]
    upstream = expected["upstream"]
    names = list(expected["grads"])
    outcome = ctx.call(task.name, [*upstream, cache])
    got = unpack(outcome.value, tuple(names) if len(names) > 1 else names[0], task.function)
    again = ctx.call(task.name, [*upstream, cache])
    check_inputs_unchanged(forward.split(".")[1], list(inputs), args, fwd)
    # The backward's parameters, as SPEC names them: d + each forward output (dout, dnext_h, dnext_c), cache.
    check_inputs_unchanged(task.function, [f"d{n}" for n in returns if n != "cache"] + ["cache"], upstream,
                           outcome)
    reference = ctx.reference.function(forward) if ctx.reference else None
    hints, want = task.options.get("hints", ()), expected["grads"]
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
            raise Failed(failed.message, failed.hint or shared) from None
        _numerical_check(ctx, name, _scalar_function(task, inputs, fn, path, expected), _at(inputs, path),
                         got[name])
    if not _same(unpack(again.value, tuple(names) if len(names) > 1 else names[0], task.function), got):
        raise Failed(f"calling {task.function}() twice with the same cache gave different results.",
                     "the backward pass must not change its cache (no in-place updates of cached arrays).")


def expected_loss_grad(ref: Reference, task: Task, inputs: dict[str, Any], rng: np.random.Generator) -> dict:
    return expected_value(ref, task, inputs, rng)


def judge_loss_grad(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> None:
    """A function returning (loss, gradient of the loss): values, and the gradient numerically."""
    loss_name, grad_name = _returns(task)
    if ctx.numeric_alone:
        got = _judge_values(ctx, task, case, inputs, {loss_name: expected[loss_name]})
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


def _scalar_function(task: Task, inputs: dict[str, Any], fn: Callable[..., Any], path: tuple[str, str | None],
                     expected: dict) -> Callable[[np.ndarray], float]:
    """The scalar whose gradient the task's gradient is, as a function of one input (``path``).

    A backward pass: the forward's outputs weighted by the case's upstream gradients; a
    loss: the loss itself. ``fn`` is the forward (the reference's, or the student's own).
    """
    if task.check == "backward":
        returns, upstream = task.options["returns"], expected["upstream"]
        return lambda v: _scalar_from(fn(*_replaced(inputs, path, v)), returns, upstream)

    def loss(v: np.ndarray) -> float:
        value = fn(*_replaced(inputs, path, v))
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
    fn = ref.function(task.options["forward"] if task.check == "backward" else task.name)
    made = {}
    for path in _wrt_paths(task, inputs):
        f, x = _scalar_function(task, inputs, fn, path, expected), _at(inputs, path)
        made[_numeric_name(task, path)] = {
            "directional": gradcheck.directional_numeric(f, x, DIRECTIONS, seed=x.size),
            **({"full": gradcheck.full_numeric(f, x)} if x.size <= FULL_LIMIT else {}),
        }
    return made


# --- dropout: judged by its properties (the student's mask need not be the reference's) ----------

def _binomial_ok(dropped: int, n: int, p: float) -> tuple[bool, str]:
    """Is ``dropped`` a plausible draw of Binomial(n, p)? Five standard deviations (p ~ 6e-7)."""
    sd = np.sqrt(n * p * (1 - p))
    ok = abs(dropped - n * p) <= 5 * sd + 1e-9
    return bool(ok), (f"{dropped} of {n} dropped ({dropped / n:.3f}), but p = {p} drops "
                      f"{p:.3f} +- {5 * sd / n:.3f}")


def _expect_reproducible(ctx: Context, task: Task, args: list[Any], first: np.ndarray) -> None:
    seed = next(a for a in args if isinstance(a, Seed))
    again = ctx.call(task.name, args, global_seed=12345).value
    other_global = ctx.call(task.name, args, global_seed=54321).value
    first, again, other_global = (_first(v) for v in (first, again, other_global))
    if not _same(again, other_global):
        # The calls differ only in np.random.seed(...) set before them: the result follows that state.
        raise Failed(f"the same rng seed ({seed.seed}) gave different results when numpy's global seed "
                     "changed: they come from numpy's global random state, not from rng.",
                     "draw every random number from the rng argument (rng.random(...)), never from "
                     "np.random.")
    if not _same(first, again):
        raise Failed(f"the same rng seed ({seed.seed}) gave different results.",
                     "draw every random number from the rng argument (rng.random(...)), and only from it.")


def _expect_independent(mask: np.ndarray) -> None:
    """No two rows (or columns) of a 2-D mask are copies: each unit is dropped on its own."""
    if mask.ndim != 2 or not 0 < mask.mean() < 1:
        return  # p = 0 keeps every unit: any rule gives the same mask
    for axis, what in ((0, "row"), (1, "column")):
        if np.all(mask == np.take(mask, [0], axis=axis)):
            raise Failed(f"every {what} of the mask drops the same units: the units must be dropped "
                         "independently of each other.",
                         "draw one random number per unit (rng.random(shape)), not one per row or column, "
                         "and do not pick units by their position.")


def _expect_new_mask_per_seed(ctx: Context, task: Task, args: list[Any], first: np.ndarray,
                              mask_of: Callable[[Any], Any]) -> None:
    """Another rng seed, in the same process, gives another mask; ``first`` is the case's own seed's.

    A mask cached in a module global, drawn from a fixed seed, or that drops the same units (the
    first p*n) every time passes every test of one call; this catches it.
    """
    if not 0 < first.mean() < 1:
        return
    index = next(i for i, a in enumerate(args) if isinstance(a, Seed))
    other_seed = Seed(args[index].seed + 1000)
    other = mask_of(ctx.call(task.name, [*args[:index], other_seed, *args[index + 1:]]).value)
    if isinstance(other, np.ndarray) and _same(first, other):
        raise Failed(f"rng seeds {args[index].seed} and {other_seed.seed} gave the same mask: it does not "
                     "come from rng (a mask drawn once and kept, or drawn from a fixed seed).",
                     "draw a new mask from the rng argument at every call: rng.random(shape) >= p.")
    advanced = Seed(args[index].seed, skip=7)  # the same seed, a generator that has drawn already
    later = mask_of(ctx.call(task.name, [*args[:index], advanced, *args[index + 1:]]).value)
    if isinstance(later, np.ndarray) and _same(first, later):
        raise Failed(f"a generator of seed {args[index].seed} that had already drawn 7 numbers gave the "
                     "same mask as a fresh one: the mask follows the seed, not the generator's state.",
                     "draw the mask from rng itself (rng.random(shape) >= p): never key a cache on the seed.")


def _first(value: Any) -> Any:
    """The first returned value of a function that returns several (as a tuple or a list)."""
    return value[0] if isinstance(value, tuple | list) and value else value


def expected_nothing(ref: Reference, task: Task, inputs: dict[str, Any], rng: np.random.Generator) -> dict:
    return {}


def judge_dropout_mask(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> None:
    args = list(inputs.values())
    mask = ctx.call(task.name, args).value
    shape, p = tuple(inputs["shape"]), inputs["p"]
    if not isinstance(mask, np.ndarray) or mask.shape != shape:
        raise Failed(f"the mask should be an ndarray of shape {shape}; it is {_kind(mask)}.")
    if mask.dtype != bool:
        raise Failed(f"the mask should be a bool array (True = kept); its dtype is {mask.dtype}.",
                     "a comparison such as rng.random(shape) >= p gives a bool array.")
    _expect_independent(mask)
    ok, detail = _binomial_ok(int(mask.size - mask.sum()), mask.size, p)
    if not ok:
        flipped, _ = _binomial_ok(int(mask.size - mask.sum()), mask.size, 1 - p)
        raise Failed(f"wrong fraction dropped: {detail}.",
                     "p is the fraction DROPPED (True = kept with probability 1 - p)." if flipped else "")
    _expect_reproducible(ctx, task, args, mask)
    _expect_new_mask_per_seed(ctx, task, args, mask, lambda value: value)


def judge_dropout_forward(ctx: Context, task: Task, case: Case, inputs: dict[str, Any],
                          expected: dict) -> None:
    args = list(inputs.values())
    outcome = ctx.call(task.name, args, keep=(1,))
    out = unpack(outcome.value, ("out", "cache"), task.function)["out"]
    x, p = inputs["x"], inputs["p"]
    check_inputs_unchanged(task.function, list(inputs), args, outcome)
    if not inputs["train"]:
        compare("out at test time (train=False)", out, x, ("test_time",), Clue("out", inputs))
        return
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise Failed(f"out should be an ndarray of shape {x.shape}; it is {_kind(out)}.")
    kept = out != 0
    if not np.allclose(out[kept], x[kept] / (1 - p), rtol=1e-9, atol=0):
        unscaled = np.allclose(out[kept], x[kept], rtol=1e-9, atol=0)
        raise Failed("the kept units of out are not x / (1 - p).",
                     "that is non-inverted dropout: divide the kept units by (1 - p) so that E[out] = x."
                     if unscaled else "out must be x * mask / (1 - p).")
    _expect_independent(kept)
    ok, detail = _binomial_ok(int((~kept).sum()), x.size, p)
    if not ok:
        raise Failed(f"wrong fraction dropped: {detail}.",
                     "p is the fraction DROPPED, not the fraction kept.")
    _expect_reproducible(ctx, task, args, out)
    _expect_new_mask_per_seed(ctx, task, args, kept, lambda value: _first(value) != 0)


def judge_dropout_backward(ctx: Context, task: Task, case: Case, inputs: dict[str, Any],
                           expected: dict) -> None:
    args = list(inputs.values())
    fwd = ctx.call("dropout.dropout_forward", args, keep=(1,), role="needed to test dropout_backward")
    out, cache = unpack(fwd.value, ("out", "cache"), "dropout_forward").values()
    x = inputs["x"]
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise Failed("dropout_forward() returned no usable out, so its backward cannot be tested.")
    dout = np.random.default_rng(x.size).standard_normal(x.shape)
    dx = ctx.call(task.name, [dout, cache]).value
    again = ctx.call(task.name, [dout, cache]).value
    # The forward is x times a fixed mask and scale, so its exact derivative is out / x.
    want = dout * out / x
    compare("dx", dx, want, ("factor", "zero"), Clue("dx", inputs))
    if not _same(dx, again):
        raise Failed("calling dropout_backward() twice with the same cache gave different results.",
                     "reuse the forward pass's mask from the cache; never draw a new one.")


# --- the char-RNN: does the student's network learn "hello"? -------------------------------------

def greedy_text(params: dict[str, np.ndarray], vocab: str, start: str, length: int) -> str:
    """The grader's own greedy continuation, to judge a student's trained parameters."""
    text, h = start, np.zeros(params["Wh"].shape[0])
    for _ in range(length - 1):
        x = np.eye(len(vocab))[vocab.index(text[-1])]
        h = np.tanh(x @ params["Wx"] + h @ params["Wh"] + params["b"])
        text += vocab[int(np.argmax(h @ params["Why"] + params["by"]))]
    return text


def judge_char_rnn_train(ctx: Context, task: Task, case: Case, inputs: dict[str, Any],
                         expected: dict) -> None:
    value = ctx.call(task.name, list(inputs.values())).value
    params, vocab, losses = unpack(value, ("params", "vocab", "losses"), task.function).values()
    text, steps = inputs["text"], inputs["steps"]
    if not isinstance(params, dict) or not all(isinstance(params.get(k), np.ndarray)
                                                for k in ("Wx", "Wh", "b", "Why", "by")):
        raise Failed("params should be a dict of arrays Wx, Wh, b, Why, by.")
    if vocab != "".join(sorted(set(text))):
        raise Failed(f"vocab should be the sorted characters of {text!r}.")
    if not isinstance(losses, list | tuple) or len(losses) != steps or \
            not all(isinstance(v, int | float) and np.isfinite(v) for v in losses):
        raise Failed(f"losses should be a list of {steps} finite floats, one per step.")
    if not losses[-1] < min(0.1, losses[0] / 4):
        raise Failed(f"the loss did not fall enough: {losses[0]:.3f} at the start, {losses[-1]:.3f} after "
                     f"{steps} steps (it should end below 0.1).",
                     "if rnn_backward passes its own task, look at the update: W <- W - lr * dW after "
                     "clipping.")
    try:
        continued = greedy_text(params, vocab, text[0], len(text))
    except (ValueError, IndexError) as exc:
        raise Failed(f"the trained parameters have the wrong shapes: {exc}.") from None
    if continued != text:
        raise Failed(f"the trained network continues {text[0]!r} as {continued!r}, not {text!r}.")
    indices = np.array([[vocab.index(ch) for ch in text]])
    loss = ctx.numeric("char_rnn.char_rnn_loss")(params, indices[:, :-1], indices[:, 1:])[0]
    if not abs(loss - losses[-1]) <= 0.25 * losses[-1] + 1e-4:
        raise Failed(f"the returned parameters have a loss of {loss:.4g} on {text!r}, but the last loss "
                     f"reported is {losses[-1]:.4g}: the losses are not those of this training.",
                     "append the loss that char_rnn_loss returns at each step, and return the parameters "
                     "that the steps updated.")
    other = dict(inputs, seed=inputs["seed"] + 1, steps=10)
    other_params = unpack(ctx.call(task.name, list(other.values())).value, ("params", "vocab", "losses"),
                          task.function)["params"]
    if isinstance(other_params, dict) and _same(params, other_params):
        raise Failed(f"seeds {inputs['seed']} and {other['seed']} gave the same parameters: they were not "
                     "trained from the seed's initial weights.",
                     "start from init_params(V, hidden_size, np.random.default_rng(seed)) and train them.")


@dataclass(frozen=True)
class Check:
    expected: Callable[[Reference, Task, dict[str, Any], np.random.Generator], dict]
    judge: Callable[[Context, Task, Case, dict[str, Any], dict], None]


CHECKS: dict[str, Check] = {
    "value": Check(expected_value, judge_value),
    "backward": Check(expected_backward, judge_backward),
    "loss_grad": Check(expected_loss_grad, judge_loss_grad),
    "dropout_mask": Check(expected_nothing, judge_dropout_mask),
    "dropout_forward": Check(expected_nothing, judge_dropout_forward),
    "dropout_backward": Check(expected_nothing, judge_dropout_backward),
    "char_rnn_train": Check(expected_nothing, judge_char_rnn_train),
}


def judge_raises(ctx: Context, task: Task, case: Case, inputs: dict[str, Any]) -> None:
    """The function must refuse these inputs with ``case.raises`` and a message."""
    outcome = ctx.runner.call(task.name, list(inputs.values()))
    ctx.warnings += outcome.warnings
    call = f"{task.function}({', '.join(describe(v) for v in inputs.values())})"
    error = outcome.error
    if error is None:
        raise Failed(f"{call} returned {_kind(outcome.value)}; it should raise {case.raises} ({case.label}).",
                     why_invalid(inputs))
    if error.type_name == "NotImplementedError":
        raise Failed(f"{task.function}() is not written yet: it raised NotImplementedError.")
    if error.type_name != case.raises:
        message, _ = _error_message(task.function, error, "", case.public)
        raise Failed(f"{call}: {message} It should raise {case.raises}.",
                     "check the inputs first and raise a ValueError that says what is wrong.")
    if not error.message.strip():
        raise Failed(f"{call} raised {case.raises} without a message: say what is wrong with the input.")


