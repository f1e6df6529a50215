"""Background tasks of person matching, run by `docket worker`.

Every day the model is learnt anew over every person and the open candidate
pairs are replaced (`find_duplicate_persons`); every few minutes, and once
after each transaction that added a person, the persons added since are
scored against everyone with the saved model (`find_duplicates_of_new_persons`),
which costs nothing when nobody is new. A reviewer can also ask for one
person (`find_duplicates_of_person`).
"""

from typing import Any

from django.db import transaction

from docket.lib.tasks import background_task
from docket.linkage import services
from docket.linkage.models import ScoringRun
from docket.people.models import Person


def _summary(run: ScoringRun | None) -> dict[str, Any]:
    if run is None:
        return {"persons": 0, "pairs": 0}
    return {
        "run": run.pk,
        "persons": run.persons,
        "pairs": run.pairs,
        "model": run.model_version,
        "seconds": run.seconds,
    }


@background_task()
def find_duplicate_persons() -> dict[str, Any]:
    """Score every pair of persons, learning the model anew."""
    return _summary(services.find_duplicates_everywhere())


@background_task()
def find_duplicates_of_new_persons() -> dict[str, Any]:
    """Score the persons added since the last run against everyone."""
    return _summary(services.find_duplicates_of_new_persons())


@background_task()
def find_duplicates_of_person(person_id: int) -> dict[str, Any]:
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return _summary(None)
    return _summary(services.find_duplicates_of(person))


def _enqueue_new_persons() -> None:
    find_duplicates_of_new_persons.enqueue()


def find_duplicates_after_commit() -> None:
    """Queue the scoring of new persons when the current transaction commits, once per
    transaction however many persons it adds (an import adds thousands)."""
    connection = transaction.get_connection()
    pending = getattr(connection, "run_on_commit", [])
    if any(callback is _enqueue_new_persons for _ids, callback, _robust in pending):
        return
    # robust: a queue that cannot be written to must not undo the person just saved.
    transaction.on_commit(_enqueue_new_persons, robust=True)
