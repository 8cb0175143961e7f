"""A weight-scheme pilot: one team weighed by a scheme of its own for a stated number of months
while everybody else keeps their level's scheme (the guides' "three-month pilot in one branch
before rolling it out"). Scoring reads the pilots in force for a period and records them on the
run; the weight lab creates them and compares the team with the rest."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# A pilot lasts one month at least and a year at most; three by default, as the guide's.
PILOT_MONTHS_MAX = 12
PILOT_MONTHS_DEFAULT = 3


def months_after(first: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months after the month starting ``first``."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


class SchemePilot(models.Model):
    scheme = models.ForeignKey(
        "indicators.WeightScheme",
        verbose_name=_("scheme"),
        on_delete=models.PROTECT,
        related_name="pilots",
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="pilots"
    )
    first_month = models.DateField(_("first month"), help_text=_("The first day of a month."))
    months = models.PositiveSmallIntegerField(_("months"), default=PILOT_MONTHS_DEFAULT)
    # First day after the last month (first_month + months): kept so that finding the pilots of
    # a period is one indexed range query.
    ends_before = models.DateField(_("ends before"), editable=False)
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # A cancelled pilot still weighs the periods that ended before it was cancelled (their
    # results were scored with it); none after.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scheme pilot")
        verbose_name_plural = _("scheme pilots")
        ordering = ["-first_month", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(months__gte=1, months__lte=PILOT_MONTHS_MAX),
                name="scheme_pilot_months_range",
                violation_error_message=_("A pilot lasts from 1 to 12 months."),
            ),
            models.CheckConstraint(
                condition=Q(ends_before__gt=models.F("first_month")),
                name="scheme_pilot_ends_after_start",
                violation_error_message=_("A pilot ends after it starts."),
            ),
        ]
        indexes = [
            # pilots_in_force: the pilots whose months hold a period.
            models.Index(fields=["first_month", "ends_before"], name="scheme_pilot_dates_idx")
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.team}"

    @property
    def last_month(self) -> dt.date:
        return months_after(self.first_month, self.months - 1)
