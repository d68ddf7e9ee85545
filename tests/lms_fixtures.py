"""A class as Canvas and Moodle hand it out, built here from their documented formats.

The same seven students in both LMSes (their files are made from the reference, the stubs, the
bug corpus and the notebooks):

- alice: the six modules as flat ``.py`` files (Moodle: and an online text, which is not graded)
- bob: one zip of ``assignments/*.py`` with a bug in it
- carol: two filled-in notebooks
- dave: ``conv.py`` (the stub), then ``conv-1.py`` (the reference: his re-upload wins),
  ``basics.py`` and a browser copy ``lstm (1).py``
- erin: late; ``conv.py`` with a syntax error, ``basics.py``
- frank: on no roster; ``conv (1).py`` only, and ``dropout.py``
- grace: on the roster, submitted nothing

Canvas ("Download Submissions", canvas-lms ``lib/content_zipper.rb``): one flat zip of
``<sortable name squashed>_[LATE_]<user id>_<file id>_<file>``; the roster is its gradebook
export (``Student, ID, SIS User ID, SIS Login ID, Section``, the assignment ``Title (id)``, a
``Points Possible`` row, read-only totals). Moodle ("Download all submissions",
``mod/assign/locallib.php``): ``<Full Name>_<participant id>_assignsubmission_file_/`` folders, one
student as prefixed flat files; the roster is its grading worksheet (``gradingtable.php``'s
download columns, ``Identifier`` = ``Participant <id>``).

``own_submission(student, folder)`` writes what the student herself handed in, independently of
the LMS's naming, for ``autograder grade`` to compare with.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from bugcorpus import load_bugs, reference_source, write_submission

from autograder.notebooks import build_notebooks, solved
from tests.week4 import ASSIGNMENTS, MODULES

SYNTAX_ERROR = "def conv_output_size(n, f, pad=0, stride=1:\n    return n\n"
BUG = next(b for b in load_bugs() if b.module == "conv")
NOTEBOOKS = ("01_computational_graph.ipynb", "02_convolution.ipynb")


@dataclass(frozen=True)
class Student:
    key: str
    sortable: str  # Canvas: "Smith, Alice"
    full: str  # Moodle: "Alice Smith"
    canvas_id: str
    moodle_id: str
    on_roster: bool = True
    submits: bool = True
    late: bool = False


STUDENTS = (
    Student("alice", "Smith, Alice", "Alice Smith", "10001", "20001"),
    Student("bob", "Jones, Bob", "Bob Jones", "10002", "20002"),
    Student("carol", "Brown, Carol", "Carol Brown", "10003", "20003"),
    Student("dave", "Lee, Dave", "Dave Lee", "10004", "20004"),
    Student("erin", "King, Erin", "Erin King", "10005", "20005", late=True),
    Student("frank", "Moore, Frank", "Frank Moore", "10006", "20006", on_roster=False),
    Student("grace", "White, Grace", "Grace White", "10007", "20007", submits=False),
)
BY_KEY = {s.key: s for s in STUDENTS}


def _reference(module: str) -> bytes:
    return reference_source(module).encode()


def _notebook(name: str) -> bytes:
    return nbformat.writes(solved(build_notebooks(release=False)[name])).encode()


def _bob_zip() -> bytes:
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(write_submission(Path(scratch) / "bob", [BUG]).iterdir()):
            archive.writestr(f"assignments/{file.name}", file.read_bytes())
    return buffer.getvalue()


def uploads(key: str) -> list[tuple[str, bytes]]:
    """The files a student uploaded, in the order she uploaded them, under the names she gave."""
    if key == "alice":
        return [(f"{m}.py", _reference(m)) for m in MODULES]
    if key == "bob":
        return [("week4.zip", _bob_zip())]
    if key == "carol":
        return [(name, _notebook(name)) for name in NOTEBOOKS]
    if key == "dave":
        return [
            ("conv.py", (ASSIGNMENTS / "conv.py").read_bytes()),
            ("basics.py", _reference("basics")),
            ("lstm (1).py", _reference("lstm")),
            ("conv-1.py", _reference("conv")),
        ]
    if key == "erin":
        return [("conv.py", SYNTAX_ERROR.encode()), ("basics.py", _reference("basics"))]
    if key == "frank":
        return [("conv (1).py", _reference("conv")), ("dropout.py", _reference("dropout"))]
    return []


def own_submission(key: str, folder: Path) -> Path:
    """What the student handed in, as she has it: her zip, or a folder of her files by their real names."""
    if key == "bob":
        folder.mkdir(parents=True)
        path = folder / "week4.zip"
        path.write_bytes(_bob_zip())
        return path
    real = {
        "dave": {
            "conv.py": _reference("conv"),
            "basics.py": _reference("basics"),
            "lstm.py": _reference("lstm"),
        },
        "frank": {"conv.py": _reference("conv"), "dropout.py": _reference("dropout")},
    }
    files = real.get(key) or dict(uploads(key))
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def canvas_name(student: Student) -> str:
    """Canvas's squashed sortable name: word characters only, lower case ("smithalice")."""
    return "".join(c for c in student.sortable if c.isalnum() or c == "_").lower()


def canvas_download(out: Path) -> Path:
    """The zip of Canvas's "Download Submissions" for the class."""
    file_id = 55500
    with zipfile.ZipFile(out, "w") as archive:
        for student in STUDENTS:
            prefix = "_".join([canvas_name(student), *(["LATE"] if student.late else []), student.canvas_id])
            for name, data in uploads(student.key):
                file_id += 1
                archive.writestr(f"{prefix}_{file_id}_{name}", data)
    return out


def _write_csv(out: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(out, "w", newline="", encoding=encoding) as f:
        csv.writer(f).writerows(rows)
    return out


def canvas_roster(out: Path) -> Path:
    """Canvas's gradebook export (UTF-8 with a BOM): the header, the "Points Possible" row, the students."""
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Week 4 (778)",
              "Assignments Current Score", "Current Score", "Final Score"]  # fmt: skip
    points = ["    Points Possible", "", "", "", "", "100.00", *["(read only)"] * 3]
    rows = [[s.sortable, s.canvas_id, f"S{s.canvas_id}", f"{s.key}@uni.example", "ANN 3 (Fall 2026)",
             *[""] * 4] for s in STUDENTS if s.on_roster]  # fmt: skip
    return _write_csv(out, [header, points, *rows], "utf-8-sig")


def moodle_download(out: Path) -> Path:
    """The zip of Moodle's "Download all submissions": folders, erin's files with the prefix only."""
    with zipfile.ZipFile(out, "w") as archive:
        for student in STUDENTS:
            prefix = f"{student.full}_{student.moodle_id}_assignsubmission_file_"
            for name, data in uploads(student.key):
                archive.writestr(f"{prefix}{name}" if student.key == "erin" else f"{prefix}/{name}", data)
        alice = BY_KEY["alice"]
        archive.writestr(
            f"{alice.full}_{alice.moodle_id}_assignsubmission_onlinetext_/onlinetext.html",
            "<p>see my files</p>",
        )
    return out


def moodle_roster(out: Path) -> Path:
    """Moodle's grading worksheet (feedback comments enabled, e-mail shown, no marking workflow)."""
    header = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
              "Grade can be changed", "Last modified (submission)", "Online text", "Last modified (grade)",
              "Feedback comments"]  # fmt: skip
    rows = []
    for s in STUDENTS:
        submitted = "Wednesday, 2 December 2026, 10:00 AM" if s.late else "Monday, 30 November 2026, 11:05 PM"
        status, submitted = ("Submitted for grading", submitted) if s.submits else ("No submission", "-")
        if s.on_roster:
            rows.append([f"Participant {s.moodle_id}", s.full, f"{s.key}@uni.example", status, "", "100.00",
                         "Yes", submitted, "", "-", ""])  # fmt: skip
    return _write_csv(out, [header, *rows])


def unzip(archive: Path, folder: Path) -> Path:
    """The download as the TA has it after unzipping it."""
    shutil.unpack_archive(archive, folder, "zip")
    return folder
