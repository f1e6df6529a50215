"""Possible duplicate persons in the app: scoring runs, the review queue, decisions.

The persons are the fictional hard cases of tests/test_linkage.py, entered
in Docket as a documenter would: one person's records in several spellings
and scripts, his brothers (same family name, father's name and birth place)
and namesakes with common names. Scoring runs on Splink over these few
persons (no training below a thousand), so each run takes about a second.
"""

import re
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from bench.linkage.generate import generate
from docket.audit.models import Action, AuditEntry
from docket.linkage import services
from docket.linkage.models import CandidatePair, PairStatus, Scope
from docket.linkage.persons import person_columns
from docket.linkage.reasons import factor
from docket.linkage.records import prepare
from docket.linkage.scoring import model_file, score_against_everyone, score_everyone
from docket.linkage.tasks import find_duplicate_persons, find_duplicates_of_new_persons
from docket.people.merges import unmerge
from docket.people.models import Merge, NameKind, Person, RelationshipKind
from docket.people.services import NameInput, create_person, relate
from tests import markers
from tests.test_linkage import HARD_CASES, SAME_PERSON

pytestmark = pytest.mark.django_db

PERSIAN = re.compile("[\u0600-\u06ff]")
# The pairs of one person's records among the hard cases: what the queue should hold.
PAIRS = sum(len(group) * (len(group) - 1) // 2 for group in SAME_PERSON)


@pytest.fixture(autouse=True)
def own_model_file(settings: Any, tmp_path: Any) -> None:
    """Each test its own saved model, as each has its own persons."""
    settings.LINKAGE_MODEL_FILE = tmp_path / "linkage-model.json"


def _person(actor: Any, given: str, family: str, father: str, born: str, place: str) -> Person:
    script = "persian" if PERSIAN.search(given + family) else "latin"
    names = [NameInput(f"{given} {family}", script=script)]
    if father:
        father_script = "persian" if PERSIAN.search(father) else "latin"
        names.append(NameInput(father, script=father_script, kind=NameKind.FATHER))
    day_first = re.fullmatch(r"(\d\d)/(\d\d)/(\d{4})", born)
    if day_first:
        born = f"{day_first[3]}-{day_first[2]}-{day_first[1]}"
    return create_person(actor=actor, names=names, birth_date=born or None, birth_place=place)


@pytest.fixture
def records(documenter: Any) -> dict[str, Person]:
    """The hard cases, one person each, by their record id (gs1, ms1…)."""
    return {row[0]: _person(documenter, *row[1:6]) for row in HARD_CASES}


def _expected(records: dict[str, Person]) -> set[tuple[int, int]]:
    pairs = set()
    for group in SAME_PERSON:
        ids = sorted(records[record_id].pk for record_id in group)
        pairs |= {(first, second) for first in ids for second in ids if first < second}
    return pairs


def _open_pairs() -> set[tuple[int, int]]:
    return set(
        CandidatePair.objects.filter(status=PairStatus.OPEN).values_list("person_a", "person_b")
    )


def _pair(records: dict[str, Person], first: str, second: str) -> CandidatePair:
    a, b = sorted([records[first].pk, records[second].pk])
    return CandidatePair.objects.get(person_a=a, person_b=b)


# Scoring


def test_the_persons_rows_hold_every_spelling_on_file(records):
    columns = person_columns([records["zm2"].pk, records["gs3"].pk])

    gs3, zm2 = (columns["unique_id"].index(records[key].pk) for key in ("gs3", "zm2"))
    assert columns["given_text"][gs3] == "غلامرضا"
    assert columns["father_key"][gs3] == "hsin"
    # "MOUSAVI ZAHRA": family name first, read as written; the model sees it crossed.
    assert columns["given_key"][zm2] == "mvsvi"
    assert columns["birth_day"][zm2] == 2 and columns["birth_month"][zm2] == 11


def test_candidates_are_one_persons_records_never_brothers_or_namesakes(records):
    run = services.find_duplicates_everywhere()

    assert _open_pairs() == _expected(records)
    assert (run.scope, run.persons, run.pairs) == (Scope.EVERYONE, len(HARD_CASES), PAIRS)
    assert run.last_person_id == max(person.pk for person in records.values())
    assert "scoring pairs" in run.seconds


def test_each_pair_keeps_every_comparisons_weight(records):
    services.find_duplicates_everywhere()

    pair = _pair(records, "gs1", "gs3")

    by_comparison = {entry["comparison"]: entry for entry in pair.weights}
    assert set(by_comparison) == {"given", "family", "father", "birth_date", "birth_place"}
    assert by_comparison["family"]["level"] == "Exact match on family_key"
    assert by_comparison["birth_date"]["level"] == "day and month swapped"
    assert all(entry["weight"] > 0 for entry in pair.weights)
    assert pair.probability > 0.99 and pair.model_version


def test_not_the_same_person_is_remembered_and_never_asked_again(records, coordinator):
    services.find_duplicates_everywhere()
    pair = _pair(records, "zm1", "zm3")

    services.decide_not_same(actor=coordinator, pair=pair)
    services.find_duplicates_everywhere()
    services.find_duplicates_of(records["zm3"])

    pair.refresh_from_db()
    assert pair.status == PairStatus.NOT_SAME and pair.decided_by == coordinator
    assert (pair.person_a_id, pair.person_b_id) not in _open_pairs()
    assert CandidatePair.objects.count() == PAIRS
    entry = AuditEntry.objects.get(action=Action.NOT_SAME)
    assert entry.detail == {"persons": [pair.person_a_id, pair.person_b_id]}


def test_a_pair_found_again_keeps_its_row_with_the_new_weights(records):
    services.find_duplicates_everywhere()
    pair = _pair(records, "gs1", "gs2")
    CandidatePair.objects.filter(pk=pair.pk).update(probability=0.6, weights=[])

    services.find_duplicates_everywhere()

    again = _pair(records, "gs1", "gs2")
    assert again.pk == pair.pk
    assert again.probability > 0.99 and len(again.weights) == 5


def test_a_new_person_is_scored_against_everyone_with_the_saved_model(records, documenter):
    everyone = services.find_duplicates_everywhere()
    newcomer = _person(documenter, "Gholam Reza", "Shekary", "Hosein", "1975-03", "Tehran")

    run = services.find_duplicates_of_new_persons()

    assert run is not None and run.scope == Scope.NEW
    assert run.model_version == everyone.model_version
    assert run.last_person_id == newcomer.pk
    # The newcomer has the highest id, so is always the pair's second person.
    assert not CandidatePair.objects.filter(person_a=newcomer).exists()
    assert set(
        CandidatePair.objects.filter(person_b=newcomer, status=PairStatus.OPEN).values_list(
            "person_a", flat=True
        )
    ) == {records[key].pk for key in ("gs1", "gs2", "gs3", "gs4")}
    # The pairs found before stay.
    assert _expected(records) <= _open_pairs()
    assert services.find_duplicates_of_new_persons() is None


def test_a_few_persons_are_weighed_as_in_the_trained_run_over_everyone():
    """Above a thousand persons the model is trained (with name frequencies) and saved;
    scoring a few persons against everyone with the saved file gives the same pairs and
    the same probabilities. Straight on the model's columns: no database needed."""
    columns = prepare(generate(1100, seed=3))

    everyone = score_everyone(columns)
    chosen = {everyone.pairs[0].first, everyone.pairs[-1].second, 7}
    few = score_against_everyone(columns, chosen)

    assert everyone.trained and few.trained
    assert few.model_version == everyone.model_version
    assert "given_key" in model_file().read_text()
    expected = {
        (pair.first, pair.second): pair.probability
        for pair in everyone.pairs
        if {pair.first, pair.second} & chosen
    }
    assert {(pair.first, pair.second): pair.probability for pair in few.pairs} == pytest.approx(
        expected
    )


def test_the_first_run_over_new_persons_looks_at_everyone(records):
    run = services.find_duplicates_of_new_persons()

    assert run is not None and run.scope == Scope.EVERYONE
    assert _open_pairs() == _expected(records)


def test_persons_recorded_as_relatives_are_never_proposed(records, documenter):
    relate(
        actor=documenter,
        person=records["gs1"],
        relative=records["gs2"],
        kind=RelationshipKind.objects.get(code="sibling"),
    )

    services.find_duplicates_everywhere()

    pair = tuple(sorted([records["gs1"].pk, records["gs2"].pk]))
    assert pair not in _open_pairs()
    assert len(_open_pairs()) == PAIRS - 1


def test_a_lone_person_makes_no_run_fail(documenter):
    _person(documenter, "Zahra", "Mousavi", "", "", "")

    run = services.find_duplicates_everywhere()

    assert (run.persons, run.pairs) == (1, 0)


def test_the_background_tasks_run(records):
    result = find_duplicate_persons.call()

    assert result["pairs"] == PAIRS and result["persons"] == len(HARD_CASES)
    assert find_duplicates_of_new_persons.call() == {"persons": 0, "pairs": 0}


def test_adding_persons_queues_one_search_for_duplicates_per_transaction(
    documenter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for row in HARD_CASES[:3]:
            _person(documenter, *row[1:6])

    queued = DBTaskResult.objects.filter(task_path__endswith="find_duplicates_of_new_persons")
    assert queued.count() == 1


# The review queue and the pair page


def test_the_queue_lists_pairs_strongest_first(
    records, coordinator, logged_in, django_assert_max_num_queries
):
    services.find_duplicates_everywhere()
    client = logged_in(coordinator)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("linkage:review"))

    text = response.content.decode()
    assert f"{PAIRS} pairs to review" in text
    shown = [int(pk) for pk in re.findall(r'href="/duplicates/(\d+)/"', text)]
    probabilities = [CandidatePair.objects.get(pk=pk).probability for pk in shown]
    assert len(shown) == PAIRS and probabilities == sorted(probabilities, reverse=True)


@pytest.mark.parametrize("persona", ["documenter", "viewer", "outsider"])
def test_only_coordinators_and_administrators_review(request, records, logged_in, persona):
    services.find_duplicates_everywhere()
    client = logged_in(request.getfixturevalue(persona))
    pair = _pair(records, "gs1", "gs2")

    assert client.get(reverse("linkage:review")).status_code == 403
    assert client.get(reverse("linkage:pair", args=[pair.pk])).status_code == 403
    assert (
        client.post(reverse("linkage:pair", args=[pair.pk]), {"action": "not_same"}).status_code
        == 403
    )
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN


def test_the_pair_page_shows_both_side_by_side_and_why(records, coordinator, logged_in):
    services.find_duplicates_everywhere()
    pair = _pair(records, "gs1", "gs3")

    text = logged_in(coordinator).get(reverse("linkage:pair", args=[pair.pk])).content.decode()

    assert "Gholamreza Shekari" in text and "غلامرضا شکاری" in text
    assert "1975-03-02" in text and "1975-02-03" in text
    assert "day and month swapped" in text
    assert "same key: the same name, however spelt" in text
    assert re.search(r"×\d", text)
    assert 'value="merge"' in text and 'value="not_same"' in text


def test_merging_from_the_pair_page_and_undoing(records, coordinator, logged_in):
    services.find_duplicates_everywhere()
    pair = _pair(records, "mh1", "mh2")
    keep, absorb = records["mh1"], records["mh2"]
    client = logged_in(coordinator)

    response = client.post(
        reverse("linkage:pair", args=[pair.pk]), {"action": "merge", "keep": str(keep.pk)}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("people:person_detail", args=[keep.pk])
    pair.refresh_from_db()
    assert pair.status == PairStatus.MERGED and pair.merge is not None
    assert pair.merge.absorbed == absorb
    # The absorbed person's other pairs leave the queue with them.
    text = client.get(reverse("linkage:review")).content.decode()
    assert f"{PAIRS - 1} pairs to review" not in text and f"{PAIRS - 2} pairs to review" in text

    unmerge(actor=coordinator, merge=Merge.objects.get())

    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN and pair.merge is None
    assert f"{PAIRS} pairs to review" in client.get(reverse("linkage:review")).content.decode()


def test_a_merge_that_raises_confidentiality_says_so_before_after_and_in_the_log(
    records, coordinator, logged_in
):
    services.find_duplicates_everywhere()
    pair = _pair(records, "mh1", "mh2")
    keep, absorb = records["mh1"], records["mh2"]
    Person.objects.filter(pk=absorb.pk).update(confidentiality="restricted")
    client = logged_in(coordinator)

    page = client.get(reverse("linkage:pair", args=[pair.pk])).content.decode()
    response = client.post(
        reverse("linkage:pair", args=[pair.pk]),
        {"action": "merge", "keep": str(keep.pk)},
        follow=True,
    )

    assert page.count("(kept, it becomes Restricted: now Internal)") == 1
    assert (
        "The record kept was internal and is now restricted, as the stricter of the two"
        in response.content.decode()
    )
    entry = AuditEntry.objects.get(action=Action.MERGE)
    assert entry.detail["confidentiality_raised"] == ["internal", "restricted"]


def test_a_merge_queues_a_new_look_at_the_kept_person(
    records, coordinator, logged_in, django_capture_on_commit_callbacks
):
    services.find_duplicates_everywhere()
    pair = _pair(records, "hs1", "hs2")

    with django_capture_on_commit_callbacks(execute=True):
        logged_in(coordinator).post(
            reverse("linkage:pair", args=[pair.pk]),
            {"action": "merge", "keep": str(pair.person_a_id)},
        )

    queued = DBTaskResult.objects.get(task_path__endswith="find_duplicates_of_person")
    assert queued.args_kwargs["args"] == [pair.person_a_id]


def test_not_the_same_person_from_the_pair_page(records, coordinator, logged_in):
    services.find_duplicates_everywhere()
    pair = _pair(records, "gs1", "gs4")
    client = logged_in(coordinator)

    response = client.post(reverse("linkage:pair", args=[pair.pk]), {"action": "not_same"})

    assert response["Location"] == reverse("linkage:review")
    pair.refresh_from_db()
    assert pair.status == PairStatus.NOT_SAME
    assert f"{PAIRS - 1} pairs to review" in client.get(reverse("linkage:review")).content.decode()


def test_a_merge_the_rules_refuse_is_explained_not_offered(records, coordinator, logged_in):
    services.find_duplicates_everywhere()
    pair = _pair(records, "zm1", "zm2")
    # Recorded as relatives after the run: two people.
    relate(
        actor=coordinator,
        person=records["zm1"],
        relative=records["zm2"],
        kind=RelationshipKind.objects.get(code="sibling"),
    )
    client = logged_in(coordinator)

    text = client.get(reverse("linkage:pair", args=[pair.pk])).content.decode()
    response = client.post(
        reverse("linkage:pair", args=[pair.pk]), {"action": "merge", "keep": str(pair.person_a_id)}
    )

    assert "recorded as relatives" in text and 'value="merge"' not in text
    assert response["Location"] == reverse("linkage:pair", args=[pair.pk])
    assert not Merge.objects.exists()


def test_one_persons_duplicates_and_looking_again(records, coordinator, logged_in):
    services.find_duplicates_everywhere()
    client = logged_in(coordinator)
    person = records["gs2"]

    text = client.get(reverse("linkage:person_duplicates", args=[person.pk])).content.decode()
    response = client.post(reverse("linkage:person_duplicates", args=[person.pk]))

    assert len(re.findall(r'href="/duplicates/\d+/"', text)) == 3
    assert (
        reverse("linkage:person_duplicates", args=[person.pk])
        in client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    )
    assert response.status_code == 302
    queued = DBTaskResult.objects.get(task_path__endswith="find_duplicates_of_person")
    assert queued.args_kwargs["args"] == [person.pk]


def test_looking_again_over_everyone_is_queued(coordinator, logged_in):
    response = logged_in(coordinator).post(reverse("linkage:review"))

    assert response.status_code == 302
    assert DBTaskResult.objects.filter(task_path__endswith="find_duplicate_persons").count() == 1


def test_weights_read_as_factors_on_the_odds():
    assert factor(5.321928) == "×40"
    assert factor(-4.321928) == "÷20"
    assert factor(0.584963) == "×1.5"
    assert factor(0.0) == "×1"


# Who sees which pair: the leak test of tests/test_every_route.py, for the pairs


@pytest.fixture
def world(documenter: Any, coordinator: Any, team: Any) -> markers.World:
    return markers.build(author=documenter, deleter=coordinator, team=team)


# Persons each persona may merge, and so see in pairs (coordinators of the owning
# team; administrators for what they may see).
REVIEWS = {
    "administrator": frozenset({"public", "internal", "restricted"}),
    "coordinator": frozenset(markers.LEVELS),
}


@pytest.mark.parametrize(
    "persona", ["administrator", "coordinator", "documenter", "viewer", "outsider"]
)
def test_the_queue_never_names_nor_counts_a_person_the_reviewer_may_not_see(
    request, persona, world, other_team, logged_in
):
    user = request.getfixturevalue(persona)
    if persona == "administrator":
        user.teams.set([other_team])
    client = logged_in(user)
    pairs = {}
    for index, first in enumerate(markers.LEVELS):
        for second in markers.LEVELS[index + 1 :]:
            a, b = sorted([world.persons[first].pk, world.persons[second].pk])
            pairs[(first, second)] = CandidatePair.objects.create(
                person_a_id=a,
                person_b_id=b,
                probability=0.9,
                match_weight=3.2,
                weights=[],
                model_version="test",
                found_at="2024-01-01T00:00:00Z",
            )
    reviews = REVIEWS.get(persona, frozenset())

    queue = client.get(reverse("linkage:review"))

    failures = []
    text = queue.content.decode()
    if markers.leaks(text, persona):
        failures.append(f"the queue shows {markers.leaks(text, persona)}")
    if reviews:
        wanted = sum(1 for levels in pairs if set(levels) <= reviews)
        found = re.search(r"(\d+) pairs? to review", text)
        if queue.status_code != 200 or not found or int(found[1]) != wanted:
            failures.append(f"the queue counts {found and found[0]}, expected {wanted}")
    elif queue.status_code != 403:
        failures.append(f"the queue answers {queue.status_code}, expected 403")
    for levels, pair in pairs.items():
        response = client.get(reverse("linkage:pair", args=[pair.pk]))
        expected = 403 if not reviews else 200 if set(levels) <= reviews else 404
        if response.status_code != expected:
            failures.append(f"the {levels} pair answers {response.status_code}, not {expected}")
        if markers.leaks(response.content.decode(), persona):
            failures.append(
                f"the {levels} pair shows {markers.leaks(response.content.decode(), persona)}"
            )
    assert not failures, "\n".join(failures)
