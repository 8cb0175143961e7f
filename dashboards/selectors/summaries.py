"""How a group's scores spread: people, grades and mean total and tier scores."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from dashboards.cache import kept
from dashboards.selectors.columns import TIERS
from dashboards.selectors.periods import ScoredPeriod
from org.periods import Period
from scoring.models import EmployeeScore, ScoreState

GRADES = ("S", "A", "B", "C", "D")
MEANS = ("total", *TIERS)


@dataclass(frozen=True)
class Summary:
    """How a group's scores spread: how many people have a result of the period, how many of
    them were scored (the others had no activity or too little data), how many per grade, and
    the mean total and tier scores of the scored (``None`` where nobody has one)."""

    people: int
    scored: int
    grades: dict[str, int]
    means: dict[str, float | None]

    @property
    def not_scored(self) -> int:
        return self.people - self.scored


def summary_from_groups(groups: Iterable[dict]) -> Summary:
    """A summary from rows grouped by grade, each with ``people``, ``scored`` and, per mean,
    ``<name>_sum`` and ``<name>_n`` (so groups can be added up without re-reading the scores)."""
    people, scored, grades = 0, 0, dict.fromkeys(GRADES, 0)
    sums, counts = dict.fromkeys(MEANS, 0.0), dict.fromkeys(MEANS, 0)
    for group in groups:
        people += group["people"]
        scored += group["scored"]
        if group["grade"] in grades:
            grades[group["grade"]] += group["people"]
        for name in MEANS:
            sums[name] += group[f"{name}_sum"] or 0.0
            counts[name] += group[f"{name}_n"]
    means = {name: (sums[name] / counts[name] if counts[name] else None) for name in MEANS}
    return Summary(people=people, scored=scored, grades=grades, means=means)


def grouped_sums() -> dict:
    """Aggregates that let ``summary_from_groups`` add groups up."""
    sums = {f"{name}_sum": Sum(name) for name in MEANS}
    counts = {f"{name}_n": Count(name) for name in MEANS}
    scored = Count("id", filter=Q(state=ScoreState.SCORED))
    return {"people": Count("id"), "scored": scored, **sums, **counts}


def current_scores(period: Period) -> QuerySet[EmployeeScore]:
    return EmployeeScore.objects.filter(
        is_current=True, period_kind=period.kind.value, period_start=period.start
    )


def company_summary(period: ScoredPeriod) -> Summary:
    """Grades and mean scores of everyone scored in the period (one query, cached)."""

    def build() -> Summary:
        groups = current_scores(period.period).values("grade").annotate(**grouped_sums())
        return summary_from_groups(groups.order_by())

    return kept("company-summary", period.period, build)
