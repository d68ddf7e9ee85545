"""sys.exit(0) at import: an import that ends the program is an import error, not the end of grading."""

MODULE = "lstm"
TASK = "lstm.*"
REASON = r"does not import"
AT_IMPORT = "import sys\nsys.exit(0)\n"
