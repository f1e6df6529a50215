"""The simulated populations of the estimate benchmarks (numpy only): who each list
documents, drawn from a seed, shared by simulate.py and reference_gibbs.py so that both
see the same tables from the same seeds."""

import numpy as np

# (share of persons easy to document, their capture rates, the others' rates, the share
# of the first list's persons the second list copies). The scenarios without copying are
# the latent-class model's home ground (classes of persons, lists independent within a
# class); copying is direct dependence between lists within a class, which no method
# here models: reported apart, not tuned to.
SCENARIOS = {
    "classes": (0.4, (0.3, 0.5), (0.1, 0.25), 0.0),
    "classes-harsh": (0.2, (0.3, 0.5), (0.05, 0.15), 0.0),
    "harsh": (0.2, (0.3, 0.5), (0.05, 0.15), 0.33),
    "mild": (0.4, (0.3, 0.5), (0.1, 0.25), 0.33),
}
# The true total of run r is TOTALS[r % len(TOTALS)].
TOTALS = [500, 2000, 5000, 10000, 50000]


def captured_matrix(total: int, lists: int, rng: np.random.Generator, scenario: str) -> np.ndarray:
    """Whether each of `total` persons is on each of `lists` lists."""
    share, easy_rates, hard_rates, copied = SCENARIOS[scenario]
    easy = rng.random(total) < share
    rates = np.where(
        easy[:, None], rng.uniform(*easy_rates, lists), rng.uniform(*hard_rates, lists)
    )
    captured = rng.random((total, lists)) < rates
    # Dependence: the second list takes in a share of those the first one found.
    captured[:, 1] |= captured[:, 0] & (rng.random(total) < copied)
    return captured
