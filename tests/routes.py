"""Every URL pattern of the site, from Django's resolver, for the tests that must cover all.

A route is known by its name ("cases:case_detail", "api:list_persons", "admin:index")
or, when it has none, by its whole pattern.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# Django's admin: only vocabularies, accounts, security logs and background tasks are registered;
# registering a model that holds records must come with a check here.
ADMIN_MODELS = (
    "auth.group",
    "accounts.team",
    "accounts.user",
    "people.relationshipkind",
    "cases.eventtype",
    "cases.involvementrole",
    "law.instrument",
    "law.rightsrule",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "django_tasks_database.dbtaskresult",
)

# The admin site's own pages, besides those of each model.
ADMIN_SITE = (
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
    "admin:auth_user_password_change",
    "admin:otp_totp_totpdevice_config",
    "admin:otp_totp_totpdevice_qrcode",
    "admin/(?P<url>.*)$",
)


def admin_keys() -> list[str]:
    """The keys of every admin route: the site's own, and five named and one unnamed
    (a redirect to the change page) for each registered model."""
    keys = list(ADMIN_SITE)
    for label in ADMIN_MODELS:
        app, model = label.split(".")
        keys += [
            f"admin:{app}_{model}_{action}"
            for action in ("changelist", "add", "history", "delete", "change")
        ]
        keys.append(f"admin/{app}/{model}/<path:object_id>/")
    return keys


@dataclass(frozen=True)
class Route:
    key: str
    name: str | None
    pattern: str
    callback: Callable[..., Any]


def _walk(
    resolver: URLResolver, prefix: str, namespace: str | None
) -> Iterator[tuple[str, str | None, Callable[..., Any]]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield prefix + str(entry.pattern), name, entry.callback


def all_routes() -> list[Route]:
    return [
        Route(name or pattern, name, pattern, callback)
        for pattern, name, callback in _walk(get_resolver(), "", None)
    ]


PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def fill(pattern: str, values: dict[str, Any]) -> str:
    """The path of a pattern written with path() converters, its parameters filled in."""
    return "/" + PARAMETER.sub(lambda match: str(values[match["name"]]), pattern)


def parameters(pattern: str) -> list[str]:
    return [match["name"] for match in PARAMETER.finditer(pattern)]
