"""The person-matching model: Splink over the keys of `docket.lib.names`.

This module owns how two person records are compared, how the model learns
from the records themselves without any labelled pair, and how scored pairs
become clusters of one person each.

Comparisons, each a column of levels from strongest to weakest:

- given, family and father's name: the same usual key; a shared reading of
  an ambiguous spelling (Hussein, حسین); one edit apart (a typo in a long
  name); close spellings in one script (a typo in a short name); the same
  skeleton (Fatima, فاطمه); for given and family names, both written in the
  other's place (swapped order); keys alike (Hasan, Hossein: weak); anything
  else (strong evidence against; for the given name, all but a veto). Every
  level where the names agree is weighted by how common the name is
  (term-frequency adjustment on the name's key), so a common name counts for
  less than a rare one however it is spelt;
- birth date, which may be a year only (a Solar Hijri year is converted by
  `records.prepare`): the same full date; day and month swapped; the same
  day and month a year apart (an age counted on another calendar); the same
  year where one record says less (1975 and 1975-03-02); the same year
  otherwise; one year apart where one record says less; anything else
  (including two full dates a year apart on other days: siblings);
- birth place by key (Esfahan, Isfahan, اصفهان), then skeleton;
- nationality, only when the input has it.

Training, unsupervised: the prior from records that agree on all three names;
u probabilities from random pairs; m probabilities by expectation
maximisation in two passes (same full birth date; same given and family
names), so that each comparison is estimated in a pass whose blocking does
not use it and no pass is made of families. Some m probabilities stay fixed,
because relatives in the training blocks would teach the wrong value: how
often a person's name is wholly unlike between their records, how often
given names are merely alike, and how often names are swapped. Below
`MIN_RECORDS_TO_TRAIN` records the starting values are used as they are,
without term frequencies.

Pairs to score come from blocking on name skeletons, pairwise (given and
family, family and father's, given and father's, given and family swapped,
and swapped with a typo in one), family skeleton with birth year and given
skeleton with birth month, so a typo in any one name still meets its twin.

Clustering joins the pairs at or above the threshold, strongest first, but
never puts in one cluster two records that look less alike than two records
drawn at random, or whose birth dates or fathers' names conflict: a record
that says little (a common name and nothing else) may join either of two
namesakes, not both. Every pair inside a cluster of three or more records is
scored for that, with the trained model.

The custom levels are written in DuckDB's SQL and say so, so Splink can
translate them for Spark when data outgrow one machine.
"""

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.exceptions import EMTrainingException

# A pair at or above this match probability is the same person unless the
# user says otherwise: more likely one person than two. Chosen on the
# 20,000-record benchmark (bench/linkage/README.md); clustering keeps records
# that look unlike apart (CANNOT_LINK_BITS), so a lower threshold does not
# chain namesakes together.
DEFAULT_THRESHOLD = 0.5
# Random pairs for the u probabilities; more gives steadier weights for rare levels.
U_PAIRS = 5e6
# Blocked pairs per expectation-maximisation pass; enough to learn a dozen levels.
EM_PAIRS = 5e6
SEED = 1
DIALECT = "duckdb"
# Below this many records, the data are too few to learn weights or name
# frequencies from: the model keeps the starting values below, without
# term-frequency adjustment.
MIN_RECORDS_TO_TRAIN = 1000

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


@dataclass
class Linkage:
    """The result: each record's cluster, and what the run took."""

    cluster_of: dict[int, int]
    pairs_scored: int
    seconds: dict[str, float] = field(default_factory=dict)


def _level(sql: str, label: str) -> ComparisonLevelCreator:
    return cll.CustomLevel(sql, label_for_charts=label, base_dialect_str=DIALECT)


def _start(level: ComparisonLevelCreator, m: float, u: float) -> ComparisonLevelCreator:
    """Starting m and u: what the model uses on a few records, and where training starts."""
    return level.configure(m_probability=m, u_probability=u)


# Starting (m, u) of each name level, rounded from what training learns on the
# benchmark (bench/linkage): the weights a small list is scored with. The m of
# "else", of "crossed" and of the given name's "alike" stays fixed through
# training, and so does the u of the family name's "crossed"; see below.
_NAME_START: dict[str, dict[str, tuple[float, float]]] = {
    "given": {
        "exact": (0.79, 0.023),
        "variant": (0.01, 0.002),
        "edit": (0.011, 0.0002),
        "typo": (0.02, 0.002),
        "skeleton": (0.011, 0.007),
        "crossed": (0.08, 0.005),
        "alike": (0.001, 0.015),
        "else": (1e-10, 0.95),
    },
    "family": {
        "exact": (0.81, 0.018),
        "variant": (0.009, 0.00045),
        "edit": (0.036, 0.0023),
        "typo": (0.011, 0.0028),
        "skeleton": (0.0043, 0.00035),
        "crossed": (0.08, 0.08),
        "alike": (0.011, 0.02),
        "else": (0.0005, 0.95),
    },
    "father": {
        "exact": (0.9, 0.05),
        "variant": (0.034, 0.007),
        "edit": (0.009, 0.00015),
        "typo": (0.018, 0.005),
        "skeleton": (0.011, 0.014),
        "alike": (0.016, 0.045),
        "else": (0.005, 0.88),
    },
}


def _frequent(
    level: ComparisonLevelCreator, key: str, term_frequencies: bool
) -> ComparisonLevelCreator:
    """The level weighed by how common the name is, as its exact match is.

    Splink takes the commoner of the two records' names, so a typo or a
    variant of a common name counts for as little as the name itself; on a
    swapped pair, the name that sits in its own column (the other record's
    is a family name among given names, which is rare there).
    """
    if not term_frequencies:
        return level
    return level.configure(tf_adjustment_column=key, tf_adjustment_weight=1.0)


def _name_comparison(
    field_name: str, label: str, crossed: str | None, *, term_frequencies: bool
) -> ComparisonCreator:
    key, keys, skeleton = f"{field_name}_key", f"{field_name}_keys", f"{field_name}_skel"
    text = f"{field_name}_text"
    start = _NAME_START[field_name]
    levels: list[ComparisonLevelCreator | dict[str, Any]] = [
        cll.NullLevel(key),
        _start(
            cll.ExactMatchLevel(key, term_frequency_adjustments=term_frequencies),
            *start["exact"],
        ),
        _frequent(
            _start(cll.ArrayIntersectLevel(keys, min_intersection=1), *start["variant"]),
            key,
            term_frequencies,
        ),
        # Short keys are one edit from other names (hsn Hasan, hsin Hossein).
        _frequent(
            _start(
                _level(
                    f"damerau_levenshtein({key}_l, {key}_r) <= 1 "
                    f"AND least(length({key}_l), length({key}_r)) >= 5",
                    "one edit apart",
                ),
                *start["edit"],
            ),
            key,
            term_frequencies,
        ),
        # A typo in one spelling (Hashei, Hashemi): the spellings are close
        # though the keys are not; Hasan and Hossein are not that close.
        _frequent(_start(cll.JaroWinklerLevel(text, 0.9), *start["typo"]), key, term_frequencies),
        _frequent(_start(cll.ExactMatchLevel(skeleton), *start["skeleton"]), key, term_frequencies),
    ]
    if crossed:
        # Swapped order: this name is the other record's `crossed` name, and
        # that name is this record's (by skeleton, so a typo may stay). One
        # name matching crosswise is not a swap: Zohreh Kuhvand and "Kuhvand,
        # Zahra" are sisters.
        other = f"{crossed}_skel"
        levels.append(
            _frequent(
                _level(
                    f"(list_has_any({keys}_l, {crossed}_keys_r) AND {other}_l = {skeleton}_r) "
                    f"OR (list_has_any({crossed}_keys_l, {keys}_r) AND {skeleton}_l = {other}_r)",
                    f"written as the other's {crossed} name",
                ),
                key,
                term_frequencies,
            ).configure(
                m_probability=start["crossed"][0],
                u_probability=start["crossed"][1],
                # Expectation maximisation sees too few swapped pairs and drives
                # this to zero, which would forbid ever matching them.
                fix_m_probability=True,
                # Both names agree crosswise: one piece of evidence, which the
                # given name counts; the family name counts it as neither for
                # nor against.
                fix_u_probability=field_name == "family",
            )
        )
    # Names alike but not variants or typos of each other (Hasan, Hossein)
    # count for little; names wholly unlike (Hamid, Zahra) count strongly
    # against, which is what keeps siblings apart: their family name, father's
    # name and birth place agree together, as one piece of evidence.
    alike = _start(cll.JaroWinklerLevel(key, 0.8), *start["alike"])
    if field_name == "given":
        # Siblings bear alike given names (Hasan, Hossein; Zahra, Zohreh) and
        # twins are in the training blocks; learnt, this m counts them as one
        # person's spellings.
        alike = alike.configure(fix_m_probability=True)
    levels.append(alike)
    # How often one person's name is wholly unlike between two of their
    # records (a typo that leaves nothing alike) is fixed, not learnt:
    # training blocks hold twins and other close relatives, and expectation
    # maximisation counts their unlike given names as a person's, which would
    # let siblings merge. For the given name it is a rule more than an
    # estimate (one in ten billion): the model multiplies the evidence of the
    # other comparisons as if independent, but for siblings the family name,
    # the father's name, the birth place and (for twins) the birth date agree
    # together, and that can add up to forty bits; only the given name tells
    # them apart, so unlike given names outweigh everything else. A person
    # whose given name two sources write wholly unlike is missed instead.
    levels.append(_start(cll.ElseLevel(), *start["else"]).configure(fix_m_probability=True))
    return cl.CustomComparison(levels, output_column_name=field_name, comparison_description=label)


def _birth_date_comparison() -> ComparisonCreator:
    full = "birth_day_l IS NOT NULL AND birth_day_r IS NOT NULL"
    same_year = "birth_year_l = birth_year_r"
    # One record says less than the other: a year against a date, a month against a day.
    one_says_less = (
        "(birth_month_l IS NULL OR birth_month_r IS NULL "
        "OR (birth_month_l = birth_month_r "
        "AND (birth_day_l IS NULL OR birth_day_r IS NULL)))"
    )
    return cl.CustomComparison(
        [
            _level("birth_year_l IS NULL OR birth_year_r IS NULL", "unknown").configure(
                is_null_level=True
            ),
            _start(
                _level(
                    f"{full} AND {same_year} AND birth_month_l = birth_month_r "
                    "AND birth_day_l = birth_day_r",
                    "same date",
                ),
                0.35,
                0.00006,
            ),
            _start(
                _level(
                    f"{full} AND {same_year} AND birth_month_l = birth_day_r "
                    "AND birth_day_l = birth_month_r",
                    "day and month swapped",
                ),
                0.01,
                0.00001,
            ),
            _start(
                _level(
                    f"{full} AND abs(birth_year_l - birth_year_r) = 1 "
                    "AND birth_month_l = birth_month_r AND birth_day_l = birth_day_r",
                    "same day and month, a year apart",
                ),
                0.02,
                0.0001,
            ),
            _start(
                _level(f"{same_year} AND {one_says_less}", "same year, one says less"),
                0.54,
                0.01,
            ),
            _start(_level(same_year, "same year, different day"), 0.0002, 0.008),
            # A year apart where one record gives only the year (an age counted
            # on another calendar, a Solar Hijri year converted). Two full
            # dates a year apart that differ in day or month are two people:
            # siblings are born a year or two apart.
            _start(
                _level(
                    f"abs(birth_year_l - birth_year_r) = 1 AND {one_says_less}",
                    "one year apart",
                ),
                0.1,
                0.035,
            ),
            _start(cll.ElseLevel(), 0.0009, 0.95),
        ],
        output_column_name="birth_date",
        comparison_description="birth date, possibly partial",
    )


def comparisons(
    *, with_nationality: bool, term_frequencies: bool
) -> list[ComparisonCreator | dict[str, Any]]:
    result: list[ComparisonCreator | dict[str, Any]] = [
        _name_comparison("given", "given name", "family", term_frequencies=term_frequencies),
        _name_comparison("family", "family name", "given", term_frequencies=term_frequencies),
        _name_comparison("father", "father's name", None, term_frequencies=term_frequencies),
        _birth_date_comparison(),
        cl.CustomComparison(
            [
                cll.NullLevel("place_key"),
                _start(
                    cll.ExactMatchLevel("place_key", term_frequency_adjustments=term_frequencies),
                    0.95,
                    0.09,
                ),
                _start(cll.ExactMatchLevel("place_skel"), 0.01, 0.005),
                _start(cll.ElseLevel(), 0.04, 0.905),
            ],
            output_column_name="birth_place",
            comparison_description="birth place",
        ),
    ]
    if with_nationality:
        result.append(
            cl.CustomComparison(
                [
                    cll.NullLevel("nationality"),
                    _start(cll.ExactMatchLevel("nationality"), 0.95, 0.3),
                    _start(cll.ElseLevel(), 0.05, 0.7),
                ],
                output_column_name="nationality",
                comparison_description="nationality",
            )
        )
    return result


def blocking_rules() -> list[BlockingRuleCreator | dict[str, Any]]:
    return [
        block_on("given_skel", "family_skel"),
        block_on("family_skel", "father_skel"),
        block_on("given_skel", "father_skel"),
        block_on("family_skel", "birth_year"),
        # A typo in the family name, no father's name: the given name and the
        # birth month (a year alone would gather too many Mohammads).
        block_on("given_skel", "birth_year", "birth_month"),
        _crossed_rule("l.given_skel = r.family_skel AND l.family_skel = r.given_skel"),
        # Swapped order and a typo in one of the two names.
        _crossed_rule("l.given_skel = r.family_skel AND l.birth_year = r.birth_year"),
        _crossed_rule("l.family_skel = r.given_skel AND l.birth_year = r.birth_year"),
        _crossed_rule("l.given_skel = r.family_skel AND l.father_skel = r.father_skel"),
        _crossed_rule("l.family_skel = r.given_skel AND l.father_skel = r.father_skel"),
    ]


def _crossed_rule(sql: str) -> BlockingRuleCreator:
    return CustomRule(sql, sql_dialect=DIALECT)


def settings(
    *, with_nationality: bool, term_frequencies: bool = True, prior: float = 1e-4
) -> SettingsCreator:
    return SettingsCreator(
        probability_two_random_records_match=prior,
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(
            with_nationality=with_nationality, term_frequencies=term_frequencies
        ),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
        max_iterations=20,
    )


@contextmanager
def _stage(name: str, seconds: dict[str, float], progress: Progress) -> Iterator[None]:
    progress(f"{name}…")
    started = time.perf_counter()
    yield
    seconds[name] = round(time.perf_counter() - started, 2)
    progress(f"{name}: {seconds[name]:.1f} s")


def link(
    columns: dict[str, list[Any]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Progress = _quiet,
    memory_limit: str = "3GB",
    threads: int = 2,
) -> Linkage:
    """Cluster prepared records (`records.prepare`); every record gets a cluster.

    A cluster is named by the `unique_id` of one of its records.
    """
    count = len(columns["unique_id"])
    seconds: dict[str, float] = {}
    if count < 2:
        return Linkage({unique_id: unique_id for unique_id in columns["unique_id"]}, 0, seconds)
    # Splink reports each step at INFO; the command prints its own progress instead.
    logging.getLogger("splink").setLevel(logging.ERROR)
    with_nationality = any(columns.get("nationality", []))
    data = dict(columns)
    if not with_nationality:
        data.pop("nationality", None)

    with _stage("loading records into DuckDB", seconds, progress):
        db_api = DuckDBAPI()
        db_api.duckdb_con.execute(f"SET threads = {int(threads)}")
        db_api.duckdb_con.execute("SET memory_limit = ?", [memory_limit])
        db_api.duckdb_con.execute("SET preserve_insertion_order = false")
        records = db_api.register(data, table_name="docket_records")
        trained = count >= MIN_RECORDS_TO_TRAIN
        # A guess at the prior that training replaces: a few records per
        # person among many people.
        prior = min(0.01, 2.0 / count)
        model = settings(with_nationality=with_nationality, term_frequencies=trained, prior=prior)
        linker = Linker(records, model, log_level=None)

    if trained:
        train(linker, seconds=seconds, progress=progress)
    else:
        progress(
            f"fewer than {MIN_RECORDS_TO_TRAIN} records: using the model's starting weights "
            "without training"
        )

    with _stage("scoring candidate pairs", seconds, progress):
        predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        pairs_scored = int(predictions.as_duckdbpyrelation().count("*").fetchall()[0][0])

    with _stage("clustering", seconds, progress):
        edges = [
            (int(left), int(right), float(probability))
            for left, right, probability in predictions.as_duckdbpyrelation()
            .select("unique_id_l, unique_id_r, match_probability")
            .fetchall()
        ]
        cluster_of = _components(data["unique_id"], edges)
    with _stage("clustering: splitting clusters that join unlike records", seconds, progress):
        cluster_of = _split_unlike(linker, db_api, data, edges, cluster_of)
    return Linkage(cluster_of, pairs_scored, seconds)


# Two records that look less alike than two records drawn at random (the
# Bayes factors of their comparisons multiply to less than 2 ** this), or
# whose birth dates or fathers' names conflict (the "else" level), are never
# put in one cluster, even through others: a record that says little (Zahra
# Mohammadi, nothing else) must not join the Zahra Mohammadi born in 1970 to
# the one born in 1985.
CANNOT_LINK_BITS = 0.0
# The comparisons whose "else" level (gamma 0) keeps two records apart.
CONFLICTS = ("birth_date", "father")


class _Clusters:
    """Union-find over records, each set knowing its members; the root names the set."""

    def __init__(self, unique_ids: list[int]) -> None:
        self.parent = {unique_id: unique_id for unique_id in unique_ids}
        self.members = {unique_id: [unique_id] for unique_id in unique_ids}

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, first: int, second: int, cannot: dict[int, set[int]] | None = None) -> bool:
        """Join the sets of two records, unless a record of one cannot be with one of the other."""
        small, large = self.find(first), self.find(second)
        if small == large:
            return True
        if len(self.members[small]) > len(self.members[large]):
            small, large = large, small
        if cannot and any(
            self.find(other) == large
            for member in self.members[small]
            for other in cannot.get(member, ())
        ):
            return False
        self.parent[small] = large
        self.members[large].extend(self.members.pop(small))
        return True


def _components(unique_ids: list[int], edges: list[tuple[int, int, float]]) -> dict[int, int]:
    clusters = _Clusters(unique_ids)
    for left, right, _probability in edges:
        clusters.join(left, right)
    return {unique_id: clusters.find(unique_id) for unique_id in unique_ids}


def _split_unlike(
    linker: Linker,
    db_api: DuckDBAPI,
    data: dict[str, list[Any]],
    edges: list[tuple[int, int, float]],
    cluster_of: dict[int, int],
) -> dict[int, int]:
    """Clusters rebuilt, strongest pair first, without joining records that look unlike.

    Every pair of records in a cluster of three or more is scored with the
    trained model (and the term frequencies of all records); where two of
    them cannot be one person (CANNOT_LINK_BITS, CONFLICTS), the cluster is
    built again from its pairs, strongest first, skipping a pair that would
    join them.
    """
    sizes: dict[int, int] = {}
    for cluster in cluster_of.values():
        sizes[cluster] = sizes.get(cluster, 0) + 1
    chosen = [
        index
        for index, unique_id in enumerate(data["unique_id"])
        if sizes[cluster_of[unique_id]] > 2
    ]
    if not chosen:
        return cluster_of
    subset = {name: [values[index] for index in chosen] for name, values in data.items()}
    subset["tentative_cluster"] = [cluster_of[data["unique_id"][index]] for index in chosen]
    model = linker.misc.save_model_to_json()
    model["retain_matching_columns"] = True
    model["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": "l.tentative_cluster = r.tentative_cluster", "sql_dialect": DIALECT}
    ]
    within = Linker(
        db_api.register(subset, table_name="docket_clustered_records"), model, log_level=None
    )
    for column in term_frequency_columns(model):
        within.table_management.register_term_frequency_lookup(
            linker.table_management.compute_tf_table(column), column
        )
    prior = float(model["probability_two_random_records_match"])
    prior_bits = math.log2(prior / (1 - prior))
    unlike = (
        within.inference.predict(warning_mode="never")
        .as_duckdbpyrelation()
        .filter(
            " OR ".join(
                [f"match_weight - ({prior_bits!r}) < {CANNOT_LINK_BITS!r}"]
                + [f"gamma_{name} = 0" for name in CONFLICTS]
            )
        )
        .select("unique_id_l, unique_id_r")
        .fetchall()
    )
    if not unlike:
        return cluster_of
    cannot: dict[int, set[int]] = {}
    for left, right in unlike:
        cannot.setdefault(int(left), set()).add(int(right))
        cannot.setdefault(int(right), set()).add(int(left))
    split = {cluster_of[unique_id] for unique_id in cannot}
    members = [unique_id for unique_id, cluster in cluster_of.items() if cluster in split]
    clusters = _Clusters(members)
    for left, right, _probability in sorted(edges, key=lambda edge: -edge[2]):
        if cluster_of[left] in split:
            clusters.join(left, right, cannot)
    return cluster_of | {unique_id: clusters.find(unique_id) for unique_id in members}


def term_frequency_columns(model: dict[str, Any]) -> list[str]:
    """The columns whose term frequencies a saved model needs."""
    columns: list[str] = []
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            column = level.get("tf_adjustment_column")
            if column and column not in columns:
                columns.append(column)
    return columns


def train(linker: Linker, *, seconds: dict[str, float], progress: Progress = _quiet) -> None:
    """Learn the weights from the records themselves, without labels (see the module doc);
    the time each stage took goes into `seconds`."""
    with _stage("training: prior and u probabilities", seconds, progress):
        _estimate_prior(linker)
        linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=SEED)
    with _stage("training: expectation maximisation", seconds, progress):
        for shared, rule in TRAINING_BLOCKS.items():
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True, max_pairs=EM_PAIRS
                )
            except EMTrainingException:
                # No two records share the block (many lists give no full birth date):
                # what it would train keeps its starting weights, as on a short list.
                progress(
                    f"training: no two records share {shared}; "
                    "the weights it trains keep their starting values"
                )


# Expectation maximisation needs blocks where true pairs are common but that
# do not gather families: pairs blocked on family and father's name are
# mostly siblings, and the model would learn "same family" instead of "same
# person". The same full birth date gathers a person's records and few others
# (it trains the names and place); the same given and family names gather a
# person's records and namesakes (it trains the birth date and father's name).
TRAINING_BLOCKS = {
    "a full birth date": block_on("birth_year", "birth_month", "birth_day"),
    "given and family names": block_on("given_skel", "family_skel"),
}


def _estimate_prior(linker: Linker) -> None:
    # Records agreeing on all three names are nearly all the same person; the
    # recall says how many of a person's records agree that well.
    rule = block_on("given_key", "family_key", "father_key")
    # Splink keeps the prior on its settings object, with no public reader (Splink 5).
    held = linker._settings_obj
    guess = held._probability_two_random_records_match
    try:
        linker.training.estimate_probability_two_random_records_match([rule], recall=0.6)
    except Exception:  # noqa: BLE001 - too few records agree to estimate; keep the guess
        logging.getLogger(__name__).info("kept the guessed prior", exc_info=True)
    if not 0 < held._probability_two_random_records_match < 1:
        # No two records agree on all three names: "no pair is ever the same person"
        # would be a prior of 0, on which no weight can be computed. Keep the guess.
        held._probability_two_random_records_match = guess
