"""Candidate duplicate persons, the reviewers' decisions on them, and the scoring runs.

A `CandidatePair` is two persons the model scored as likely the same, with
each comparison's weight, so a reviewer sees why. Its status is the
reviewer's decision: still open, merged, or "not the same person", which is
kept when candidates are scored again so the pair is never asked again.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PairStatus(models.TextChoices):
    OPEN = "open", _("To review")
    MERGED = "merged", _("Merged")
    NOT_SAME = "not_same", _("Not the same person")


class CandidatePair(models.Model):
    """Two persons that may be one; `person_a` has the lower id, so a pair is stored once."""

    person_a = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("match probability"))
    match_weight = models.FloatField(_("match weight"))
    # One entry per comparison: {"comparison", "description", "level", "gamma", "weight"},
    # weight in bits (log2 of the Bayes factor).
    weights = models.JSONField(default=list)
    model_version = models.CharField(max_length=40)
    found_at = models.DateTimeField(_("found at"))
    status = models.CharField(
        _("status"), max_length=10, choices=PairStatus, default=PairStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    merge = models.ForeignKey(
        "people.Merge", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("candidate pair")
        verbose_name_plural = _("candidate pairs")
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="candidate_pair_once"),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")),
                name="candidate_pair_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "-probability"], name="candidate_queue")]

    def __str__(self) -> str:
        return f"#{self.person_a_id} and #{self.person_b_id}: {self.probability:.3f}"

    @property
    def percent(self) -> str:
        """The match probability as a percentage, never rounded up to a certainty."""
        if self.probability >= 0.9999:
            return "> 99.99 %"
        shown = f"{self.probability * 100:.2f}".rstrip("0").rstrip(".")
        return f"{shown} %"


class Scope(models.TextChoices):
    EVERYONE = "everyone", _("Every person")
    NEW = "new", _("New persons")
    PERSON = "person", _("One person")


class ScoringRun(models.Model):
    """One run of the model over persons: what it scored, what it found, how long it took.

    `last_person_id` is the highest person id a run over everyone or over the
    new persons has seen: the next run over new persons starts above it.
    """

    scope = models.CharField(max_length=10, choices=Scope)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    persons = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)
    last_person_id = models.BigIntegerField(default=0)
    model_version = models.CharField(max_length=40, blank=True)
    trained = models.BooleanField(default=False)
    seconds = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scope} at {self.started_at:%Y-%m-%d %H:%M}"
