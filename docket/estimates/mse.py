"""Multiple systems estimation: from lists of documented persons to an estimate of how
many there were in all, documented or not, with its interval and the checks a
statistician makes before trusting it.

Input is membership: which person is on which list (and, optionally, in which
stratum). `estimate` builds the capture-history table (how many persons are on
exactly each combination of lists), runs one of the methods
(`docket.estimates.loglinear`, `docket.estimates.lcmcr`) on each stratum, adds
the strata's draws for the total, and lists what should make a reader doubt
the figure (after the checks of HRDAG's dga package and common practice):
lists too small, lists that share no one, too few lists, thin strata, an
estimate that moves with the model or the chain.

`docket estimate` and the estimates page both call `estimate`; nothing here
touches the database.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Literal

import numpy as np
from django.utils.translation import gettext as _

from docket.estimates import lcmcr, loglinear

Method = Literal["loglinear", "lcmcr"]
METHODS: tuple[Method, ...] = ("loglinear", "lcmcr")
Prior = lcmcr.Prior
# How many intervals in 10 of the latent-class method held the true total on simulated
# populations with a group that lists rarely reach, under each prior: between the
# coverage of all runs and that of the runs whose chains agreed (docs/estimates.md,
# "Which prior": 0.86 and 0.78 under Jeffreys', 0.76 and 0.67 under the uniform prior).
SIMULATED_COVERAGE: dict[Prior, int] = {"jeffreys": 8, "uniform": 7}
LEVEL = 0.95
# Below these a list, a stratum or an overlap is too small to lean on.
SMALL_LIST = 10
THIN_STRATUM = 50
SMALL_OVERLAP = 5
# The latent-class sampler's chains disagree above this R-hat (Gelman et al.'s usual mark).
RHAT_LIMIT = 1.1
# The log-linear method's exhaustive search is cheap to five lists, forward beyond;
# more than this many lists is almost always a sign that "lists" are single documents.
MAX_LISTS = 15
# Persons are at most this many for one run of the command or the page.
MAX_ROWS = 2_000_000


class EstimateError(ValueError):
    """Input that cannot be estimated from, with a sentence saying why."""


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Literal["warning", "error"]
    message: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


@dataclass
class Stratum:
    name: str
    lists: list[str]
    # Counts per capture pattern, patterns in the order of loglinear.patterns(len(lists)).
    counts: list[int]
    observed: int
    estimate: float | None = None
    interval: tuple[float, float] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    draws: Any = None

    def table(self) -> list[tuple[tuple[int, ...], int]]:
        """(pattern, count) for each observed pattern, most lists first."""
        cells = loglinear.patterns(len(self.lists))
        rows = [
            (tuple(int(x) for x in cell), count)
            for cell, count in zip(cells, self.counts, strict=True)
        ]
        return sorted(rows, key=lambda row: (-sum(row[0]), [-x for x in row[0]]))

    def list_sizes(self) -> dict[str, int]:
        cells = loglinear.patterns(len(self.lists))
        totals = np.asarray(self.counts) @ cells
        return {name: int(total) for name, total in zip(self.lists, totals, strict=True)}

    def as_json(self) -> dict[str, Any]:
        return {
            "stratum": self.name,
            "lists": self.lists,
            "observed": self.observed,
            "estimate": None if self.estimate is None else round(self.estimate),
            "interval": None if self.interval is None else [round(x) for x in self.interval],
            "table": [
                {
                    "lists": [name for name, on in zip(self.lists, pattern, strict=True) if on],
                    "count": count,
                }
                for pattern, count in self.table()
            ],
            "diagnostics": [item.as_json() for item in self.diagnostics],
            **self.detail,
        }


@dataclass
class Estimate:
    method: Method
    seed: int | None
    observed: int
    estimate: float | None
    interval: tuple[float, float] | None
    strata: list[Stratum]
    diagnostics: list[Diagnostic]
    level: float = LEVEL

    @property
    def trustworthy(self) -> bool:
        return self.estimate is not None and not any(
            item.severity == "error" for item in self.all_diagnostics()
        )

    def all_diagnostics(self) -> list[Diagnostic]:
        found = list(self.diagnostics)
        for stratum in self.strata:
            found += stratum.diagnostics
        return found

    def as_json(self) -> dict[str, Any]:
        return {
            "observed": self.observed,
            "estimate": None if self.estimate is None else round(self.estimate),
            "interval": None if self.interval is None else [round(x) for x in self.interval],
            "level": self.level,
            "method": self.method,
            "seed": self.seed,
            "trustworthy": self.trustworthy,
            "diagnostics": [item.as_json() for item in self.all_diagnostics()],
            "strata": [stratum.as_json() for stratum in self.strata],
        }


# Reading membership ---------------------------------------------------------------------


Membership = dict[str, dict[str, set[str]]]  # stratum -> person -> lists


def read_csv(text: str, *, strata_column: str | None = None) -> Membership:
    """Rows `person_id,list` (a header is optional; with --strata, a header naming the
    stratum column is required). Errors name the line."""
    rows = list(csv.reader(io.StringIO(text)))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise EstimateError(_("The file holds no rows: expected person_id,list."))
    if len(rows) > MAX_ROWS:
        raise EstimateError(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
    header = [cell.strip().lower() for cell in rows[0]]
    has_header = header[:2] == ["person_id", "list"]
    stratum_at: int | None = None
    if strata_column is not None:
        if not has_header or strata_column.lower() not in header:
            raise EstimateError(
                _("Stratifying needs a header row that names the column %(column)s.")
                % {"column": strata_column}
            )
        stratum_at = header.index(strata_column.lower())
    membership: Membership = defaultdict(lambda: defaultdict(set))
    stratum_of: dict[str, str] = {}
    for number, row in enumerate(rows[1:] if has_header else rows, start=2 if has_header else 1):
        cells = [cell.strip() for cell in row]
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise EstimateError(
                _("Line %(line)s: expected a person id and a list name.") % {"line": number}
            )
        stratum = ""
        if stratum_at is not None:
            stratum = cells[stratum_at] if stratum_at < len(cells) else ""
            if not stratum:
                raise EstimateError(_("Line %(line)s: the stratum is empty.") % {"line": number})
            if stratum_of.setdefault(cells[0], stratum) != stratum:
                raise EstimateError(
                    _("Line %(line)s: person %(person)s is in two strata.")
                    % {"line": number, "person": cells[0]}
                )
        membership[stratum][cells[0]].add(cells[1])
    return membership


def from_pairs(pairs: Iterable[tuple[str, str, str]]) -> Membership:
    """Membership from (stratum, person, list) triples."""
    membership: Membership = defaultdict(lambda: defaultdict(set))
    for stratum, person, name in pairs:
        membership[stratum][person].add(name)
    return membership


def tabulate(name: str, persons: dict[str, set[str]], lists: list[str]) -> Stratum:
    """The capture-history table of one stratum over `lists`."""
    position = {list_name: index for index, list_name in enumerate(lists)}
    counts = [0] * (2 ** len(lists) - 1)
    for on in persons.values():
        number = 0
        for list_name in on:
            number |= 1 << (len(lists) - 1 - position[list_name])
        if number:
            counts[number - 1] += 1
    return Stratum(name=name, lists=lists, counts=counts, observed=len(persons))


# Diagnostics ----------------------------------------------------------------------------


def _diagnose_lists(stratum: Stratum, method: Method, stratified: bool) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    where = (
        _("In stratum %(name)s: ") % {"name": stratum.name} if stratified and stratum.name else ""
    )
    present = [name for name, size in stratum.list_sizes().items() if size > 0]
    needed = 3 if method == "lcmcr" else 2
    if len(present) < needed:
        found.append(
            Diagnostic(
                "too_few_lists",
                "error",
                where
                + (
                    _(
                        "The latent-class method needs at least three lists; "
                        "%(count)s hold anyone here."
                    )
                    if method == "lcmcr"
                    else _("An estimate needs at least two lists; %(count)s hold anyone here.")
                )
                % {"count": len(present)},
            )
        )
        return found
    if len(present) == 2:
        found.append(
            Diagnostic(
                "two_lists",
                "warning",
                where
                + _(
                    "With two lists the estimate assumes they are independent (being on one "
                    "does not change the chance of being on the other), and nothing in the "
                    "data can check it."
                ),
            )
        )
    if method == "lcmcr" and len(present) == 3:
        found.append(
            Diagnostic(
                "three_lists",
                "warning",
                where
                + _(
                    "With three lists the latent-class method cannot tell from the lists "
                    "alone how many persons are hard to document: its estimate and interval "
                    "lean on the model's assumptions. Compare it with the log-linear "
                    "estimate, and add a list if you can."
                ),
            )
        )
    for name, size in stratum.list_sizes().items():
        if 0 < size < SMALL_LIST:
            found.append(
                Diagnostic(
                    "list_too_small",
                    "warning",
                    where
                    + _(
                        "List %(list)s holds only %(size)s persons: too few to say how it "
                        "overlaps with the others."
                    )
                    % {"list": name, "size": size},
                )
            )
    cells = loglinear.patterns(len(stratum.lists))
    counts = np.asarray(stratum.counts)
    index = {name: i for i, name in enumerate(stratum.lists)}
    for name in present:
        shared = counts[(cells[:, index[name]] == 1) & (cells.sum(axis=1) > 1)].sum()
        if shared == 0:
            found.append(
                Diagnostic(
                    "no_overlap",
                    "error",
                    where
                    + _(
                        "List %(list)s shares no person with any other list: the data say "
                        "nothing about how it relates to them, and no estimate can use it "
                        "honestly. Check that its persons were matched to the others."
                    )
                    % {"list": name},
                )
            )
    for first, second in combinations(present, 2):
        both = counts[(cells[:, index[first]] == 1) & (cells[:, index[second]] == 1)].sum()
        if both < SMALL_OVERLAP:
            found.append(
                Diagnostic(
                    "small_overlap",
                    "warning",
                    where
                    + _(
                        "Lists %(first)s and %(second)s share %(count)s persons: their "
                        "dependence is poorly known."
                    )
                    % {"first": first, "second": second, "count": int(both)},
                )
            )
    if stratified and stratum.observed < THIN_STRATUM:
        found.append(
            Diagnostic(
                "thin_stratum",
                "warning",
                where
                + _(
                    "This stratum holds %(count)s documented persons: too thin for a stable "
                    "estimate; consider merging strata."
                )
                % {"count": stratum.observed},
            )
        )
    elif not stratified and stratum.observed < THIN_STRATUM:
        found.append(
            Diagnostic(
                "few_persons",
                "warning",
                _("Only %(count)s persons are documented: the estimate will be rough.")
                % {"count": stratum.observed},
            )
        )
    return found


def _diagnose_result(stratum: Stratum, method: Method, where: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if stratum.estimate is None or stratum.interval is None:
        return found
    low, high = stratum.interval
    if stratum.estimate > 0 and (high - low) / stratum.estimate > 1.0:
        found.append(
            Diagnostic(
                "wide_interval",
                "warning",
                where
                + _(
                    "The interval is wider than the estimate itself: the lists say little "
                    "about the undocumented."
                ),
            )
        )
    if stratum.estimate > 20 * max(stratum.observed, 1):
        found.append(
            Diagnostic(
                "unstable",
                "error",
                where
                + _(
                    "The estimate is more than twenty times what is documented: the lists "
                    "overlap too little for it to mean anything."
                ),
            )
        )
    if method == "loglinear":
        close = [
            model
            for model in stratum.detail.get("models", [])
            if model["weight"] >= 0.05 and model["estimate"] is not None
        ]
        values = [model["estimate"] for model in close]
        if len(values) > 1 and max(values) > 1.25 * min(values):
            found.append(
                Diagnostic(
                    "unstable",
                    "warning",
                    where
                    + _(
                        "Models that fit the lists about equally well disagree by more than "
                        "a quarter (%(low)s to %(high)s): the estimate depends on the model."
                    )
                    % {"low": round(min(values)), "high": round(max(values))},
                )
            )
    else:
        rhat = stratum.detail.get("rhat")
        if rhat is not None and rhat > RHAT_LIMIT:
            found.append(
                Diagnostic(
                    "unstable",
                    "warning",
                    where
                    + _(
                        "The sampler's %(chains)s chains, started apart, disagree (R-hat "
                        "%(rhat)s, above %(limit)s): run it longer before relying on the "
                        "figure."
                    )
                    % {
                        "chains": stratum.detail.get("chains"),
                        "rhat": f"{rhat:.2f}",
                        "limit": RHAT_LIMIT,
                    },
                )
            )
        if stratum.detail.get("classes_used", 0) > lcmcr.CLASSES - 1:
            found.append(
                Diagnostic(
                    "classes_exhausted",
                    "warning",
                    where
                    + _(
                        "The model uses nearly all of its %(classes)s latent classes: "
                        "the data may need more."
                    )
                    % {"classes": lcmcr.CLASSES},
                )
            )
    return found


# Estimating -----------------------------------------------------------------------------


# How many times longer than the default a "longer" run of the sampler is (the page's
# choice when the chains disagree): burn-in and thinning both, the same draws kept.
LONGER = 4


@dataclass
class Options:
    seed: int | None = None
    bootstrap: int = 200
    burn_in: int = lcmcr.BURN_IN
    samples: int = lcmcr.SAMPLES
    thinning: int = lcmcr.THINNING
    chains: int = lcmcr.CHAINS
    # The latent-class model's prior on capture probabilities: a name in lcmcr.PRIORS.
    prior: Prior = lcmcr.DEFAULT_PRIOR
    progress: Callable[[str], None] | None = None


def _estimate_stratum(stratum: Stratum, method: Method, options: Options) -> None:
    """Fill in the stratum's estimate, interval and draws."""
    present = [name for name, size in stratum.list_sizes().items() if size > 0]
    if present != stratum.lists:
        # Lists absent from this stratum carry no information here: drop them.
        keep = [stratum.lists.index(name) for name in present]
        cells = loglinear.patterns(len(stratum.lists))[:, keep]
        counts: dict[tuple[int, ...], int] = defaultdict(int)
        for cell, count in zip(cells, stratum.counts, strict=True):
            counts[tuple(int(x) for x in cell)] += count
        stratum.lists = present
        stratum.counts = [
            counts[tuple(int(x) for x in c)] for c in loglinear.patterns(len(present))
        ]
    lists = len(stratum.lists)
    counts_array = np.asarray(stratum.counts, dtype=np.int64)
    if method == "loglinear":
        result = loglinear.estimate(
            counts_array, lists=lists, seed=options.seed, bootstrap=options.bootstrap
        )
        stratum.estimate = result.estimate
        sample = result.draws
        stratum.detail = {
            "model": _model_name(result.best.interactions, stratum.lists),
            "models": [
                {
                    "interactions": _model_name(fit.interactions, stratum.lists),
                    "estimate": stratum.observed + fit.unobserved,
                    "aic": round(fit.aic, 2),
                    "bic": round(fit.bic, 2),
                    "weight": round(fit.weight, 4),
                }
                for fit in result.models[:10]
            ],
        }
    else:

        def report(step: int, total: int) -> None:
            if options.progress is not None:
                options.progress(
                    _("%(name)s: step %(step)s of %(total)s")
                    % {"name": stratum.name or _("all"), "step": step, "total": total}
                )

        posterior = lcmcr.sample(
            loglinear.patterns(lists),
            counts_array,
            seed=options.seed,
            burn_in=options.burn_in,
            samples=options.samples,
            thinning=options.thinning,
            chains=options.chains,
            capture_prior=lcmcr.PRIORS[options.prior],
            progress=report,
        )
        stratum.estimate = posterior.estimate
        sample = posterior.draws
        stratum.detail = {
            "classes_used": round(posterior.classes_used, 2),
            "chains": posterior.chains,
            "steps": posterior.steps,
            "prior": options.prior,
            "rhat": None if np.isnan(posterior.rhat) else round(posterior.rhat, 3),
        }
    tail = (1 - LEVEL) / 2
    low, high = np.quantile(sample, [tail, 1 - tail])
    stratum.interval = (float(low), float(high))
    stratum.draws = sample


def _model_name(interactions: tuple[tuple[int, int], ...], lists: list[str]) -> str:
    if not interactions:
        return _("independence")
    return " + ".join(f"{lists[a]}×{lists[b]}" for a, b in interactions)


def estimate(
    membership: Membership,
    *,
    method: Method = "lcmcr",
    options: Options | None = None,
) -> Estimate:
    """The estimate of the total over every stratum of `membership`, with diagnostics.

    Raises EstimateError for input no method can take (no person, no list)."""
    options = options or Options()
    if method not in METHODS:
        raise EstimateError(_("Unknown method %(method)s.") % {"method": method})
    if options.prior not in lcmcr.PRIORS:
        raise EstimateError(_("Unknown prior %(prior)s.") % {"prior": options.prior})
    strata_names = sorted(membership)
    everyone = {person for name in strata_names for person in membership[name]}
    if not everyone:
        raise EstimateError(_("No person is on any list."))
    lists = sorted(
        {name for persons in membership.values() for on in persons.values() for name in on}
    )
    if len(lists) > MAX_LISTS:
        raise EstimateError(
            _(
                "%(count)s lists are too many (at most %(max)s): group the documents into "
                "the lists that collected them."
            )
            % {"count": len(lists), "max": MAX_LISTS}
        )
    stratified = len(strata_names) > 1 or strata_names != [""]
    strata = [tabulate(name, membership[name], lists) for name in strata_names]
    overall: list[Diagnostic] = []
    # Each stratum gives as many draws (bootstrap tables or posterior draws), independent
    # of the others': their sums are draws of the total.
    total: Any = 0.0
    usable = True
    for stratum in strata:
        stratum.diagnostics = _diagnose_lists(stratum, method, stratified)
        where = _("In stratum %(name)s: ") % {"name": stratum.name} if stratified else ""
        if any(item.code == "too_few_lists" for item in stratum.diagnostics):
            usable = False
            continue
        try:
            _estimate_stratum(stratum, method, options)
        except ArithmeticError:
            stratum.diagnostics.append(
                Diagnostic(
                    "unstable",
                    "error",
                    where + _("No model could be fitted to these lists."),
                )
            )
            usable = False
            continue
        stratum.diagnostics += _diagnose_result(stratum, method, where)
        total = total + stratum.draws
    observed = len(everyone)
    if not usable:
        overall.append(
            Diagnostic(
                "no_estimate",
                "error",
                _("No estimate of the total: at least one stratum could not be estimated."),
            )
        )
        return Estimate(method, options.seed, observed, None, None, strata, overall)
    point = float(sum(stratum.estimate or 0.0 for stratum in strata))
    if len(strata) == 1 and strata[0].interval is not None:
        low, high = strata[0].interval
    else:
        tail = (1 - LEVEL) / 2
        low, high = np.quantile(total, [tail, 1 - tail])
    if stratified and observed != sum(stratum.observed for stratum in strata):
        overall.append(
            Diagnostic(
                "strata_overlap",
                "error",
                _("Some persons are in more than one stratum; each must be in one."),
            )
        )
    return Estimate(
        method, options.seed, observed, point, (float(low), float(high)), strata, overall
    )


def explanation(method: Method, prior: Prior = lcmcr.DEFAULT_PRIOR) -> list[str]:
    """What the estimate means and when not to trust it, in plain words (for the page and
    the command's --explain)."""
    common = [
        _(
            "Each list documents some of the victims, never all. Persons who are on several "
            "lists show how much the lists overlap; the less they overlap, the more victims "
            "no list has reached. The estimate is of everyone: documented and not."
        ),
        _(
            "The interval is the range within which the total lies with 95% probability under "
            "the model. It is not a range of opinions: a different model can give a "
            "different interval."
        ),
        _(
            "Do not trust the figure when the lists were not matched carefully (one person "
            "counted twice inflates it), when a list only re-copies another, when some "
            "victims could never be on any list (a place no one could reach), or when the "
            "diagnostics below say so. Estimates for places or periods with few documented "
            "persons should be merged before they are read."
        ),
    ]
    if method == "loglinear":
        return [
            _(
                "Log-linear models describe how being on one list changes the chance of being "
                "on another; the models that fit best are averaged, weighted by how well they "
                "fit (BIC), and projected onto the persons on no list."
            ),
            *common,
        ]
    return [
        _(
            "The latent-class model (Manrique-Vallier 2016) lets persons differ in how easily "
            "lists find them, by sorting them into unseen groups; it then asks how many "
            "persons of each group no list found. The figure is the middle of its draws."
        ),
        _(
            "On simulated populations where some victims are much harder to document than "
            "others, its interval held the true total only about %(held)s times in 10, and "
            "when it missed, the true total was above it. Read the upper end as a "
            "possibility to take seriously, not as a ceiling."
        )
        % {"held": SIMULATED_COVERAGE[prior]},
        *common,
    ]
