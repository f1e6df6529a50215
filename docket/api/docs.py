"""The browsable API documentation: Swagger UI served by Docket itself.

django-ninja's own docs page loads Swagger UI from a CDN unless "ninja" is an
installed app; Docket fetches nothing from outside and its Content-Security-
Policy forbids inline scripts, so this page uses the copy vendored under
docket/static/docket/vendor/ and starts it from a script file.
"""

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

SWAGGER_UI = "docket/vendor/swagger-ui-5.35.0"


class OfflineSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "api/docs.html",
            {
                "api": api,
                "openapi_url": self.get_openapi_url(api, kwargs),
                "swagger_ui": SWAGGER_UI,
            },
        )
