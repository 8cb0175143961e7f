"""The weight lab benchmark: six published months replayed with a draft scheme, against scoring
one month for real (``compute_period``, as the ``score_month`` line times it). The target is
at most 6× one month: each replayed month reads the same sets as a run and scores them with the
same engine, and writes nothing.

The draft (a new version of the intermediate level's scheme, its judgments carried over) is
made inside a transaction rolled back at the end: the bench company keeps no trace of it.
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import transaction

from indicators.services import scheme_draft_create
from org.models import Level
from org.periods import Period
from org.selectors import employed_during
from scoring.replay import published_months
from scoring.services import compute_period
from weightlab.selectors import lab_replay

MONTHS = 6
TIMED_RUNS = 3  # both figures are the median of these


class _Rollback(Exception):
    pass


def weight_lab_bench(month_seconds: float | None = None) -> dict[str, object]:
    """The ``weight_lab`` line. ``month_seconds``: one month's scoring time already measured
    (the ``score_month`` line's); measured here on the latest month otherwise."""
    months = sorted(published_months(limit=MONTHS))
    if not months:
        raise ValueError("no published month to replay: score the bench company first")
    if len(months) < MONTHS:
        for period in _months_up_to(months[-1]):
            if period not in months:
                compute_period(period)
        months = sorted(published_months(limit=MONTHS))
    latest = months[-1]
    if month_seconds is None:
        timings = []
        for _ in range(TIMED_RUNS):
            started = time.perf_counter()
            compute_period(latest)
            timings.append(time.perf_counter() - started)
        month_seconds = statistics.median(timings)
    user = get_user_model().objects.filter(is_superuser=True).first()
    replays: list[float] = []
    movers = 0
    try:
        with transaction.atomic():
            draft = scheme_draft_create(
                user=user, level=Level.INTERMEDIATE, effective_from=months[0].start
            )
            lab_replay(scheme=draft, periods=months)  # warm, as the month's run is
            for _ in range(TIMED_RUNS):
                started = time.perf_counter()
                result = lab_replay(scheme=draft, periods=months)
                replays.append(time.perf_counter() - started)
            movers = len(result.comparison.movers)
            raise _Rollback
    except _Rollback:
        pass
    seconds = statistics.median(replays)
    return {
        "bench": "weight_lab",
        "months": [period.label for period in months],
        "employees": employed_during(latest).count(),
        "seconds": round(seconds, 2),
        "one_month_seconds": round(month_seconds, 2),
        "ratio_to_one_month": round(seconds / month_seconds, 2),
        "target_ratio": MONTHS,
        "movers": movers,
        "runs": TIMED_RUNS,
    }


def _months_up_to(latest: Period) -> list[Period]:
    """The six months ending with ``latest``, oldest first (adaptive targets build on earlier
    months)."""
    periods = [latest]
    while len(periods) < MONTHS:
        periods.insert(0, periods[0].previous())
    return periods
