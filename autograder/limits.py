"""The child's entry point: apply the resource limits, then serve the grader.

Runs first in the fresh interpreter, before numpy or any student code is
imported, so the limits hold for everything that follows (a process can lower
its limits but never raise them back).
"""

import json
import os
import resource
import sys


def apply(limits: dict) -> None:
    def cap(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))

    cap(resource.RLIMIT_CPU, int(limits["cpu"]))
    cap(resource.RLIMIT_AS, int(limits["memory"]))
    cap(resource.RLIMIT_FSIZE, int(limits["file_size"]))
    cap(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    cap(resource.RLIMIT_CORE, 0)


if __name__ == "__main__":
    apply(json.loads(os.environ["AUTOGRADER_LIMITS"]))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import child

    child.serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
