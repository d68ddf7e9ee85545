"""Which checks and hints an assignment's tasks may name: the engine's, and the assignment's own.

The engine's checks are ``"value"``, ``"backward"``, ``"loss_grad"`` (``checks``) and
``"properties"`` (``properties``); its hints are ``hints.DIAGNOSES``. An assignment adds its own
in one file of its folder (``assignment.toml``: ``checks = "checks.py"``; by default
``checks.py`` when the folder has one), trusted instructor code like ``tasks.py``::

    from autograder.checks import Context, Failed, check, compare, unpack
    from autograder.hints import Clue, hint

    @check("trains")                              # a Task(..., check="trains", ...)
    def trains(ctx, task, case, inputs, expected):
        value = ctx.call(task.name, inputs).value   # the student's function
        ...
        raise Failed("what is wrong", "a hint")

    @hint("flipped_kernel")                        # a name a task's options["hints"] lists
    def flipped_kernel(got, want, clue): ...

The decorators only mark the functions; ``load`` collects the marked functions of that file
into the assignment's own ``Registry``, so two assignments in one process never see each
other's. The student bundle and the nbgrader course carry the file beside their public
cases (``public``), and the self-check loads it from there.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .checks import CHECK_MARK, CHECKS, Check, Registry
from .hints import DIAGNOSES, HINT_MARK
from .properties import expected_properties, judge_properties
from .spec import Seed, Task

ENGINE = Registry({**CHECKS, "properties": Check(expected_properties, judge_properties)}, DIAGNOSES)


class RegistryError(ValueError):
    """A checks file that cannot be loaded, or a task that names what exists nowhere."""


def load(path: Path | None, name: str = "own") -> Registry:
    """The engine's checks and hints with those of the file ``path`` (None: the engine's alone)."""
    if path is None:
        return ENGINE
    module_name = "_checks_" + re.sub(r"\W", "_", name)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or not path.is_file():
        raise RegistryError(f"no checks file {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)  # the instructor's code, like tasks.py
    except Exception as exc:  # noqa: BLE001 - whatever it raises, said in one line
        raise RegistryError(f"{path} does not load: {type(exc).__name__}: {exc}") from None
    checks, hints = dict(ENGINE.checks), dict(ENGINE.hints)
    for value in vars(module).values():
        if hasattr(value, CHECK_MARK):
            own, expected = getattr(value, CHECK_MARK)
            checks[_own(path, "check", own, ENGINE.checks)] = Check(expected, value)
        if hasattr(value, HINT_MARK):
            hints[_own(path, "hint", getattr(value, HINT_MARK), ENGINE.hints)] = value
    return Registry(checks, hints)


def _own(path: Path, kind: str, name: str, engines: Mapping[str, Any]) -> str:
    """An own check's or hint's name, refused when it is the engine's (one name, one meaning)."""
    if name in engines:
        raise RegistryError(f"{path} declares the {kind} {name!r}, which the engine has: choose another name")
    return name


def check_tasks(tasks: tuple[Task, ...], registry: Registry) -> None:
    """Every task names a check and hints that exist, and a ``"properties"`` task draws from an rng."""
    for task in tasks:
        if task.check not in registry.checks:
            engines = ", ".join(sorted(ENGINE.checks))
            raise RegistryError(f"task {task.name} names the check {task.check!r}, which exists nowhere: not "
                                f"the engine's ({engines}) nor the assignment's checks file")
        missing = [hint for hint in task.options.get("hints", ()) if hint not in registry.hints]
        if missing:
            raise RegistryError(f"task {task.name} names the hint {missing[0]!r}, which exists nowhere: not "
                                "the engine's (hints.DIAGNOSES) nor the assignment's checks file")
        if task.check == "properties" and any(not case.raises and not any(isinstance(v, Seed)
                                                                           for v in case.args.values())
                                              for case in task.cases):
            raise RegistryError(f"task {task.name} is judged by its properties, but a case of it has no "
                                "random generator argument (a spec.Seed)")
