"""The weight lab benchmark: six published months of the bench company (10,000 people) replayed
with a draft scheme, against scoring one of those months for real (``compute_period``, as the
``score_month`` line times it, on the same company). The target is at most 6× one month: each
replayed month reads the same sets as a run and scores them with the same engine, and writes
nothing.

The draft (a new version of the intermediate level's scheme that weighs quality nine times any
other tier, so that somebody's grade moves) is made inside a transaction rolled back at the end:
the bench company keeps no trace of it.
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import transaction

from indicators.models import SchemeMatrix
from indicators.scheme_services import scheme_draft_create, scheme_judgments_set
from org.models import Level
from org.periods import Period
from org.selectors import employed_during
from scoring.replay import published_months
from scoring.services import compute_period
from weightlab.selectors import lab_replay

MONTHS = 6
TIMED_RUNS = 3  # the replay's figure is the median of these


class _Rollback(Exception):
    pass


def months_to_replay(latest: Period) -> list[Period]:
    """The six months ending with ``latest``, oldest first, each published: the ones not yet
    scored are scored here, and every month after them again (adaptive targets build on earlier
    months, so a month scored before its predecessors would not be the month as published)."""
    months = [latest]
    while len(months) < MONTHS:
        months.insert(0, months[0].previous())
    published = set(published_months(limit=24))
    missing = [period for period in months if period not in published]
    if missing:
        for period in months[months.index(missing[0]) :]:
            compute_period(period)
    return months


def weight_lab_bench(*, months: list[Period], month_seconds: float) -> dict[str, object]:
    """The ``weight_lab`` line: ``months`` (published, as ``months_to_replay`` gives them)
    replayed with a draft, timed against ``month_seconds``, one month's scoring of the same
    company (the ``score_month`` line's median)."""
    user = get_user_model().objects.filter(is_superuser=True).first()
    replays: list[float] = []
    movers = 0
    try:
        with transaction.atomic():
            draft = _quality_draft(user, months[0])
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
        "employees": employed_during(months[-1]).count(),
        "seconds": round(seconds, 2),
        "seconds_per_month": round(seconds / len(months), 2),
        "one_month_seconds": round(month_seconds, 2),
        "ratio_to_one_month": round(seconds / month_seconds, 2),
        "target_ratio": MONTHS,
        "movers": movers,
        "runs": TIMED_RUNS,
    }


def _quality_draft(user, first: Period):
    """A draft for the intermediate level whose tiers matrix puts quality nine times above
    every other tier (the rest as the scheme in force)."""
    draft = scheme_draft_create(user=user, level=Level.INTERMEDIATE, effective_from=first.start)
    tiers = SchemeMatrix.objects.filter(scheme=draft, matrix="tiers").first()
    if tiers is None:
        return draft
    judgments = [
        [1.0 if a == b else 9.0 if a == "quality" else 1 / 9 if b == "quality" else 1.0
         for b in tiers.items]
        for a in tiers.items
    ]  # fmt: skip
    scheme_judgments_set(
        scheme=draft, user=user, matrix="tiers", judgments=judgments, expert=tiers.expert
    )
    draft.refresh_from_db()
    return draft
