"""Scoring the persons in Docket: which pairs may be one person, and why.

The same model as `docket link` (docket.linkage.model), run over the records
of `persons.person_columns`, keeping each comparison's level and weight for
every pair so a reviewer sees what the probability rests on. A run over
everyone learns the weights (when there are enough persons to learn from)
and saves the model as JSON in the data folder; scoring a few persons
against everyone reuses that file, so their pairs are weighed alike.
"""

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings

# A pair at or above this match probability is put to a reviewer: the model
# thinks them more likely one person than two. Merging stays a person's decision.
REVIEW_THRESHOLD = 0.5
MEMORY_LIMIT = "3GB"
THREADS = 2

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


@dataclass(frozen=True)
class Evidence:
    """One comparison of a pair: its level and its weight in bits (log2 of the Bayes factor)."""

    comparison: str
    description: str
    level: str
    gamma: int
    weight: float

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ScoredPair:
    first: int
    second: int
    probability: float
    match_weight: float
    evidence: tuple[Evidence, ...]


@dataclass
class Scores:
    pairs: list[ScoredPair]
    model_version: str = ""
    trained: bool = False
    seconds: dict[str, float] = field(default_factory=dict)


def model_file() -> Path:
    """Where the model learnt over everyone is kept (a setting, so tests can move it)."""
    configured = getattr(django_settings, "LINKAGE_MODEL_FILE", None)
    return Path(configured) if configured else Path(django_settings.DATA_DIR) / "linkage-model.json"


def _version(model: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()[:12]


def _database() -> Any:
    from splink import DuckDBAPI

    # Splink reports each step at INFO; the runs keep their own record of time.
    logging.getLogger("splink").setLevel(logging.ERROR)
    db_api = DuckDBAPI()
    db_api.duckdb_con.execute(f"SET threads = {int(THREADS)}")
    db_api.duckdb_con.execute("SET memory_limit = ?", [MEMORY_LIMIT])
    return db_api


def _without_unused_nationality(columns: dict[str, list[Any]], used: bool) -> dict[str, list[Any]]:
    data = dict(columns)
    if not used:
        data.pop("nationality", None)
    return data


def score_everyone(
    columns: dict[str, list[Any]],
    *,
    threshold: float = REVIEW_THRESHOLD,
    progress: Progress = _quiet,
) -> Scores:
    """Every pair of persons at or above `threshold`; trains and saves the model."""
    from splink import Linker

    from docket.linkage.model import MIN_RECORDS_TO_TRAIN, settings, train

    count = len(columns["unique_id"])
    seconds: dict[str, float] = {}
    if count < 2:
        return Scores([], seconds=seconds)
    started = time.perf_counter()
    with_nationality = any(columns.get("nationality", []))
    db_api = _database()
    records = db_api.register(
        _without_unused_nationality(columns, with_nationality), table_name="docket_persons"
    )
    trained = count >= MIN_RECORDS_TO_TRAIN
    creator = dataclasses.replace(
        settings(
            with_nationality=with_nationality,
            term_frequencies=trained,
            # A guess the training replaces: a few records per person among many people.
            prior=min(0.01, 2.0 / count),
        ),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )
    linker = Linker(records, creator, log_level=None)
    seconds["loading persons"] = round(time.perf_counter() - started, 2)
    if trained:
        train(linker, seconds=seconds, progress=progress)
    model = linker.misc.save_model_to_json()
    _save_model(model)
    started = time.perf_counter()
    predictions = linker.inference.predict(
        threshold_match_probability=threshold, warning_mode="never"
    )
    pairs = _pairs(model, predictions)
    seconds["scoring pairs"] = round(time.perf_counter() - started, 2)
    return Scores(pairs, _version(model), trained, seconds)


def _save_model(model: dict[str, Any]) -> None:
    path = model_file()
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(model, indent=1), encoding="utf-8")
    partial.replace(path)


def _saved_model() -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads(model_file().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return loaded


def score_against_everyone(
    columns: dict[str, list[Any]],
    person_ids: set[int],
    *,
    threshold: float = REVIEW_THRESHOLD,
) -> Scores:
    """The pairs at or above `threshold` that a person of `person_ids` makes with anyone,
    scored with the saved model (the starting weights while there is none)."""
    from splink import Linker

    from docket.linkage.model import settings, term_frequency_columns

    seconds: dict[str, float] = {}
    count = len(columns["unique_id"])
    chosen = [index for index, pk in enumerate(columns["unique_id"]) if pk in person_ids]
    if count < 2 or not chosen:
        return Scores([], seconds=seconds)
    started = time.perf_counter()
    saved = _saved_model()
    db_api = _database()
    if saved is None:
        with_nationality = any(columns.get("nationality", []))
        model: Any = dataclasses.replace(
            settings(
                with_nationality=with_nationality,
                term_frequencies=False,
                prior=min(0.01, 2.0 / count),
            ),
            retain_matching_columns=True,
            retain_intermediate_calculation_columns=True,
        )
    else:
        with_nationality = any(
            comparison["output_column_name"] == "nationality" for comparison in saved["comparisons"]
        )
        model = saved | {
            "retain_matching_columns": True,
            "retain_intermediate_calculation_columns": True,
        }
    data = _without_unused_nationality(columns, with_nationality)
    records = db_api.register(data, table_name="docket_persons")
    subset = {name: [values[index] for index in chosen] for name, values in data.items()}
    new = db_api.register(subset, table_name="docket_chosen")
    linker = Linker(records, model, log_level=None)
    described = linker.misc.save_model_to_json()
    for column in term_frequency_columns(described):
        linker.table_management.compute_tf_table(column)
    seconds["loading persons"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    predictions = linker.inference.predict_between(
        new, records, threshold_match_probability=threshold, warning_mode="never"
    )
    pairs = _pairs(described, predictions)
    seconds["scoring pairs"] = round(time.perf_counter() - started, 2)
    return Scores(pairs, _version(saved) if saved else "start", saved is not None, seconds)


def _levels(comparison: dict[str, Any]) -> dict[int, str]:
    """Each level's comparison vector value and label: Splink numbers the levels that are
    not the null level from the last (0) up, the null level is -1."""
    levels = comparison["comparison_levels"]
    counted = [level for level in levels if not level.get("is_null_level")]
    labels = {
        -1: next((level["label_for_charts"] for level in levels if level.get("is_null_level")), "")
    }
    for index, level in enumerate(counted):
        labels[len(counted) - 1 - index] = level["label_for_charts"]
    return labels


def _pairs(model: dict[str, Any], predictions: Any) -> list[ScoredPair]:
    comparisons = [
        (
            comparison["output_column_name"],
            comparison["comparison_description"],
            _levels(comparison),
            any(level.get("tf_adjustment_column") for level in comparison["comparison_levels"]),
        )
        for comparison in model["comparisons"]
    ]
    selected = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    for name, _description, _labels, frequent in comparisons:
        # A common name's weight is the level's, less what its frequency takes away.
        weight = f"mw_{name} + coalesce(mw_tf_adj_{name}, 0)" if frequent else f"mw_{name}"
        selected += [f"gamma_{name}", weight]
    relation = predictions.as_duckdbpyrelation().select(", ".join(selected))
    pairs: dict[tuple[int, int], ScoredPair] = {}
    for row in relation.fetchall():
        left, right = int(row[0]), int(row[1])
        if left == right:
            continue
        evidence = tuple(
            Evidence(
                comparison=name,
                description=description,
                level=labels.get(int(row[4 + 2 * index]), ""),
                gamma=int(row[4 + 2 * index]),
                weight=round(float(row[5 + 2 * index] or 0.0), 3),
            )
            for index, (name, description, labels, _frequent) in enumerate(comparisons)
        )
        first, second = min(left, right), max(left, right)
        pairs[(first, second)] = ScoredPair(first, second, float(row[2]), float(row[3]), evidence)
    return sorted(pairs.values(), key=lambda pair: (-pair.probability, pair.first, pair.second))
