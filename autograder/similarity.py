"""Which students' own code is more alike than independent work is: ``OUT/similarity.csv`` (SPEC §3).

The method is MOSS's winnowing (Schleimer, Wilkerson, Aiken, "Winnowing: local
algorithms for document fingerprinting", SIGMOD 2003), applied to Python:

1. **Units.** A submission's code is the modules grading reads (``submission.load``:
   a folder, a zip, notebooks, safely and with its caps; a notebook's definitions
   are its code, read as JSON). Each top-level ``def`` or ``class`` is a unit of its
   own, and the module's other statements one more, so reordering functions moves
   units, not fingerprints.
2. **Tokens.** Python's own ``tokenize``; comments, docstrings (a statement that is
   only a string), line breaks, indentation, ``;`` and trailing commas are dropped,
   so formatting does not count. Every name the student chose becomes ``N``, every
   number ``#`` and every string ``S``; keywords, operators and numpy's own names
   after a dot (``.reshape``, ``np.einsum``) stay, as renaming cannot change them.
3. **Fingerprints.** Each run of ``K`` tokens is hashed; of every window of ``W``
   consecutive hashes the smallest is kept (the rightmost on a tie). Any common run
   of at least ``K + W - 1`` tokens shares a fingerprint; none shorter than ``K`` does.
4. **Own fingerprints.** A student's fingerprints less every ``K``-gram of the given
   code (the assignment's stub modules and its release notebooks' code cells) and less
   the class's: a fingerprint found in more than ``COMMON_SHARE`` of the submissions
   (and in more than ``COMMON_FLOOR`` of them, so a small class keeps its evidence)
   is an idiom of the class, not one student's.
5. **Pairs.** A sparse matrix of who has which own fingerprint, times its transpose,
   gives the pairs that share any, and how many: no all-pairs loop, so a class of
   10,000 costs what its shared fingerprints cost; made a block of students at a time,
   and only the pairs the outputs show are kept. A pair's **similarity** is the share of
   the smaller side's own fingerprints that the other side has too, in [0, 1]
   (a side with fewer than ``MIN_OWN`` counts as ``MIN_OWN``: a few lines in
   common are not a copy).
6. **Flagged.** A pair more alike than independent work is: a robust z-score of its
   similarity over the similarities of all the pairs that share any own fingerprint
   (median and 1.4826 times the median absolute deviation: the copies cannot move
   them) above ``Z_FLAG``, and a similarity of at least ``MIN_FLAGGED``.

``similarity.csv`` lists the flagged pairs and then the next most similar, ``LISTED``
rows at most. Each student's code as graded and its fingerprints are kept in
``students/<id>/code.json`` beside result.json (refreshed when the submission changes,
the fingerprints made again when ``METHOD`` changes), so ``--only`` regrades and
``export-similarity`` see the whole class without reading DIR or tokenizing it again.

Why not a library: ``copydetect`` (PyPI) winnows Pygments tokens but compares every
pair of files (10,000 students are 50 million pairs) and reads no notebook; Dolos
(tree-sitter, an index like this one) needs Node beside the grader; MOSS is a hosted
service (the code leaves the institution) and JPlag a Java program. Python's own
``tokenize`` and ``submission.load`` give what they lack: every form of submission the
grader takes, read as the grader reads it. ``export-similarity`` hands the same code to
those tools for a second opinion.
"""

from __future__ import annotations

import argparse
import ast
import csv
import functools
import io
import json
import keyword
import re
import tempfile
import tokenize
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse

from .assignment import Assignment, current
from .atomic import write_atomic
from .submission import Skipped, SubmissionError, load, shown

K = 12  # tokens per k-gram: the shortest run that can match (about one line of numpy)
W = 8  # k-grams per window: every run of K + W - 1 = 19 tokens in common is seen
COMMON_SHARE = 0.1  # a fingerprint in more than this share of the submissions is the class's
COMMON_FLOOR = 5  # ... and in more than this many: a small class keeps its evidence
MIN_OWN = 20  # own fingerprints a side counts as at least, in a pair's denominator
Z_FLAG = 3.5  # robust z-score above which a pair is flagged (Iglewicz and Hoaglin's outlier cut)
MIN_FLAGGED = 0.25  # ... and the similarity it must reach, when the class shares little
LISTED = 100  # rows of similarity.csv: the flagged pairs, then the most similar others (or all flagged)
SHOWN = 20  # flagged pairs shown side by side in report.html (the most similar first)
CODE = "code.json"  # beside result.json: the student's code as graded
CODE_VERSION = 1
METHOD = f"k={K} w={W} tokens=1 numpy={np.__version__}"  # code.json's fingerprints are made again on a change
CSV_NAME, DATA_NAME = "similarity.csv", "similarity.json"

# numpy's own names keep their identity after a dot: a copier cannot rename np.einsum or .reshape.
LIBRARY = frozenset(dir(np) + dir(np.ndarray) + dir(np.random.Generator) + dir(np.linalg))
_LAYOUT = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT,
           tokenize.ENDMARKER, tokenize.ENCODING}
_CLOSING = {")", "]", "}"}


# ------------------------------------------------------------------ code: units and tokens


@dataclass(frozen=True)
class Unit:
    """One top-level definition (or a module's other statements) of one file."""

    file: str
    name: str
    line: int  # where it starts in its file, 1-based
    text: str


@dataclass(frozen=True)
class Token:
    """A normalised token and where it stands in its unit's text (character offsets)."""

    kind: str
    start: int
    end: int


def statement_text(lines: list[str], node: ast.stmt) -> str:
    """A top-level statement as it was written, from the ``lines`` of the source ast parsed.

    A definition owns its lines, its decorators' included (no statement can share
    them); a simple statement may share its line (``import numpy as np; x = 1``),
    so it is cut at its columns, which ast counts in UTF-8 bytes.
    """
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        return "\n".join(lines[first - 1:node.end_lineno])
    span = lines[node.lineno - 1:node.end_lineno]
    span[-1] = span[-1].encode()[:node.end_col_offset].decode()
    span[0] = span[0].encode()[node.col_offset:].decode()
    return "\n".join(span)


def units(file: str, source: str) -> list[Unit]:
    """The file's top-level definitions, each a unit, and its other statements as one unit.

    A file that does not parse is one unit (its tokens still count).
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return [Unit(file, "(the whole file: it does not parse)", 1, source)]
    lines = source.split("\n")
    found, rest = [], []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found.append(Unit(file, node.name, first, statement_text(lines, node)))
        else:
            rest.append(node)
    if rest:
        text = "\n".join(statement_text(lines, node) for node in rest)
        found.append(Unit(file, "(module level)", rest[0].lineno, text))
    return found


def _raw_tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    """``tokenize``'s tokens, up to the first error (a broken file still gives its start)."""
    try:
        yield from tokenize.generate_tokens(io.StringIO(text).readline)
    except (tokenize.TokenError, SyntaxError):
        return


def tokens(text: str) -> list[Token]:
    """The normalised tokens of a piece of code: names, numbers and strings masked, layout dropped."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(row: int, col: int) -> int:
        return starts[min(row - 1, len(starts) - 1)] + col

    out: list[Token] = []
    pending: list[Token] = []  # strings opening a statement: a docstring unless more follows
    at_start, after_dot = True, False
    for tok in _raw_tokens(text):
        blank = tok.type == tokenize.ERRORTOKEN and not tok.string.strip()
        if tok.type in _LAYOUT or tok.string == ";" or blank:
            if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or tok.string == ";":
                pending, at_start = [], True  # a statement of strings alone: dropped
            continue
        here = Token("", offset(*tok.start), offset(*tok.end))
        if tok.type == tokenize.STRING:
            token = Token("S", here.start, here.end)
            if at_start or pending:
                pending.append(token)
                continue
        elif tok.type == tokenize.NUMBER:
            token = Token("#", here.start, here.end)
        elif tok.type == tokenize.NAME:
            keep = keyword.iskeyword(tok.string) or (after_dot and tok.string in LIBRARY)
            token = Token(tok.string if keep else "N", here.start, here.end)
        else:
            token = Token(tok.string, here.start, here.end)
            if tok.string in _CLOSING and out and out[-1].kind == "," and not pending:
                out.pop()  # a trailing comma is formatting
        for each in (*pending, token):
            if each.kind == "S" and out and out[-1].kind == "S":  # "a" "b" is one string, however split
                out[-1] = Token("S", out[-1].start, each.end)
            else:
                out.append(each)
        pending, at_start = [], False
        after_dot = token.kind == "."
    return out


# ------------------------------------------------------------------ fingerprints


def kgram_hashes(kinds: Sequence[str], k: int = K) -> list[int]:
    """The hash of every run of ``k`` tokens (a tuple of ints hashes the same in every process)."""
    ids = [_token_id(kind) for kind in kinds]
    return [hash(tuple(ids[i:i + k])) for i in range(len(ids) - k + 1)]


def _token_id(kind: str) -> int:
    """An int per token kind, the same in every process (``hash`` of a str is salted per process)."""
    return zlib.crc32(kind.encode())


def winnow(hashes: Sequence[int], w: int = W) -> list[int]:
    """The positions winnowing keeps: the rightmost minimum of every window of ``w`` hashes.

    Fewer hashes than a window: the rightmost minimum of them all.
    """
    if not hashes:
        return []
    picked: list[int] = []
    for start in range(max(1, len(hashes) - w + 1)):
        window = hashes[start:start + w]
        low = min(window)
        position = start + len(window) - 1 - window[::-1].index(low)
        if not picked or picked[-1] != position:
            picked.append(position)
    return picked


class Code:
    """One student's files (name -> source) and, per unit of them, its winnowed fingerprints:
    (first token's position, hash). The units themselves are made again only when shown."""

    def __init__(self, files: dict[str, str], prints: list[tuple[tuple[int, int], ...]] | None = None,
                 ) -> None:
        self.files = files
        self.prints = prints if prints is not None else [unit_prints(unit.text) for unit in self.units]

    @functools.cached_property
    def units(self) -> list[Unit]:
        return [unit for name, text in sorted(self.files.items()) for unit in units(name, text)]

    def hashes(self) -> np.ndarray:
        """Its fingerprints' hashes, each once, sorted: shape (n,), int64."""
        return np.unique(np.fromiter((h for prints in self.prints for _, h in prints), dtype=np.int64))

    def where(self, given: frozenset[int] = frozenset()) -> dict[int, list[tuple[int, int]]]:
        """Each fingerprint that is no k-gram of the given code, and where it is: (unit index, position)."""
        found: dict[int, list[tuple[int, int]]] = {}
        for index, prints in enumerate(self.prints):
            for position, h in prints:
                if h not in given:
                    found.setdefault(h, []).append((index, position))
        return found


@functools.lru_cache(maxsize=1 << 16)
def unit_prints(text: str) -> tuple[tuple[int, int], ...]:
    """A unit's winnowed (position, hash) pairs; cached, as a class repeats many units (the stubs)."""
    hashes = kgram_hashes([t.kind for t in tokens(text)])
    return tuple((position, hashes[position]) for position in winnow(hashes))


def all_kgrams(code_units: Iterable[Unit]) -> frozenset[int]:
    """Every k-gram hash of these units (not only the winnowed ones: any of them may be kept elsewhere)."""
    return frozenset(h for unit in code_units for h in kgram_hashes([t.kind for t in tokens(unit.text)]))


def given_units(assignment: Assignment) -> list[Unit]:
    """What every student was given: the stub modules and the release notebooks' code cells."""
    from .notebooks import build_notebooks

    found = []
    for path in sorted(assignment.stubs.glob("*.py")):
        found += units(path.name, path.read_text(encoding="utf-8"))
    for name, notebook in build_notebooks(release=True, assignment=assignment).items():
        for number, cell in enumerate(notebook.cells, 1):
            if cell.cell_type == "code":
                found += units(f"{name}, cell {number}", cell.source)
    return found


# ------------------------------------------------------------------ each student's code, kept in OUT


class CodeError(Exception):
    """A submission's code cannot be read; the message says why."""


def read_code(path: Path, assignment: Assignment | None = None) -> dict[str, str]:
    """The student's own code as grading reads it, by file name; raises CodeError saying why not.

    ``submission.load`` reads the submission (links never followed, sizes capped, zips
    unpacked with their caps, each notebook's code cells as Python) and keeps what the
    student wrote (``Loaded.code``), not the modules the grader writes around it.
    """
    from .grade import exercises

    assignment = assignment or current()
    with tempfile.TemporaryDirectory(prefix="autograder-similarity-") as scratch:
        try:
            return load(path, Path(scratch), exercises(assignment)).code
        except SubmissionError as exc:
            raise CodeError(str(exc)) from None
        except (Skipped, OSError) as exc:
            raise CodeError(f"{shown(path.name)} cannot be read ({exc})") from None


def store_code(folder: Path, path: Path, submission_sha256: str,
               assignment: Assignment | None = None) -> None:
    """Keep the submission's code and its fingerprints (or why it cannot be read) in ``folder/code.json``."""
    record: dict[str, Any] = {"version": CODE_VERSION, "submission_sha256": submission_sha256}
    try:
        record["files"] = read_code(path, assignment)
    except CodeError as exc:
        record["unreadable"] = str(exc)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _keep(folder, record)
    except Exception as exc:  # the grader's own failure on one submission costs that submission alone
        _keep(folder, {"version": CODE_VERSION, "submission_sha256": submission_sha256,
                       "unreadable": f"its code could not be compared (grader error: {type(exc).__name__})"})


def _keep(folder: Path, record: dict[str, Any]) -> Code | None:
    """Write the record with the fingerprints of its code (made with this METHOD); returns that code."""
    code = Code(record["files"]) if "files" in record else None
    if code is not None:
        record |= {"method": METHOD, "prints": [list(prints) for prints in code.prints]}
    write_atomic(folder / CODE, json.dumps(record))
    return code


def _json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in the file, or None when there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def stored_code(folder: Path) -> dict[str, Any] | None:
    """The record ``store_code`` kept, or None when there is none (or it is not ours)."""
    record = _json_object(folder / CODE)
    return record if record is not None and record.get("version") == CODE_VERSION else None


def _code_of(folder: Path, record: dict[str, Any]) -> tuple[Code | None, str]:
    """A stored record's code, or why there is none. Fingerprints made by another METHOD are made again
    (and kept)."""
    if "unreadable" in record:
        return None, str(record["unreadable"])
    files = record.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return None, "its stored code (code.json) is damaged"
    prints = record.get("prints")
    if record.get("method") == METHOD and isinstance(prints, list):
        code = Code(files, [tuple((int(p), int(h)) for p, h in unit) for unit in prints])
    else:
        code = _keep(folder, record)
    return (code, "") if code and code.prints else (None, "no Python code found")


# ------------------------------------------------------------------ the class


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    similarity: float
    shared: int  # own fingerprints in common
    flagged: bool


@dataclass
class ClassSimilarity:
    """The pairs of a class that share own code: how they are spread (``median``, ``mad``, how many
    ``sharing``), and, most similar first, the pairs kept (as arrays): every flagged pair, then the
    most similar others up to ``LISTED`` in all. A class of 2,000 has a million pairs that share
    something; only the few that similarity.csv and the report can show are kept."""

    names: list[str]  # the students compared, sorted
    first: np.ndarray  # per kept pair, most similar first: its first student's index in ``names``
    second: np.ndarray  # ... and its second's (first < second)
    scores: np.ndarray  # its similarity
    shared: np.ndarray  # how many own fingerprints it shares
    threshold: float  # the similarity from which a pair is flagged
    median: float  # of the similarity of every pair that shares own code
    mad: float  # ... and its median absolute deviation
    sharing: int  # pairs that share any own fingerprint
    common: int  # fingerprints left out as the class's
    left_out: list[tuple[str, str]]  # (student, why)
    own: dict[str, np.ndarray] = field(default_factory=dict)  # own fingerprints per student: sorted int64
    given: frozenset[int] = frozenset()
    load: Callable[[str], Code] | None = None  # a student's code, read again for the pairs shown

    @property
    def students(self) -> int:
        return len(self.names)

    def top(self, count: int) -> list[Pair]:
        """The ``count`` most similar pairs (of those kept)."""
        return [Pair(self.names[a], self.names[b], float(score), int(n), bool(score >= self.threshold))
                for a, b, score, n in zip(self.first[:count], self.second[:count], self.scores[:count],
                                          self.shared[:count])]

    @property
    def pairs(self) -> list[Pair]:
        """Every pair kept: the flagged ones, then the most similar others (``LISTED`` in all, at least)."""
        return self.top(len(self.scores))

    @property
    def flagged(self) -> list[Pair]:
        return self.top(int(np.count_nonzero(self.scores >= self.threshold)))  # the most similar come first

    def listed(self, limit: int = LISTED) -> list[Pair]:
        """The rows of similarity.csv: every flagged pair, then the most similar others, ``limit`` in all."""
        return self.top(max(limit, int(np.count_nonzero(self.scores >= self.threshold))))


def common_limit(submissions: int) -> float:
    """A fingerprint in more submissions than this is the class's (see COMMON_SHARE, COMMON_FLOOR)."""
    return max(COMMON_FLOOR, COMMON_SHARE * submissions)


def compare(code: Mapping[str, Code], given: frozenset[int] = frozenset(),
            left_out: Sequence[tuple[str, str]] = ()) -> ClassSimilarity:
    """Every pair of these students (id -> code) that shares own code, scored and flagged; see the module."""
    return compare_hashes({student: code[student].hashes() for student in code}, given, left_out,
                          code.__getitem__)


def compare_hashes(hashes: dict[str, np.ndarray], given: frozenset[int] = frozenset(),
                   left_out: Sequence[tuple[str, str]] = (),
                   load: Callable[[str], Code] | None = None) -> ClassSimilarity:
    """``compare`` from each student's fingerprint hashes (``Code.hashes``); ``load`` reads a student's
    code again, for the pairs the report shows.

    The pairs come from a sparse product: A (students x own fingerprints, 1 where a student
    has one) times its transpose counts, for every pair, the own fingerprints it shares. It
    is made a block of students at a time (``PAIRS_PER_BLOCK``), twice: once for how the
    similarities are spread (their distinct values and how often each occurs: exact, and
    small, as a similarity is a ratio of small counts), once for the pairs to keep. Memory
    goes with the fingerprints, a block's pairs and the pairs kept, never with all the pairs.
    """
    names = sorted(hashes)
    given_hashes = np.fromiter(given, dtype=np.int64, count=len(given))
    printed = [np.setdiff1d(hashes[student], given_hashes, assume_unique=True) for student in names]
    every, frequency = np.unique(np.concatenate([np.empty(0, np.int64), *printed]), return_counts=True)
    common = every[frequency > common_limit(len(names))]
    own = [np.setdiff1d(prints, common, assume_unique=True) for prints in printed]
    sizes = np.array([len(prints) for prints in own], dtype=np.int64)
    columns = np.searchsorted(every, np.concatenate([every[:0], *own]))
    has = scipy.sparse.csr_matrix(
        (np.ones(len(columns), dtype=np.int32), (np.repeat(np.arange(len(names)), sizes), columns)),
        shape=(len(names), len(every)))

    spread = [np.unique(scores, return_counts=True) for _, _, _, scores in _pair_blocks(has, sizes)]
    values, counts = _merged_counts(spread)
    median = _median(values, counts)
    mad = _median(*_merged_counts([(np.abs(values - median), counts)]))
    threshold = max(MIN_FLAGGED, median + Z_FLAG * 1.4826 * mad)

    def most_similar(pairs: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """The flagged pairs and the most similar others, ``LISTED`` at least, most similar first."""
        order = _most_similar_first(*pairs)
        keep = order[:max(LISTED, int(np.count_nonzero(pairs[3] >= threshold)))]
        return tuple(part[keep] for part in pairs)

    none = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    blocks = [most_similar(block) for block in _pair_blocks(has, sizes)]  # holds each block's best
    first, second, shared, scores = most_similar(tuple(map(np.concatenate, zip(none, *blocks))))
    return ClassSimilarity(names, first, second, scores, shared, threshold, median, mad, int(counts.sum()),
                           len(common), sorted(left_out), dict(zip(names, own)), given, load)


PAIRS_PER_BLOCK = 1 << 16  # pairs counted at once, at most: a block's memory, whatever the class's size


def _pair_blocks(has: scipy.sparse.csr_matrix, sizes: np.ndarray) -> Iterator[tuple[np.ndarray, ...]]:
    """(first, second, shared, similarity) of every pair a < b that shares an own fingerprint, in
    blocks of first students (as many as make ``PAIRS_PER_BLOCK`` pairs with the whole class)."""
    others = has.T.tocsr()  # once: the product of two CSR matrices is the fast one
    block = max(1, PAIRS_PER_BLOCK // max(1, has.shape[0]))
    for start in range(0, has.shape[0], block):
        together = (has[start:start + block] @ others).tocoo()
        first = together.row.astype(np.int64) + start
        second = together.col.astype(np.int64)
        pair = first < second  # each pair once
        first, second, shared = first[pair], second[pair], together.data[pair].astype(np.int64)
        scores = np.minimum(1.0, shared / np.maximum(MIN_OWN, np.minimum(sizes[first], sizes[second])))
        yield first, second, shared, scores


def _most_similar_first(first: np.ndarray, second: np.ndarray, shared: np.ndarray,
                        scores: np.ndarray) -> np.ndarray:
    """The order of these pairs, most similar first; then most shared; then by names."""
    return np.lexsort((second, first, -shared, -scores))  # the last key sorts first


def _merged_counts(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(values, how often) of several such tables, as one table of distinct sorted values."""
    values = np.concatenate([np.empty(0), *(v for v, _ in parts)])
    counts = np.concatenate([np.empty(0, np.int64), *(c for _, c in parts)])
    distinct, where = np.unique(values, return_inverse=True)
    return distinct, np.bincount(where, weights=counts, minlength=len(distinct)).astype(np.int64)


def _median(values: np.ndarray, counts: np.ndarray) -> float:
    """The median of the multiset where each of the sorted ``values`` occurs ``counts`` times, as
    ``np.median`` of it gives it (the mean of the two middle ones); 0.0 when empty."""
    total = int(counts.sum())
    if total == 0:
        return 0.0
    ends = np.cumsum(counts)  # the multiset's element k is values[first index whose end > k]
    low, high = (values[np.searchsorted(ends, k, side="right")] for k in ((total - 1) // 2, total // 2))
    return float((low + high) / 2)


def class_hashes(out: Path) -> tuple[dict[str, np.ndarray], list[tuple[str, str]]]:
    """Every student's fingerprint hashes under ``out/students`` (id -> ``Code.hashes``), and who is
    left out, with why. Each student's code is read once and not kept (``stored_class_code`` reads it
    again): a class of thousands is never held whole."""
    hashes, left_out = {}, []
    folders = sorted((out / "students").iterdir()) if (out / "students").is_dir() else []
    for folder in folders:
        record = stored_code(folder)
        if record is None:
            continue  # not submitted, or graded before the similarity existed and not in DIR now
        found, why = _code_of(folder, record)
        if found is not None:
            hashes[folder.name] = found.hashes()
        else:
            left_out.append((folder.name, why))
    return hashes, left_out


def stored_class_code(out: Path, student: str) -> Code:
    """One student's code as ``class_hashes`` read it (her ``code.json``)."""
    folder = out / "students" / student
    code, why = _code_of(folder, stored_code(folder) or {})
    if code is None:
        raise CodeError(why)
    return code


# ------------------------------------------------------------------ the outputs


def similarity_csv(result: ClassSimilarity) -> str:
    """``student_a, student_b, similarity``: the listed pairs, most similar first."""
    from .batch import _cell  # the gradebook's cells: an id a spreadsheet would run as a formula is quoted
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_a", "student_b", "similarity"])
    for pair in result.listed():
        writer.writerow([_cell(pair.a), _cell(pair.b), f"{pair.similarity:.3f}"])
    return buffer.getvalue()


def marked(unit: Unit, unit_tokens: list[Token], positions: Iterable[int]) -> list[tuple[str, bool]]:
    """The unit's text cut into (text, matched) pieces: each matched k-gram covers its K tokens."""
    spans = sorted((unit_tokens[p].start, unit_tokens[p + K - 1].end) for p in positions)
    pieces, at = [], 0
    for start, end in spans:
        start = max(start, at)
        if end <= at:
            continue
        if start > at:
            pieces.append((unit.text[at:start], False))
        pieces.append((unit.text[start:end], True))
        at = end
    if at < len(unit.text):
        pieces.append((unit.text[at:], False))
    return pieces


def side(code: Code, where: dict[int, list[tuple[int, int]]], shared: set[int]) -> list[dict[str, Any]]:
    """The units of one side of a pair that hold shared fingerprints, their matching regions marked."""
    positions: dict[int, list[int]] = defaultdict(list)
    for h in shared:
        for unit, position in where.get(h, []):
            positions[unit].append(position)
    return [{"file": code.units[i].file, "name": code.units[i].name, "line": code.units[i].line,
             "pieces": marked(code.units[i], tokens(code.units[i].text), positions[i])}
            for i in sorted(positions)]


def report_data(result: ClassSimilarity, shown_pairs: int = SHOWN) -> dict[str, Any]:
    """What report.html's section shows (``similarity.json``): the method, the flagged pairs side by side."""
    pairs = []
    for pair in result.flagged[:shown_pairs]:
        shared = set(np.intersect1d(result.own[pair.a], result.own[pair.b], assume_unique=True).tolist())
        codes = [result.load(student) for student in (pair.a, pair.b)] if result.load else []
        pairs.append({"a": pair.a, "b": pair.b, "similarity": pair.similarity, "shared": pair.shared,
                      "sides": [side(code, code.where(result.given), shared) for code in codes]})
    return {"students": result.students, "threshold": result.threshold, "median": result.median,
            "mad": result.mad, "common": result.common, "flagged": len(result.flagged),
            "listed": len(result.listed()), "k": K, "w": W, "left_out": result.left_out, "pairs": pairs}


def update(out: Path, submissions: dict[str, Path], assignment: Assignment | None = None) -> ClassSimilarity:
    """Keep the code of these submissions (where not kept yet or changed), compare the whole class in OUT.

    ``submissions``: student id -> the submission graded into ``out/students/<id>``; the
    stored result's ``submission_sha256`` says whether the kept code is still its code.
    Writes ``similarity.csv`` and ``similarity.json`` (for report.html). Nothing a
    submission holds stops it: an unreadable one is left out, with its reason.
    """
    assignment = assignment or current()
    for student, path in submissions.items():
        folder = out / "students" / student
        sha = _stamped_sha(folder)
        if sha is None:
            continue  # no result was written (an interrupted batch): nothing to compare with yet
        kept = stored_code(folder)
        if kept is None or kept.get("submission_sha256") != sha:
            store_code(folder, path, sha, assignment)
    hashes, left_out = class_hashes(out)
    result = compare_hashes(hashes, all_kgrams(given_units(assignment)), left_out,
                            functools.partial(stored_class_code, out))
    write_atomic(out / CSV_NAME, similarity_csv(result))
    write_atomic(out / DATA_NAME, json.dumps(report_data(result)))
    return result


def _stamped_sha(folder: Path) -> str | None:
    from .report import STAMP

    stamp = (_json_object(folder / "result.json") or {}).get(STAMP)
    sha = stamp.get("submission_sha256") if isinstance(stamp, dict) else None
    return str(sha) if sha is not None else None


def load_report_data(out: Path) -> dict[str, Any] | None:
    """The report section's data ``update`` wrote, or None when there is none."""
    return _json_object(out / DATA_NAME)


# ------------------------------------------------------------------ export-similarity


_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def export(out: Path, folder: Path,
           assignment: Assignment | None = None) -> tuple[int, list[tuple[str, str]]]:
    """Write every student's kept code as plain files, for MOSS, JPlag or Dolos.

    ``folder/students/<id>/<module>.py`` (a notebook: its code cells as ``<notebook>.py``) and
    ``folder/given/``, the stub modules and the release notebooks' code (their base code:
    MOSS's ``-b``, JPlag's ``-bc``). Returns how many students were written and who was
    left out, with why.
    """
    assignment = assignment or current()
    written, left_out = 0, []
    folders = sorted((out / "students").iterdir()) if (out / "students").is_dir() else []
    for student in folders:
        record = stored_code(student)
        if record is None:
            continue
        files = record.get("files")
        if not isinstance(files, dict):
            left_out.append((student.name, str(record.get("unreadable", "its stored code is damaged"))))
            continue
        target = folder / "students" / student.name
        target.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():  # a notebook's code as the .py file of its name
            (target / f"{_SAFE.sub('_', Path(str(name)).stem)}.py").write_text(str(text), encoding="utf-8")
        written += 1
    given = folder / "given"
    given.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[str]] = defaultdict(list)
    for unit in given_units(assignment):
        by_file[unit.file.split(",")[0]].append(unit.text)
    for name, texts in by_file.items():
        stem = _SAFE.sub("_", Path(name).stem)
        (given / f"{stem}.py").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    return written, left_out


def command(args: argparse.Namespace) -> int:
    """``autograder export-similarity OUT DIR``: 0 when written."""
    from .cli import UsageError

    out, folder = Path(args.out), Path(args.dir)
    if not (out / "students").is_dir():
        raise UsageError(f"{args.out} holds no graded class (no students/ folder): "
                         "run `autograder batch` first")
    try:
        written, left_out = export(out, folder)
    except OSError as exc:
        raise UsageError(f"cannot write {args.dir}: {exc.strerror}") from None
    print(f"{written} student(s) written to {folder / 'students'}; the given code to {folder / 'given'}")
    for student, why in left_out:
        print(f"left out {student}: {why}")
    return 0
