"""The estimates page: how many victims of a kind of event there were in a period,
documented or not, from the sources that documented them, as the reader may see them."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from docket.accounts.models import User
from docket.estimates.forms import METHOD_LABELS, PRIOR_LABELS, EstimateForm
from docket.estimates.lcmcr import DEFAULT_PRIOR
from docket.estimates.mse import LONGER, EstimateError, Options, Prior, estimate, explanation
from docket.estimates.records import Choice, membership, undocumented_victims

# Strata beyond this many make the page slow and the estimates thin: merge them first.
MAX_STRATA = 12


@login_required
@require_GET
def estimate_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = EstimateForm(request.GET or None)
    context: dict[str, object] = {"form": form}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        choice = Choice(
            event_type=data["event_type"],
            start=data["start"],
            end=data["end"],
            lists_by=data["lists_by"],
            strata_by=data["strata_by"] or "",
        )
        found = membership(user, choice)
        context["unlisted"] = undocumented_victims(user, choice)
        context["method_label"] = METHOD_LABELS[data["method"]]
        prior: Prior = data["prior"] or DEFAULT_PRIOR
        context["prior_label"] = PRIOR_LABELS[prior]
        context["explanation"] = explanation(data["method"], prior)
        if len(found) > MAX_STRATA:
            context["error"] = _(
                "%(count)s strata are too many to estimate at once (at most %(max)s): "
                "choose a shorter period or no strata."
            ) % {"count": len(found), "max": MAX_STRATA}
        options = Options(
            seed=data["seed"] if data["seed"] is not None else 1,
            prior=prior,
        )
        if data["length"] == "longer":
            options.burn_in *= LONGER
            options.thinning *= LONGER
        try:
            if len(found) <= MAX_STRATA:
                context["result"] = estimate(found, method=data["method"], options=options)
        except EstimateError as error:
            context["error"] = str(error)
    return render(request, "estimates/estimate.html", context)
