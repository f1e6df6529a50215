"""The person page's "to whom their data went" section, for those who decide about them."""

from typing import Any

from django import template

from docket.accounts.models import Role, User
from docket.people.models import Person
from docket.privacy.disclosures import for_person

register = template.Library()


@register.inclusion_tag("privacy/_person_disclosures.html", takes_context=True)
def person_disclosures(context: dict[str, Any], person: Person) -> dict[str, Any]:
    user = context["request"].user
    shown = (
        isinstance(user, User)
        and user.is_active
        and user.role in {Role.ADMINISTRATOR, Role.COORDINATOR}
        and Person.objects.editable_by(user).filter(pk=person.pk).exists()
    )
    return {"shown": shown, "items": for_person(person, user) if shown else []}


@register.inclusion_tag("privacy/_record_basis.html", takes_context=True)
def record_basis(context: dict[str, Any], record: Any) -> dict[str, Any]:
    """A record's legal basis and purpose, and, for who may change the record, the form
    that gives it one of its own."""
    from docket.lib.records import RecordQuerySet
    from docket.privacy.basis import basis_of
    from docket.privacy.models import LegalBasis

    user = context["request"].user
    queryset = type(record)._default_manager.all()
    editable = isinstance(queryset, RecordQuerySet) and (
        queryset.editable_by(user).filter(pk=record.pk).exists()
    )
    address = {"person": "privacy:person_basis", "tracingrequest": "privacy:tracing_request_basis"}
    return {
        "record": record,
        "basis": basis_of(record),
        "editable": editable,
        "action": address.get(record._meta.model_name, "privacy:evidence_basis"),
        "choices": LegalBasis.choices,
        "csrf_token": context.get("csrf_token"),
    }
