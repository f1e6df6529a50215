"""Keeping the index in step with every save and delete, in the same transaction.

Services, the interchange importer and the admin all save through the models,
so signals see every write; the index changes in the writer's transaction and
commits or rolls back with it. Writes that bypass `save()` (`bulk_create`,
`QuerySet.update`) are followed by `docket search reindex`.

A change to a case reaches its events (their visibility and status follow the
case); a renamed authority or event type reaches the text of its events. The
reports' victims and distinct counts follow the events and persons they come
from (docket.search.tallies, through `Indexer.sync`), and a change to the
rights rules counts their rights again.

A bulk writer (the importer) wraps its work in `deferred_indexing()`: the
records it saves are noted and indexed once, in batches, at the end of the
block and still inside its transaction. So do the services that save a record
with its parts (a person and each of its names, an event and its persons, a
case and its persons): each record is indexed once, not at every part.
"""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from docket.search.documents import CASE, EVENT, LETTER, PERSON, SOURCE, Indexer

BATCH = 2000
# Cases created inside deferred_indexing(): their events are all new and indexed with
# them, so there is nothing of theirs to refresh (refresh_case_events).
CREATED_CASES = "created case"
# The rights rules changed inside deferred_indexing(): the reports' rights are counted
# again at its end.
RULES = "rules"

# The records saved or deleted inside deferred_indexing(), by kind; None outside it.
_pending: ContextVar[dict[str, set[int]] | None] = ContextVar("search_pending", default=None)


@contextmanager
def deferred_indexing() -> Iterator[None]:
    """Index what is saved inside the block once, at its end, rather than at each save:
    several times faster for thousands of records. Nothing is indexed if the block
    fails (its transaction rolls back the records too)."""
    if _pending.get() is not None:  # nested: the outer block indexes
        yield
        return
    pending: dict[str, set[int]] = defaultdict(set)
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    indexer = Indexer()
    # Cases before events, whose entries take the case's audience and status.
    for kind in (PERSON, CASE, SOURCE, LETTER, EVENT):
        ids = sorted(pending.get(kind, ()))
        for start in range(0, len(ids), BATCH):
            indexer.sync(kind, ids[start : start + BATCH])
    created = pending.get(CREATED_CASES, set())
    for case_id in sorted(pending.get(CASE, set()) - created):
        refresh_case_events(indexer, case_id)
    if pending.get(RULES):
        indexer.tallies.rules_changed(pending[RULES])


def saved_in_bulk(kind: str, ids: list[int], *, created: bool = False) -> None:
    """Records written without `save()` (bulk_create by a service's batch function): index
    them as the signals would have, at the end of deferred_indexing() or now."""
    pending = _pending.get()
    if pending is None:
        indexer = Indexer()
        for start in range(0, len(ids), BATCH):
            indexer.sync(kind, ids[start : start + BATCH])
        if kind == CASE and not created:
            for case_id in ids:
                refresh_case_events(indexer, case_id)
        return
    pending[kind].update(ids)
    if kind == CASE and created:
        pending[CREATED_CASES].update(ids)


def _sync(kind: str, pk: int | None) -> None:
    if pk is None:
        return
    pending = _pending.get()
    if pending is not None:
        pending[kind].add(pk)
    else:
        Indexer().sync(kind, [pk])


def _remove(kind: str, pk: int | None) -> None:
    if pk is None:
        return
    pending = _pending.get()
    if pending is not None:
        pending[kind].add(pk)  # a sync of a record that is gone removes its entry
    else:
        Indexer().remove(kind, [pk])


def _sync_carriers(person_ids: list[int]) -> None:
    """The cases, events and letters that carry these persons' names (their entries hold
    the name keys of their persons, docket.search.documents)."""
    from docket.cases.models import Case, Involvement
    from docket.letters.models import Letter

    if not person_ids:
        return
    cases = list(
        Case.persons.through.objects.filter(person_id__in=person_ids).values_list(
            "case_id", flat=True
        )
    )
    events = Involvement.objects.filter(person_id__in=person_ids).values_list("event_id", flat=True)
    letters = Letter.cases.through.objects.filter(case_id__in=cases).values_list(
        "letter_id", flat=True
    )
    for kind, ids in ((CASE, cases), (EVENT, list(events)), (LETTER, list(letters))):
        for pk in sorted(set(ids)):
            _sync(kind, pk)


def person_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _sync(PERSON, instance.pk)
        if not kwargs.get("created"):
            _sync_carriers([instance.pk])


def person_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _remove(PERSON, instance.pk)


def name_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _sync(PERSON, instance.person_id)
        _sync_carriers([instance.person_id])


def involvement_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _sync(EVENT, instance.event_id)


def case_persons_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A case's persons changed (from either side): the case and the letters citing it."""
    from docket.cases.models import Case
    from docket.letters.models import Letter

    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # person.cases changed
        case_ids = sorted(pk_set or ()) if action != "post_clear" else []
        if action == "post_clear":
            case_ids = list(Case.objects.filter(persons=instance).values_list("pk", flat=True))
    else:
        case_ids = [instance.pk]
    for case_id in case_ids:
        _sync(CASE, case_id)
    letters = Letter.cases.through.objects.filter(case_id__in=case_ids).values_list(
        "letter_id", flat=True
    )
    for letter_id in sorted(set(letters)):
        _sync(LETTER, letter_id)


def letter_cases_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # case.letters changed
        for letter_id in sorted(pk_set or ()):
            _sync(LETTER, letter_id)
    else:
        _sync(LETTER, instance.pk)


def case_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    if _pending.get() is not None:
        _sync(CASE, instance.pk)  # its events follow at the end of the block
        return
    indexer = Indexer()
    indexer.sync(CASE, [instance.pk])
    refresh_case_events(indexer, instance.pk)
    if not kwargs.get("created"):
        # Letters carry the names of the cases they cite only while every reader of the
        # letter may see the case: its level or team may have changed.
        from docket.letters.models import Letter

        letters = Letter.cases.through.objects.filter(case_id=instance.pk).values_list(
            "letter_id", flat=True
        )
        _sync_all(indexer, LETTER, Letter.objects.filter(pk__in=list(letters)))


def refresh_case_events(indexer: Indexer, case_id: int) -> None:
    """Re-index the case's events when what they take from the case changed: its
    audience, its status, or its being deleted or restored."""
    from docket.cases.models import Case, Event
    from docket.search.models import EventFacet

    facets = EventFacet.objects.filter(case_id=case_id)
    alive = Case.objects.filter(pk=case_id, deleted_at__isnull=True).exists()
    if not alive:
        stale = facets.exists()
    else:
        audience, status = indexer.case_facts([case_id])[case_id]
        stale = facets.exclude(audience_id=audience, status=status).exists() or (
            facets.count() != Event.objects.alive().filter(case_id=case_id).count()
        )
    if stale:
        _sync_all(indexer, EVENT, Event.objects.filter(case_id=case_id))


def _sync_all(indexer: Indexer, kind: str, queryset: Any) -> None:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        indexer.sync(kind, ids[start : start + BATCH])


def case_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _remove(CASE, instance.pk)


def event_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _sync(EVENT, instance.pk)


def event_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _remove(EVENT, instance.pk)


def source_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _sync(SOURCE, instance.pk)


def source_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _remove(SOURCE, instance.pk)


def letter_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _sync(LETTER, instance.pk)


def letter_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _remove(LETTER, instance.pk)


def question_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _sync(LETTER, instance.letter_id)


def _remember(sender: Any, instance: Any, field: str, raw: bool) -> None:
    """Note a saved name before a save, to tell whether the save changes it."""
    if raw or instance.pk is None:
        return
    saved = sender._default_manager.filter(pk=instance.pk).values_list(field, flat=True)
    instance._search_saved_label = saved.first()


def authority_saving(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    _remember(sender, instance, "name", raw)


def event_type_saving(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    _remember(sender, instance, "label", raw)


def authority_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from docket.cases.models import Event

    previous = getattr(instance, "_search_saved_label", instance.name)
    if not raw and previous != instance.name:
        _sync_all(Indexer(), EVENT, Event.objects.filter(authority_id=instance.pk))


def event_type_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from docket.cases.models import Event

    previous = getattr(instance, "_search_saved_label", instance.label)
    if not raw and previous != instance.label:
        _sync_all(Indexer(), EVENT, Event.objects.filter(type_id=instance.pk))


def rule_leaving(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Before a rule is deleted, or its articles cleared: the articles it engages (its
    links are gone by the time the change is signalled)."""
    if kwargs.get("action", "pre_delete") in ("pre_delete", "pre_clear"):
        from docket.law.models import RightsRule

        if isinstance(instance, RightsRule):
            rule: Any = instance
            rule._search_articles = set(rule.articles.values_list("pk", flat=True))


def rules_changed(sender: Any, raw: bool = False, **kwargs: Any) -> None:
    """A rights rule or the articles it engages changed: the reports' counts of the
    articles it engaged before or after, and of "none by the rules", are counted again
    (docket.search.tallies)."""
    if raw or kwargs.get("action", "post_")[:5] != "post_":
        return
    articles = {0, *_articles_touched(kwargs.get("instance"), kwargs.get("action"), kwargs)}
    pending = _pending.get()
    if pending is not None:
        pending[RULES] |= articles
    else:
        Indexer().tallies.rules_changed(articles)


def _articles_touched(instance: Any, action: str | None, signal: dict[str, Any]) -> set[int]:
    """The articles whose events a change to a rule, to a rule's articles or to an article
    may move in or out of."""
    from docket.law.models import Article

    if isinstance(instance, Article):  # deleted, or its rules changed from its side
        return {instance.pk}
    if action in ("post_add", "post_remove"):
        return set(signal.get("pk_set") or ())
    if action == "post_clear" or signal.get("signal") is post_delete:
        return set(getattr(instance, "_search_articles", ()))
    # Saved: its event type or its conditions may have changed, not its articles.
    return set(instance.articles.values_list("pk", flat=True))


def connect() -> None:
    from docket.cases.models import Authority, Case, Event, EventType, Involvement, Source
    from docket.law.models import Article, RightsRule
    from docket.letters.models import Letter, Question
    from docket.people.models import Person, PersonName

    uid = "docket.search"
    post_save.connect(person_saved, sender=Person, dispatch_uid=f"{uid}.person_saved")
    post_delete.connect(person_deleted, sender=Person, dispatch_uid=f"{uid}.person_deleted")
    post_save.connect(name_changed, sender=PersonName, dispatch_uid=f"{uid}.name_saved")
    post_delete.connect(name_changed, sender=PersonName, dispatch_uid=f"{uid}.name_deleted")
    post_save.connect(case_saved, sender=Case, dispatch_uid=f"{uid}.case_saved")
    post_delete.connect(case_deleted, sender=Case, dispatch_uid=f"{uid}.case_deleted")
    post_save.connect(event_saved, sender=Event, dispatch_uid=f"{uid}.event_saved")
    post_delete.connect(event_deleted, sender=Event, dispatch_uid=f"{uid}.event_deleted")
    post_save.connect(source_saved, sender=Source, dispatch_uid=f"{uid}.source_saved")
    post_delete.connect(source_deleted, sender=Source, dispatch_uid=f"{uid}.source_deleted")
    post_save.connect(letter_saved, sender=Letter, dispatch_uid=f"{uid}.letter_saved")
    post_delete.connect(letter_deleted, sender=Letter, dispatch_uid=f"{uid}.letter_deleted")
    post_save.connect(question_changed, sender=Question, dispatch_uid=f"{uid}.question_saved")
    post_delete.connect(question_changed, sender=Question, dispatch_uid=f"{uid}.question_deleted")
    pre_save.connect(authority_saving, sender=Authority, dispatch_uid=f"{uid}.authority_before")
    post_save.connect(authority_saved, sender=Authority, dispatch_uid=f"{uid}.authority_saved")
    pre_save.connect(event_type_saving, sender=EventType, dispatch_uid=f"{uid}.event_type_before")
    post_save.connect(event_type_saved, sender=EventType, dispatch_uid=f"{uid}.event_type_saved")
    post_save.connect(
        involvement_changed, sender=Involvement, dispatch_uid=f"{uid}.involvement_saved"
    )
    post_delete.connect(
        involvement_changed, sender=Involvement, dispatch_uid=f"{uid}.involvement_deleted"
    )
    m2m_changed.connect(
        case_persons_changed, sender=Case.persons.through, dispatch_uid=f"{uid}.case_persons"
    )
    m2m_changed.connect(
        letter_cases_changed, sender=Letter.cases.through, dispatch_uid=f"{uid}.letter_cases"
    )
    post_save.connect(rules_changed, sender=RightsRule, dispatch_uid=f"{uid}.rule_saved")
    pre_delete.connect(rule_leaving, sender=RightsRule, dispatch_uid=f"{uid}.rule_deleting")
    post_delete.connect(rules_changed, sender=RightsRule, dispatch_uid=f"{uid}.rule_deleted")
    m2m_changed.connect(
        rule_leaving, sender=RightsRule.articles.through, dispatch_uid=f"{uid}.rule_clearing"
    )
    m2m_changed.connect(
        rules_changed, sender=RightsRule.articles.through, dispatch_uid=f"{uid}.rule_articles"
    )
    # An article deleted leaves the rules that engaged it (their links go with it).
    post_delete.connect(rules_changed, sender=Article, dispatch_uid=f"{uid}.article_deleted")
