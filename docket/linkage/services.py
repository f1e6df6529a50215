"""Candidate duplicate persons: finding them, showing them to reviewers, deciding on them.

Runs (`find_duplicates_*`) score persons with docket.linkage.scoring and keep
the pairs at or above the review threshold as open `CandidatePair`s; a pair a
reviewer decided on (merged, or not the same person) is never put back, and
neither is a pair recorded as two people (relatives, or a tracing request or
consent between them).

Reviewing is for coordinators of the owning team and administrators (the
rule of merging, docket.people.merges), and a pair is shown only when the
reviewer may merge both of its persons: the queue never names, nor counts, a
person the reviewer may not see.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from docket.accounts.models import User
from docket.accounts.permissions import DELETERS
from docket.audit.log import record
from docket.audit.models import Action
from docket.linkage.models import CandidatePair, PairStatus, Scope, ScoringRun
from docket.linkage.persons import person_columns
from docket.linkage.scoring import Progress, Scores, score_against_everyone, score_everyone
from docket.people.merges import may_merge, merge_persons
from docket.people.models import Merge, Person, Relationship
from docket.tracing.models import Consent, TracingRequest

# Rows written or deleted per query.
BATCH = 1000


def _quiet(message: str) -> None:
    pass


# Finding candidates


def _living_ids() -> list[int]:
    return list(Person.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True))


def _start(scope: str, person: Person | None = None) -> ScoringRun:
    return ScoringRun.objects.create(scope=scope, person=person, started_at=timezone.now())


def _finish(run: ScoringRun, scores: Scores, persons: int, pairs: int, last: int) -> ScoringRun:
    run.finished_at = timezone.now()
    run.persons, run.pairs, run.last_person_id = persons, pairs, last
    run.model_version, run.trained, run.seconds = (
        scores.model_version,
        scores.trained,
        scores.seconds,
    )
    run.save()
    return run


def find_duplicates_everywhere(*, progress: Progress = _quiet) -> ScoringRun:
    """Score every pair of living persons, learning the model anew; the open pairs are
    replaced by those found now."""
    run = _start(Scope.EVERYONE)
    living = _living_ids()
    # Splink is not even loaded while there is nobody to compare.
    scores = score_everyone(person_columns(), progress=progress) if len(living) > 1 else Scores([])
    stored = _store(scores, persons=None)
    return _finish(run, scores, len(living), stored, max(living, default=0))


def _watermark() -> int | None:
    """The highest person id a finished run over everyone or the new persons has seen;
    None before the first run over everyone."""
    finished = ScoringRun.objects.filter(finished_at__isnull=False)
    if not finished.filter(scope=Scope.EVERYONE).exists():
        return None
    highest = finished.filter(scope__in=[Scope.EVERYONE, Scope.NEW]).aggregate(
        highest=Max("last_person_id")
    )["highest"]
    return int(highest or 0)


def find_duplicates_of_new_persons() -> ScoringRun | None:
    """Score the persons added since the last run against everyone; None when there are
    none. Before any run over everyone, that run is made instead."""
    watermark = _watermark()
    if watermark is None:
        return find_duplicates_everywhere()
    new = set(
        Person.objects.filter(deleted_at__isnull=True, pk__gt=watermark).values_list(
            "pk", flat=True
        )
    )
    if not new:
        return None
    run = _start(Scope.NEW)
    columns = person_columns()
    scores = score_against_everyone(columns, new)
    stored = _store(scores, persons=new)
    return _finish(run, scores, len(new), stored, max(new))


def find_duplicates_of(person: Person) -> ScoringRun:
    """Score one person against everyone, with the saved model."""
    run = _start(Scope.PERSON, person)
    alive = Person.objects.filter(pk=person.pk, deleted_at__isnull=True).exists()
    columns = person_columns() if alive else {"unique_id": []}
    scores = score_against_everyone(columns, {person.pk}) if alive else Scores([])
    stored = _store(scores, persons={person.pk})
    return _finish(run, scores, 1 if alive else 0, stored, 0)


def _ordered(first: int, second: int) -> tuple[int, int]:
    return (first, second) if first < second else (second, first)


def _two_people() -> set[tuple[int, int]]:
    """Pairs recorded as two people: relatives, or either side of a tracing request or
    consent."""
    linked = set(Relationship.objects.values_list("person_id", "relative_id"))
    linked |= set(TracingRequest.objects.values_list("requester_id", "sought_id"))
    linked |= set(
        Consent.objects.filter(granted_to__isnull=False).values_list("person_id", "granted_to_id")
    )
    return {_ordered(first, second) for first, second in linked if second is not None}


@transaction.atomic
def _store(scores: Scores, *, persons: set[int] | None) -> int:
    """Make the open pairs (of `persons`, or all) those scored; the number found.

    A pair found again keeps its row (a reviewer may have its page open) with
    the new weights; an open pair not found again goes.
    """
    decided = CandidatePair.objects.exclude(status=PairStatus.OPEN)
    current = CandidatePair.objects.filter(status=PairStatus.OPEN)
    if persons is not None:
        touching = Q(person_a__in=persons) | Q(person_b__in=persons)
        decided, current = decided.filter(touching), current.filter(touching)
    skipped = set(decided.values_list("person_a_id", "person_b_id")) | _two_people()
    found = [pair for pair in scores.pairs if (pair.first, pair.second) not in skipped]
    existing = {
        (first, second): pk
        for pk, first, second in current.values_list("pk", "person_a_id", "person_b_id")
    }
    now = timezone.now()
    rows = [
        CandidatePair(
            pk=existing.get((pair.first, pair.second)),
            person_a_id=pair.first,
            person_b_id=pair.second,
            probability=pair.probability,
            match_weight=pair.match_weight,
            weights=[evidence.as_json() for evidence in pair.evidence],
            model_version=scores.model_version,
            found_at=now,
        )
        for pair in found
    ]
    kept = {(pair.first, pair.second) for pair in found}
    gone = [pk for key, pk in existing.items() if key not in kept]
    for start in range(0, len(gone), BATCH):
        CandidatePair.objects.filter(pk__in=gone[start : start + BATCH]).delete()
    CandidatePair.objects.bulk_update(
        [row for row in rows if row.pk is not None],
        ["probability", "match_weight", "weights", "model_version", "found_at"],
        batch_size=BATCH,
    )
    CandidatePair.objects.bulk_create(
        [row for row in rows if row.pk is None], batch_size=BATCH, ignore_conflicts=True
    )
    return len(rows)


# Reviewing


def may_review(user: Any) -> bool:
    return isinstance(user, User) and user.is_active and user.role in DELETERS


def reviewable_persons(user: Any) -> QuerySet[Person]:
    """The persons `user` may merge: for a coordinator, those of their teams (or of none);
    for an administrator, those they may see. Never a deleted or merged person."""
    if not may_review(user):
        return Person.objects.none()
    return Person.objects.editable_by(user)


def review_queue(user: Any) -> QuerySet[CandidatePair]:
    """Open pairs whose two persons `user` may merge, strongest first."""
    persons = reviewable_persons(user)
    return CandidatePair.objects.filter(
        status=PairStatus.OPEN, person_a__in=persons, person_b__in=persons
    ).order_by("-probability", "pk")


def pairs_of(user: Any, person: Person) -> QuerySet[CandidatePair]:
    return review_queue(user).filter(Q(person_a=person) | Q(person_b=person))


def reviewable_pair(user: Any, pk: int) -> CandidatePair:
    """A pair whose two persons `user` may merge, decided or not; 404 otherwise."""
    persons = reviewable_persons(user)
    pair = (
        CandidatePair.objects.filter(pk=pk, person_a__in=persons, person_b__in=persons)
        .select_related("person_a__team", "person_b__team", "decided_by")
        .first()
    )
    if pair is None:
        raise Http404
    return pair


def _require_reviewer(actor: Any, pair: CandidatePair) -> None:
    for person in (pair.person_a, pair.person_b):
        if not may_merge(actor, person):
            raise PermissionDenied(_("Only a coordinator of the owning team may decide on this."))


@transaction.atomic
def decide_not_same(*, actor: Any, pair: CandidatePair) -> None:
    """Remember that the two are two people: the pair is never put to a reviewer again."""
    _require_reviewer(actor, pair)
    pair = CandidatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != PairStatus.OPEN:
        raise ValidationError(_("This pair was decided on meanwhile."))
    pair.status, pair.decided_by, pair.decided_at = PairStatus.NOT_SAME, actor, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        Action.NOT_SAME,
        actor=actor,
        target=pair,
        detail={"persons": [pair.person_a_id, pair.person_b_id]},
    )


def merge_pair(*, actor: Any, pair: CandidatePair, keep: Person) -> Merge:
    """Merge the pair's other person into `keep`, one of the two."""
    if keep.pk not in (pair.person_a_id, pair.person_b_id):
        raise ValidationError(_("Choose one of the two persons to keep."))
    if pair.status != PairStatus.OPEN:
        raise ValidationError(_("This pair was decided on meanwhile."))
    absorb = pair.person_b if keep.pk == pair.person_a_id else pair.person_a
    return merge_persons(actor=actor, keep=keep, absorb=absorb)


# Following merges made anywhere (signals of docket.people.merges)


def merged(sender: Any, merge: Merge, actor: Any, **kwargs: Any) -> None:
    """The pair of the two persons is decided; the kept person, with more names now, is
    scored again once the merge is committed."""
    first, second = _ordered(merge.keep_id, merge.absorbed_id)
    CandidatePair.objects.filter(person_a_id=first, person_b_id=second).update(
        status=PairStatus.MERGED, decided_by=actor, decided_at=merge.merged_at, merge=merge
    )
    from docket.linkage.tasks import find_duplicates_of_person

    keep = merge.keep_id
    transaction.on_commit(lambda: find_duplicates_of_person.enqueue(keep), robust=True)


def unmerged(sender: Any, merge: Merge, actor: Any, **kwargs: Any) -> None:
    """Undoing a merge puts its pair back in the queue, as it was before."""
    CandidatePair.objects.filter(merge=merge, status=PairStatus.MERGED).update(
        status=PairStatus.OPEN, decided_by=None, decided_at=None, merge=None
    )
