"""Log-linear models of a capture-history table, the classical way to estimate the
persons no list documented (Fienberg 1972; Bishop, Fienberg and Holland 1975).

The observed cells (every pattern of being on or off each of k lists, except
"on none") are counts of a Poisson model whose logarithm is linear in the
lists' main effects and some of their two-way interactions. Each pairwise
interaction lets two lists depend on each other (one feeds the other, or both
reach the same persons more easily). The fitted model, projected onto the
pattern "on no list", estimates the persons never documented: exp(intercept).

Every hierarchical model with all main effects and a subset of the two-way
interactions is fitted (forward selection by BIC from five lists on, where the
subsets grow too many); the estimate averages them with BIC weights (as
Madigan and York's Bayesian model averaging approximates), and the model BIC
prefers alone is reported beside it. The interval is a parametric bootstrap
of the prediction error, with a seed: whole tables, the unobserved cell
included, are drawn from the fitted model and the averaging over the models
still in contention is redone on each, so the interval carries the
uncertainty of the model choice and of the unobserved count itself.

The fits are iteratively reweighted least squares, vectorised over bootstrap
tables, on numpy alone.
"""

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

# A model is fitted until its deviance moves less than this, or gives up.
TOLERANCE = 1e-8
MAX_ITERATIONS = 25
# An effect beyond this (a factor of e**15 between cells) is a fit running off to
# infinity; the intercept (the unobserved cell) may be large and is not held to it.
DIVERGED = 15.0
# Exhaustive model search up to this many lists (2**6 models at four; 2**10 at five is
# too slow with the bootstrap, so five and more grow the model by forward selection).
EXHAUSTIVE_LISTS = 4
# The bootstrap refits the models whose BIC weight on the data is at least this.
CONTENDER = 1e-4


@dataclass
class ModelFit:
    interactions: tuple[tuple[int, int], ...]
    unobserved: float
    deviance: float
    parameters: int
    aic: float
    bic: float
    weight: float = 0.0


@dataclass
class LoglinearResult:
    estimate: float
    unobserved: float
    best: ModelFit
    models: list[ModelFit]
    draws: Floats = field(repr=False)


def patterns(lists: int) -> NDArray[np.int64]:
    """Every capture pattern of `lists` lists except "on none", in binary order: row r is
    the pattern of the number r + 1, list 0 its highest bit."""
    numbers = np.arange(1, 2**lists)
    shifts = np.arange(lists - 1, -1, -1)
    return ((numbers[:, None] >> shifts[None, :]) & 1).astype(np.int64)


def design(cells: NDArray[np.int64], interactions: tuple[tuple[int, int], ...]) -> Floats:
    """The model matrix: intercept, main effects, then each interaction's product column."""
    columns = [np.ones(len(cells)), *cells.T.astype(float)]
    columns += [(cells[:, a] * cells[:, b]).astype(float) for a, b in interactions]
    return np.column_stack(columns)


def fit_poisson(matrix: Floats, counts: Floats) -> tuple[Floats, Floats, NDArray[np.bool_]]:
    """Poisson maximum likelihood for each row of `counts` (tables × cells) at once.

    Returns the coefficients (tables × parameters), the deviances, and whether each fit
    converged to finite values (a cell of zero where a model puts a free parameter can
    drive the fit to infinity; such a fit is not used)."""
    tables, cells = counts.shape
    # Start from the saturated-looking log counts, kept off zero.
    mu = np.maximum(counts, 0.5)
    eta = np.log(mu)
    coefficients = np.zeros((tables, matrix.shape[1]))
    deviance = np.full(tables, np.inf)
    converged = np.zeros(tables, dtype=bool)
    ridge = 1e-10 * np.eye(matrix.shape[1])
    for _ in range(MAX_ITERATIONS):
        working = eta + (counts - mu) / mu
        weighted = matrix[None, :, :] * mu[:, :, None]
        normal = np.matmul(matrix.T[None, :, :], weighted) + ridge
        right = np.matmul(working[:, None, :], weighted)[:, 0, :]
        try:
            coefficients = np.linalg.solve(normal, right[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            break
        eta = np.clip(coefficients @ matrix.T, -50.0, 50.0)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(counts > 0, counts * np.log(counts / mu), 0.0)
        new = 2.0 * np.sum(terms - (counts - mu), axis=1)
        converged = np.abs(new - deviance) < TOLERANCE * (1.0 + np.abs(new))
        deviance = new
        # A parameter running off to infinity (a free parameter on a cell of zero) will
        # not come back: such a fit is given up rather than iterated to the end.
        diverging = (np.abs(coefficients[:, 1:]) > DIVERGED).any(axis=1)
        if (converged | diverging).all():
            break
    finite = np.isfinite(coefficients).all(axis=1) & (np.abs(coefficients[:, 1:]) < DIVERGED).all(
        axis=1
    )
    return coefficients, deviance, converged & finite


def _candidate_models(lists: int) -> list[tuple[tuple[int, int], ...]]:
    pairs = list(combinations(range(lists), 2))
    # A model with as many parameters as cells fits any table exactly and says nothing
    # about the unobserved cell beyond assuming no three-way interaction: kept, as dga does.
    return [
        subset
        for size in range(len(pairs) + 1)
        for subset in combinations(pairs, size)
        if 1 + lists + size <= 2**lists - 1
    ]


def _scores(deviance: Floats, parameters: int, cells: int) -> tuple[Floats, Floats]:
    return deviance + 2 * parameters, deviance + np.log(cells) * parameters


def _forward_models(cells: NDArray[np.int64], counts: Floats) -> list[tuple[tuple[int, int], ...]]:
    """From five lists on: grow the interactions one at a time while BIC improves, keeping
    every model met on the way (they are averaged like the exhaustive ones)."""
    lists = cells.shape[1]
    pairs = list(combinations(range(lists), 2))
    chosen: tuple[tuple[int, int], ...] = ()
    seen = [chosen]
    _, deviance, _ = fit_poisson(design(cells, chosen), counts[None, :])
    best = _scores(deviance, 1 + lists, len(counts))[1][0]
    while True:
        trials = []
        for pair in pairs:
            if pair in chosen:
                continue
            model = (*chosen, pair)
            _, deviance, ok = fit_poisson(design(cells, model), counts[None, :])
            if ok[0]:
                seen.append(model)
                trials.append((_scores(deviance, 1 + lists + len(model), len(counts))[1][0], model))
        if not trials:
            return seen
        score, model = min(trials)
        if score >= best:
            return seen
        best, chosen = score, model


def _fit_all(
    cells: NDArray[np.int64], counts: Floats, models: list[tuple[tuple[int, int], ...]]
) -> tuple[Floats, Floats, Floats]:
    """For each model: its unobserved-cell estimate, AIC and BIC on each table (models ×
    tables); infinite scores for fits that failed."""
    tables = counts.shape[0]
    unobserved = np.full((len(models), tables), np.nan)
    aic = np.full((len(models), tables), np.inf)
    bic = np.full((len(models), tables), np.inf)
    for index, model in enumerate(models):
        matrix = design(cells, model)
        coefficients, deviance, ok = fit_poisson(matrix, counts)
        a, b = _scores(deviance, matrix.shape[1], counts.shape[1])
        unobserved[index] = np.where(ok, np.exp(np.clip(coefficients[:, 0], -50, 50)), np.nan)
        aic[index] = np.where(ok, a, np.inf)
        bic[index] = np.where(ok, b, np.inf)
    return unobserved, aic, bic


def _weights(bic: Floats) -> Floats:
    """BIC weights per table (models × tables): exp(-BIC/2), normalised; zero for failures."""
    lowest = np.min(bic, axis=0, keepdims=True)
    with np.errstate(invalid="ignore"):
        raw = np.where(np.isfinite(bic), np.exp(-(bic - lowest) / 2.0), 0.0)
    total = raw.sum(axis=0, keepdims=True)
    return np.divide(raw, total, out=np.zeros_like(raw), where=total > 0)


def _averaged(unobserved: Floats, weights: Floats) -> Floats:
    return np.nansum(np.nan_to_num(unobserved) * weights, axis=0) / np.maximum(
        weights.sum(axis=0), 1e-300
    )


def estimate(
    counts_by_pattern: NDArray[np.int64],
    *,
    lists: int,
    seed: int | None = None,
    bootstrap: int = 200,
) -> LoglinearResult:
    """The model-averaged estimate of the total from the observed cells (in the order of
    `patterns(lists)`), with `bootstrap` draws of the total for its interval."""
    cells = patterns(lists)
    counts = counts_by_pattern.astype(float)
    if lists > EXHAUSTIVE_LISTS:
        models = _forward_models(cells, counts)
    else:
        models = _candidate_models(lists)
    unobserved, aic, bic = _fit_all(cells, counts[None, :], models)
    weights = _weights(bic)[:, 0]
    fits = [
        ModelFit(
            interactions=model,
            unobserved=float(unobserved[index, 0]),
            deviance=float(aic[index, 0] - 2 * (1 + lists + len(model))),
            parameters=1 + lists + len(model),
            aic=float(aic[index, 0]),
            bic=float(bic[index, 0]),
            weight=float(weights[index]),
        )
        for index, model in enumerate(models)
    ]
    usable = [fit for fit in fits if np.isfinite(fit.bic)]
    if not usable:
        raise ArithmeticError("no log-linear model could be fitted to these lists")
    best = min(usable, key=lambda fit: fit.bic)
    observed = float(counts.sum())
    hidden = float(_averaged(unobserved, weights[:, None])[0])
    point = observed + hidden

    # Parametric bootstrap of the prediction error, from the averaged fit's cells.
    generator = np.random.default_rng(seed)
    fitted = np.zeros(len(counts))
    for index, model in enumerate(models):
        if weights[index] > 0:
            matrix = design(cells, model)
            coefficients, _, _ = fit_poisson(matrix, counts[None, :])
            fitted += weights[index] * np.exp(matrix @ coefficients[0])
    tables = generator.poisson(fitted, size=(bootstrap, len(counts))).astype(float)
    truth_hidden = generator.poisson(hidden, size=bootstrap)
    # Models BIC all but rules out on the data (weight under 1e-4, 18 points of BIC behind)
    # are not refitted on each table: they would not win on tables drawn from the fit.
    contenders = [model for index, model in enumerate(models) if weights[index] >= CONTENDER]
    b_unobserved, _, b_bic = _fit_all(cells, tables, contenders)
    b_hidden = _averaged(b_unobserved, _weights(b_bic))
    errors = (tables.sum(axis=1) + b_hidden) - (tables.sum(axis=1) + truth_hidden)
    draws = point - errors
    # The total is never below what the lists already hold.
    draws = np.maximum(draws, observed)
    usable.sort(key=lambda fit: fit.bic)
    return LoglinearResult(estimate=point, unobserved=hidden, best=best, models=usable, draws=draws)
