"""The search index: what search and the faceted lists read instead of the records.

Every row here is derived from the records (persons, cases, events, sources,
letters) and rebuilt from them by `docket search reindex`; nothing in these
tables is entered by hand except saved searches.

- `Audience` is one (confidentiality, team) pair. Index rows carry their
  record's audience, and `visibility_q(user)` (the one permission rule) applied
  to this tiny table says which audiences a user belongs to; lists and counts
  then filter on a short list of audience ids.
- `SearchEntry` is one record's searchable text: folded words and the keys of
  a person's names. On SQLite an FTS5 table indexes it, on PostgreSQL a
  generated tsvector column with a GIN index (migration 0002).
- `EventFacet` is one event's facet values as small integers, with its case's
  audience and status, for the events list and its keyset pages.
- `FacetCount` holds the events' counts by audience for every facet value,
  alone and beside one value of another facet, so the facets of an unfiltered
  or singly filtered list are sums of a few rows instead of a scan of every
  event (`docket.search.facets`).
- `EventVictim` is one victim of one event of `EventFacet`, with the event's facet
  values and audience and the person's own audience, sex and age band; `ReportCount`
  holds the reports' distinct counts (victims, and events and cases where a count
  cannot be summed from the facets) by one value, for each set of audiences they
  are seen through (`AudienceSet`): `docket.search.tallies`.
"""

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from docket.accounts.models import Team, User
from docket.accounts.permissions import Confidentiality


class Kind(models.TextChoices):
    PERSON = "person", _("Persons")
    CASE = "case", _("Cases")
    EVENT = "event", _("Events")
    SOURCE = "source", _("Sources")
    LETTER = "letter", _("Letters")


class Audience(models.Model):
    """Those who may see records of one confidentiality level and owning team."""

    confidentiality = models.CharField(max_length=10, choices=Confidentiality)
    team = models.ForeignKey(Team, null=True, on_delete=models.CASCADE, related_name="+")
    # "secret:3", or "internal:" without a team: unique where (level, NULL) would not be.
    key = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.key


class SearchEntry(models.Model):
    # Given, never generated: the record's id and its kind (docket.search.documents.entry_id).
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=8, choices=Kind)
    object_id = models.BigIntegerField()
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="+")
    # An event's case, so that a change to the case reaches its events' entries.
    case_id = models.BigIntegerField(null=True)
    # Folded words (docket.search.documents.words) and encoded name keys.
    title = models.TextField()
    names = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # A case's status, for the case list's counts (docket.search.facets.case_facets).
    status = models.CharField(max_length=12, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_once")
        ]
        indexes = [
            models.Index(
                fields=["case_id"],
                name="search_entry_case",
                condition=Q(case_id__isnull=False),
            ),
            models.Index(fields=["kind", "audience", "status"], name="search_entry_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


# Every column the events list filters, counts and sorts by.
COLUMNS = (
    "facts",
    "place",
    "authority",
    "start_key",
    "event_id",
    "audience",
    "year",
    "status",
    "start_latest",
)


def covering(*key: str) -> list[str]:
    """An index's fields: its key columns, then every other column, so that a list reads
    the index alone and never the table."""
    return [*key, *(column for column in COLUMNS if column not in key)]


class EventFacet(models.Model):
    """One living event of a living case, as the events list filters and counts it.

    Values are small integers: `facts` and `status` and `place` are FacetTerm
    ids, `authority` an Authority id; 0 means none. `start_key` is the earliest
    day the start may mean (0001-01-01 when unknown, so undated events sort
    last when newest come first), `start_latest` the last.
    """

    # The event's id, given, never generated: an auto field only so that SQLite makes it
    # the table's rowid and a lookup by event reads one b-tree, not two.
    event_id = models.BigAutoField(primary_key=True)
    case_id = models.BigIntegerField()
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="+")
    facts = models.IntegerField()
    place = models.IntegerField(default=0)
    authority = models.IntegerField(default=0)
    year = models.SmallIntegerField(default=0)
    status = models.IntegerField(default=0)
    start_key = models.DateField()
    start_latest = models.DateField(null=True)

    class Meta:
        # Every index holds every column the lists filter, count and sort by (a covering
        # index), so a list reads one range of one index: a date range, or a type, or a
        # place or an authority with a type, then the dates.
        indexes = [
            models.Index(fields=covering("start_key", "event_id"), name="search_facet_start"),
            models.Index(
                fields=covering("facts", "start_key", "event_id"), name="search_facet_facts"
            ),
            models.Index(
                fields=covering("place", "facts", "start_key", "event_id"),
                name="search_facet_place",
            ),
            models.Index(
                fields=covering("authority", "facts", "start_key", "event_id"),
                name="search_facet_authority",
            ),
            models.Index(fields=["case_id", "start_key"], name="search_facet_case"),
        ]

    def __str__(self) -> str:
        return f"event {self.event_id}"


class FacetTerm(models.Model):
    """A value of a facet that is not a record of its own: an event type with the facts
    the rights rules read ("facts"), a place, a case status."""

    dimension = models.CharField(max_length=10)
    key = models.CharField(max_length=200)
    label = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key"], name="search_facet_term_once")
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.label}"


class FacetCount(models.Model):
    """How many events of `audience` have `value` of facet `dimension`, among those with
    `filter_value` of facet `filter_dimension` (0 and 0: among all). Dimension 0 with
    value 0 is the number of events itself."""

    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="+")
    filter_dimension = models.SmallIntegerField()
    filter_value = models.IntegerField()
    dimension = models.SmallIntegerField()
    value = models.IntegerField()
    count = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["filter_dimension", "filter_value", "audience", "dimension", "value"],
                name="search_facet_count_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value} | {self.filter_dimension}={self.filter_value}"


class EventVictim(models.Model):
    """A living person involved as a victim in an event of `EventFacet`: what the reports
    count victims by (`docket.search.tallies`). Values as in EventFacet; `sex` is a
    FacetTerm id, `age` the band of the person's age at the event's start (0: unknown)."""

    event_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    case_id = models.BigIntegerField()
    # The event's audience (its case's), and the person's own.
    audience = models.ForeignKey(
        Audience, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    person_audience = models.ForeignKey(
        Audience, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    facts = models.IntegerField()
    place = models.IntegerField(default=0)
    authority = models.IntegerField(default=0)
    status = models.IntegerField(default=0)
    start_key = models.DateField()
    sex = models.IntegerField(default=0)
    age = models.SmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id", "person_id"], name="search_victim_once")
        ]
        indexes = [
            models.Index(fields=["person_id"], name="search_victim_person"),
            models.Index(fields=["case_id"], name="search_victim_case"),
        ]

    def __str__(self) -> str:
        return f"person {self.person_id} in event {self.event_id}"


class AudienceSet(models.Model):
    """The (audience, person audience) pairs through which one counted thing is seen: a
    reader counts it when both audiences of one pair are theirs (a person audience of 0:
    no person needed). `key` lists the pairs, "3.7 5.7", sorted; `digest` is its SHA-1,
    short enough for a unique index whatever the key's length."""

    digest = models.CharField(max_length=40, unique=True)
    key = models.TextField()

    def __str__(self) -> str:
        return self.key


class ReportCount(models.Model):
    """How many distinct things of `measure` (victims, events, cases) have `value` of the
    report dimension `dimension`, among those seen through `audiences`
    (`docket.search.tallies`)."""

    measure = models.SmallIntegerField()
    dimension = models.SmallIntegerField()
    # Of a crossed dimension, two values in one (`tallies.pair`).
    value = models.BigIntegerField()
    audiences = models.ForeignKey(
        AudienceSet, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    count = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "dimension", "audiences", "value"],
                name="search_report_count_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.dimension}={self.value}"


class SavedSearchQuerySet(models.QuerySet["SavedSearch"]):
    def visible_to(self, user: Any) -> Self:
        """The user's own saved searches and those shared with one of their teams."""
        if not isinstance(user, User) or not user.is_active:
            return self.none()
        return self.filter(Q(owner=user) | Q(team__in=user.teams.all()))


class SavedSearch(models.Model):
    """A filtered list kept under a name; shared with a team, every member may open it.

    Only the filters are kept: whoever opens it sees what they themselves may see.
    """

    class Page(models.TextChoices):
        EVENTS = "events", _("Events")
        CASES = "cases", _("Cases")
        SEARCH = "search", _("Search")

    name = models.CharField(_("name"), max_length=100)
    page = models.CharField(max_length=8, choices=Page, default=Page.EVENTS)
    query = models.CharField(max_length=2000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("shared with"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")

    def __str__(self) -> str:
        return self.name
