"""PrairieLearn: ``autograder prairielearn OUT_DIR`` writes an external grader, and runs in it.

PrairieLearn's contract (PrairieLearn/PrairieLearn, docs/externalGrading.md; the grader host,
apps/grader-host/src/index.ts): a question's ``info.json`` names a Docker ``image`` and an
``entrypoint``; for each submission the host mounts the job's files at ``/grade`` (the student's
files in ``/grade/student/``), runs the entrypoint as the image's user, with no network unless the
question enables it, and reads ``/grade/results/results.json`` once the container exited with
status 0 (another status, or a file over 1 MiB, is a failed job with no score). The file holds
``score`` in [0, 1], unless ``gradable`` is false ("invalid, not gradable": no points won or lost, no
attempt spent), with ``format_errors`` then; optional ``message``, ``output``, ``images``
[{label, url}] and ``tests`` [{name, description, points, max_points, message, output, images}].

OUT_DIR holds the image's recipe (``Dockerfile``: a pinned Python on Debian, the pinned packages,
bubblewrap, the grader in ``/grader``), the entry point ``run``, the grader and the assignment, and a
README for the instructor. The image runs as root, as PrairieLearn's own graders do: the sandbox
then gives student code a uid of its own and the grader's files are closed to it.

``AUTOGRADER_ROOT`` (default ``/grade``) moves the tree, so that a test runs ``run`` in a temporary
folder; ``AUTOGRADER_PYTHON`` and ``AUTOGRADER_WALL_SECONDS`` as for Gradescope.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only the standard library at the top (platforms' too): results.json must be written whatever fails.
from . import platforms

if TYPE_CHECKING:
    from .assignment import Assignment
    from .grade import GradeResult

DEFAULT_ROOT = "/grade"
RESULTS = "results/results.json"
MAX_RESULTS = 2**20  # the grader host refuses a results.json over 1 MiB
FIT = "the results must stay under PrairieLearn's 1 MB"

RUN = platforms.run_script(
    "PrairieLearn's grader host runs this as the question's entrypoint, with the job's files in\n"
    "/grade (PrairieLearn/PrairieLearn, docs/externalGrading.md); it reads /grade/results/results.json\n"
    "and only when this script exits with status 0.",
    "prairielearn", DEFAULT_ROOT, '"$(cd "$(dirname "$0")" && pwd)"', RESULTS,
    '{"gradable": false, "message": "%s %s"}')

DOCKERFILE = platforms.dockerfile(
    "The image of a PrairieLearn external grader (docs/externalGrading.md): build it, push it where\n"
    "PrairieLearn can pull it, and name it with /grader/run as entrypoint in the question's info.json.\n"
    "It runs as root: the sandbox gives student code a uid of its own.")

README = """# {name}: a PrairieLearn external grader

Built by `autograder prairielearn`. It holds the hidden cases and the reference: keep it out of
students' reach (a private registry, a private course repository).

1. Build the image and push it where PrairieLearn can pull it (`docker pull` must understand its name):

       docker build -t YOUR_REGISTRY/{name}-grader:1 .
       docker push YOUR_REGISTRY/{name}-grader:1

2. In the question's `info.json`, use it as the external grader (docs/externalGrading.md):

       "gradingMethod": "External",
       "externalGradingOptions": {{
         "enabled": true,
         "image": "YOUR_REGISTRY/{name}-grader:1",
         "entrypoint": "/grader/run",
         "timeout": 600
       }}

   The grader is built into the image, so no `serverFilesCourse` is needed. (To keep it in the course
   repository instead, copy this folder to `serverFilesCourse/{name}_grader/`, list
   `"serverFilesCourse": ["{name}_grader/"]` and use the image built here for its packages and
   `/grade/serverFilesCourse/{name}_grader/run` as entrypoint: the grader host mounts it in `/grade`.)
   `timeout` is in seconds, at most 600; grading the whole assignment takes well under a minute, but a
   submission with endless loops spends up to {total:g} s, the grader's own limit.

3. Let students upload their modules or notebooks (`<pl-file-upload file-names="...">`, or
   `<pl-file-editor>`): the grader grades whatever is in `/grade/student/`, as `autograder grade` does.

Each task is one test (its points out of its max_points, its failing cases explained); hidden cases
show what was checked and the size of the error, never their inputs. A submission that cannot be
read at all (no module, a broken zip) is "not gradable": no attempt spent. The score is the total
over the maximum, in [0, 1].
"""


def results_json(result: GradeResult) -> dict[str, Any]:
    """PrairieLearn's results.json for ``result``, within 1 MB: one test per task."""
    from .report import _task_output, feedback_markdown

    total = f"Total: {result.score:g} / {result.max_score:g}"
    if not platforms.readable(result):
        return {"gradable": False, "message": f"Your submission could not be read: {result.problems[0]}",
                "format_errors": result.problems, "output": feedback_markdown(result)}
    results = {
        "gradable": True,
        "score": result.score / result.max_score if result.max_score else 0.0,
        "message": "\n".join([total, *result.problems]),
        "output": feedback_markdown(result),
        "images": [],
        "tests": [
            {"name": task.name,
             "description": f"{sum(c.public for c in task.cases)} public and "
                            f"{sum(not c.public for c in task.cases)} hidden cases",
             "points": task.score, "max_points": task.max_score,
             "message": f"{task.passed} of {len(task.cases)} cases passed",
             "output": _task_output(task)}
            for task in result.tasks
        ],
    }
    return fit(results, MAX_RESULTS)


def fit(results: dict[str, Any], limit: int) -> dict[str, Any]:
    """``results`` with its longest outputs cut, each with a note, until its JSON takes at most ``limit``."""
    texts = [results, *results.get("tests", [])]
    while len(json.dumps(results, indent=1).encode()) > limit:
        longest = max(texts, key=lambda part: len(part.get("output", "")))
        size = len(longest["output"].encode())
        if size < 200:  # nothing left worth cutting: the rest is the tests themselves
            break
        longest["output"] = platforms.shorten(longest["output"], size // 2, FIT)
    return results


def failure_results(message: str) -> dict[str, Any]:
    """results.json when grading itself failed: not gradable (no attempt spent), with the reason."""
    return {"gradable": False, "message": message}


def build(out: Path, assignment: Assignment | None = None) -> list[str]:
    """Write the external grader of ``assignment`` into the folder ``out``; returns the names it holds."""
    from .assignment import current
    from .isolation import Limits

    assignment = assignment or current()
    readme = README.format(name=assignment.name, total=Limits().total)
    files = [("Dockerfile", DOCKERFILE.encode(), platforms.REGULAR),
             ("run", RUN.encode(), platforms.EXECUTABLE), ("README.md", readme.encode(), platforms.REGULAR)]
    return platforms.write_folder(out, files + platforms.grader_files({}, assignment))


def command(args: argparse.Namespace) -> int:
    """``autograder prairielearn OUT_DIR``."""
    from .cli import UsageError

    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder: choose a new one")
    names = build(out)
    print(f"wrote {out}: {len(names)} files (Dockerfile, run, README.md, the grader, its hidden cases and "
          "the reference). Build the image as README.md says; never give it to students.")
    return 0


def main() -> int:
    """The entry point's grader: grade /grade/student, then write results.json whatever happened."""
    root = Path(os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT))

    def grade() -> dict[str, Any]:
        platforms.use_bundled(platforms.BUNDLE)
        return results_json(platforms.grade_upload(root / "student"))

    results = platforms.answer(root / RESULTS, grade, failure_results)
    print(f"score {results.get('score', 'not gradable')}; results in {root / RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
