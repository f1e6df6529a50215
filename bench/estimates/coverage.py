"""Combine simulate.py outputs (scenario "classes", one prior) into a coverage table by
number of lists.

    python bench/estimates/coverage.py bench/estimates/classes-seed1.json \
        bench/estimates/classes-seed2.json bench/estimates/classes-seed3-30runs.json \
        bench/estimates/classes-seed4-30runs.json
"""

import json
import math
import statistics
import sys

Z = 1.959964


def wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z / denom * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def cov(runs: list[dict]) -> str:
    n = len(runs)
    k = sum(r["holds"] for r in runs)
    if n == 0:
        return "-"
    lo, hi = wilson(k, n)
    return f"{k}/{n} = {k / n:.2f} [{lo:.2f}, {hi:.2f}]"


def row(label: str, runs: list[dict]) -> str:
    n = len(runs)
    k = sum(r["holds"] for r in runs)
    lo, hi = wilson(k, n)
    rel = statistics.median(abs(r["estimate"] - r["total"]) / r["total"] for r in runs)
    signed = statistics.median((r["estimate"] - r["total"]) / r["total"] for r in runs)
    width = statistics.median((r["interval"][1] - r["interval"][0]) / r["total"] for r in runs)
    below = sum(1 for r in runs if not r["holds"] and r["interval"][1] < r["total"])
    above = sum(1 for r in runs if not r["holds"] and r["interval"][0] > r["total"])
    failed = sum(1 for r in runs if r["interval"] == [0, 0])
    return (
        f"| {label:7} | {n:4} | {k:4} | {k / n:.2f} [{lo:.2f}, {hi:.2f}] | {rel:6.3f} | "
        f"{signed:+7.3f} | {width:6.3f} | {below:3} | {above:3} |"
        + (f" failed={failed}" if failed else "")
    )


def main() -> None:
    by_method: dict[str, list[dict]] = {}
    priors: list[list[float]] = []
    print("Inputs:")
    for path in sys.argv[1:]:
        with open(path) as f:
            report = json.load(f)
        # Only runs of the same scenario, prior and sampler settings are pooled.
        if report["scenario"] != "classes":
            raise SystemExit(f"{path}: not the 'classes' scenario")
        if priors and report["prior"] not in priors:
            raise SystemExit(f"{path}: prior {report['prior']}, not {priors[0]} as the others")
        priors.append(report["prior"])
        if "thinning" in report or "burn_in" in report:
            raise SystemExit(f"{path}: not the sampler's default length")
        parts = []
        for method in ("lcmcr", "loglinear"):
            if method in report:
                runs = [dict(r, seed=report["seed"]) for r in report[method]["runs"]]
                by_method.setdefault(method, []).extend(runs)
                parts.append(f"{method} {sum(r['holds'] for r in runs)}/{len(runs)}")
        print(f"  {path}: seed {report['seed']}: " + ", ".join(parts))
    print()
    header = (
        "| lists   | runs | held | coverage [95% Wilson] | med |rel err| | med signed err "
        "| med width/N | miss below | miss above |"
    )
    for method, runs in by_method.items():
        print(f"## {method}")
        print(header)
        print("|---|---|---|---|---|---|---|---|---|")
        for lists in (3, 4, 5):
            print(row(str(lists), [r for r in runs if r["lists"] == lists]))
        print(row("all", runs))
        print()
        if method == "lcmcr":
            print("lcmcr convergence (R-hat of the pooled chains):")
            for lists in (3, 4, 5, None):
                sub = [r for r in runs if lists is None or r["lists"] == lists]
                bad = [r for r in sub if r.get("rhat") is not None and r["rhat"] > 1.1]
                good = [r for r in sub if r.get("rhat") is not None and r["rhat"] <= 1.1]
                label = f"{lists} lists" if lists else "all"
                print(
                    f"  {label:8}: rhat > 1.1 in {len(bad)}/{len(sub)}; "
                    f"coverage with rhat <= 1.1: {cov(good)}; with rhat > 1.1: {cov(bad)}"
                )
            print()
        print(f"{method} coverage by true total (all lists):")
        for total in sorted({r["total"] for r in runs}):
            print(f"  N={total:6}: {cov([r for r in runs if r['total'] == total])}")
        print(f"{method} coverage by seed:")
        for seed in sorted({r["seed"] for r in runs}):
            print(f"  seed {seed}: {cov([r for r in runs if r['seed'] == seed])}")
        print()


if __name__ == "__main__":
    main()
