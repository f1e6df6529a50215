"""A plain reference sampler for the latent-class model (issue 15), NOT used by the app.

Manrique-Vallier (2016), "Bayesian population size estimation using Dirichlet process
mixtures", Biometrics 72(4): the Gibbs sampler of section 3 written as plainly as
possible, on individual-level data, to check `docket.estimates.lcmcr` against:

- every documented person i has a class z_i, drawn one by one (Gumbel-max over the K
  classes) from p(z_i = k) ∝ π_k ∏_j λ_jk^x_ij (1 − λ_jk)^(1 − x_ij);
- the undocumented count n0 ~ NegBin(n, 1 − π0), π0 = Σ_k π_k ∏_j (1 − λ_jk) (the
  conditional under p(N) ∝ 1/N), each of them then drawn a class one by one from
  p(z = k) ∝ π_k ∏_j (1 − λ_jk);
- λ_jk ~ Beta(1 + Σ_{z_i = k} x_ij, 1 + Σ_{z_i = k} (1 − x_ij)) over all N persons;
- V_k ~ Beta(1 + n_k, α + Σ_{l > k} n_l), V_K = 1, π_k = V_k ∏_{l < k} (1 − V_l);
- α ~ Gamma(a + K − 1, rate b − Σ_{k < K} log(1 − V_k)).

No extra moves, no counts per pattern. It is slow (it is meant to be run long, once).
It shares no code with docket/ (numpy only), and regenerates the simulated tables of
bench/estimates/simulate.py from the same seeds (both draw them in scenarios.py).

    python bench/estimates/reference_gibbs.py --seed 1 --run 2 --steps 200000
"""

import argparse
import json
import sys
import time

import numpy as np
from scenarios import TOTALS, captured_matrix


def simulated_table(seed: int, run: int, scenario: str, method_index: int = 0, runs: int = 10):
    """The documented persons (rows of x) of run `run` of `simulate.py --seed seed`, for the
    method at `method_index` (0: lcmcr, the first; the stream goes on between methods)."""
    rng = np.random.default_rng(seed)
    population_seeds = rng.integers(2**31, size=method_index * runs + run + 1)
    population_seed = population_seeds[-1]
    total = TOTALS[run % len(TOTALS)]
    lists = 3 + run % 3
    captured = captured_matrix(total, lists, np.random.default_rng(population_seed), scenario)
    seen = captured[captured.any(axis=1)]
    return total, seen.astype(np.int64)


def gibbs(x, steps, seed, classes=10, a=0.25, b=0.25, burn=None, thin=10, log_every=20000):
    rng = np.random.default_rng(seed)
    n, lists = x.shape
    burn = steps // 2 if burn is None else burn
    # Start from the prior (λ uniform, weights from stick breaking with α = 1).
    lam = rng.uniform(size=(lists, classes))
    alpha = 1.0
    v = rng.beta(1.0, alpha, size=classes)
    v[-1] = 1.0
    pi = v * np.concatenate(([1.0], np.cumprod(1 - v[:-1])))
    kept = []
    started = time.process_time()
    for step in range(steps):
        lam = np.clip(lam, 1e-12, 1 - 1e-12)
        logl, logm = np.log(lam), np.log1p(-lam)
        logpi = np.log(np.maximum(pi, 1e-300))
        # Documented persons' classes, one by one (Gumbel-max).
        score = x @ logl + (1 - x) @ logm + logpi
        z = np.argmax(score + rng.gumbel(size=score.shape), axis=1)
        # Undocumented count, then their classes one by one.
        miss_k = np.exp(logm.sum(axis=0))
        p0 = float(np.dot(pi, miss_k))
        n0 = int(rng.negative_binomial(n, 1.0 - p0))
        q = pi * miss_k
        z0 = rng.choice(classes, size=n0, p=q / q.sum())
        # λ over all N persons (the undocumented are 0 on every list).
        size = np.bincount(z, minlength=classes) + np.bincount(z0, minlength=classes)
        ones = np.zeros((lists, classes))
        for j in range(lists):
            ones[j] = np.bincount(z, weights=x[:, j], minlength=classes)
        lam = rng.beta(1 + ones, 1 + size[None, :] - ones)
        # Stick breaking, then α.
        after = np.concatenate((np.cumsum(size[::-1])[::-1][1:], [0]))
        v = rng.beta(1 + size, alpha + after)
        v[-1] = 1.0
        v = np.minimum(v, 1 - 1e-12)
        v[-1] = 1.0
        pi = v * np.concatenate(([1.0], np.cumprod(1 - v[:-1])))
        alpha = rng.gamma(a + classes - 1, 1.0 / (b - np.sum(np.log1p(-v[:-1]))))
        if step >= burn and (step - burn) % thin == 0:
            kept.append(n + n0)
        if log_every and step % log_every == 0:
            print(
                f"step {step} N={n + n0} classes={np.count_nonzero(size)} "
                f"cpu={time.process_time() - started:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    return np.asarray(kept)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--run", type=int, default=2)
    parser.add_argument("--scenario", default="classes")
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--chain-seed", type=int, default=0)
    parser.add_argument("--classes", type=int, default=10)
    arguments = parser.parse_args()
    total, x = simulated_table(arguments.seed, arguments.run, arguments.scenario)
    started = time.process_time()
    draws = gibbs(x, arguments.steps, arguments.chain_seed, classes=arguments.classes)
    q = np.quantile(draws, [0.025, 0.25, 0.5, 0.75, 0.975])
    half = len(draws) // 2
    print(
        json.dumps(
            {
                "seed": arguments.seed,
                "run": arguments.run,
                "scenario": arguments.scenario,
                "total": total,
                "lists": x.shape[1],
                "observed": len(x),
                "steps": arguments.steps,
                "chain_seed": arguments.chain_seed,
                "quantiles_2.5_25_50_75_97.5": [round(float(v)) for v in q],
                "halves_median": [
                    round(float(np.median(draws[:half]))),
                    round(float(np.median(draws[half:]))),
                ],
                "cpu_seconds": round(time.process_time() - started),
            }
        )
    )


if __name__ == "__main__":
    main()
