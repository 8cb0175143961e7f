"""Reads for weight-scheme pilots: the pilots an admin sees, and how a pilot's team fared
against the rest of the company over the pilot's published months. Reads only."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import SchemeStatus, WeightScheme
from indicators.pilots import SchemePilot
from org.fields import ID_MAX
from org.models import Team
from org.periods import Period, PeriodKind
from scoring.replay import (
    RESULT_COLUMNS,
    period_replay,
    published_months,
    published_results,
    weights_in_force,
)
from scoring.selectors import PILOT_KEY
from weightlab.compare import Comparison, compare

GRADES = ["S", "A", "B", "C", "D", ""]  # "" : not scored


class PilotState(models.TextChoices):
    """Where a pilot stands today (computed, not stored)."""

    PLANNED = "planned", _("Not started yet")
    RUNNING = "running", _("Under way")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


PILOT, REST = "pilot", "rest"


@dataclass(frozen=True)
class PilotComparison:
    """``months``: the pilot's months with published results that it weighed.

    ``groups``: per ``period`` and ``group`` (``"pilot"``: the people the pilot weighed;
    ``"rest"``: everybody else), ``people``, ``scored``, ``mean_total`` (points 0–100, NaN:
    nobody scored) and the number of people per grade (columns S…D and ``""`` for not scored).

    ``change``: the pilot's people, their results replayed with their level schemes
    (``before``) against those published with the pilot's scheme (``after``)."""

    pilot: SchemePilot
    months: list[Period]
    groups: pd.DataFrame
    change: Comparison


def pilots_for_lab() -> QuerySet[SchemePilot]:
    """Every pilot, newest first, with its scheme and team."""
    return SchemePilot.objects.select_related("scheme", "team", "created_by").order_by(
        "-first_month", "-id"
    )


def schemes_for_pilot() -> list[WeightScheme]:
    """The schemes a pilot may use: drafts and active schemes, by level and version (the service
    refuses one without weights or consistent matrices, saying so)."""
    return list(
        WeightScheme.objects.filter(status__in=[SchemeStatus.DRAFT, SchemeStatus.ACTIVE]).order_by(
            "level", "version"
        )
    )


def teams_for_pilot() -> list[Team]:
    return list(Team.objects.order_by("name", "id"))


def _groups(results: pd.DataFrame, piloted: pd.Series, period: Period) -> list[dict]:
    rows = []
    for group, members in ((PILOT, results[piloted]), (REST, results[~piloted])):
        totals = members["total"].dropna()
        counts = members["grade"].fillna("").value_counts()
        rows.append(
            {
                "period": period.start,
                "group": group,
                "people": len(members),
                "scored": len(totals),
                "mean_total": float(totals.mean()) if len(totals) else np.nan,
                **{grade: int(counts.get(grade, 0)) for grade in GRADES},
            }
        )
    return rows


def pilot_comparison(pilot: SchemePilot) -> PilotComparison:
    """The pilot's team against the rest in each of the pilot's published months, and the team's
    results replayed without the pilot (each month a whole company scored in memory, as the
    weight lab does; nothing is written)."""
    key = f"{PILOT_KEY}{pilot.id}"
    published = set(published_months())
    months: list[Period] = []
    month = Period(PeriodKind.MONTH, pilot.first_month)
    for _month in range(pilot.months):
        if month in published:
            months.append(month)
        month = month.next()
    groups: list[dict] = []
    before, after = [], []
    kept_months = []
    for period in months:
        schemes, by_level = weights_in_force(period)
        entry = schemes.pop(key, None)
        by_level.pop(key, None)
        if entry is None:
            continue  # cancelled before this month ended: scored without the pilot
        kept_months.append(period)
        results = published_results([period])
        piloted = _weighed_by(results, entry)
        groups.extend(_groups(results, piloted, period))
        after.append(results[piloted])
        replayed, _raw = period_replay(period=period, schemes=schemes, global_weights=by_level)
        before.append(replayed[_weighed_by(replayed, entry)])
    columns = ["period", "group", "people", "scored", "mean_total", *GRADES]
    empty = pd.DataFrame(columns=RESULT_COLUMNS)
    return PilotComparison(
        pilot=pilot,
        months=kept_months,
        groups=pd.DataFrame.from_records(groups, columns=columns),
        change=compare(
            pd.concat(before, ignore_index=True) if before else empty,
            pd.concat(after, ignore_index=True) if after else empty,
        ),
    )


def _weighed_by(results: pd.DataFrame, entry: dict) -> pd.Series:
    """Which people of ``results`` the pilot's run entry weighs: its teams, its levels."""
    chosen = results["team_id"].isin(entry["team_ids"])
    if entry["levels"]:
        chosen &= results["level"].isin(entry["levels"])
    return chosen


def pilot_get(pilot_id: int) -> SchemePilot:
    """One pilot, or 404 (the caller has checked that the user may use the lab)."""
    if not 1 <= pilot_id <= ID_MAX:
        raise Http404
    pilot = pilots_for_lab().filter(pk=pilot_id).first()
    if pilot is None:
        raise Http404
    return pilot


def pilot_state(pilot: SchemePilot, today: dt.date | None = None) -> PilotState:
    """Cancelled, planned (its first month is ahead), running or finished."""
    month = Period.containing(today or timezone.localdate()).start
    if pilot.cancelled_at is not None:
        return PilotState.CANCELLED
    if pilot.first_month > month:
        return PilotState.PLANNED
    return PilotState.RUNNING if pilot.ends_before > month else PilotState.FINISHED
