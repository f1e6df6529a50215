"""The Atom feed of published reports: each entry is the report's public table (public
events only, small counts withheld), as its public page shows it."""

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from docket.letters.public import letterhead
from docket.reports.models import SavedReport

ENTRIES = 20


class ReportFeed(Feed[SavedReport, None]):
    feed_type = Atom1Feed
    login_required = False

    def title(self) -> str:
        return _("Published reports of %(association)s") % {"association": letterhead()}

    def link(self) -> str:
        return reverse("public:report_list")

    def author_name(self) -> str:
        return letterhead()

    def items(self) -> QuerySet[SavedReport]:
        return SavedReport.objects.published().order_by("-published_at", "-pk")[:ENTRIES]

    def item_title(self, item: SavedReport) -> str:
        return escape(item.name)

    def item_description(self, item: SavedReport) -> str:
        from docket.reports.views import present, public_table

        table, withheld = public_table(item)
        return render_to_string(
            "reports/public_table.html",
            {"report": item, "table": present(table, withheld, links=False), "in_feed": True},
        )

    def item_link(self, item: SavedReport) -> str:
        return reverse("public:report_detail", args=[item.pk])

    def item_pubdate(self, item: SavedReport) -> datetime | None:
        return item.published_at

    def item_author_name(self, item: SavedReport) -> str:
        return letterhead()
