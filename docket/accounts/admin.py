from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from docket.accounts.models import Team, User
from docket.lib.admin import DocketModelAdmin


@admin.register(Team)
class TeamAdmin(DocketModelAdmin[Team]):
    list_display = ["name", "created"]
    search_fields = ["name"]


@admin.register(User)
class DocketUserAdmin(DocketModelAdmin[User], UserAdmin[User]):
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
