"""The draft pages: give a text, review what was read from it, accept what is right.

`/drafts/` takes a pasted text or a file and answers with the review page, which
shows the text with every value's span highlighted and one row per proposed person
and event; nothing is stored until `/drafts/save/` is posted with what the person
accepted (docket.drafts.services). Only those who may add records (administrators,
coordinators, documenters) use these pages; others get 403, as on every form that
adds a record.
"""

from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from docket.accounts.models import Role, Team, User
from docket.accounts.permissions import may_create
from docket.cases.models import Authority, Case, EventType, SourceKind
from docket.drafts.extract import Draft, draft
from docket.drafts.matching import Matches, country_code, gazetteer_for, match_persons
from docket.drafts.reading import MAX_BYTES, text_of
from docket.drafts.services import AcceptedEvent, AcceptedPerson, save_draft, text_sha256
from docket.lib.access import get_visible
from docket.lib.partialdate import PartialDate

# The cases offered to file a draft under: the ones the writer changed most recently.
CASE_CHOICES = 200
MAX_TEXT = 200_000


def _writer(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not may_create(user):
        raise PermissionDenied(_("Your role may not add records."))
    return user


@dataclass
class Segment:
    text: str
    kinds: str
    title: str


def segments(text: str, marks: list[tuple[int, int, str, str]]) -> list[Segment]:
    """The text cut where a highlighted span begins or ends; each piece with the kinds of
    the spans over it ("person", "type", "date", ...) and what they are."""
    cuts = {0, len(text)}
    for begin, end, _kind, _title in marks:
        cuts.update((max(0, begin), min(len(text), end)))
    edges = sorted(cuts)
    pieces = []
    for begin, end in zip(edges, edges[1:], strict=False):
        over = [mark for mark in marks if mark[0] <= begin and end <= mark[1]]
        kinds = " ".join(sorted({f"draft-{mark[2]}" for mark in over}))
        title = "; ".join(dict.fromkeys(mark[3] for mark in over))
        pieces.append(Segment(text[begin:end], kinds, title))
    return pieces


def _marks(result: Draft) -> list[tuple[int, int, str, str]]:
    names = {person.ref: person.names[0] for person in result.persons}
    marks = [
        (begin, end, "person", names[person.ref])
        for person in result.persons
        for begin, end in person.spans
    ]
    for index, event in enumerate(result.events, 1):
        for field, (begin, end) in event.sources.items():
            kind = {"type_again": "type", "start": "date", "end": "date"}.get(field, field)
            marks.append((begin, end, kind, f"{index}. {names[event.person]}: {event.type}"))
    return marks


def _teams(user: User) -> list[Team]:
    if user.role == Role.ADMINISTRATOR:
        return list(Team.objects.all())
    return list(user.teams.all())


def _person_rows(result: Draft, matches: Matches, post: QueryDict | None) -> list[dict[str, Any]]:
    rows = []
    for person in result.persons:
        key = f"person-{person.ref}-"
        candidates = matches.candidates.get(person.ref, [])
        row: dict[str, Any] = {
            "person": person,
            "candidates": candidates,
            "accepted": True,
            "name": person.names[0],
            "match": str(candidates[0].pk) if candidates else "",
        }
        if post is not None:
            row |= {
                "accepted": bool(post.get(key + "accept")),
                "name": post.get(key + "name", row["name"]),
                "match": post.get(key + "match", row["match"]),
            }
        rows.append(row)
    return rows


def _event_rows(result: Draft, text: str, post: QueryDict | None) -> list[dict[str, Any]]:
    rows = []
    for index, event in enumerate(result.events):
        key = f"event-{index}-"
        row: dict[str, Any] = {
            "index": index,
            "event": event,
            "quotes": [text[begin:end] for begin, end in event.spans],
            "accepted": True,
            "person": event.person,
            "type": event.type,
            "start": event.start.isoformat() if event.start else "",
            "end": event.end.isoformat() if event.end else "",
            "place": event.place,
            "authority": str(event.authority or ""),
            "charged": {True: "yes", False: "no"}.get(event.charged, ""),  # type: ignore[arg-type]
        }
        if post is not None:
            row["accepted"] = bool(post.get(key + "accept"))
            for name in ("person", "type", "start", "end", "place", "authority", "charged"):
                row[name] = post.get(key + name, row[name])
        rows.append(row)
    return rows


def _review(
    request: HttpRequest,
    user: User,
    text: str,
    language: str | None,
    file_name: str,
    post: QueryDict | None = None,
) -> HttpResponse:
    """The review page of `text`'s draft; after a refused save, with what was posted."""
    result = draft(text, language=language, gazetteer=gazetteer_for(user))
    matches: Matches = match_persons(result, user)
    context: dict[str, Any] = {
        "draft": result,
        "text": text,
        "sha256": text_sha256(text),
        "file_name": file_name,
        "segments": segments(text, _marks(result)),
        "persons": _person_rows(result, matches, post),
        "events": _event_rows(result, text, post),
        "types": EventType.objects.all(),
        "authorities": Authority.objects.visible_to(user),
        "cases": Case.objects.editable_by(user).order_by("-updated_at")[:CASE_CHOICES],
        "teams": _teams(user),
        "source_kinds": SourceKind.choices,
        "chosen": {
            name: (post.get(name, "") if post is not None else "")
            for name in ("case", "new_case_title", "team", "source_title", "source_kind")
        },
    }
    return render(request, "drafts/review.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """The form, and on POST the review of the draft read from the text (nothing saved)."""
    user = _writer(request)
    error = ""
    if request.method == "POST":
        text = request.POST.get("text", "")
        file_name = "text.txt"
        upload = request.FILES.get("file")
        if upload is not None:
            try:
                text = text_of(upload.read(MAX_BYTES + 1))
                file_name = (upload.name or "text").rsplit("/", 1)[-1][:100] + ".txt"
            except ValidationError as problem:
                error = " ".join(problem.messages)
        text = text.replace("\r\n", "\n")[:MAX_TEXT]
        if not error and text.strip():
            language = request.POST.get("language") or None
            return _review(request, user, text, language, file_name)
        error = error or _("Paste a text or choose a file.")
    return render(request, "drafts/start.html", {"error": error})


def _date(value: str, label: str) -> PartialDate | None:
    value = value.strip()
    if not value:
        return None
    try:
        return PartialDate.parse(value)
    except ValueError:
        raise ValidationError(
            _("%(label)s: write a date as YYYY, YYYY-MM or YYYY-MM-DD.") % {"label": label}
        ) from None


def _accepted(post: QueryDict, user: User) -> tuple[list[AcceptedPerson], list[AcceptedEvent]]:
    persons = []
    for ref in post.getlist("person"):
        if not post.get(f"person-{ref}-accept"):
            continue
        match = post.get(f"person-{ref}-match", "")
        persons.append(
            AcceptedPerson(
                ref=ref,
                existing=int(match) if match.isdigit() else None,
                name=post.get(f"person-{ref}-name", ""),
            )
        )
    types = {term.code: term for term in EventType.objects.all()}
    events = []
    for index in post.getlist("event"):
        prefix = f"event-{index}-"
        if not post.get(prefix + "accept"):
            continue
        code = post.get(prefix + "type", "")
        if code not in types:
            raise ValidationError(_("Choose an event type."))
        authority = None
        if post.get(prefix + "authority", "").isdigit():
            authority = get_visible(Authority, user, post[prefix + "authority"])
        charged = {"yes": True, "no": False}.get(post.get(prefix + "charged", ""))
        place = post.get(prefix + "place", "").strip()[:200]
        events.append(
            AcceptedEvent(
                person=post.get(prefix + "person", ""),
                type=types[code],
                start=_date(post.get(prefix + "start", ""), _("start")),
                end=_date(post.get(prefix + "end", ""), _("end")),
                place_name=place,
                place_country=country_code(place),
                authority=authority,
                charged=charged,
                quote=post.get(prefix + "quote", "")[:2000],
            )
        )
    return persons, events


@login_required
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """Save what was accepted, through the ordinary services, with the text as source."""
    user = _writer(request)
    post = request.POST
    text = post.get("text", "")[:MAX_TEXT]
    case = None
    if post.get("case", "").isdigit():
        case = get_visible(Case, user, post["case"], action="edit")
    team = None
    if post.get("team", "").isdigit():
        team = next((item for item in _teams(user) if item.pk == int(post["team"])), None)
    try:
        persons, events = _accepted(post, user)
        saved = save_draft(
            actor=user,
            text=text,
            source_title=post.get("source_title", ""),
            source_kind=post.get("source_kind", SourceKind.LETTER),
            persons=persons,
            events=events,
            case=case,
            new_case_title=post.get("new_case_title", ""),
            team=team,
            file_name=post.get("file_name", "text.txt")[:100] or "text.txt",
        )
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
        file_name = post.get("file_name", "text.txt")[:100] or "text.txt"
        return _review(request, user, text, post.get("language") or None, file_name, post)
    messages.success(
        request,
        _("Saved %(persons)d persons and %(events)d events, with the text as their source.")
        % {"persons": len(saved.persons), "events": len(saved.events)},
    )
    return redirect(reverse("cases:case_detail", args=[saved.case.pk]))
