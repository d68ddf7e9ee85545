"""Functions judged by their properties: random draws, whose values need not be the reference's.

A sampler that draws from its ``rng`` argument (a ``spec.Seed``: a ``numpy.random.Generator``)
may draw in another, equally correct, order than the reference, so no value can be compared.
What any correct sampler does is judged instead, by the generic check ``"properties"`` and by
the helpers below, which an assignment's own checks use too (week 4's dropout):

- its sample has the reference's shape and dtype;
- the same seed gives the same sample, whatever numpy's global seed (``expect_reproducible``);
- another seed, or the same seed after the generator drew already, gives another sample
  (``expect_new_sample_per_seed``: a sample drawn once and kept, or from a fixed seed, fails);
- its values follow the reference's distribution (``same_distribution``): a two-sample test
  between the student's samples (of the case's seed, another seed and the advanced generator)
  and the reference's draws made ahead from other seeds (``DRAWS`` of them, stored as the case's
  expected values so that the self-check needs no reference). Floats (and integers of many
  values): Kolmogorov-Smirnov; bools and integers of at most ``CATEGORIES`` values: a chi-square
  test of the counts. A correct sampler fails it with probability at most ``ALPHA`` (one in a
  million), whatever the sample size; how large a difference it catches grows with the size:
  the KS test flags a largest gap between the two cumulative distributions above about
  2.7 * sqrt((n + m) / (n m)) (0.1 for two samples of 1500 values).

Options of a ``"properties"`` task: ``returns`` (as for ``"value"``; default one value) and
``sample``, the name of the returned value that is random (default: the first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .checks import Context, Failed, Reference, check_inputs_unchanged, kind_of, same, unpack
from .spec import Case, Seed, Task

ALPHA = 1e-6  # the false-alarm rate of the distribution test: a correct sampler fails once in a million cases
DRAWS = 5  # the reference's samples, from seeds of their own, that the student's are tested against
CATEGORIES = 20  # bool or integer samples of at most this many distinct values: a chi-square test of counts
GLOBAL_SEEDS = (12345, 54321)  # numpy's global seed before two calls with the same rng seed
OTHER_SEED = 1000  # added to the case's seed for "another seed"
SKIP = 7  # numbers the "advanced" generator has drawn before the call


def seed_name(inputs: dict[str, Any]) -> str:
    """The name of the case's random generator argument (its first ``Seed``)."""
    return next(name for name, value in inputs.items() if isinstance(value, Seed))


def first_value(value: Any) -> Any:
    """The first returned value of a function that returns several (as a tuple or a list)."""
    return value[0] if isinstance(value, tuple | list) and value else value


def binomial_ok(count: int, n: int, p: float, what: str = "dropped", rate: str = "drops") -> tuple[bool, str]:
    """Is ``count`` a plausible draw of Binomial(n, p)? Five standard deviations (a false alarm ~6e-7).

    Returns the verdict and its explanation: "3 of 20 dropped (0.150), but p = 0.5 drops 0.500 +- 0.559".
    """
    sd = np.sqrt(n * p * (1 - p))
    ok = abs(count - n * p) <= 5 * sd + 1e-9
    spread = 5 * sd / n
    return bool(ok), f"{count} of {n} {what} ({count / n:.3f}), but p = {p} {rate} {p:.3f} +- {spread:.3f}"


def expect_reproducible(ctx: Context, task: Task, inputs: dict[str, Any], first: Any,
                        sample_of: Callable[[Any], Any] = first_value) -> None:
    """The same rng seed gives ``first`` again, whatever numpy's global seed.

    ``sample_of``: the random part of a returned value (by default the first of several).
    """
    seed = inputs[seed_name(inputs)]
    again, other_global = (sample_of(ctx.call(task.name, inputs, global_seed=s).value) for s in GLOBAL_SEEDS)
    first = sample_of(first)
    if not same(again, other_global):
        # The calls differ only in np.random.seed(...) set before them: the result follows that state.
        raise Failed(f"the same rng seed ({seed.seed}) gave different results when numpy's global seed "
                     "changed: they come from numpy's global random state, not from rng.",
                     "draw every random number from the rng argument (rng.random(...)), never from "
                     "np.random.")
    if not same(first, again):
        raise Failed(f"the same rng seed ({seed.seed}) gave different results.",
                     "draw every random number from the rng argument (rng.random(...)), and only from it.")


def expect_new_sample_per_seed(ctx: Context, task: Task, inputs: dict[str, Any], first: np.ndarray,
                               sample_of: Callable[[Any], Any], what: str = "sample",
                               draw: str = "rng.random(shape), rng.standard_normal(shape), ...") -> list[Any]:
    """Another rng seed, in the same process, gives another sample; so does the same seed from a
    generator that has drawn already. ``first`` is the case's own seed's sample. Returns the two
    other samples (what ``sample_of`` gives of them).

    A sample cached in a module global, drawn from a fixed seed, or chosen by position (the
    first p*n units) passes every test of one call; this catches it.
    """
    name = seed_name(inputs)
    seed = inputs[name].seed
    other_seed = Seed(seed + OTHER_SEED)
    other = sample_of(ctx.call(task.name, dict(inputs, **{name: other_seed})).value)
    if isinstance(other, np.ndarray) and same(first, other):
        raise Failed(f"rng seeds {seed} and {other_seed.seed} gave the same {what}: it does not come from "
                     f"rng (a {what} drawn once and kept, or drawn from a fixed seed).",
                     f"draw a new {what} from the rng argument at every call: {draw}.")
    later = sample_of(ctx.call(task.name, dict(inputs, **{name: Seed(seed, skip=SKIP)})).value)
    if isinstance(later, np.ndarray) and same(first, later):
        raise Failed(f"a generator of seed {seed} that had already drawn {SKIP} numbers gave the same {what} "
                     f"as a fresh one: the {what} follows the seed, not the generator's state.",
                     f"draw the {what} from rng itself ({draw}): never key a cache on the seed.")
    return [other, later]


def same_distribution(got: np.ndarray, want: np.ndarray, public: bool = False) -> tuple[bool, str]:
    """Are ``got`` and ``want`` (flat samples) plausibly draws of one distribution? A two-sample test
    at the false-alarm rate ``ALPHA``; returns the verdict and what the test saw (the samples'
    statistics only when ``public``: a hidden case shows none of the reference's values)."""
    from scipy import stats  # the grader's and the self-check's only use of scipy: imported when judged

    got, want = np.ravel(got), np.ravel(want)
    values = np.union1d(got, want)
    if got.dtype.kind in "biu" and want.dtype.kind in "biu" and values.size <= CATEGORIES:
        if values.size < 2:
            return True, ""
        counts = np.array([[np.sum(sample == v) for v in values] for sample in (got, want)])
        p = float(stats.chi2_contingency(counts, correction=False).pvalue)
        shares = ", ".join(f"{v}: {g / got.size:.3f} vs {w / want.size:.3f}"
                           for v, g, w in zip(values.tolist(), *counts))
        return p >= ALPHA, (f"the shares of its values differ from the reference's (p = {p:.2g} by a "
                            "chi-square test)" + (f"; yours vs the reference's, {shares}" if public else ""))
    result = stats.ks_2samp(got.astype(float), want.astype(float))
    quartiles = "; ".join(f"{np.quantile(s, 0.25):.3g}, {np.median(s):.3g}, {np.quantile(s, 0.75):.3g}"
                          for s in (got, want))
    return float(result.pvalue) >= ALPHA, (
        f"the largest gap between its cumulative distribution and the reference's is {result.statistic:.3f} "
        f"(p = {float(result.pvalue):.2g} by a Kolmogorov-Smirnov test)"
        + (f"; quartiles yours vs the reference's: {quartiles}" if public else ""))


def expected_properties(ref: Reference, task: Task, inputs: dict[str, Any], rng: np.random.Generator) -> dict:
    """The reference's sample with the case's seed (its shape and dtype), and its ``DRAWS`` samples
    from seeds of their own, pooled (the distribution the student's must follow)."""
    name, returns, sample = seed_name(inputs), task.options.get("returns", "sample"), _sample_name(task)
    seed = inputs[name].seed

    def draw(rng_seed: Seed) -> np.ndarray:
        return np.asarray(unpack(ref.run(task.name, dict(inputs, **{name: rng_seed}))[0], returns,
                                 task.function)[sample])

    draws = [np.ravel(draw(Seed(seed + 1 + k * 7919))) for k in range(DRAWS)]
    return {"sample": draw(Seed(seed)), "draws": np.concatenate(draws)}


def _sample_name(task: Task) -> str:
    returns = task.options.get("returns", "sample")
    return task.options.get("sample", returns if isinstance(returns, str) else returns[0])


def judge_properties(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> None:
    returns, name = task.options.get("returns", "sample"), _sample_name(task)

    def sample_of(value: Any) -> Any:
        return unpack(value, returns, task.function)[name]

    outcome = ctx.call(task.name, inputs)
    got, want = sample_of(outcome.value), expected["sample"]
    if not isinstance(got, np.ndarray) or got.shape != want.shape:
        raise Failed(f"{name} should be an ndarray of shape {want.shape}; it is {kind_of(got)}.")
    if got.dtype != want.dtype:
        raise Failed(f"{name} has dtype {got.dtype}; expected {want.dtype}.",
                     f"a random array of dtype {want.dtype}: look at how it is drawn or converted (.astype).")
    check_inputs_unchanged(task.function, inputs, outcome)
    expect_reproducible(ctx, task, inputs, got, sample_of)
    samples = [got]
    if np.unique(expected["draws"]).size > 1:  # a sampler that may vary (not p = 0, not a constant)
        samples += [s for s in expect_new_sample_per_seed(ctx, task, inputs, got, sample_of)
                    if isinstance(s, np.ndarray) and s.dtype == want.dtype]
    ok, detail = same_distribution(np.concatenate([np.ravel(s) for s in samples]), expected["draws"],
                                   case.public)
    if not ok:
        raise Failed(f"{name} does not follow the reference's distribution: {detail}.",
                     "check what is drawn (which of rng's methods, its parameters: mean, scale, bounds, "
                     "probability) and any arithmetic applied to it.")
