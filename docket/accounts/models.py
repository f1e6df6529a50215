"""Staff accounts: users, the teams they belong to, and their one role."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Ordered from most to least power; later issues attach permissions.
    ADMINISTRATOR = "administrator", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    DOCUMENTER = "documenter", _("Documenter")
    VIEWER = "viewer", _("Viewer")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class DateCalendar(models.TextChoices):
    BY_LANGUAGE = "", _("As the language has it")
    GREGORIAN = "gregorian", _("Gregorian")
    SOLAR_HIJRI = "solar_hijri", _("Solar Hijri")


class DateDigits(models.TextChoices):
    BY_LANGUAGE = "", _("As the language has it")
    LATIN = "latin", _("Latin (0123)")
    PERSIAN = "persian", _("Persian (۰۱۲۳)")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.VIEWER)
    teams = models.ManyToManyField(
        Team, related_name="members", blank=True, verbose_name=_("teams")
    )
    # How this user reads dates (docket.lib.dates); empty: as their page's language has it.
    date_calendar = models.CharField(
        _("calendar"), max_length=12, choices=DateCalendar, blank=True, default=""
    )
    date_digits = models.CharField(
        _("digits"), max_length=8, choices=DateDigits, blank=True, default=""
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR
