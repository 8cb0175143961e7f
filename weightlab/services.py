"""Starting and cancelling a weight-scheme pilot: one team weighed by a scheme of its own for a
stated number of months (``indicators.pilots.SchemePilot``; scoring reads the pilots in force).

A pilot starts in the current month or a later one: the months already scored keep the weights
they were published with (a pilot dated in the past would change them at their next rerun
without anyone having decided so)."""

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import ChangeReason, SchemeStatus, WeightScheme
from indicators.pilots import PILOT_MONTHS_MAX, SchemePilot, months_after
from org.models import Team
from org.periods import Period, PeriodKind
from org.selectors import team_ancestor_ids, team_descendant_ids


def _scheme_check(scheme: WeightScheme) -> None:
    if scheme.status == SchemeStatus.RETIRED:
        raise ValidationError(
            {"scheme": _("%(scheme)s is retired: pilot a draft or the active scheme.")
             % {"scheme": scheme}}
        )  # fmt: skip
    if not scheme.weights.exists():
        raise ValidationError(
            {"scheme": _("%(scheme)s has no weights yet: enter its judgments first.")
             % {"scheme": scheme}}
        )  # fmt: skip
    if not scheme.is_consistent:
        raise ValidationError(
            {"scheme": _("%(scheme)s has a matrix with CR ≥ 0.10: revise its judgments first.")
             % {"scheme": scheme}}
        )  # fmt: skip


def _overlapping(team: Team, first: dt.date, ends_before: dt.date) -> SchemePilot | None:
    """A pilot not cancelled whose months meet these, for this team, a team above it or one
    below it (a person is weighed by one pilot at most). Three queries however many pilots."""
    related = team_descendant_ids({team.id}) | team_ancestor_ids({team.id})
    return (
        SchemePilot.objects.filter(
            cancelled_at__isnull=True,
            first_month__lt=ends_before,
            ends_before__gt=first,
            team_id__in=related,
        )
        .select_related("team", "scheme")
        .order_by("pk")
        .first()
    )


def pilot_create(
    *,
    user: AbstractBaseUser,
    scheme: WeightScheme,
    team: Team,
    first_month: Period,
    months: int,
    reason: str = "",
    today: dt.date | None = None,
) -> SchemePilot:
    """Weigh ``team`` (and the teams below it; of the scheme's level, or all for an all-levels
    scheme) with ``scheme`` for ``months`` months from ``first_month`` (the current month or a
    later one). Refused with the field named: a retired scheme, one without weights or with an
    inconsistent matrix; a period that is not a month, or a past one; months outside 1–12; a
    team already in a pilot over those months."""
    today = today or timezone.localdate()
    if not 1 <= months <= PILOT_MONTHS_MAX:
        raise ValidationError(
            {"months": _("A pilot lasts from 1 to %(max)d months.") % {"max": PILOT_MONTHS_MAX}}
        )
    if first_month.kind != PeriodKind.MONTH:
        raise ValidationError({"first_month": _("A pilot starts with a month, e.g. 2026-10.")})
    if first_month.start < Period.containing(today).start:
        raise ValidationError(
            {"first_month": _("A pilot starts this month or later: past months keep the "
                              "weights they were published with.")}
        )  # fmt: skip
    _scheme_check(scheme)
    ends_before = months_after(first_month.start, months)
    with transaction.atomic():
        # One pilot start per team at a time: the overlap check and the insert are one step.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        clash = _overlapping(team, first_month.start, ends_before)
        if clash is not None:
            raise ValidationError(
                {"team": _("%(team)s is already in a pilot (%(scheme)s) over these months.")
                 % {"team": clash.team.name, "scheme": clash.scheme}}
            )  # fmt: skip
        pilot = SchemePilot(
            scheme=scheme,
            team=team,
            first_month=first_month.start,
            months=months,
            ends_before=ends_before,
            reason=reason,
            created_by=user,
        )
        pilot.full_clean()
        pilot._history_user = user
        pilot._change_reason = ChangeReason.CREATED
        pilot.save()
    return pilot


def pilot_cancel(
    *, pilot: SchemePilot, user: AbstractBaseUser, now: dt.datetime | None = None
) -> SchemePilot:
    """End the pilot now: the periods that ended before today keep it (their results were scored
    with it), the later ones are weighed by the team's level schemes. A cancelled pilot is
    refused."""
    with transaction.atomic():
        locked = SchemePilot.objects.select_for_update().get(pk=pilot.pk)
        if locked.cancelled_at is not None:
            raise ValidationError({"pilot": _("This pilot was cancelled already.")})
        locked.cancelled_at = now or timezone.now()
        locked.cancelled_by = user
        locked._history_user = user
        locked._change_reason = ChangeReason.UPDATED
        locked.save(update_fields=["cancelled_at", "cancelled_by"])
    return locked
