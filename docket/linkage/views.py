"""The review of candidate duplicate persons: the queue, a pair side by side, one person's
possible duplicates.

For coordinators and administrators only (others get 403), and a pair is
shown only when the reviewer may merge both its persons (docket.linkage.
services.review_queue), so a person the reviewer may not see is never named
nor counted. Decisions go through the services; merges through
docket.people.merges.
"""

from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from docket.accounts.models import User
from docket.cases.models import Case, Event
from docket.lib.access import get_visible
from docket.linkage import services
from docket.linkage.models import CandidatePair, PairStatus, Scope, ScoringRun
from docket.linkage.reasons import reasons
from docket.linkage.scoring import REVIEW_THRESHOLD
from docket.linkage.tasks import find_duplicate_persons, find_duplicates_of_person
from docket.people.merges import check_merge, may_merge, raised_level, raised_sentence, stricter
from docket.people.models import Person

PAGE_SIZE = 25


def _reviewer(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not services.may_review(user):
        raise PermissionDenied(
            _("Only coordinators and administrators review possible duplicates.")
        )
    return user


def _last_run(**filters: object) -> ScoringRun | None:
    return ScoringRun.objects.filter(finished_at__isnull=False, **filters).first()


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    user = _reviewer(request)
    if request.method == "POST":
        find_duplicate_persons.enqueue()
        messages.success(
            request,
            _(
                "Docket will look for duplicates among all persons in the background; "
                "come back in a few minutes."
            ),
        )
        return redirect("linkage:review")
    pairs = services.review_queue(user).prefetch_related("person_a__names", "person_b__names")
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "linkage/review.html",
        {
            "page": page,
            "threshold": REVIEW_THRESHOLD,
            "last_run": _last_run(scope=Scope.EVERYONE),
        },
    )


@dataclass
class Side:
    person: Person
    cases: int
    events: int
    mergeable: bool
    # The level this record would be raised to if kept, shown before the reviewer confirms.
    raised_to: str = ""


def _side(user: User, person: Person, other: Person) -> Side:
    raised = raised_level(person, other)
    return Side(
        raised_to=str(Person(confidentiality=raised).get_confidentiality_display())
        if raised
        else "",
        person=person,
        cases=Case.objects.visible_to(user).filter(persons=person).count(),
        events=Event.objects.visible_to(user)
        .filter(involvements__person=person)
        .distinct()
        .count(),
        mergeable=may_merge(user, person),
    )


def _merge_problem(pair: CandidatePair) -> str:
    """Why neither way of merging the pair would be accepted; empty when one would."""
    problems = []
    for keep, absorb in ((pair.person_a, pair.person_b), (pair.person_b, pair.person_a)):
        try:
            check_merge(keep, absorb)
        except ValidationError as error:
            problems.append(" ".join(error.messages))
        else:
            return ""
    return problems[0]


@login_required
@require_http_methods(["GET", "POST"])
def pair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reviewer(request)
    pair = services.reviewable_pair(user, pk)
    if request.method == "POST":
        return _decide(request, user, pair)
    sides = [
        _side(user, pair.person_a, pair.person_b),
        _side(user, pair.person_b, pair.person_a),
    ]
    return render(
        request,
        "linkage/pair.html",
        {
            "pair": pair,
            "sides": sides,
            "reasons": reasons(pair.weights),
            "open": pair.status == PairStatus.OPEN,
            "problem": _merge_problem(pair) if pair.status == PairStatus.OPEN else "",
            "merged_level": Person(
                confidentiality=stricter(
                    pair.person_a.confidentiality, pair.person_b.confidentiality
                )
            ).get_confidentiality_display(),
        },
    )


def _decide(request: HttpRequest, user: User, pair: CandidatePair) -> HttpResponse:
    action = request.POST.get("action")
    try:
        if action == "not_same":
            services.decide_not_same(actor=user, pair=pair)
            messages.success(
                request, _("Noted: not the same person. This pair will not be asked again.")
            )
            return redirect("linkage:review")
        if action == "merge":
            chosen = request.POST.get("keep", "")
            if chosen not in (str(pair.person_a_id), str(pair.person_b_id)):
                raise ValidationError(_("Choose which of the two records to keep."))
            keep = pair.person_a if chosen == str(pair.person_a_id) else pair.person_b
            merge = services.merge_pair(actor=user, pair=pair, keep=keep)
            message = _(
                "The two records are now one person. Their page shows everything; "
                "the merge can be undone there."
            )
            raised = raised_sentence(merge)
            messages.success(request, f"{message} {raised}" if raised else message)
            return redirect("people:person_detail", pk=merge.keep_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("linkage:pair", pk=pair.pk)
    messages.error(request, _("Choose to merge the two, or that they are not the same person."))
    return redirect("linkage:pair", pk=pair.pk)


@login_required
@require_http_methods(["GET", "POST"])
def person_duplicates(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's possible duplicates, and a button to look for them now."""
    user = cast(User, request.user)
    person = get_visible(Person.objects.prefetch_related("names"), user, pk)
    if not may_merge(user, person):
        raise PermissionDenied(
            _("Only a coordinator of the owning team reviews this person's duplicates.")
        )
    if request.method == "POST":
        find_duplicates_of_person.enqueue(person.pk)
        messages.success(
            request,
            _(
                "Docket will look for this person's duplicates in the background; "
                "reload this page in a minute."
            ),
        )
        return redirect("linkage:person_duplicates", pk=person.pk)
    pairs = services.pairs_of(user, person).prefetch_related("person_a__names", "person_b__names")
    return render(
        request,
        "linkage/person_duplicates.html",
        {
            "person": person,
            "pairs": [
                (pair, pair.person_b if pair.person_a_id == person.pk else pair.person_a)
                for pair in pairs[:PAGE_SIZE]
            ],
            "threshold": REVIEW_THRESHOLD,
            "last_run": _last_run(scope=Scope.PERSON, person=person),
        },
    )
