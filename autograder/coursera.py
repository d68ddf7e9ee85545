"""Coursera: ``autograder coursera OUT.zip`` writes a custom grader, and runs in it.

Coursera's contract (coursera/programming-assignments-demo, custom-graders/README.md and
custom-graders/v2/; coursera/coursera_autograder, README.rst and commands/grade.py): the upload is
a zip with a ``Dockerfile`` at its root. For each submission Coursera runs the image as a non-root
user with no network, the learner's files in ``/shared/submission/`` (read-only) and the part being
graded in the environment variable ``partId`` (variables set by the Dockerfile are cleared). The
grader writes ``/shared/feedback.json``: ``fractionalScore`` (a number in [0, 1]) and ``feedback``
(text, cut to 64 KB), and with ``"feedbackType": "HTML"`` the learner sees ``/shared/htmlFeedback.html``
instead of the text.

Parts: a grader built with ``--part PARTID=MODULE`` grades, for that part, only the module's tasks;
a ``partId`` that names a module of the assignment (``conv``) does the same; any other part is the
whole assignment. The score is the part's points over the part's maximum.

Run as a non-root user, the sandbox cannot give student code a uid of its own: student code is
isolated by bubblewrap where Coursera's kernel lets an unprivileged user make namespaces, and has
resource limits only where it does not (it can then read the grader's files). The README says so.

``AUTOGRADER_ROOT`` (default ``/shared``) moves the tree, so that a test runs ``run`` in a temporary
folder; ``AUTOGRADER_PYTHON`` and ``AUTOGRADER_WALL_SECONDS`` as for Gradescope.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only the standard library at the top (platforms' too): feedback.json must be written whatever fails.
from . import platforms

if TYPE_CHECKING:
    from .assignment import Assignment
    from .grade import GradeResult

DEFAULT_ROOT = "/shared"
FEEDBACK = "feedback.json"
HTML = "htmlFeedback.html"
MAX_FEEDBACK = 64 * 1024  # Coursera cuts the text feedback there
USER = "grader"  # the image's user: Coursera runs graders as non-root

RUN = platforms.run_script(
    "Coursera runs this (the image's entrypoint) for each submission, as a non-root user with no network,\n"
    "the learner's files in /shared/submission/ and the part in $partId; it reads /shared/feedback.json\n"
    "(coursera/programming-assignments-demo, custom-graders/v2/README.md).",
    "coursera", DEFAULT_ROOT, '"$(cd "$(dirname "$0")" && pwd)"', FEEDBACK,
    '{"fractionalScore": 0.0, "feedback": "%s %s"}')

DOCKERFILE = platforms.dockerfile(
    "The image of a Coursera custom grader (coursera/programming-assignments-demo, custom-graders/v2):\n"
    "upload this folder, zipped with the Dockerfile at its root, as the programming assignment's grader.\n"
    "Coursera runs it as a non-root user, without network, and clears the variables an ENV would set.",
    user=USER)

README = """# {name}: a Coursera custom grader

Built by `autograder coursera`. It holds the hidden cases and the reference: keep it out of
learners' reach.

Upload the zip as it is (its `Dockerfile` is at its root) as the grader of the programming
assignment's part, in the authoring tools or with Coursera's tool:

    coursera_autograder upload {zip} COURSE_ID ITEM_ID PART_ID

and test it first, once the image is built (`docker build -t {name}-grader .` in the unzipped folder):

    coursera_autograder grade local {name}-grader ./a-submission '{{"partId": "PART_ID"}}'

Parts. One part: the grader grades the whole assignment, whatever the part's id. Several parts,
one per module: build the grader with `--part PART_ID=MODULE` for each (Coursera chooses the part
ids); a part then scores only its module's tasks (its points over its maximum). A part id that is
itself a module's name ({modules}) needs no mapping.{parts}

Learners upload their modules or notebooks (a zip of them works too). They see the HTML feedback
(`feedbackType: "HTML"`): the total, each task with its failing cases; hidden cases show what was
checked and the size of the error, never their inputs.

Isolation. Coursera runs the grader as a non-root user: student code runs in bubblewrap where the
platform lets an unprivileged user create namespaces, and with resource limits only where it does
not; then it could read the grader's files, the hidden cases and the reference included. Per-call
and total time limits hold either way (the whole submission: at most {total:g} s; Coursera's own
timeout is 1200 s by default).
"""


def parts_of(settings: dict[str, Any], part: str, modules: tuple[str, ...]) -> tuple[str, ...]:
    """The modules ``part`` grades: its mapping, the module it names, or () for the whole assignment."""
    if part in settings.get("parts", {}):
        return (settings["parts"][part],)
    return (part,) if part in modules else ()


def feedback_json(result: GradeResult) -> dict[str, Any]:
    """Coursera's feedback.json for ``result``: the score as a fraction, the text, the HTML's type."""
    from .report import feedback_markdown

    fraction = result.score / result.max_score if result.max_score else 0.0
    text = platforms.shorten(feedback_markdown(result), MAX_FEEDBACK, "Coursera shows at most 64 KB")
    return {"fractionalScore": fraction, "feedback": text, "feedbackType": "HTML"}


def failure_feedback(message: str) -> dict[str, Any]:
    """feedback.json when grading itself failed: a score of 0 and the reason."""
    return {"fractionalScore": 0.0, "feedback": message}


def build(out: Path, parts: dict[str, str] | None = None, assignment: Assignment | None = None) -> list[str]:
    """Write the Coursera grader of ``assignment`` to the zip ``out``; returns the names it holds.

    ``parts``: Coursera's part id -> the module that part grades.
    """
    from .assignment import current
    from .isolation import Limits

    assignment = assignment or current()
    parts = parts or {}
    unknown = sorted(set(parts.values()) - set(assignment.modules))
    if unknown:
        raise ValueError(f"{assignment.name} has no module {', '.join(unknown)} "
                         f"(its modules: {', '.join(assignment.modules)})")
    listed = "".join(f"\n- part `{part}`: {module}.py" for part, module in sorted(parts.items()))
    readme = README.format(name=assignment.name, zip=out.name, modules=", ".join(assignment.modules),
                           total=Limits().total, parts=f"\n\nThis grader's parts:{listed}" if listed else "")
    files = [("Dockerfile", DOCKERFILE.encode(), platforms.REGULAR),
             ("run", RUN.encode(), platforms.EXECUTABLE), ("README.md", readme.encode(), platforms.REGULAR)]
    return platforms.write_zip(out, files + platforms.grader_files({"parts": parts}, assignment, html=True))


def command(args: argparse.Namespace) -> int:
    """``autograder coursera OUT.zip [--part PARTID=MODULE ...]``."""
    from .cli import UsageError

    out = Path(args.out)
    if out.suffix != ".zip":
        raise UsageError(f"{out} should end with .zip: Coursera takes the grader as a zip file")
    parts = {}
    for given in args.part or []:
        part, _, module = given.partition("=")
        if not part or not module:
            raise UsageError(f"--part {given}: give PARTID=MODULE, e.g. --part Zb6wb=conv")
        parts[part] = module.removesuffix(".py")
    try:
        names = build(out, parts)
    except ValueError as exc:
        raise UsageError(f"--part: {exc}") from None
    print(f"wrote {out}: {len(names)} files (Dockerfile, run, README.md, the grader, its hidden cases and "
          "the reference). Upload it as the assignment's grader; never give it to learners.")
    return 0


def main() -> int:
    """The entry point's grader: grade /shared/submission, then write feedback.json whatever happened."""
    root = Path(os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT))
    (root / HTML).unlink(missing_ok=True)

    def grade() -> dict[str, Any]:
        from .report import feedback_html

        assignment = platforms.use_bundled(platforms.BUNDLE)
        part = os.environ.get("partId", "")
        modules = parts_of(platforms.bundle_settings(platforms.BUNDLE), part, assignment.modules)
        result = platforms.grade_upload(root / "submission", modules)
        platforms.write_result(root / HTML, feedback_html(result))
        return feedback_json(result)

    feedback = platforms.answer(root / FEEDBACK, grade, failure_feedback)
    print(f"fraction {feedback['fractionalScore']:g}; feedback in {root / FEEDBACK}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
