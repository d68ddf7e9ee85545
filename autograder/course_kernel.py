"""The kernel of the nbgrader course: ipykernel, with the reference not importable by name.

``autograder nbgrader`` writes a kernelspec that runs ``python -m autograder.course_kernel``,
so the notebooks that nbgrader runs (``nbgrader validate``, ``nbgrader autograde``) cannot
``import solutions``, even where the grader's package is installed with its reference (an
editable install puts ``solutions`` on every path of that Python). Their test cells then run
the public cases, as on a student's machine (``notebook_grading.task_plan``).

This keeps an honest kernel honest; it is no sandbox. Code in a kernel runs as the instructor
and can undo this or read any file. The grade comes from ``autograder nbgrader-autograde``,
which never runs student code in a kernel (``nbgrader_autograde``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

HIDDEN = ("solutions", "_reference_")  # the reference's package, as the repository and the grader name it


class HideReference(MetaPathFinder):
    """First on ``sys.meta_path``: the reference's package and its modules are not found."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name.partition(".")[0].startswith(HIDDEN):
            raise ModuleNotFoundError(f"No module named {name!r} (the reference is not available in "
                                      "the course's kernels)", name=name)
        return None  # every other module: the next finder's


def hide_reference() -> None:
    """From now on, in this process, ``import solutions`` raises ModuleNotFoundError."""
    for name in [name for name in sys.modules if name.partition(".")[0].startswith(HIDDEN)]:
        del sys.modules[name]
    sys.meta_path.insert(0, HideReference())


def main() -> None:
    hide_reference()
    from ipykernel import kernelapp  # what ``python -m ipykernel_launcher`` runs

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
