"""The student bundle's self-check runs on every student's laptop: Windows and macOS too.

The sandbox is the grader's, not the self-check's: ``autograder check``, the pytest plugin and the
notebooks' test cells must import nothing Unix-only. A ``sitecustomize`` shim, first on the path of
a subprocess, makes this Linux look like those platforms before anything else runs:

- Windows: ``resource``, ``fcntl``, ``pwd``, ``grp`` and ``termios`` cannot be imported (a meta path
  finder refuses them) and ``os.fork``, ``os.setsid`` and ``os.killpg`` do not exist;
- macOS: multiprocessing starts its processes with ``spawn``.

The bundle is the one ``autograder release`` writes; the self-check grades the reference (full
marks: the student's code really ran) and the stubs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from bugcorpus import write_submission
from test_release import NOTEBOOK_PROBE

from autograder import public, release

N_PUBLIC = sum(len(cases) for _, cases in public.load_plan())

SHIMS = {
    "windows": '''
import importlib.abc, os, sys

UNIX_ONLY = {"resource", "fcntl", "pwd", "grp", "termios"}


class NotOnWindows(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in UNIX_ONLY:
            raise ModuleNotFoundError(f"No module named {name!r} (as on Windows)", name=name)
        return None


for name in UNIX_ONLY:
    sys.modules.pop(name, None)
sys.meta_path.insert(0, NotOnWindows())
for name in ("fork", "setsid", "killpg"):
    if hasattr(os, name):
        delattr(os, name)
''',
    "macos": '''
import multiprocessing

multiprocessing.set_start_method("spawn", force=True)
''',
}
PROBE = {
    "windows": "import os; assert not hasattr(os, 'fork'); import resource",
    "macos": "import multiprocessing; print(multiprocessing.get_start_method())",
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("laptop") / "week4"
    release.write_release(out)
    return out


@pytest.fixture(scope="module", params=sorted(SHIMS))
def laptop(request, tmp_path_factory, bundle):
    """Run this virtualenv's python in the bundle as on that platform; returns the runner."""
    shim = tmp_path_factory.mktemp(request.param)
    (shim / "sitecustomize.py").write_text(SHIMS[request.param])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env["PYTHONPATH"] = os.pathsep.join([str(shim), str(bundle)])

    def run(*args: str, cwd: Path = bundle) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=180)

    run.platform = request.param
    return run


def test_the_shim_is_in_force(laptop):
    probe = laptop("-c", PROBE[laptop.platform])
    if laptop.platform == "windows":
        assert probe.returncode != 0 and "(as on Windows)" in probe.stderr
    else:
        assert probe.returncode == 0 and probe.stdout.strip() == "spawn", probe.stderr


def test_check_grades_the_reference_full_and_the_stubs_zero(laptop, tmp_path):
    reference = write_submission(tmp_path / "reference")
    run = laptop("-m", "autograder", "check", str(reference))
    assert run.returncode == 0 and "total: 100 / 100" in run.stdout, run.stdout[-2000:] + run.stderr
    run = laptop("-m", "autograder", "check")
    assert run.returncode == 1 and "total: 0 / 100" in run.stdout, run.stdout[-2000:] + run.stderr
    assert "not available here" not in run.stdout + run.stderr


def test_pytest_runs_the_public_cases(laptop):
    run = laptop("-m", "pytest", "-p", "no:cacheprovider")
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout[-2000:] + run.stderr
    assert f"{N_PUBLIC} failed" in run.stdout




def test_the_notebooks_test_cells_run(laptop, bundle):
    notebook = sorted((bundle / "notebooks").glob("*.ipynb"))[0]
    run = laptop("-c", NOTEBOOK_PROBE, str(notebook), cwd=bundle / "notebooks")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "not written yet" in run.stdout and "public cases" in run.stdout
