"""Administrators extend the controlled vocabularies here.

Confidential records (persons, cases, events, sources) are deliberately not
registered: the admin would bypass the permission rule that every page obeys.
"""

from django.contrib import admin

from docket.cases.models import EventType, InvolvementRole


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin[EventType]):
    list_display = ["code", "label", "esf", "fields", "position"]
    search_fields = ["code", "label"]


@admin.register(InvolvementRole)
class InvolvementRoleAdmin(admin.ModelAdmin[InvolvementRole]):
    list_display = ["code", "label", "esf", "position"]
