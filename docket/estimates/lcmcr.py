"""A Bayesian latent-class model of capture histories, after Manrique-Vallier (2016).

Reference: Daniel Manrique-Vallier, "Bayesian population size estimation using
Dirichlet process mixtures", Biometrics 72(4), 2016, 1246-1254. It is the
method of the R package LCMCR; this is Docket's own implementation of the
model and Gibbs sampler as the paper states them, written on numpy (no code
of the GPL package is used).

The model: every person of the population (documented or not) belongs to one
of up to K latent classes (a truncated stick-breaking approximation of a
Dirichlet process, with concentration alpha ~ Gamma(a, b)); within a class,
being on each list is an independent coin with its own probability
(product-Bernoulli, each lambda ~ Beta(1, 1)). Mixing classes lets capture
probabilities vary between persons and makes lists depend on each other
through who they reach, which is what real documentation lists do. The
population size has the prior p(N) proportional to 1/N.

The Gibbs sampler augments the data with the persons no list holds: given the
rest, their number is negative binomial, and they are given classes like the
documented ones; they count as persons on no list in the update of the
capture probabilities and of the class weights. Persons with the same capture
pattern are exchangeable, so each step works on counts per (pattern, class)
and costs the same for 500 persons or 500,000.

One step is added to the paper's: after the negative binomial draw, each
class's undocumented count takes a few Metropolis moves with that class's
capture probabilities integrated out (Beta-Bernoulli conjugacy) and the class
weights too (Beta stick-breaking fractions given alpha), before both are drawn
again. The posterior is the same (with one
class it is known in closed form, and tests hold the sampler to it); the
chain moves through it faster, because the count and the capture
probabilities no longer hold each other in place.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from math import lgamma, log

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

# The defaults of the paper and of the R package.
CLASSES = 10
ALPHA_SHAPE = 0.25
ALPHA_RATE = 0.25
# The chain's length of the R package LCMCR's defaults (10,000 steps of burn-in, 1,000
# draws kept one in 10): 20,000 steps, some ten seconds on a small machine; tests pass
# fewer. Shorter chains (6,000 steps) misplaced the tails of the posterior of N (their
# intervals differed by a fifth between seeds on the same table), which is what made
# intervals miss the truth in the simulations (docs/estimates.md).
BURN_IN = 10_000
SAMPLES = 1000
THINNING = 10
# Metropolis moves of each class's undocumented count per step, with the capture
# probabilities integrated out (see `_move_unseen`).
MOVES = 3


@dataclass
class LcmcrResult:
    draws: Floats = field(repr=False)
    estimate: float
    classes_used: float
    halves: tuple[float, float]


def _stick(breaks: Floats) -> Floats:
    """Class weights from stick-breaking fractions (the last fraction is 1)."""
    remaining = np.concatenate(([1.0], np.cumprod(1.0 - breaks[:-1])))
    return breaks * remaining


def _unseen_log_target(
    unseen: int, others: int, log_weight: float, missed: list[int], size: int
) -> float:
    """log p(undocumented count of one class | the rest), the class's capture
    probabilities integrated out (Beta(1, 1) priors), up to a constant: (N - 1)! for the
    1/N prior, the class's multinomial terms, and one Beta function per list (`missed`
    holds the class's documented persons each list did not hold; `size` is how many
    documented persons the class has)."""
    value = lgamma(others + unseen) - lgamma(unseen + 1) + unseen * log_weight
    for off in missed:
        value += lgamma(1 + off + unseen)
    return value - len(missed) * lgamma(2 + size + unseen)


def _stick_log_marginal(sizes: list[int], alpha: float) -> float:
    """log p(class sizes | alpha) with the stick-breaking fractions integrated out, up to
    a constant: one Beta function per fraction but the last (which is 1), B(1 + n_k,
    alpha + the sizes of the classes after k)."""
    value = 0.0
    after = sum(sizes)
    for size in sizes[:-1]:
        after -= size
        value += lgamma(1 + size) + lgamma(alpha + after) - lgamma(1 + alpha + size + after)
    return value


def _move_unseen(
    rng: np.random.Generator,
    unseen: NDArray[np.int64],
    on_list: NDArray[np.int64],
    documented: NDArray[np.int64],
    weights: Floats,
    observed: int,
    moves: int,
    alpha: float | None = None,
) -> NDArray[np.int64]:
    """Metropolis moves of the undocumented count of each class, with the capture
    probabilities integrated out.

    The plain Gibbs step (negative binomial given the capture probabilities, then
    capture probabilities given the count) moves the population size slowly when
    capture probabilities are low: each step's count is held near the last one by the
    capture probabilities drawn from it. Integrating the capture probabilities out lets
    the count move as far as the data allow. Jumps are symmetric (uniform, up to a reach
    drawn from scales fixed by the number documented), so the acceptance ratio is the
    target's ratio. Classes with almost no weight and no documented person are left to
    the Gibbs step (the choice depends on neither count, so the step stays valid).

    With `alpha`, the class weights are integrated out too (their stick-breaking
    fractions are Beta given alpha), and drawn afresh from the moved counts after the
    step: with the weights held, a class's count could move only as far as its weight,
    drawn from the count before, allowed, which kept the upper tail of the population
    size from being explored (chains of 20,000 steps still disagreed on it)."""
    unseen = unseen.copy()
    if alpha is None:
        active = [k for k in range(len(weights)) if weights[k] >= 1e-4 or documented[k] > 0]
    else:  # the weights are integrated out: which classes move may not depend on them
        active = list(range(len(weights)))
    scales = np.array([2, max(2, observed // 100), max(2, observed // 20), max(2, observed // 5)])
    draws = len(active) * moves
    reach = scales[rng.integers(len(scales), size=draws)]
    jumps = np.ceil(rng.random(draws) * reach).astype(np.int64)
    jumps *= np.where(rng.random(draws) < 0.5, 1, -1)
    accept = np.log(rng.random(draws) + 1e-300)
    total = observed + int(unseen.sum())
    index = 0
    for _ in range(moves):
        for k in active:
            proposal = int(unseen[k]) + int(jumps[index])
            threshold = float(accept[index])
            index += 1
            if proposal < 0:
                continue
            current = int(unseen[k])
            others = total - current
            size = int(documented[k])
            missed = [size - int(x) for x in on_list[:, k]]
            if alpha is None:
                log_weight = log(max(float(weights[k]), 1e-300))
            else:
                log_weight = 0.0
            change = _unseen_log_target(
                proposal, others, log_weight, missed, size
            ) - _unseen_log_target(current, others, log_weight, missed, size)
            if alpha is not None:
                sizes = [int(x) for x in documented + unseen]
                before = _stick_log_marginal(sizes, alpha)
                sizes[k] += proposal - current
                change += _stick_log_marginal(sizes, alpha) - before
            if threshold < change:
                unseen[k] = proposal
                total = others + proposal
    return unseen


def sample(
    cells: NDArray[np.int64],
    counts: NDArray[np.int64],
    *,
    seed: int | None = None,
    classes: int = CLASSES,
    burn_in: int = BURN_IN,
    samples: int = SAMPLES,
    thinning: int = THINNING,
    moves: int = MOVES,
    progress: Callable[[int, int], None] | None = None,
) -> LcmcrResult:
    """Posterior draws of the population size from the observed capture patterns `cells`
    (patterns × lists, 0/1) seen `counts` times each."""
    rng = np.random.default_rng(seed)
    patterns = cells.astype(float)
    lists = cells.shape[1]
    observed = int(counts.sum())
    present = counts > 0
    patterns, counts = patterns[present], counts[present]

    # Start: classes equally likely, capture probabilities drawn around the data's rates.
    alpha = 1.0
    breaks = rng.beta(1.0, alpha, size=classes)
    breaks[-1] = 1.0
    weights = _stick(breaks)
    capture = rng.uniform(0.2, 0.8, size=(lists, classes))
    hidden = observed

    total_steps = burn_in + samples * thinning
    draws = np.empty(samples)
    used = np.empty(samples)
    kept = 0
    for step in range(total_steps):
        # 1. Classes of the documented persons, per pattern: multinomial over classes.
        log_capture = np.log(capture)
        log_miss = np.log1p(-capture)
        log_weights = np.log(np.maximum(weights, 1e-300))
        log_joint = patterns @ log_capture + (1.0 - patterns) @ log_miss + log_weights
        log_joint -= log_joint.max(axis=1, keepdims=True)
        probabilities = np.exp(log_joint)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        allocation = rng.multinomial(counts, probabilities)

        # 2. The undocumented: how many, given the chance of being on no list...
        missed_by_class = np.exp(log_miss.sum(axis=0))
        missed = float(np.dot(weights, missed_by_class))
        missed = min(max(missed, 1e-12), 1.0 - 1e-12)
        hidden = int(rng.negative_binomial(observed, 1.0 - missed))
        # ...and their classes.
        unseen = rng.multinomial(hidden, weights * missed_by_class / missed)
        # ...then moved with the capture probabilities integrated out, which are drawn
        # afresh from the moved counts below (a valid blocked step: the old ones are
        # not used again).
        on_list = patterns.T @ allocation
        documented = allocation.sum(axis=0)
        if moves:
            unseen = _move_unseen(rng, unseen, on_list, documented, weights, observed, moves, alpha)
            hidden = int(unseen.sum())

        # 3. Capture probabilities per list and class (the undocumented are on no list).
        in_class = documented + unseen
        capture = rng.beta(1.0 + on_list, 1.0 + in_class[None, :] - on_list)
        capture = np.clip(capture, 1e-10, 1.0 - 1e-10)

        # 4. Class weights by stick breaking, then the concentration.
        after = np.concatenate((np.cumsum(in_class[::-1])[::-1][1:], [0]))
        breaks = rng.beta(1.0 + in_class, alpha + after)
        breaks[-1] = 1.0
        breaks = np.clip(breaks, 1e-12, 1.0)
        weights = _stick(breaks)
        alpha = rng.gamma(
            ALPHA_SHAPE + classes - 1,
            1.0 / (ALPHA_RATE - np.sum(np.log1p(-np.minimum(breaks[:-1], 1.0 - 1e-12)))),
        )

        if step >= burn_in and (step - burn_in) % thinning == thinning - 1:
            draws[kept] = observed + hidden
            used[kept] = np.count_nonzero(in_class)
            kept += 1
        if progress is not None and step % 1000 == 0:
            progress(step, total_steps)
    half = samples // 2
    return LcmcrResult(
        draws=draws,
        estimate=float(np.median(draws)),
        classes_used=float(np.mean(used)),
        halves=(float(np.median(draws[:half])), float(np.median(draws[half:]))),
    )
