"""Users and teams in Django's admin: to look at only.

Accounts are managed in Docket's own screens (`/accounts/`), which ask for
the password again and go through `docket.accounts.services`. The admin's
forms would be a second way in that asks for nothing, so they are read-only
here; whatever still changes an account (a shell, a script) is audited by
`docket.accounts.auditing` all the same.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from docket.accounts.models import Team, User
from docket.lib.admin import DocketModelAdmin


class ReadOnly:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(ReadOnly, DocketModelAdmin[Team]):
    list_display = ["name", "created"]
    search_fields = ["name"]


@admin.register(User)
class DocketUserAdmin(ReadOnly, DocketModelAdmin[User], UserAdmin[User]):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "teams"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Docket", {"fields": ("role", "teams")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Docket", {"fields": ("first_name", "last_name", "role", "teams")}),
    )
    filter_horizontal = ["teams", "groups", "user_permissions"]
