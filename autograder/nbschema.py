"""jsonschema (under nbformat and nbgrader) without its slowest import.

Imported before nbformat or nbgrader by every module of the grader that imports them.
"""

from __future__ import annotations

import sys


def skip_iri_format_checks() -> None:
    """Spare this process the import of ``rfc3987_syntax``: 0.7 s, a tenth of the whole run.

    jsonschema (under nbformat and nbgrader) imports it, when installed, only for its "iri"
    format checkers, and it builds 38 lark parsers as it is imported
    (python-jsonschema/jsonschema#1428). No schema of nbformat or nbgrader checks formats.
    None in ``sys.modules`` makes its import fail as a missing optional package's does,
    which jsonschema expects; nothing else changes. Too late, and harmless, once it is imported.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
