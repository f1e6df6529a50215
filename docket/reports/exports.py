"""A report's numbers, and the events behind them, as CSV and XLSX.

The numbers are counts the reader sees on the page anyway. The events are
records: taking them out is a bulk read (`require_taking_out`, viewers may
not), logged with the report's query and the restricted and secret records it
returned (`note_bulk_read`). Each row carries the record's address. Every
cell goes through `safe_cell`, so no spreadsheet runs it as a formula.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from docket.cases.models import Event
from docket.lib.access import note_bulk_read, require_taking_out, watched_ids
from docket.lib.spreadsheet import safe_cell
from docket.reports.counting import Choice, Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_rows(table: Table, shown: Any = None) -> list[list[Any]]:
    """The table as rows: a header, one row per row value, the totals.
    `shown(position, count)` prints a count (the public page withholds small ones)."""

    def show(position: tuple[str, str, str], count: int) -> Any:
        return count if shown is None else shown(position, count)

    choice = table.choice
    rows_label = str(_dimension_label(choice.rows))
    if choice.columns:
        header: list[Any] = [rows_label]
        header += [table.label(choice.columns, column) for column in table.columns]
        header.append(str(_("Total")))
        lines = [header]
        for row in table.rows:
            lines.append(
                [table.label(choice.rows, row)]
                + [
                    show(("cell", row, column), table.cells.get((row, column), 0))
                    for column in table.columns
                ]
                + [show(("row", row, ""), table.row_totals.get(row, 0))]
            )
        lines.append(
            [str(_("Total"))]
            + [
                show(("column", "", column), table.column_totals.get(column, 0))
                for column in table.columns
            ]
            + [show(("total", "", ""), table.total)]
        )
        return lines
    lines = [[rows_label, str(_measure_label(choice.measure))]]
    for row in table.rows:
        lines.append(
            [table.label(choice.rows, row), show(("cell", row, ""), table.row_totals.get(row, 0))]
        )
    lines.append([str(_("Total")), show(("total", "", ""), table.total)])
    return lines


def _dimension_label(key: str) -> Any:
    from docket.reports.counting import DIMENSIONS

    return DIMENSIONS.get(key, key)


def _measure_label(key: str) -> Any:
    from docket.reports.counting import MEASURES

    return MEASURES.get(key, key)


def as_csv(lines: Iterable[Sequence[Any]], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in lines:
        writer.writerow([value if isinstance(value, int) else safe_cell(value) for value in line])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def as_xlsx(lines: Iterable[Sequence[Any]], filename: str, *, rtl: bool = False) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=filename[:31])
    if rtl:
        sheet.sheet_view.rightToLeft = True
    for line in lines:
        sheet.append([value if isinstance(value, int) else safe_cell(value) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def event_rows(request: HttpRequest, choice: Choice) -> list[list[Any]]:
    """Every event the reader may see, one row each with its address, for taking out.
    Refused to those who may not take records out; logged as a bulk read."""
    user = request.user
    require_taking_out(user)
    events = list(
        Event.objects.visible_to(user)
        .select_related("type", "case", "authority")
        .order_by("start_on", "id")
    )
    note_bulk_read(
        user,
        via="page",
        what="report events",
        query=choice.query(),
        count=len(events),
        watched={"events": watched_ids(events)},
    )
    lines: list[list[Any]] = [
        [
            str(_("Address")),
            str(_("Event")),
            str(_("Type")),
            str(_("Start")),
            str(_("End")),
            str(_("Place")),
            str(_("Responsible authority")),
            str(_("Case")),
            str(_("Case status")),
        ]
    ]
    for event in events:
        case_url = request.build_absolute_uri(reverse("cases:case_detail", args=[event.case_id]))
        lines.append(
            [
                f"{case_url}#event-{event.pk}",
                event.pk,
                str(event.type.label),
                str(event.start or ""),
                str(event.end or ""),
                event.place_name,
                event.authority.name if event.authority else "",
                case_url,
                event.case.get_status_display(),
            ]
        )
    return lines
