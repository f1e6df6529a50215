"""The main navigation, one list for the whole layout.

A part of Docket that is not built yet is listed without a link and marked
as coming, so the layout shows where things will live without dead links.
As each part lands, its entry gets the name of its URL.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavigationItem:
    label: str | Promise
    url_name: str | None = None

    @property
    def url(self) -> str | None:
        return reverse(self.url_name) if self.url_name else None


MAIN_NAVIGATION = (
    NavigationItem(_("Dashboard"), "dashboard"),
    NavigationItem(_("Cases"), "cases:case_list"),
    NavigationItem(_("People"), "people:person_list"),
    NavigationItem(_("Letters"), "letters:letter_list"),
    NavigationItem(_("Families and tracing"), "tracing:request_list"),
    NavigationItem(_("Search"), "search:search"),
    NavigationItem(_("Reports"), "reports:report"),
    NavigationItem(_("Estimates"), "estimates:estimate"),
)

# Shown to administrators only; the pages refuse everyone else anyway.
ADMINISTRATOR_NAVIGATION = (NavigationItem(_("Accounts"), "accounts:user_list"),)


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if getattr(user, "is_administrator", False) and getattr(user, "is_active", False):
        return {"main_navigation": MAIN_NAVIGATION + ADMINISTRATOR_NAVIGATION}
    return {"main_navigation": MAIN_NAVIGATION}
