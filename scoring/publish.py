"""Publishing a run: ranking and grading its people against the company, then swapping its rows
in for the previous ones in one transaction (the period's lock held), announcing it
(``scoring.signals.scores_published``) and raising the targets people have outgrown. A
provisional run (a period still under way) publishes nothing: its rows only replace the period
so far of the provisional runs before it."""

import logging

import pandas as pd
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from frames.heartbeat import heartbeat
from frames.locks import commit_without_waiting_for_disk, named_lock
from frames.write import frame_bulk_update
from indicators.selectors import catalog_in_force
from org.periods import Period
from scoring.engine.score import ScoringConfig, finalise
from scoring.engine.targets import raised_targets
from scoring.ledger import scores_ledger
from scoring.models import (
    EmployeeScore,
    PersonalTarget,
    RunStatus,
    ScoreRun,
)
from scoring.runs import (
    ChunksPending,
    RunRefused,
    period_lock_name,
    replaced_scores_delete,
    run_period,
    run_succeeded,
    scoring_config,
)
from scoring.selectors import (
    adaptive_history,
)

logger = logging.getLogger(__name__)

FINAL_COLUMNS = [
    "grade",
    "team_rank",
    "team_percentile",
    "company_rank",
    "company_percentile",
    "improvement_plan",
    "suggestions",
]


def _score_rows(queryset) -> pd.DataFrame:
    columns = ["id", "employee_id", "team_id", "total", "vetoes", "suggestions", "improvement_plan"]
    frame = pd.DataFrame.from_records(list(queryset.values_list(*columns)), columns=columns)
    return frame.set_index("employee_id")


def score_run_finalise(run: ScoreRun) -> None:
    """Rank and grade the run's people against the whole company, then swap their results in
    for the previous ones in one transaction and raise the targets people have outgrown. (A
    whole-company run in one chunk was published as its chunk was written.) A provisional run
    keeps its rows as the period so far instead (``_keep_provisional``)."""
    period = run_period(run)
    heartbeat(ScoreRun, run.pk, force=True)  # before the transaction, so the sweep sees it
    with transaction.atomic():
        running = (
            ScoreRun.objects.select_for_update()
            .filter(pk=run.pk, status=RunStatus.RUNNING)
            .values_list("chunks_done", "chunks_total")
            .first()
        )
        if running is not None:
            done, total = running
            if done < total:
                raise ChunksPending(f"run {run.pk} has {done} of {total} chunks written")
            named_lock(period_lock_name(run))
            if run.provisional:
                _keep_provisional(run)
            else:
                _publish(run)
        elif not ScoreRun.objects.filter(pk=run.pk, status=RunStatus.SUCCEEDED).exists():
            return  # failed
    if run.provisional:
        return  # the period so far raises no target: only published periods count
    # A company run's people are everyone with current scores of the period.
    scored = None
    if run.team_id is not None:
        scored = list(EmployeeScore.objects.filter(run=run).values_list("employee_id", flat=True))
    try:
        targets_raise(run=run, period=period, employee_ids=scored, config=scoring_config())
    except Exception:
        # The scores are published; a failed raise is retried by the next run of the period.
        logger.exception("raising adaptive targets after score run %s failed", run.pk)


def _keep_provisional(run: ScoreRun) -> None:
    """A provisional run's rows stay as written, not current, without ranks, grades or plans;
    they replace the period so far of earlier provisional runs (in the caller's transaction)."""
    commit_without_waiting_for_disk()
    written = EmployeeScore.objects.filter(run=run)
    employees = written.count()
    if not employees:
        raise RunRefused("the run wrote no scores")
    replaced_scores_delete(run, written.values("employee_id") if run.team_id is not None else None)
    run_succeeded(run, employees)


def _publish(run: ScoreRun) -> None:
    """Rank and grade, then swap the run's rows in for the previous ones (in the caller's
    transaction). A team's run is ranked against the company's other current scores."""
    commit_without_waiting_for_disk()
    scored = EmployeeScore.objects.filter(run=run).values("employee_id")
    mine = _score_rows(EmployeeScore.objects.filter(run=run))
    if mine.empty:
        raise RunRefused("the run wrote no scores")
    others = _score_rows(
        EmployeeScore.objects.filter(
            is_current=True, period_kind=run.period_kind, period_start=run.period_start
        ).exclude(employee_id__in=scored)
        if run.team_id is not None
        else EmployeeScore.objects.none()
    )
    parts = [frame for frame in (mine, others) if not frame.empty]
    everyone = pd.concat(parts).rename(columns={"improvement_plan": "plan"})
    config = scoring_config()
    ranked = finalise(everyone, config).rename(columns={"plan": "improvement_plan"})
    ranked["grade"] = ranked["grade"].fillna("")
    ranked["is_current"] = True
    # The previous results go first (a company run also drops people no longer scored), so
    # the new ones can become current in the statement that writes ranks and grades.
    replaced_scores_delete(run, scored if run.team_id is not None else None)
    frame_bulk_update(EmployeeScore, ranked.loc[mine.index, ["id", "is_current", *FINAL_COLUMNS]])
    if not others.empty:
        frame_bulk_update(
            EmployeeScore,
            ranked.loc[others.index, ["id", "company_rank", "company_percentile"]],
        )
    # The period's current rows as published (a team's run re-ranks everybody in the company).
    scores_ledger(run=run)
    run_succeeded(run, len(mine))


def targets_raise(
    *, run: ScoreRun, period: Period, employee_ids: list[int] | None, config: ScoringConfig
) -> int:
    """Raise the targets of people (``employee_ids``, or everybody scored in the period) far
    above them for the last periods, from the next period (recorded with history; a rerun of
    the same period writes the same targets)."""
    history = adaptive_history(
        period, employee_ids, config.adaptive_periods, config.adaptive_threshold
    )
    if history.empty:
        return 0
    indicators = catalog_in_force(period)
    raised = raised_targets(
        history,
        indicators[["direction", "target_step", "unit"]],
        periods=config.adaptive_periods,
        threshold=config.adaptive_threshold,
    )
    if raised.empty:
        return 0
    effective_from = period.next().start
    raised["indicator_id"] = raised["code"].map(indicators["id"])
    existing = set(
        PersonalTarget.objects.filter(
            effective_from=effective_from, employee_id__in=raised["employee_id"].tolist()
        ).values_list("employee_id", "indicator_id")
    )
    new = [
        PersonalTarget(
            employee_id=int(row.employee_id),
            indicator_id=int(row.indicator_id),
            target=float(row.target),
            effective_from=effective_from,
            raised_by=run,
        )
        for row in raised.itertuples()
        if (row.employee_id, row.indicator_id) not in existing
    ]
    bulk_create_with_history(
        new, PersonalTarget, default_change_reason=f"raised by score run {run.pk}"
    )
    return len(new)
