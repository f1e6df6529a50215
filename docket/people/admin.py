"""Administrators extend the relationship vocabulary here; persons stay out of the admin."""

from django.contrib import admin

from docket.lib.admin import DocketModelAdmin
from docket.people.models import RelationshipKind


@admin.register(RelationshipKind)
class RelationshipKindAdmin(DocketModelAdmin[RelationshipKind]):
    list_display = ["code", "label", "esf", "position"]
