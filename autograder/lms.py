"""A class as Canvas or Moodle hands it out, and the grades back in that LMS's import format (SPEC §2).

In: the download (its zip or its unzipped folder) becomes one submission per student, keyed by the
LMS's own user id, each materialised as a folder that the ordinary grader grades.

- Canvas, "Download Submissions" (canvas-lms ``lib/content_zipper.rb``): flat files
  ``<name>_<user id>_<file id>_<file>``, ``<name>_LATE_<user id>_<file id>_<file>`` when late,
  ``anon_<id>_<file id>_<file>`` under anonymous grading. ``<name>`` is the sortable name with
  everything but word characters removed ("Smith, Alice" -> ``smithalice``); the file id is the id
  of the uploaded file (Canvas numbers uploads in order, so a larger id is a later upload).
- Moodle, "Download all submissions" (``mod/assign/locallib.php``, ``download_submissions``): one
  folder per student, ``<Full Name>_<participant id>_assignsubmission_file_/``, or the same prefix
  on every file when "download as folders" is off. The participant id is the number the grading
  worksheet shows as ``Participant <id>``.

A student's files keep the names the student gave them, after two renamings are undone: ``-N``
before the extension (``conv-1.py``: Canvas's name for a second upload of ``conv.py``) and
`` (N)`` (``conv (1).py``: a browser's or Moodle's copy). When several files come back to one
name, the highest ``-N`` wins, then the latest upload (Canvas's file id), then the highest ``(N)``.
A student's zip is unpacked into her folder (one level: a zip inside it stays a file), unless it is
her only file: then it is graded as the zip it is.

Out: ``lms_import.csv``, for Canvas's gradebook import (canvas-lms ``GradebookImporter``: the
columns ``Student, ID, SIS User ID, SIS Login ID, Section``, a ``Points Possible`` row, one
assignment column) or Moodle's "Upload grading worksheet" (``assignfeedback_offline``: the columns
``Identifier`` = ``Participant <id>``, ``Grade``, ``Last modified (grade)``, ``Feedback comments``,
the others as downloaded); and for Canvas, ``canvas_feedback.zip`` for "Re-Upload Submissions",
which attaches each file to the student's submission as a comment (``Assignment
#generate_comments_from_files``: the first two all-digit ``_``-separated parts of a file's name are
the user id and the id of one of the files of her submission).

Everything in a download is the students' and is treated as hostile: it is read with the loader's
``submission.walk`` and pinned ``File`` reads (only regular files, never through a link, names
valid UTF-8, depth and count capped), zip members must stay inside the folder they are unpacked
to, and sizes are capped while reading; what is skipped is named, and nothing stops the batch.
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from .assignment import current
from .submission import MAX_ENTRIES, File, Skipped, not_utf8, walk

CANVAS, MOODLE = "canvas", "moodle"
LMSES = (CANVAS, MOODLE)
MAX_FILES = MAX_ENTRIES  # files in one download: what the loader's walk looks at
MAX_BYTES = 4 * 2**30  # bytes a download zip may expand to
MAX_FILE_BYTES = 50 * 2**20  # one student's file, or what one student's zip expands to
MAX_STUDENT_FILES = 2000
NOT_STUDENTS = ("__MACOSX", ".DS_Store", "Thumbs.db")  # what a zip made on a Mac or Windows adds
DEFAULT_COLUMN = "{heading} autograder"  # Canvas: a new assignment column, unless the roster names one
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = [
    "Identifier",
    "Full name",
    "Status",
    "Grade",
    "Maximum Grade",
    "Grade can be changed",
    "Last modified (submission)",
    "Last modified (grade)",
    "Feedback comments",
]
# Moodle's userdate() in the worksheet's "Last modified (submission)": "Monday, 30 November 2026, 11:05 PM".
MOODLE_TIME = "%A, %d %B %Y, %I:%M %p"

_CANVAS_FILE = re.compile(
    r"(?:(?P<name>.*?)_)??(?:(?P<late>LATE)_)?(?P<user>\d+|anon_[A-Za-z0-9]+)_(?P<file>\d+)_(?P<original>.+)",
    re.S,
)
_CANVAS_TEXT = re.compile(
    r"(?:(?P<name>.*?)_)??(?:LATE_)?(?P<user>\d+|anon_[A-Za-z0-9]+)_(?:text|link)\.html"
)
_MOODLE_ENTRY = re.compile(
    r"(?P<name>.*?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)", re.S
)
_COPY = re.compile(r"(?P<stem>.+?) \((?P<n>\d+)\)")
_REUPLOAD = re.compile(r"(?P<stem>.+?)-(?P<n>\d+)")
# Canvas export columns that are totals, not assignments (GradebookImporter#strip_non_assignment_columns).
_CANVAS_TOTALS = re.compile(r"(Current|Final) (Score|Points|Grade)|\(read only\)")


class LmsError(Exception):
    """The download or the roster as a whole cannot be read; the message says why."""


# ------------------------------------------------------------------ file names


def original_name(name: str) -> tuple[str, int, int]:
    """The name a student gave a file, undoing the LMS's and the browser's renamings.

    Returns ``(name, re-upload N, copy N)``: ``conv-1.py`` -> ``("conv.py", 1, 0)``,
    ``conv (2).py`` -> ``("conv.py", 0, 2)``, ``conv-1 (1).py`` -> ``("conv.py", 1, 1)``.
    """
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:  # no extension ("Makefile") or a dot file (".env")
        stem, extension = name, ""
    reupload = copy = 0
    for _ in range(2):  # the two renamings may come in either order
        if not copy and (match := _COPY.fullmatch(stem)):
            stem, copy = match["stem"], int(match["n"])
        elif not reupload and (match := _REUPLOAD.fullmatch(stem)):
            stem, reupload = match["stem"], int(match["n"])
    return stem + (f".{extension}" if extension else ""), reupload, copy


@dataclass(frozen=True)
class Upload:
    """One file of a student in the download."""

    file: File  # where it is (inside the download's folder), pinned to the file the walk saw
    relative: str  # its path inside the student's submission, renamings undone ("assignments/conv.py")
    rank: tuple[int, int, int]  # (re-upload N, Canvas file id, copy N): the highest wins


@dataclass
class StudentFiles:
    """What the download holds for one student."""

    student: str  # the LMS's user (participant) id
    name: str  # as the download spells it ("smithalice", "Alice Smith")
    late_marker: bool = False  # Canvas's LATE
    uploads: list[Upload] = field(default_factory=list)
    file_ids: list[str] = field(default_factory=list)  # Canvas: ids of her files, for re-uploading feedback
    canvas_prefix: str = ""  # Canvas: "<name>_[LATE_]<user id>", the start of her files' names
    notes: list[str] = field(default_factory=list)  # skipped or replaced files, told to the student

    def winners(self) -> list[Upload]:
        """One upload per name: the latest (see the module's docstring); the others are noted."""
        by_name: dict[str, list[Upload]] = {}
        for upload in self.uploads:
            by_name.setdefault(upload.relative, []).append(upload)
        kept = []
        for relative, uploads in sorted(by_name.items()):
            uploads.sort(key=lambda u: (u.rank, u.file.parts))
            kept.append(uploads[-1])
            if len(uploads) > 1:
                self.notes.append(
                    f"{relative}: graded your latest upload, {PurePosixPath(uploads[-1].file.name).name} "
                    f"(not {', '.join(PurePosixPath(u.file.name).name for u in uploads[:-1])})"
                )
        return kept


@dataclass
class Download:
    """A whole download: each student's files, and what could not be attributed to anyone."""

    lms: str
    students: dict[str, StudentFiles] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # for the TA


def _files(root: Path, skipped: list[str]) -> list[File]:
    """Every regular file of the download, as the loader's ``walk`` finds them (no link followed,
    nothing that is not a regular file, names valid UTF-8, depth and count capped)."""
    walked = walk(root)
    skipped += walked.skipped
    return [f for f in walked.files if f.parts[-1] not in NOT_STUDENTS and not f.parts[-1].startswith("._")]


def _safe_member(name: str) -> PurePosixPath | None:
    """A zip member's path if it stays inside the folder it is unpacked to, else None."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") or ":" in p for p in path.parts):
        return None
    valid = not not_utf8(str(path)) and "\0" not in str(path)
    return path if valid and not set(path.parts) & set(NOT_STUDENTS) else None


# Encrypted, an odd compression, corrupt data, two members of one name, a name too long for the disk.
_UNREADABLE_MEMBER = (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError, zlib.error)


def unzip(
    source: IO[bytes], name: str, out: Path, max_files: int, max_bytes: int, skipped: list[str]
) -> None:
    """Unpack the zip ``name`` read from ``source`` into ``out``: files only, never outside ``out``,
    at most ``max_files`` files and ``max_bytes`` bytes.

    A member that is unsafe or unreadable is skipped and named in ``skipped``; a member that
    expands beyond what its header declared is cut off there (a zip bomb), and skipped.
    """
    total = 0
    try:
        with zipfile.ZipFile(source) as zipped:
            members = [m for m in zipped.infolist() if not m.is_dir()]
            if len(members) > max_files:
                raise LmsError(f"{name} holds more than {max_files} files")
            for member in members:
                relative = _safe_member(member.filename)
                if relative is None:
                    if not any(n in member.filename for n in NOT_STUDENTS):
                        skipped.append(f"{member.filename!r} in {name}: an unsafe name; skipped")
                    continue
                total += member.file_size
                if total > max_bytes:
                    raise LmsError(f"{name} expands to more than {max_bytes // 2**20} MB")
                target = out.joinpath(*relative.parts)
                created = False
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with zipped.open(member) as src, open(target, "xb") as dst:  # "x": never over a file
                        created = True
                        copied = 0
                        while chunk := src.read(1 << 20):
                            copied += len(chunk)
                            if copied > member.file_size:
                                raise zipfile.BadZipFile("it expands beyond its declared size")
                            dst.write(chunk)
                except _UNREADABLE_MEMBER as exc:
                    if created:
                        target.unlink(missing_ok=True)
                    skipped.append(f"{relative} in {name}: unreadable ({exc}); skipped")
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise LmsError(f"{name} is not a readable zip file ({exc})") from None


# ------------------------------------------------------------------ reading a download


def _add(student: StudentFiles, upload: Upload) -> None:
    """Count one of her files, unless its name would lead out of her folder (``..``)."""
    if any(part in ("", ".", "..") for part in upload.relative.split("/")):
        student.notes.append(f"{upload.file.name}: a name that is not a file name; not graded")
    else:
        student.uploads.append(upload)


def _canvas_uploads(files: list[File], download: Download) -> None:
    for file in files:
        if len(file.parts) > 1:  # Canvas's zip is flat; a folder is not Canvas's
            download.skipped.append(f"{file.name}: not a Canvas submission file (Canvas's download is flat)")
            continue
        match = _CANVAS_FILE.fullmatch(file.parts[0])
        if match is None:
            text = _CANVAS_TEXT.fullmatch(file.parts[0])
            if text:
                user = text["user"]
                student = download.students.setdefault(user, StudentFiles(user, text["name"] or ""))
                student.notes.append(f"{file.name}: a text entry or a link, not a file; not graded")
            else:
                download.skipped.append(f"{file.name}: not named <name>_<user id>_<file id>_<file>; skipped")
            continue
        user, late = match["user"], bool(match["late"])
        prefix = "_".join(p for p in (match["name"], "LATE" if late else None, user) if p)
        student = download.students.setdefault(user, StudentFiles(user, match["name"] or "", late,
                                                                  canvas_prefix=prefix))  # fmt: skip
        student.late_marker |= late
        relative, reupload, copy = original_name(match["original"])
        _add(student, Upload(file, relative, (reupload, int(match["file"]), copy)))
        student.file_ids.append(match["file"])


def _moodle_uploads(files: list[File], download: Download) -> None:
    for file in files:
        top, inside = file.parts[0], "/".join(file.parts[1:])
        match = _MOODLE_ENTRY.fullmatch(top)
        if match is None or (not inside and not match["rest"]):
            download.skipped.append(f"{file.name}: not under <Full Name>_<id>_assignsubmission_file_")
            continue
        student = download.students.setdefault(match["user"], StudentFiles(match["user"], match["name"]))
        if match["plugin"] != "file":
            student.notes.append(f"{file.name}: not a file submission ({match['plugin']}); not graded")
            continue
        within = f"{match['rest']}/{inside}" if inside else match["rest"]  # her path, below the prefix
        folder, _, leaf = within.strip("/").rpartition("/")
        name, reupload, copy = original_name(leaf)
        _add(student, Upload(file, f"{folder}/{name}" if folder else name, (reupload, 0, copy)))


def read_download(path: Path, lms: str, work: Path) -> Download:
    """Every student's files in a Canvas or Moodle download, a zip (unpacked into ``work``) or a folder."""
    download = Download(lms)
    if path.is_dir():
        root = path
    else:
        root = work / "download"
        root.mkdir(parents=True)
        try:
            with File.at(path).open() as source:  # the TA's zip, still: never through a link or a FIFO
                unzip(source, path.name, root, MAX_FILES, MAX_BYTES, download.skipped)
        except Skipped as exc:
            raise LmsError(f"{exc} (expected the download: a zip or a folder)") from None
    (_canvas_uploads if lms == CANVAS else _moodle_uploads)(_files(root, download.skipped), download)
    return download


def _copy(upload: Upload, target: Path, notes: list[str]) -> None:
    """Her file at ``target``, read through the pinned file; over the size limit, a note instead."""
    try:
        data = upload.file.read(MAX_FILE_BYTES)
    except Skipped as exc:
        notes.append(str(exc))
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def materialise(student: StudentFiles, work: Path) -> Path:
    """The student's submission as the grader takes it: her only zip, or a folder of her files.

    Her zips are unpacked into the folder (one level); a file she uploaded by itself wins over a
    file of the same name from one of her zips.
    """
    winners = student.winners()
    if len(winners) == 1 and winners[0].relative.lower().endswith(".zip"):
        target = work / f"{student.student}.zip"
        _copy(winners[0], target, student.notes)
        return target
    folder = work / student.student
    folder.mkdir(parents=True)
    zips = [u for u in winners if u.relative.lower().endswith(".zip")]
    for upload in zips:
        try:
            with upload.file.open() as source:
                unzip(source, upload.relative, folder, MAX_STUDENT_FILES, MAX_FILE_BYTES, student.notes)
        except (LmsError, Skipped) as exc:
            student.notes.append(f"{exc}; it was not graded")
    for upload in winners:
        if upload in zips:
            continue
        target = folder.joinpath(*PurePosixPath(upload.relative).parts)
        if target.exists():
            student.notes.append(f"{upload.relative}: the file you uploaded alone replaces your zip's")
            target.unlink() if not target.is_dir() else shutil.rmtree(target)
        _copy(upload, target, student.notes)
    return folder


# ------------------------------------------------------------------ the roster


@dataclass
class Roster:
    """The LMS's gradebook export (Canvas) or grading worksheet (Moodle), rows in its order."""

    lms: str
    header: list[str]
    rows: list[dict[str, str]]  # every student row, keyed by the header
    ids: list[str]  # the LMS user (participant) id of each row
    points_possible: dict[str, str] = field(default_factory=dict)  # Canvas: assignment column -> points
    assignments: list[str] = field(default_factory=list)  # Canvas: the assignment columns

    def by_id(self) -> dict[str, dict[str, str]]:
        return dict(zip(self.ids, self.rows))


def _read_csv(path: Path) -> list[list[str]]:
    try:  # both LMSes write UTF-8, Canvas with a byte-order mark
        text = path.read_bytes()[: 64 * 2**20].decode("utf-8-sig")
    except OSError as exc:
        raise LmsError(f"cannot read the roster {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise LmsError(f"the roster {path.name} is not UTF-8 text (export it again from the LMS)") from None
    return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]


def read_roster(path: Path, lms: str) -> Roster:
    """Read the roster; ``LmsError`` when it is not that LMS's export."""
    rows = _read_csv(path)
    if not rows:
        raise LmsError(f"the roster {path.name} is empty")
    header, body = rows[0], rows[1:]
    return (_canvas_roster if lms == CANVAS else _moodle_roster)(path, header, body)


def _canvas_roster(path: Path, header: list[str], body: list[list[str]]) -> Roster:
    # As GradebookImporter#header?: Student, ID, ..., Section, then the assignment columns.
    sections = [i for i, h in enumerate(header) if "Section" in h]
    if len(header) < 3 or "Student" not in header[0] or "ID" not in header[1] or not sections:
        raise LmsError(
            f"the roster {path.name} is not a Canvas gradebook export: its header should start with "
            f"{', '.join(CANVAS_STUDENT_COLUMNS)}"
        )
    roster = Roster(CANVAS, header, [], [])
    roster.assignments = [h for h in header[sections[0] + 1 :] if h.strip() and not _CANVAS_TOTALS.search(h)]
    for cells in body:
        row = dict(zip(header, cells + [""] * (len(header) - len(cells))))
        if "Points Possible" in row[header[0]]:
            roster.points_possible = {h: row[h].strip() for h in roster.assignments}
        elif row[header[1]].strip().isdigit():  # "Muted" / "Manual Posting" rows have no id
            roster.rows.append(row)
            roster.ids.append(row[header[1]].strip())
    return roster


def _moodle_roster(path: Path, header: list[str], body: list[list[str]]) -> Roster:
    # assignfeedback_offline_grade_importer#init needs these three columns (English names).
    missing = [c for c in ("Identifier", "Grade", "Last modified (grade)") if c not in header]
    if missing:
        raise LmsError(
            f"the roster {path.name} is not Moodle's grading worksheet: it has no "
            f"{', '.join(missing)} column (download it in English)"
        )
    roster = Roster(MOODLE, header, [], [])
    for cells in body:
        row = dict(zip(header, cells + [""] * (len(header) - len(cells))))
        if match := re.search(r"(\d+)\s*$", row["Identifier"]):  # "Participant 123456"
            roster.rows.append(row)
            roster.ids.append(match[1])
    return roster


def roster_submission_time(row: dict[str, str]) -> datetime | None:
    """Moodle's "Last modified (submission)" of a worksheet row (local time), or None ("-", absent)."""
    try:
        return datetime.strptime(row.get("Last modified (submission)", "").strip(), MOODLE_TIME).astimezone()
    except ValueError:
        return None


# ------------------------------------------------------------------ writing the imports


def _score(value: float) -> str:
    return f"{value:g}"


def canvas_column(roster: Roster | None, wanted: str | None) -> str:
    """The assignment column: the one named, else the roster's only one, else a new one."""
    assignments = roster.assignments if roster else []
    if wanted:
        titles = {h: re.sub(r"\s*\(\d+\)$", "", h) for h in assignments}  # "Week 4 (778)" is "Week 4"
        return next((h for h in assignments if wanted in (h, titles[h])), wanted)
    return assignments[0] if len(assignments) == 1 else DEFAULT_COLUMN.format(heading=current().heading)


def out_of_mismatch(roster: Roster | None, column: str | None, max_score: float) -> str:
    """A warning when the roster grades the assignment out of other points than the grader ("" if not).

    The totals are written as they are: rescaling is the TA's decision (Moodle skips a grade
    above its Maximum Grade; Canvas takes it as extra credit).
    """
    if roster is None:
        return ""
    if roster.lms == CANVAS:
        where = canvas_column(roster, column)
        theirs = roster.points_possible.get(where, "")
    else:
        where, theirs = "Maximum Grade", next((row.get("Maximum Grade", "") for row in roster.rows), "")
    try:
        if float(theirs) == max_score:
            return ""
    except ValueError:
        return ""
    return (f"the roster's {where} is out of {theirs}, the grader's total out of {_score(max_score)}: "
            "lms_import.csv holds the totals as they are")


def feedback_comment(result: dict[str, Any]) -> str:
    """A short HTML summary for Moodle's "Feedback comments" (an editor field): the total, the tasks
    that lost points, the problems and the late penalty; the details are in the feedback pages."""
    lines = [f"<p>Total: {_score(float(result['score']))} / {_score(float(result['max_score']))}</p>"]
    lost = [t for t in result.get("tasks", []) if float(t["score"]) < float(t["max_score"])]
    if lost:
        items = "".join(f"<li>{html.escape(t['name'])}: {_score(float(t['score']))} / "
                        f"{_score(float(t['max_score']))}</li>" for t in lost)  # fmt: skip
        lines.append(f"<p>Points lost:</p><ul>{items}</ul>")
    notes = [*result.get("problems", []), *([result["late"]["explanation"]] if result.get("late") else [])]
    lines += [f"<p>{html.escape(note)}</p>" for note in notes if note]
    return "".join(lines)


def import_csv(
    lms: str, results: dict[str, dict[str, Any]], roster: Roster | None, column: str | None, max_score: float
) -> str:
    """``lms_import.csv``: every roster student in the roster's order, then the submissions on no roster.

    ``results`` are the stored results by LMS user id (a roster student who did not submit has
    one, with 0). A student with none yet (a run stopped before her turn) gets an empty grade,
    which both LMSes' imports leave alone.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    known = roster.by_id() if roster else {}
    students = [*(roster.ids if roster else []), *(s for s in results if s not in known)]
    grade = {s: _score(float(r["score"])) for s, r in results.items()}
    name = {s: r["batch"].get("lms", {}).get("name", "") for s, r in results.items()}
    if lms == CANVAS:
        column = canvas_column(roster, column)
        points = (roster.points_possible.get(column) if roster else "") or _score(max_score)
        writer.writerow([*CANVAS_STUDENT_COLUMNS, column])
        writer.writerow(["Points Possible", "", "", "", "", points])
        for student in students:
            row = known.get(student, {"Student": name.get(student, "")})
            writer.writerow([row["Student"], student, *(row.get(c, "") for c in CANVAS_STUDENT_COLUMNS[2:]),
                             grade.get(student, "")])  # fmt: skip
        return buffer.getvalue()
    header = list(roster.header) if roster else list(MOODLE_COLUMNS)
    if "Feedback comments" not in header:
        header.append("Feedback comments")
    writer.writerow(header)
    for student in students:
        row = dict.fromkeys(header, "") | known.get(student, {})
        if student not in known:
            row |= {"Identifier": f"Participant {student}", "Full name": name[student],
                    "Maximum Grade": _score(max_score)}  # fmt: skip
        if student in results:
            row |= {"Grade": grade[student], "Feedback comments": feedback_comment(results[student])}
        writer.writerow([row[h] for h in header])
    return buffer.getvalue()


def canvas_feedback_zip(results: dict[str, dict[str, Any]], students: Path, out: Path) -> list[str]:
    """``canvas_feedback.zip`` for "Re-Upload Submissions": one HTML file per student with a file,
    her ``students/<id>/feedback.html`` (read one at a time).

    Each is named ``<name>_[LATE_]<user id>_<file id>_feedback.html`` after the first file of her
    submission, as Canvas reads the user and the file from a name. Returns the students left out
    (no file of hers in the download, or anonymous: Canvas cannot match those).
    """
    left_out = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for student, result in sorted(results.items()):
            info = result["batch"].get("lms", {})
            page = students / student / "feedback.html"
            if not info.get("file_ids") or not student.isdigit() or not page.is_file():
                left_out.append(student)
                continue
            archive.write(page, f"{info['canvas_prefix']}_{min(info['file_ids'], key=int)}_feedback.html")
    return left_out
