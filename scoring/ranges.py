"""Scoring a range of periods (``manage.py score --from --to``, the HR page, the API): each period
oldest first, so that adaptive targets build up in order (``scoring.publish.targets_raise`` reads
the periods before)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from org.models import Team
from org.periods import Period
from scoring.models import ScoreRun
from scoring.services import periods_rescore

# Twenty years of months: more is a typo (and hours of work for the workers).
RANGE_MAX = 240


def periods_between(first: Period, last: Period) -> list[Period]:
    """The periods from ``first`` to ``last`` inclusive, oldest first. A range that runs
    backwards, mixes kinds or holds more than ``RANGE_MAX`` periods is refused, naming the
    bound at fault (``from`` or ``to``)."""
    if last.kind != first.kind:
        raise ValidationError(
            {"to": [_("Use the same kind of period as in “from” (%(first)s).") % {"first": first}]}
        )
    if last < first:
        raise ValidationError(
            {"to": [_("%(last)s is before %(first)s.") % {"last": last, "first": first}]}
        )
    periods = [first]
    while periods[-1] < last:
        if len(periods) == RANGE_MAX:
            raise ValidationError(
                {
                    "to": [
                        _("A range holds at most %(max)d periods; %(first)s to %(last)s is more.")
                        % {"max": RANGE_MAX, "first": first, "last": last}
                    ]
                }
            )
        periods.append(periods[-1].next())
    return periods


def range_rescore(
    *,
    first: Period,
    last: Period,
    user: AbstractBaseUser | None,
    team: Team | None = None,
) -> list[ScoreRun]:
    """Queue a run per period of the range, executed one after the other, oldest first, once
    the caller's transaction commits. Refused (nothing queued) for a bad range
    (``ValidationError``), closed scored periods not reopened (``PeriodsClosed``) or a task
    queue that is down (``QueueUnavailable``, at commit)."""
    periods = periods_between(first, last)
    return periods_rescore(
        periods=periods,
        team=team,
        user=user,
        reason=_("Range %(first)s to %(last)s") % {"first": first, "last": last},
        refuse_when_queue_down=True,
        in_order=True,
        publish_running=True,  # HR or an admin asked: a month still running is published too
    )
