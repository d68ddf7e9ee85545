"""The similarity report: own code compared across a class, robust to disguises, at class scale.

The corpus (``tests/similarity/``, written by its ``make_corpus.py``) is a class of independent
correct implementations with planted copies, each disguised one way. These tests store its code
in an OUT the way ``batch`` does (a result stamp per student, then ``similarity.update``), without
grading it: the grading of a class is ``test_batch``'s.
"""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from autograder import cli, similarity
from autograder.batch import content_hash
from autograder.classreport import render_html
from autograder.report import STAMP

CORPUS = Path(__file__).resolve().parent / "similarity"
PLANTED = {tuple(line.split()) for line in (CORPUS / "planted.txt").read_text().splitlines()}


def _student(entry: Path) -> str:
    return entry.stem if entry.suffix in (".zip", ".ipynb") else entry.name


def _stamp(out: Path, student: str, sha: str) -> None:
    """A stored result as batch leaves it, as far as the similarity reads it: its stamp's content hash."""
    folder = out / "students" / student
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").write_text(json.dumps({STAMP: {"student": student, "submission_sha256": sha}}))


def _graded_class(src: Path, out: Path) -> dict[str, Path]:
    submissions = {_student(entry): entry for entry in sorted(src.iterdir())}
    for student, entry in submissions.items():
        _stamp(out, student, content_hash(entry))
    return submissions


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """(OUT, the class's similarity) of the corpus."""
    out = tmp_path_factory.mktemp("out")
    result = similarity.update(out, _graded_class(CORPUS / "class", out))
    return out, result


def _score(result: similarity.ClassSimilarity, a: str, b: str) -> float:
    a, b = sorted((a, b))
    return next((p.similarity for p in result.pairs if (p.a, p.b) == (a, b)), 0.0)


# ---------------------------------------------------------------- the method


def test_every_planted_pair_ranks_above_every_independent_pair_and_only_they_are_flagged(compared):
    _, result = compared
    students = result.names
    independent = [(a, b) for i, a in enumerate(students) for b in students[i + 1:] if (a, b) not in PLANTED]
    lowest_planted = min(_score(result, a, b) for a, b in PLANTED)
    highest_independent = max(_score(result, a, b) for a, b in independent)
    assert lowest_planted > highest_independent, (lowest_planted, highest_independent)
    assert {(p.a, p.b) for p in result.flagged} == PLANTED


@pytest.mark.parametrize("copy", ["offsets_renamed", "offsets_compact", "loops_reordered", "loops_notebook",
                                  "einsum_recommented", "ref_black"])
def test_a_disguised_whole_copy_keeps_nearly_all_its_own_code(compared, copy):
    _, result = compared
    original = copy.split("_")[0]
    assert _score(result, original, copy) >= 0.9


def test_two_modules_copied_out_of_six_are_flagged(compared):
    _, result = compared
    assert 0.25 <= _score(result, "ref", "two_of_six") < 0.9
    assert next(p for p in result.pairs if {p.a, p.b} == {"ref", "two_of_six"}).flagged


def test_unchanged_stubs_have_no_own_code_and_pair_with_no_one(compared):
    _, result = compared
    assert len(result.own["stubs_1"]) == 0 and len(result.own["stubs_2"]) == 0
    assert not [p for p in result.pairs if {"stubs_1", "stubs_2"} & {p.a, p.b}]


def test_a_submission_that_cannot_be_read_is_left_out_with_its_reason(compared):
    out, result = compared
    assert result.left_out == [("broken", "broken.zip is not a readable zip file (zipfile.BadZipFile: "
                                           "File is not a zip file)")]
    assert "broken" not in result.names
    assert json.loads((out / "students" / "broken" / "code.json").read_text())["unreadable"]


def test_names_literals_comments_docstrings_and_layout_do_not_change_the_tokens():
    written = '''def f(x, w):
    """Doc."""
    out = np.zeros((x.shape[0], 3))  # a comment
    for i in range(3): out[:, i] = x @ w[i] + 1.5
    return out, (x, w,)
'''
    disguised = '''def other_name(inputs, weights):
    # other words
    result = np.zeros(
        (inputs.shape[0], 7),
    )
    for k in range(9):
        result[:, k] = inputs @ weights[k] + 2
    return result, (inputs, weights)
'''
    assert [t.kind for t in similarity.tokens(written)] == [t.kind for t in similarity.tokens(disguised)]
    assert "zeros" in [t.kind for t in similarity.tokens(written)]  # numpy's names are not the student's


def test_every_shared_run_of_k_plus_w_minus_1_tokens_shares_a_fingerprint():
    hashes = list(range(1000, 0, -7)) + list(range(3, 500, 11))
    run = hashes[40:40 + similarity.W]  # any W consecutive k-grams: K + W - 1 tokens
    assert set(similarity.winnow(run)) and {run[p] for p in similarity.winnow(run)} <= {
        hashes[p] for p in similarity.winnow(hashes)}


def test_the_class_idioms_are_left_out():
    files = {"m.py": "def f(a, b):\n    c = np.einsum('ij,jk->ik', a, b) + a.sum(0)\n"
                     "    return c.reshape(-1), c.mean(axis=0) * 2\n"}
    code = {f"s{i}": similarity.Code(files) for i in range(12)}  # twelve wrote it: over 10% and over 5
    result = similarity.compare(code)
    assert result.common > 0 and not result.pairs


# ---------------------------------------------------------------- the outputs


def test_the_csv_has_its_header_the_flagged_pairs_first_and_most_similar_first(compared):
    out, result = compared
    with open(out / "similarity.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student_a", "student_b", "similarity"]
    scores = [float(row[2]) for row in rows[1:]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert {tuple(row[:2]) for row in rows[1:len(PLANTED) + 1]} == PLANTED
    assert len(rows) - 1 == min(similarity.LISTED, len(result.pairs))


class _Outline(HTMLParser):
    """The headings of a page in order, and the text inside its <mark>s."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.marked: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "h4", "mark"):
            self._in = tag
            (self.marked if tag == "mark" else self.headings).append(
                "" if tag == "mark" else (int(tag[1]), ""))

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "mark":
            self.marked[-1] += data
        elif self._in:
            level, text = self.headings[-1]
            self.headings[-1] = (level, text + data)


def test_the_report_shows_the_flagged_pairs_side_by_side_with_the_matches_marked(compared):
    out, result = compared
    page = render_html([], similarity.load_report_data(out))
    outline = _Outline()
    outline.feed(page)
    levels = [level for level, _ in outline.headings]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), "no heading level is skipped"
    titles = [text for _, text in outline.headings]
    assert "Similar code" in titles
    pairs = [t for level, t in outline.headings if level == 3 and " and " in t and "similarity" in t]
    assert len(pairs) == len(PLANTED)
    assert pairs[0].startswith(f"{result.flagged[0].a} and {result.flagged[0].b}")
    assert any("tensordot" in text for text in outline.marked)  # offsets' convolution, found in its copies
    assert "broken: broken.zip is not a readable zip file" in page


def test_the_report_escapes_what_students_wrote(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    for name in ("a", "b"):
        (src / name).mkdir(parents=True)
        code = (CORPUS / "class" / "offsets" / "conv.py").read_text()
        evil = "    # </pre><script>alert(1)</script>\n    padded = np.pad"
        (src / name / "conv.py").write_text(code.replace("    padded = np.pad", evil, 1))
    similarity.update(out, _graded_class(src, out))
    page = render_html([], similarity.load_report_data(out))
    assert "<script>alert" not in page and "&lt;script&gt;" in page


# ---------------------------------------------------------------- kept code, --only, export


def test_kept_code_is_reread_only_when_the_submission_changed(compared, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(compared[0], out)
    src = tmp_path / "class"
    shutil.copytree(CORPUS / "class", src)
    read = []
    original = similarity.read_code
    monkeypatch.setattr(similarity, "read_code",
                        lambda path, *args: read.append(path.name) or original(path, *args))
    (src / "offsets" / "conv.py").write_text("def conv_forward(x, w, b, stride=1, pad=0):\n    return x\n")
    _stamp(out, "offsets", "changed")
    again = similarity.update(out, {"offsets": src / "offsets"})  # as `batch --only offsets` calls it
    assert read == ["offsets"]
    assert again.names == compared[1].names, "the whole class, not only offsets"
    def shared(result, a, b):
        return next(p.shared for p in result.pairs if (p.a, p.b) == (a, b))

    assert _score(again, "offsets_compact", "offsets_renamed") == 1.0
    assert shared(again, "offsets", "offsets_renamed") < shared(compared[1], "offsets", "offsets_renamed")


def test_export_writes_each_students_code_and_the_given_code(compared, tmp_path, capsys):
    out, _ = compared
    assert cli.main(["export-similarity", str(out), str(tmp_path / "export")]) == 0
    students = tmp_path / "export" / "students"
    assert (students / "ref" / "conv.py").read_text() == (CORPUS / "class" / "ref" / "conv.py").read_text()
    notebooks = sorted(p.stem + ".py" for p in (CORPUS / "class" / "loops_notebook").glob("*.ipynb"))
    assert sorted(p.name for p in (students / "loops_notebook").iterdir()) == notebooks
    assert "def conv_forward" in (students / "loops_notebook" / "conv.py").read_text()
    assert (tmp_path / "export" / "given" / "conv.py").is_file()
    assert not (students / "broken").exists()
    printed = capsys.readouterr().out
    assert "left out broken: broken.zip is not a readable zip file" in printed


def test_export_of_a_folder_that_holds_no_class_exits_2(tmp_path, capsys):
    assert cli.main(["export-similarity", str(tmp_path), str(tmp_path / "export")]) == 2
    assert "holds no graded class" in capsys.readouterr().err


def test_a_grader_failure_on_one_submission_leaves_out_that_one_alone(tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    for name in ("a", "b", "c"):
        shutil.copytree(CORPUS / "class" / "offsets", src / name)
    (src / "c" / "conv.py").write_text((src / "c" / "conv.py").read_text() + "\n# BOOM\n")
    units = similarity.units

    def failing(file, source):
        if "BOOM" in source:
            raise RuntimeError("the grader's own bug")
        return units(file, source)

    monkeypatch.setattr(similarity, "units", failing)
    result = similarity.update(out, _graded_class(src, out))
    assert result.left_out == [("c", "its code could not be compared (grader error: RuntimeError)")]
    assert [(p.a, p.b, p.similarity) for p in result.pairs] == [("a", "b", 1.0)]


def test_the_pairs_counted_a_block_at_a_time_are_those_of_all_pairs_at_once(monkeypatch):
    """Median, deviation, threshold, and the pairs kept (every flagged one, then the most similar
    others) as plain Python finds them over every pair, with blocks of 7 students (a class of 60)."""
    rng = np.random.default_rng(3)
    groups = [rng.integers(-2**62, 2**62, size=60) for _ in range(6)]  # six sources of code, copied
    hashes = {f"s{i:02}": np.unique(np.concatenate([rng.choice(groups[i % 6], size=int(rng.integers(5, 50))),
                                                    rng.integers(-2**62, 2**62, size=10)]))
              for i in range(60)}
    for i in (10, 20, 45):  # three copies, each across a block's border or not
        extra = rng.integers(-2**62, 2**62, 3)
        hashes[f"s{i + 1:02}"] = np.unique(np.concatenate([hashes[f"s{i:02}"], extra]))
    monkeypatch.setattr(similarity, "PAIRS_PER_BLOCK", 7 * 60)  # blocks of 7 students
    result = similarity.compare_hashes(hashes)

    printed = {s: set(h.tolist()) for s, h in hashes.items()}
    frequency = Counter(h for prints in printed.values() for h in prints)
    common = {h for h, n in frequency.items() if n > similarity.common_limit(len(printed))}
    own = {s: prints - common for s, prints in printed.items()}
    assert result.common == len(common) > 0
    every = []
    for a, b in itertools.combinations(sorted(own), 2):
        if shared := len(own[a] & own[b]):
            score = min(1.0, shared / max(similarity.MIN_OWN, min(len(own[a]), len(own[b]))))
            every.append((a, b, score, shared))
    scores = np.array([score for *_, score, _ in every])
    median = float(np.median(scores))
    deviation = float(np.median(abs(scores - median)))
    threshold = max(similarity.MIN_FLAGGED, median + similarity.Z_FLAG * 1.4826 * deviation)
    assert (result.sharing, result.median, result.threshold) == (len(every), median, threshold)
    ranked = sorted(every, key=lambda p: (-p[2], -p[3], p[0], p[1]))
    flagged = sum(score >= threshold for *_, score, _ in every)
    kept = [(p.a, p.b, p.similarity, p.shared) for p in result.pairs]
    assert kept == ranked[:max(similarity.LISTED, flagged)]
    assert 0 < flagged < len(result.pairs) < len(every)
