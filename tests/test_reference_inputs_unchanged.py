"""No reference function modifies its input arrays (SPEC §1), module by module.

Each ``test_reference_<module>.py`` declares ``MUTATION_CASES`` (function name ->
arguments made from an rng) and ``NO_ARRAY_INPUTS`` (functions that take no array).
"""

import importlib

import pytest

from tests.week4 import MODULES

DECLARED = {module: importlib.import_module(f"test_reference_{module}") for module in MODULES}
CASES = [(module, name) for module, tests in DECLARED.items() for name in sorted(tests.MUTATION_CASES)]


@pytest.mark.parametrize("module", MODULES)
def test_every_public_function_is_covered(module):
    tests = DECLARED[module]
    assert set(tests.MUTATION_CASES) | getattr(tests, "NO_ARRAY_INPUTS", set()) == tests.PUBLIC


@pytest.mark.parametrize("module, name", CASES, ids=[f"{m}.{n}" for m, n in CASES])
def test_inputs_are_not_modified(module, name, rng, call_unmodified):
    args, kwargs = DECLARED[module].MUTATION_CASES[name](rng)
    call_unmodified(getattr(importlib.import_module(f"solutions.{module}"), name), *args, **kwargs)
