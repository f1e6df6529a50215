"""Administrators extend the controlled vocabularies here.

Confidential records (persons, cases, events, sources) are deliberately not
registered: the admin would bypass the permission rule that every page obeys.
"""

from django.contrib import admin

from docket.cases.models import EventType, InvolvementRole
from docket.lib.admin import DocketModelAdmin


@admin.register(EventType)
class EventTypeAdmin(DocketModelAdmin[EventType]):
    list_display = ["code", "label", "esf", "fields", "position"]
    search_fields = ["code", "label"]


@admin.register(InvolvementRole)
class InvolvementRoleAdmin(DocketModelAdmin[InvolvementRole]):
    list_display = ["code", "label", "esf", "position"]
