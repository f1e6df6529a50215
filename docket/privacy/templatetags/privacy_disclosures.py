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
    return {"shown": shown, "items": for_person(person) if shown else []}
