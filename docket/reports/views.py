"""The reports page, its downloads, saved reports, and published reports for anyone.

Staff pages count over the reader's scope (`Scope.of_reader`: the read door's
querysets); public pages over `Scope.public()` with small cells withheld
(docket.reports.suppression). Taking the events behind a report out is a bulk
read (docket.reports.exports.event_rows).
"""

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from docket.accounts.models import Team, User
from docket.accounts.permissions import may_take_out
from docket.lib.access import get_visible
from docket.reports import exports, services
from docket.reports.charts import Bar, bar_chart
from docket.reports.counting import (
    DIMENSIONS,
    MEASURES,
    PERIODS,
    Choice,
    Scope,
    Table,
    build_table,
)
from docket.reports.durations import durations
from docket.reports.models import SavedReport
from docket.reports.suppression import Withheld, suppress


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@dataclass
class Cell:
    shown: str
    url: str | None


@dataclass
class Line:
    label: str
    cells: list[Cell]
    total: Cell | None


def _events_url(query: dict[str, str] | None) -> str | None:
    if query is None:
        return None
    return f"{reverse('search:event_list')}?{urlencode(query)}"


def present(
    table: Table, withheld: Withheld | None = None, *, links: bool = True
) -> dict[str, Any]:
    """The table as the template prints it: shown counts and the events list behind each."""
    choice = table.choice

    def cell(position: tuple[str, str, str], count: int, *parts: tuple[str, str]) -> Cell:
        shown = withheld.shown(position, count) if withheld else str(count)
        url = _events_url(table.link(*parts)) if links and count else None
        return Cell(shown, url)

    lines = []
    for row in table.rows:
        if choice.columns:
            cells = [
                cell(
                    ("cell", row, column),
                    table.cells.get((row, column), 0),
                    (choice.rows, row),
                    (choice.columns, column),
                )
                for column in table.columns
            ]
            total = cell(("row", row, ""), table.row_totals.get(row, 0), (choice.rows, row))
        else:
            cells = [cell(("cell", row, ""), table.row_totals.get(row, 0), (choice.rows, row))]
            total = None
        lines.append(Line(table.label(choice.rows, row), cells, total))
    column_totals = [
        cell(("column", "", column), table.column_totals.get(column, 0), (choice.columns, column))
        for column in table.columns
        if choice.columns
    ]
    grand = cell(("total", "", ""), table.total)
    if links and table.total:
        grand.url = reverse("search:event_list") if choice.measure == "events" else grand.url
    headers = (
        [table.label(choice.columns, column) for column in table.columns] if choice.columns else []
    )
    rtl = translation.get_language_bidi()
    title = _("%(measure)s by %(dimension)s") % {
        "measure": MEASURES[choice.measure],
        "dimension": str(DIMENSIONS[choice.rows]).lower(),
    }
    bars = [
        Bar(
            line.label,
            table.row_totals.get(row, 0),
            (line.total or line.cells[0]).shown,
            withheld=bool(
                withheld
                and (("row", row, "") if choice.columns else ("cell", row, "")) in withheld.why
            ),
        )
        for row, line in zip(table.rows, lines, strict=True)
    ]
    description = "; ".join(f"{bar.label}: {bar.shown}" for bar in bars)
    return {
        "lines": lines,
        "headers": headers,
        "column_totals": column_totals,
        "grand": grand,
        "title": title,
        "rows_label": str(DIMENSIONS[choice.rows]),
        "measure_label": str(MEASURES[choice.measure]),
        "chart": bar_chart(
            bars, title=title, description=description, chart_id="report-chart", rtl=rtl
        )
        if bars
        else None,
    }


def _choices() -> dict[str, Any]:
    return {
        "measures": [(key, str(label)) for key, label in MEASURES.items()],
        "dimensions": [(key, str(label)) for key, label in DIMENSIONS.items()],
        "periods": [(key, str(label)) for key, label in PERIODS.items()],
    }


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    choice = Choice.from_query(request.GET)
    table = build_table(Scope.of_reader(user), choice)
    as_of = timezone.localdate()
    # Durations read every victim's events: asked for, not computed on every visit.
    wanted = request.GET.get("durations") == "1"
    distributions = durations(user, as_of=as_of) if wanted else []
    duration_charts = [
        (
            distribution,
            bar_chart(
                [Bar(label, count, str(count)) for label, count in distribution.counts],
                title=str(distribution.label),
                description="; ".join(f"{label}: {count}" for label, count in distribution.counts),
                chart_id=f"duration-{distribution.key}",
                rtl=translation.get_language_bidi(),
            ),
        )
        for distribution in distributions
    ]
    saved = list(
        SavedReport.objects.visible_to(user).select_related("owner", "team").order_by("name", "pk")
    )
    context = {
        "choice": choice,
        "query": urlencode(choice.query()),
        "table": present(table),
        "durations": duration_charts,
        "as_of": as_of,
        "durations_wanted": wanted,
        "saved": [
            (report, urlencode(report.choice_query()), services.may_publish_report(user, report))
            for report in saved
        ],
        "may_take_out": may_take_out(user),
        "teams": list(user.teams.order_by("name"))
        if user.role != "administrator"
        else list(Team.objects.order_by("name")),
        **_choices(),
    }
    return render(request, "reports/report.html", context)


def _filename(choice: Choice) -> str:
    name = f"report-{choice.measure}-{choice.rows}"
    return name + (f"-{choice.columns}" if choice.columns else "")


@login_required
@require_GET
def download(request: HttpRequest) -> HttpResponse:
    """The numbers of the page, as CSV or XLSX."""
    choice = Choice.from_query(request.GET)
    table = build_table(Scope.of_reader(_user(request)), choice)
    lines = exports.table_rows(table)
    if request.GET.get("format") == "xlsx":
        return exports.as_xlsx(lines, _filename(choice), rtl=translation.get_language_bidi())
    return exports.as_csv(lines, _filename(choice))


@login_required
@require_GET
def events_download(request: HttpRequest) -> HttpResponse:
    """The events the reader may see, each with its address: a bulk read."""
    choice = Choice.from_query(request.GET)
    lines = exports.event_rows(request, choice)
    if request.GET.get("format") == "xlsx":
        return exports.as_xlsx(lines, "events", rtl=translation.get_language_bidi())
    return exports.as_csv(lines, "events")


@login_required
@require_POST
def saved_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    choice = Choice.from_query(request.POST)
    team = None
    if request.POST.get("team"):
        try:
            team = Team.objects.filter(pk=int(request.POST["team"])).first()
        except ValueError:  # not a number ("²" passes isdigit, not int)
            team = None
    try:
        saved = services.save_report(
            actor=user,
            name=request.POST.get("name", ""),
            choice=choice,
            team=team,
            description=request.POST.get("description", "")[:2000],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('reports:report')}?{urlencode(choice.query())}")
    messages.success(request, _("The report was saved."))
    return redirect(f"{reverse('reports:report')}?{urlencode(saved.choice_query())}")


@login_required
@require_POST
def saved_publish(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_visible(SavedReport, _user(request), pk)
    published = request.POST.get("published") != "0"
    services.publish_report(actor=_user(request), report=report, published=published)
    messages.success(
        request,
        _("The report is published.") if published else _("The report is no longer public."),
    )
    return redirect("reports:report")


@login_required
@require_POST
def saved_delete(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_visible(SavedReport, _user(request), pk)
    services.delete_report(actor=_user(request), report=report)
    messages.success(request, _("The saved report was deleted."))
    return redirect("reports:report")


# For anyone: published reports, over public events only, small counts withheld.


def public_table(report: SavedReport) -> tuple[Table, Withheld]:
    choice = Choice.from_query(report.choice_query())
    table = build_table(Scope.public(), choice)
    withheld = suppress(
        table.rows,
        table.columns,
        table.cells,
        table.row_totals,
        table.column_totals,
        table.total,
        crossed=bool(choice.columns),
    )
    return table, withheld


@login_not_required
@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    reports = list(SavedReport.objects.published().order_by("-published_at", "-pk"))
    return render(request, "reports/public_list.html", {"reports": reports, **_letterhead()})


@login_not_required
@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = SavedReport.objects.published().filter(pk=pk).first()
    if report is None:
        raise Http404
    table, withheld = public_table(report)
    context = {"report": report, "table": present(table, withheld, links=False), **_letterhead()}
    if request.GET.get("format") in {"csv", "xlsx"}:
        lines = exports.table_rows(table, withheld.shown)
        name = f"public-report-{report.pk}"
        if request.GET["format"] == "xlsx":
            return exports.as_xlsx(lines, name, rtl=translation.get_language_bidi())
        return exports.as_csv(lines, name)
    return render(request, "reports/public_detail.html", context)


def _letterhead() -> dict[str, Any]:
    from docket.letters.public import letterhead

    return {"letterhead": letterhead()}
