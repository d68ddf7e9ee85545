"""The corpus is students' submissions, not tests of ours: pytest never collects anything in it
(folder_src_layout carries the student's own tests/test_mine.py, which imports their package)."""

collect_ignore = ["corpus"]
