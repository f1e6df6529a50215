"""Merging two records of one person, and undoing it: the only code that does either.

`merge_persons` moves everything that hangs on the absorbed person onto the
kept one: names, involvements in events (and with them the events' sources),
case memberships, relationships, tracing requests and consents. The absorbed
person's own record stays as it was, hidden like a deleted one (`deleted_at`,
so every list, search and count leaves it out) and pointing at the kept person
(`merged_into`, so its page leads there and it is never restored from the
deleted persons). `Merge.moved` lists each row the merge moved or set aside
because the kept person already had its twin; `unmerge` puts every one back.

Who may: coordinators of the owning team of both persons, and administrators
for what they may see (the rule of deletion, docs/permissions.md).

Confidentiality never widens: the merged person takes the stricter level of
the two, and a restricted or secret person of another team is never absorbed
(that team would lose the record and this one gain it); keep that person
instead. Two persons recorded as relatives, or linked by a tracing request or
a consent, are two people and are never merged.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from docket.accounts.permissions import Confidentiality, editing_q, may_delete, visibility_q
from docket.audit.log import record
from docket.audit.models import Action
from docket.cases.models import Case, Event, Involvement
from docket.lib.services import require_editable
from docket.people.models import Merge, Person, PersonName, Relationship
from docket.privacy.models import RightsRequest
from docket.tracing.models import Consent, TracingRequest

# Sent inside the merge's (or the undo's) transaction, with `merge` and `actor`.
persons_merged = Signal()
merge_undone = Signal()

LEVELS: list[str] = [
    Confidentiality.PUBLIC,
    Confidentiality.INTERNAL,
    Confidentiality.RESTRICTED,
    Confidentiality.SECRET,
]
CONFIDENTIAL_LEVELS = {Confidentiality.RESTRICTED, Confidentiality.SECRET}

# Every relation that points at a person, and what a merge does with it. A new
# relation to Person must be added here (tests/test_merges.py checks), or a
# merge would leave its rows on a hidden person.
HANDLED_RELATIONS = {
    ("people.personname", "person"): "moved",
    ("people.relationship", "person"): "moved",
    ("people.relationship", "relative"): "moved",
    ("cases.case", "persons"): "moved",
    ("cases.event", "persons"): "moved (through involvements)",
    ("cases.involvement", "person"): "moved",
    ("tracing.tracingrequest", "requester"): "moved",
    ("tracing.tracingrequest", "sought"): "moved",
    ("tracing.consent", "person"): "moved",
    ("tracing.consent", "granted_to"): "moved",
    ("privacy.rightsrequest", "person"): "moved",
    ("people.person", "merged_into"): "the merge itself",
    ("people.merge", "keep"): "the merge itself",
    ("people.merge", "absorbed"): "the merge itself",
}


def relations_to_person() -> set[tuple[str, str]]:
    """(model, field) of every relation that points at Person."""
    return {
        (relation.related_model._meta.label_lower, relation.field.name)
        for relation in Person._meta.related_objects
        if isinstance(relation.related_model, type) and issubclass(relation.related_model, Model)
    }


def absorbed_into(person: Person) -> list[Person]:
    """Every record merged into `person`, and into those, however deep."""
    found: list[Person] = []
    todo = [person.pk]
    while todo:
        rows = list(Person._base_manager.filter(merged_into_id__in=todo))
        found += rows
        todo = [row.pk for row in rows]
    return found


def may_merge(user: Any, person: Person) -> bool:
    """Whether `user` may merge `person` (alive, not merged) with another person."""
    editable = Person.objects.editable_by(user).filter(pk=person.pk).exists()
    return editable and may_delete(user, person)


def _require_merger(actor: Any, person: Person) -> None:
    require_editable(actor, person)
    if not may_delete(actor, person):
        raise PermissionDenied(_("Only a coordinator of the owning team may merge this person."))


def _linked(first: Person, second: Person) -> bool:
    """Recorded as two people: relatives, or on either side of a tracing request or consent."""
    pairs = Q(person=first, relative=second) | Q(person=second, relative=first)
    requests = Q(requester=first, sought=second) | Q(requester=second, sought=first)
    consents = Q(person=first, granted_to=second) | Q(person=second, granted_to=first)
    return (
        Relationship.objects.filter(pairs).exists()
        or TracingRequest.objects.filter(requests).exists()
        or Consent.objects.filter(consents).exists()
    )


def check_merge(keep: Person, absorb: Person) -> None:
    """Refuse, with a sentence for the reviewer, a merge that must not happen."""
    if keep.pk == absorb.pk:
        raise ValidationError(_("A person cannot be merged with themselves."))
    if keep.merged_into_id or absorb.merged_into_id or keep.deleted_at or absorb.deleted_at:
        raise ValidationError(_("One of these persons was deleted or merged meanwhile."))
    if _linked(keep, absorb):
        raise ValidationError(
            _(
                "These two are recorded as relatives, or in a tracing request or consent "
                "between them, so they are two people. If that record is wrong, remove it first."
            )
        )
    if absorb.team_id != keep.team_id and absorb.confidentiality in CONFIDENTIAL_LEVELS:
        raise ValidationError(
            _(
                "The person to merge away is %(level)s and belongs to another team; their "
                "records cannot pass to this one. Keep that person instead."
            )
            % {"level": absorb.get_confidentiality_display().lower()}
        )


def stricter(first: str, second: str) -> str:
    return max(first, second, key=LEVELS.index)


def raised_level(keep: Person, absorb: Person) -> str | None:
    """The level `keep` would be raised to by absorbing `absorb`, or None when it stays:
    a merge never lowers a record's confidentiality, and never raises it unsaid."""
    level = stricter(keep.confidentiality, absorb.confidentiality)
    return None if level == keep.confidentiality else level


def merge_raised(merge: Merge) -> tuple[str, str] | None:
    """The (before, after) levels of the kept person, when the merge raised them."""
    levels = merge.moved.get("confidentiality") or {}
    before, after = levels.get("before"), levels.get("after")
    return (before, after) if before and after and before != after else None


def raised_sentence(merge: Merge | None) -> str:
    """What a result message adds when the merge raised the kept person's level."""
    raised = merge_raised(merge) if merge is not None else None
    if raised is None:
        return ""
    labels = dict(Confidentiality.choices)
    return _(
        "The record kept was %(before)s and is now %(after)s, as the stricter of the two: "
        "fewer people may see it."
    ) % {"before": str(labels[raised[0]]).lower(), "after": str(labels[raised[1]]).lower()}


def _save(row: Model, actor: Any, fields: list[str]) -> None:
    row._history_user = actor  # type: ignore[attr-defined]
    row.save(update_fields=fields)


def _bump(person: Person, actor: Any, fields: list[str]) -> None:
    """Save `fields` of a person and a new version, so an edit form opened before is refused
    instead of writing over what the merge (or undo) changed."""
    person.version += 1
    _save(person, actor, [*fields, "version", "updated_at"])


def _locked(pk: int) -> Person:
    person: Person = Person.objects.select_for_update().get(pk=pk)
    return person


@transaction.atomic
def merge_persons(*, actor: Any, keep: Person, absorb: Person) -> Merge:
    """Move every record of `absorb` onto `keep`, hide `absorb`, and remember how to undo it."""
    for person in (keep, absorb):
        _require_merger(actor, person)
    keep, absorb = _locked(keep.pk), _locked(absorb.pk)
    check_merge(keep, absorb)
    moved: dict[str, Any] = {
        "names": _move_names(actor, keep, absorb),
        **_move_involvements(actor, keep, absorb),
        "cases": _move_cases(actor, keep, absorb),
        **_move_relationships(actor, keep, absorb),
        "tracing_requests": _move_fields(
            actor, TracingRequest, ("requester", "sought"), keep, absorb
        ),
        "consents": _move_fields(actor, Consent, ("person", "granted_to"), keep, absorb),
        "rights_requests": _move_fields(actor, RightsRequest, ("person",), keep, absorb),
    }
    level = stricter(keep.confidentiality, absorb.confidentiality)
    moved["confidentiality"] = {"before": keep.confidentiality, "after": level}
    keep.confidentiality = level
    _bump(keep, actor, ["confidentiality"])
    now = timezone.now()
    absorb.deleted_at, absorb.deleted_by, absorb.merged_into = now, actor, keep
    _bump(absorb, actor, ["deleted_at", "deleted_by", "merged_into"])
    merge = Merge.objects.create(
        keep=keep, absorbed=absorb, moved=moved, merged_by=actor, merged_at=now
    )
    detail: dict[str, Any] = {"merge": merge.pk, "absorbed": absorb.pk, "moved": _counts(moved)}
    if moved["confidentiality"]["before"] != level:
        # Said to the reviewer before and after; kept in the log with the merge.
        detail["confidentiality_raised"] = [moved["confidentiality"]["before"], level]
    record(Action.MERGE, actor=actor, target=keep, detail=detail)
    persons_merged.send(sender=Merge, merge=merge, actor=actor)
    return merge


def _counts(moved: dict[str, Any]) -> dict[str, int]:
    return {key: len(rows) for key, rows in moved.items() if isinstance(rows, list) and rows}


def _move_names(actor: Any, keep: Person, absorb: Person) -> list[dict[str, Any]]:
    """Move the names; one the kept person already has (same text, script and kind, as a
    father's name often is) is set aside rather than shown twice."""
    kept = PersonName.objects.filter(person=keep)
    last = kept.aggregate(last=Max("position"))["last"]
    position = -1 if last is None else last
    written = set(kept.values_list("name", "script", "kind"))
    rows = []
    for name in PersonName.objects.filter(person=absorb).order_by("position", "pk"):
        twin = (name.name, name.script, name.kind) in written
        rows.append(
            {
                "id": name.pk,
                "name": name.name,
                "script": name.script,
                "kind": name.kind,
                "position": name.position,
                "set_aside": twin,
            }
        )
        name._history_user = actor  # type: ignore[attr-defined]
        if twin:
            name.delete()
            continue
        position += 1
        name.person, name.position = keep, position
        _save(name, actor, ["person", "position"])
    return rows


def _move_involvements(actor: Any, keep: Person, absorb: Person) -> dict[str, Any]:
    kept = set(Involvement.objects.filter(person=keep).values_list("event_id", "role_id"))
    moved, set_aside = [], []
    for involvement in Involvement.objects.filter(person=absorb).order_by("pk"):
        row = {"id": involvement.pk, "event": involvement.event_id, "role": involvement.role_id}
        involvement._history_user = actor  # type: ignore[attr-defined]
        if (involvement.event_id, involvement.role_id) in kept:
            set_aside.append(row)
            involvement.delete()
        else:
            moved.append(row)
            involvement.person = keep
            _save(involvement, actor, ["person"])
    return {"involvements": moved, "set_aside_involvements": set_aside}


def _move_cases(actor: Any, keep: Person, absorb: Person) -> list[dict[str, Any]]:
    kept = set(Case.objects.filter(persons=keep).values_list("pk", flat=True))
    rows = []
    for case in Case.objects.filter(persons=absorb).order_by("pk"):
        rows.append({"case": case.pk, "kept_was_in": case.pk in kept})
        case._history_user = actor
        case.persons.remove(absorb)
        if case.pk not in kept:
            case.persons.add(keep)
    return rows


def _move_relationships(actor: Any, keep: Person, absorb: Person) -> dict[str, Any]:
    moved, set_aside = [], []
    relationships = Relationship.objects.filter(Q(person=absorb) | Q(relative=absorb))
    for relationship in relationships.order_by("pk"):
        side = "person" if relationship.person_id == absorb.pk else "relative"
        row = {
            "id": relationship.pk,
            "person": relationship.person_id,
            "relative": relationship.relative_id,
            "kind": relationship.kind_id,
            "side": side,
        }
        person = keep.pk if side == "person" else relationship.person_id
        relative = keep.pk if side == "relative" else relationship.relative_id
        twin = Relationship.objects.filter(
            person_id=person, relative_id=relative, kind_id=relationship.kind_id
        )
        relationship._history_user = actor  # type: ignore[attr-defined]
        if twin.exists():
            set_aside.append(row)
            relationship.delete()
        else:
            moved.append(row)
            setattr(relationship, side, keep)
            _save(relationship, actor, [side])
    return {"relationships": moved, "set_aside_relationships": set_aside}


def _move_fields(
    actor: Any, model: type[Model], fields: tuple[str, ...], keep: Person, absorb: Person
) -> list[dict[str, Any]]:
    rows = []
    for field in fields:
        for row in model._default_manager.filter(**{field: absorb}).order_by("pk"):
            rows.append({"id": row.pk, "field": field})
            setattr(row, field, keep)
            _save_moved(row, actor, field)
    return rows


def _save_moved(row: Model, actor: Any, field: str) -> None:
    if isinstance(row, TracingRequest):
        row.version += 1
        _save(row, actor, [field, "version", "updated_at"])
    else:
        _save(row, actor, [field])


# Undoing a merge


def may_undo(user: Any, merge: Merge) -> bool:
    """Coordinators of both persons' teams and administrators, while the merge stands."""
    if not merge.active:
        return False
    absorbed = Person.objects.filter(editing_q(user), pk=merge.absorbed_id).first()
    return absorbed is not None and may_delete(user, absorbed) and may_merge(user, merge.keep)


@transaction.atomic
def unmerge(*, actor: Any, merge: Merge) -> None:
    """Put back every row the merge moved or set aside, and show the absorbed person again.

    What was changed on the kept person since the merge stays: a name typed
    anew, a new event. A moved row deleted since is written again as it was.
    """
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if not merge.active:
        raise ValidationError(_("This merge was already undone."))
    keep, absorbed = _locked(merge.keep_id), _locked(merge.absorbed_id)
    if keep.merged_into_id:
        raise ValidationError(
            _("The kept person was merged into another person since; undo that merge first.")
        )
    _require_merger(actor, keep)
    hidden = Person.objects.filter(visibility_q(actor) & editing_q(actor), pk=absorbed.pk)
    if not hidden.exists() or not may_delete(actor, absorbed):
        raise PermissionDenied(_("Only a coordinator of the owning team may undo this merge."))
    moved = merge.moved
    _restore_names(actor, moved["names"], keep, absorbed)
    _restore_involvements(actor, moved, keep, absorbed)
    _restore_cases(actor, moved["cases"], keep, absorbed)
    _restore_relationships(actor, moved, keep, absorbed)
    _restore_fields(actor, TracingRequest, moved["tracing_requests"], keep, absorbed)
    _restore_fields(actor, Consent, moved["consents"], keep, absorbed)
    # Merges made before rights requests were recorded moved none.
    _restore_fields(actor, RightsRequest, moved.get("rights_requests", []), keep, absorbed)
    levels = moved["confidentiality"]
    fields = []
    if keep.confidentiality == levels["after"] and levels["before"] != levels["after"]:
        keep.confidentiality = levels["before"]
        fields.append("confidentiality")
    _bump(keep, actor, fields)
    absorbed.deleted_at, absorbed.deleted_by, absorbed.merged_into = None, None, None
    _bump(absorbed, actor, ["deleted_at", "deleted_by", "merged_into"])
    merge.undone_at, merge.undone_by = timezone.now(), actor
    merge.save(update_fields=["undone_at", "undone_by"])
    record(
        Action.UNMERGE,
        actor=actor,
        target=absorbed,
        detail={"merge": merge.pk, "keep": keep.pk},
    )
    merge_undone.send(sender=Merge, merge=merge, actor=actor)


def _create(row: Model, actor: Any) -> None:
    row._history_user = actor  # type: ignore[attr-defined]
    row.save(force_insert=True)


def _free(model: type[Model], pk: int) -> int | None:
    """The row's own id again when nothing took it since, so undoing restores ids too."""
    return None if model._default_manager.filter(pk=pk).exists() else pk


def _restore_names(actor: Any, rows: list[dict[str, Any]], keep: Person, absorbed: Person) -> None:
    for row in rows:
        name = PersonName.objects.filter(pk=row["id"]).first()
        if name is None:
            _create(
                PersonName(
                    id=_free(PersonName, row["id"]),
                    person=absorbed,
                    name=row["name"],
                    script=row["script"],
                    kind=row["kind"],
                    position=row["position"],
                ),
                actor,
            )
        elif name.person_id == keep.pk:
            name.person, name.position = absorbed, row["position"]
            _save(name, actor, ["person", "position"])


def _restore_involvements(
    actor: Any, moved: dict[str, Any], keep: Person, absorbed: Person
) -> None:
    for row in moved["involvements"]:
        involvement = Involvement.objects.filter(pk=row["id"]).first()
        if involvement is not None and involvement.person_id == keep.pk:
            involvement.person = absorbed
            _save(involvement, actor, ["person"])
        elif involvement is None:
            _recreate_involvement(actor, row, absorbed)
    for row in moved["set_aside_involvements"]:
        _recreate_involvement(actor, row, absorbed)


def _recreate_involvement(actor: Any, row: dict[str, Any], absorbed: Person) -> None:
    twin = Involvement.objects.filter(event_id=row["event"], person=absorbed, role_id=row["role"])
    if Event.objects.filter(pk=row["event"]).exists() and not twin.exists():
        _create(
            Involvement(
                id=_free(Involvement, row["id"]),
                event_id=row["event"],
                person=absorbed,
                role_id=row["role"],
            ),
            actor,
        )


def _restore_cases(actor: Any, rows: list[dict[str, Any]], keep: Person, absorbed: Person) -> None:
    for row in rows:
        case = Case.objects.filter(pk=row["case"]).first()
        if case is None:
            continue
        case._history_user = actor
        case.persons.add(absorbed)
        # The kept person stays in a case they came into by the merge only if an
        # event of it names them since.
        named = Involvement.objects.filter(person=keep, event__case=case).exists()
        if not row["kept_was_in"] and not named:
            case.persons.remove(keep)


def _restore_relationships(
    actor: Any, moved: dict[str, Any], keep: Person, absorbed: Person
) -> None:
    for row in moved["relationships"]:
        relationship = Relationship.objects.filter(pk=row["id"]).first()
        side = row["side"]
        if relationship is not None and getattr(relationship, f"{side}_id") == keep.pk:
            setattr(relationship, side, absorbed)
            _save(relationship, actor, [side])
        elif relationship is None:
            _recreate_relationship(actor, row)
    for row in moved["set_aside_relationships"]:
        _recreate_relationship(actor, row)


def _recreate_relationship(actor: Any, row: dict[str, Any]) -> None:
    persons = Person.objects.filter(pk__in=[row["person"], row["relative"]]).count()
    twin = Relationship.objects.filter(
        person_id=row["person"], relative_id=row["relative"], kind_id=row["kind"]
    )
    if persons == 2 and not twin.exists():
        _create(
            Relationship(
                id=_free(Relationship, row["id"]),
                person_id=row["person"],
                relative_id=row["relative"],
                kind_id=row["kind"],
            ),
            actor,
        )


def _restore_fields(
    actor: Any, model: type[Model], rows: list[dict[str, Any]], keep: Person, absorbed: Person
) -> None:
    for row in rows:
        found = model._default_manager.filter(pk=row["id"]).first()
        if found is not None and getattr(found, f"{row['field']}_id") == keep.pk:
            setattr(found, row["field"], absorbed)
            _save_moved(found, actor, row["field"])


# Reading


def active_merges(person: Person) -> list[Merge]:
    """The merges standing into `person`, newest first, with the absorbed persons' names."""
    return list(
        Merge.objects.filter(keep=person, undone_at__isnull=True)
        .select_related("absorbed", "merged_by")
        .order_by("-merged_at", "-pk")
    )


def merged_target(user: Any, pk: int) -> Person | None:
    """Where the page of a merged person leads: the person their records went to, when
    `user` may see the merged person's record and that person; else None (a 404)."""
    person = Person.objects.filter(visibility_q(user), pk=pk, merged_into__isnull=False).first()
    seen: set[int] = set()
    while person is not None and person.merged_into_id and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.filter(pk=person.merged_into_id).first()
    if person is None:
        return None
    return Person.objects.visible_to(user).filter(pk=person.pk).first()
