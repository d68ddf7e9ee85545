"""A dropout mask comes from the state of ``rng``, not from its seed (SPEC §1: it draws only from rng).

A mask kept per seed (a cache keyed on ``rng.bit_generator.seed_seq.entropy``) passes "the same seed
gives the same mask" and "another seed gives another mask"; only a generator that has already drawn
(same seed, another state) shows that the mask ignores the generator's state: the wire carries a
generator as its seed and the numbers it has drawn (``protocol.SeedArg``).
"""

from __future__ import annotations

from bugcorpus import Bug, write_submission
from test_bug_corpus import plan_for

from autograder.grade import grade_submission

PER_SEED = Bug("dropout_mask_per_seed", "dropout", "dropout.dropout_mask", "", (), "a mask kept per seed", {
    "dropout_mask": '''def dropout_mask(shape, p, rng):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    key = (rng.bit_generator.seed_seq.entropy, tuple(shape), p)
    if key not in _MASKS:
        _MASKS[key] = rng.random(shape) >= p
    return _MASKS[key]'''}, module_state="_MASKS = {}")


def test_a_generator_that_advanced_gives_a_new_mask(tmp_path):
    result = grade_submission(write_submission(tmp_path / "per_seed", [PER_SEED]), isolated=False,
                              plan=plan_for("dropout"))
    task = next(t for t in result.tasks if t.name == "dropout.dropout_mask")
    assert task.score < task.max_score
