"""Closed periods: once its appeal window has passed (``org.calendar.period_is_closed``) a period's
published scores change only by an approved appeal, or while HR or an admin has reopened it with
a reason (``PeriodReopening``, kept as its history).

A closed period that has never been scored (history imported after the fact) may be scored: no
one has seen a result there that a rescoring would change. Only closed periods with a published
run are guarded. Who asks decides what a refusal does (``ClosedPolicy``).

At the other end, a period still running (``periods_running``: it has not ended in company time)
is scored provisionally unless HR or an admin asks for it to be published.
"""

import datetime as dt
from collections.abc import Iterable
from enum import Enum

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from org.calendar import appeal_window_end, period_is_closed
from org.periods import Period, PeriodKind
from scoring.models import PeriodReopening, RunStatus, ScoreRun
from scoring.runs import RunRefused

REASON_MAX = PeriodReopening._meta.get_field("reason").max_length
# A quarter, the longest period: periods starting this much before a date may end after it.
_LONGEST = dt.timedelta(days=92)


class ClosedPolicy(Enum):
    """What ``periods_rescore`` does with a closed, scored period that is not reopened."""

    # Someone asked (a page, the API, a command, a scheme's activation): nothing is queued and
    # ``PeriodsClosed`` names the periods.
    REFUSE = "refuse"
    # Records changed by a sync or the nightly job: the open periods are rescored; each closed
    # one gets a failed run that says it was not applied and why, and a warning is logged.
    RECORD = "record"
    # An approved appeal: the one change a closed period accepts.
    APPEAL = "appeal"


class PeriodsClosed(RunRefused):
    """Scoring these periods again is refused: closed, scored and not reopened."""

    def __init__(self, periods: list[Period]) -> None:
        self.periods = periods
        super().__init__(closed_message(periods))


def closed_message(periods: list[Period]) -> str:
    return ngettext(
        "%(periods)s closed when its appeal window passed and was already scored: HR or an "
        "admin must reopen it with a reason before it is scored again.",
        "%(periods)s closed when their appeal windows passed and were already scored: HR or an "
        "admin must reopen them with a reason before they are scored again.",
        len(periods),
    ) % {"periods": ", ".join(period.label for period in periods)}


def _keys(periods: Iterable[Period]) -> tuple[set[str], set[dt.date]]:
    periods = list(periods)
    return {period.kind.value for period in periods}, {period.start for period in periods}


def periods_running(periods: Iterable[Period], *, today: dt.date | None = None) -> set[Period]:
    """Those of ``periods`` that have not ended yet in company time (``today`` by default from
    the clock, in ``TIME_ZONE``): what is scored of them is the period so far."""
    today = today or timezone.localdate()
    return {period for period in periods if period.end > today}


def _published_runs():
    """Runs that published their period's results (provisional ones published nothing)."""
    return ScoreRun.objects.filter(status=RunStatus.SUCCEEDED, provisional=False)


def periods_scored(periods: Iterable[Period]) -> set[Period]:
    """Those of ``periods`` with a published run (for the company or a team): one query."""
    kinds, starts = _keys(periods)
    found = (
        _published_runs()
        .filter(period_kind__in=kinds, period_start__in=starts)
        .values_list("period_kind", "period_start")
        .distinct()
    )
    return {Period(PeriodKind(kind), start) for kind, start in found} & set(periods)


def scored_periods_between(first: dt.date, until: dt.date | None) -> list[Period]:
    """The scored periods (any kind) whose last day falls on or after ``first`` and before
    ``until`` (no end for ``None``): those a scheme in force from ``first`` weighs, oldest
    first."""
    runs = _published_runs().filter(period_start__gt=first - _LONGEST)
    if until is not None:
        runs = runs.filter(period_start__lt=until)
    found = {
        Period(PeriodKind(kind), start)
        for kind, start in runs.values_list("period_kind", "period_start").distinct()
    }
    return sorted(
        (p for p in found if p.last_day >= first and (until is None or p.last_day < until)),
        key=lambda p: (p.start, p.kind.value),
    )


def periods_reopened(periods: Iterable[Period]) -> set[Period]:
    kinds, starts = _keys(periods)
    found = PeriodReopening.objects.filter(
        closed_again_at__isnull=True, period_kind__in=kinds, period_start__in=starts
    ).values_list("period_kind", "period_start")
    return {Period(PeriodKind(kind), start) for kind, start in found} & set(periods)


def periods_closed(periods: Iterable[Period], *, now: dt.datetime | None = None) -> list[Period]:
    """Those of ``periods`` that may not be scored again: closed, scored and not reopened."""
    closed = {period for period in periods if period_is_closed(period, now=now)}
    if not closed:
        return []
    return sorted(periods_scored(closed) - periods_reopened(closed))


def periods_closed_check(periods: Iterable[Period]) -> None:
    """Raise ``PeriodsClosed`` naming the periods that may not be scored again."""
    closed = periods_closed(periods)
    if closed:
        raise PeriodsClosed(closed)


def period_reopen(
    *, period: Period, reason: str, user: AbstractBaseUser, now: dt.datetime | None = None
) -> PeriodReopening:
    """Reopen a closed period so it may be scored again; the reason is required and kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the period is reopened.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(max)d characters.") % {"max": REASON_MAX}]}
        )
    if not period_is_closed(period, now=now):
        raise ValidationError(
            {
                "period": [
                    _("%(period)s is still open (until %(date)s): it needs no reopening.")
                    % {"period": period.label, "date": f"{appeal_window_end(period):%Y-%m-%d}"}
                ]
            }
        )
    try:
        with transaction.atomic():
            return PeriodReopening.objects.create(
                period_kind=period.kind.value,
                period_start=period.start,
                reason=reason,
                reopened_by=user,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"period": [_("%(period)s is already reopened.") % {"period": period.label}]}
        ) from exc


def period_close_again(*, reopening: PeriodReopening, user: AbstractBaseUser) -> PeriodReopening:
    """Close a reopened period again (its scores are then locked as before)."""
    with transaction.atomic():
        PeriodReopening.objects.filter(pk=reopening.pk, closed_again_at__isnull=True).update(
            closed_again_at=timezone.now(), closed_again_by=user
        )
    reopening.refresh_from_db()
    return reopening
