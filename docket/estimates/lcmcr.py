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
(product-Bernoulli). Mixing classes lets capture probabilities vary between
persons and makes lists depend on each other through who they reach, which is
what real documentation lists do. The population size has the prior p(N)
proportional to 1/N.

One choice departs from the paper: each capture probability's prior is
Jeffreys' Beta(1/2, 1/2) by default, not the uniform Beta(1, 1) of the paper and
the R package (offered as "uniform"). A group of persons that lists rarely reach
needs small capture probabilities on every list, a corner to which the uniform
prior gives little room, so its posterior leans below the truth when such a
group is large; Jeffreys' prior leans less (docs/estimates.md, "Which prior").

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

Four chains run from dispersed starts (few and many undocumented) and their
draws are pooled; their rank-normalised split R-hat says whether they agree.
A plain individual-level Gibbs sampler written straight from the paper
(bench/estimates/reference_gibbs.py, not used by the app) gives the same
posterior on the simulated tables (docs/estimates.md).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from math import lgamma, log, sqrt
from statistics import NormalDist
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

# The defaults of the paper and of the R package.
CLASSES = 10
ALPHA_SHAPE = 0.25
ALPHA_RATE = 0.25
# The chains' length. The R package LCMCR runs one chain of 20,000 steps (10,000 of
# burn-in, 1,000 draws kept one in 10); Docket runs four chains from dispersed starts,
# each of 2,500 steps of burn-in and 250 draws kept one in 20 (30,000 steps in all, some
# 17 s of processor time whatever the number of persons), and pools their draws. One
# chain's interval, even of 20,000 steps, moved by a tenth between seeds on the same table
# (the posterior's upper tail is long and thin); four chains both cover it better and
# show, through R-hat, when they have not (docs/estimates.md).
BURN_IN = 2_500
SAMPLES = 1000
THINNING = 20
# Metropolis moves of each class's undocumented count per step, with the capture
# probabilities integrated out (see `_move_unseen`).
MOVES = 3
# Chains run from dispersed starts, their draws pooled.
CHAINS = 4
# The prior on each capture probability, Beta(a, b). Jeffreys' Beta(1/2, 1/2) (the
# default) gives small capture probabilities more room than the uniform Beta(1, 1) of the
# paper and the R package, which is offered for comparison with it.
JEFFREYS = (0.5, 0.5)
UNIFORM = (1.0, 1.0)
Prior = Literal["jeffreys", "uniform"]
PRIORS: dict[Prior, tuple[float, float]] = {"jeffreys": JEFFREYS, "uniform": UNIFORM}
DEFAULT_PRIOR: Final[Prior] = "jeffreys"
CAPTURE_PRIOR = PRIORS[DEFAULT_PRIOR]


@dataclass
class LcmcrResult:
    draws: Floats = field(repr=False)
    estimate: float
    classes_used: float
    # The rank-normalised split R-hat of the population size over the chains (nan for one).
    rhat: float
    chains: int
    steps: int  # of each chain, its burn-in included


def _stick(breaks: Floats) -> Floats:
    """Class weights from stick-breaking fractions (the last fraction is 1)."""
    remaining = np.concatenate(([1.0], np.cumprod(1.0 - breaks[:-1])))
    return breaks * remaining


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


def _stick_log_change(sizes: list[int], k: int, change: int, alpha: float) -> float:
    """`_stick_log_marginal` after adding `change` to class k's size, minus before: only
    the fractions up to k change (those before k through the sizes after them)."""
    last = len(sizes) - 1
    after = sum(sizes[k + 1 :])
    value = 0.0
    if k < last:
        size = sizes[k]
        value += (
            lgamma(1 + size + change)
            - lgamma(1 + size)
            - lgamma(1 + alpha + size + change + after)
            + lgamma(1 + alpha + size + after)
        )
    after += sizes[k]
    for index in range(min(k, last) - 1, -1, -1):
        size = sizes[index]
        value += (
            lgamma(alpha + after + change)
            - lgamma(alpha + after)
            - lgamma(1 + alpha + size + after + change)
            + lgamma(1 + alpha + size + after)
        )
        after += size
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
    prior: tuple[float, float] = (1.0, 1.0),
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
    sizes = [int(x) for x in documented + unseen]
    counts = [int(x) for x in unseen]
    a, b = prior
    lists = on_list.shape[0]
    # Per class, b + its documented persons each list did not hold (plain ints: fast).
    offs = [[b + int(documented[k]) - int(x) for x in on_list[:, k]] for k in range(len(counts))]
    index = 0
    for _ in range(moves):
        for k in active:
            jump = int(jumps[index])
            threshold = float(accept[index])
            index += 1
            current = counts[k]
            proposal = current + jump
            if proposal < 0:
                continue
            others = total - current
            size = int(documented[k])
            # The change of log p(class k's undocumented count | the rest), the class's
            # capture probabilities integrated out (Beta(a, b) priors): (N - 1)! for the
            # 1/N prior, the count's multinomial term, and per list the Beta function
            # B(a + the class's persons on the list, b + those off it, the undocumented
            # included); with `alpha`, the stick-breaking marginal of the class sizes.
            change = (
                lgamma(others + proposal)
                - lgamma(others + current)
                - lgamma(proposal + 1)
                + lgamma(current + 1)
                - lists * (lgamma(a + b + size + proposal) - lgamma(a + b + size + current))
            )
            if alpha is None:
                change += jump * log(max(float(weights[k]), 1e-300))
            else:
                change += _stick_log_change(sizes, k, jump, alpha)
            for off in offs[k]:
                change += lgamma(off + proposal) - lgamma(off + current)
            if threshold < change:
                counts[k] = proposal
                sizes[k] += jump
                total = others + proposal
    return np.asarray(counts, dtype=np.int64)


def split_rhat(chains: Floats) -> float:
    """The rank-normalised split R-hat of Vehtari, Gelman, Simpson, Carpenter and Bürkner
    (2021), after Gelman and Rubin (1992), of draws shaped (chains, draws): near 1 when
    the chains (each cut in two halves) agree, above 1.1 when they have not yet found
    the same distribution."""
    half = chains.shape[1] // 2
    if half < 2:
        return float("nan")
    parts = np.concatenate((chains[:, :half], chains[:, half : 2 * half]))
    flat = parts.ravel()
    ranks = np.empty(flat.size)
    order = np.argsort(flat, kind="stable")
    ranks[order] = np.arange(1, flat.size + 1)
    # Ties (the population size is a count) take their average rank.
    _, inverse = np.unique(flat, return_inverse=True)
    ranks = np.bincount(inverse, weights=ranks) / np.bincount(inverse)
    ranks = ranks[inverse]
    normal = NormalDist()
    scores = np.array([normal.inv_cdf((r - 0.375) / (flat.size + 0.25)) for r in ranks])
    sequences, length = 2 * chains.shape[0], half
    normalised = scores.reshape(sequences, length)
    within = float(normalised.var(axis=1, ddof=1).mean())
    between = length * float(normalised.mean(axis=1).var(ddof=1))
    if within <= 0:
        return 1.0 if between <= 0 else float("inf")
    return sqrt(((length - 1) / length * within + between / length) / within)


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
    chains: int = CHAINS,
    capture_prior: tuple[float, float] = CAPTURE_PRIOR,
    progress: Callable[[int, int], None] | None = None,
) -> LcmcrResult:
    """Posterior draws of the population size from the observed capture patterns `cells`
    (patterns × lists, 0/1) seen `counts` times each: `chains` chains from dispersed
    starts, each with `burn_in` steps discarded, their draws pooled (`samples` in all,
    one in `thinning` steps)."""
    streams = np.random.SeedSequence(seed).spawn(chains)
    kept = -(-samples // chains)
    steps = burn_in + kept * thinning
    pooled = np.empty((chains, kept))
    used = np.empty((chains, kept))
    for chain, stream in enumerate(streams):
        # Dispersed starts: the first chain's capture probabilities start low (many
        # undocumented), the last's high (few).
        start = 0.1 + 0.6 * chain / max(chains - 1, 1)

        def report(step: int, chain: int = chain) -> None:
            if progress is not None:
                progress(chain * steps + step, chains * steps)

        pooled[chain], used[chain] = _chain(
            np.random.default_rng(stream),
            cells,
            counts,
            classes=classes,
            burn_in=burn_in,
            samples=kept,
            thinning=thinning,
            moves=moves,
            prior=capture_prior,
            start=start,
            progress=report,
        )
    draws = pooled.ravel()
    return LcmcrResult(
        draws=draws,
        estimate=float(np.median(draws)),
        classes_used=float(used.mean()),
        rhat=split_rhat(pooled) if chains > 1 else float("nan"),
        chains=chains,
        steps=steps,
    )


def _chain(
    rng: np.random.Generator,
    cells: NDArray[np.int64],
    counts: NDArray[np.int64],
    *,
    classes: int,
    burn_in: int,
    samples: int,
    thinning: int,
    moves: int,
    prior: tuple[float, float],
    start: float,
    progress: Callable[[int], None],
) -> tuple[Floats, Floats]:
    """One chain: its kept draws of the population size and of the classes in use."""
    a, b = prior
    patterns = cells.astype(float)
    lists = cells.shape[1]
    observed = int(counts.sum())
    present = counts > 0
    patterns, counts = patterns[present], counts[present]

    # Start: weights from the prior with alpha = 1, capture probabilities around `start`.
    alpha = 1.0
    breaks = rng.beta(1.0, alpha, size=classes)
    breaks[-1] = 1.0
    weights = _stick(breaks)
    capture = rng.uniform(0.5 * start, min(1.5 * start, 0.95), size=(lists, classes))
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
            unseen = _move_unseen(
                rng, unseen, on_list, documented, weights, observed, moves, alpha, prior
            )
            hidden = int(unseen.sum())

        # 3. Capture probabilities per list and class (the undocumented are on no list).
        in_class = documented + unseen
        capture = rng.beta(a + on_list, b + in_class[None, :] - on_list)
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
        if step % 1000 == 0:
            progress(step)
    return draws, used
