"""What the steps of a score run share: its period and rules, the ways it is refused, its
lock, and how its rows are found, dropped and marked done."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from org.periods import Period, PeriodKind
from scoring.engine.score import ScoringConfig
from scoring.models import EmployeeScore, IndicatorScore, RunStatus, ScoreRun
from scoring.signals import scores_provisional_kept, scores_published


def scoring_config() -> ScoringConfig:
    """The company's grading and veto rules, from settings."""
    return ScoringConfig(**settings.PERF_SCORING)


def run_period(run: ScoreRun) -> Period:
    return Period(kind=PeriodKind(run.period_kind), start=run.period_start)


class RunRefused(ValueError):
    """The run cannot go ahead; the message says why."""


class RunNotQueued(Exception):
    """The run was planned already, by an earlier delivery of the same task: the delivery that
    planned it is running it."""


class RunOvertaken(Exception):
    """The run is no longer running (failed or queued again by the sweep, finished by another
    delivery): what this step wrote is rolled back, and the run's state stays as it is."""


class ChunksPending(Exception):
    """The run is being finalised before all its chunks are written (a chunk delivered twice
    counted twice towards the chord): finalise again once they are."""


def period_lock_name(run: ScoreRun) -> str:
    """The lock that serialises the publishing of runs of one period: two overlapping runs
    would otherwise rank against rows the other is replacing."""
    return f"score:{run.period_kind}:{run.period_start}"


def previous_scores(run: ScoreRun):
    """The current scores of the run's period from other runs."""
    return EmployeeScore.objects.filter(
        is_current=True, period_kind=run.period_kind, period_start=run.period_start
    ).exclude(run=run)


def provisional_scores_superseded(run: ScoreRun):
    """The period so far as provisional runs that started before ``run`` left it: ``run``'s
    rows replace them when it finishes, whether it publishes or is provisional too."""
    earlier = ScoreRun.objects.filter(
        provisional=True,
        status=RunStatus.SUCCEEDED,
        period_kind=run.period_kind,
        period_start=run.period_start,
        started_at__lt=run.started_at or timezone.now(),
    ).exclude(pk=run.pk)
    # Found through the unique (run, employee) constraint's index.
    return EmployeeScore.objects.filter(run_id__in=earlier.values("id"))


def replaced_scores_delete(run: ScoreRun, employee_ids=None) -> None:
    """Drop the rows the run's own replace as it finishes: the period's current scores from
    other runs (unless the run is provisional: those stay published) and the period so far of
    earlier provisional runs; only those of ``employee_ids`` (ids or a query of them) when
    given."""
    replaced = [provisional_scores_superseded(run)]
    if not run.provisional:
        replaced.append(previous_scores(run))
    for scores in replaced:
        if employee_ids is not None:
            scores = scores.filter(employee_id__in=employee_ids)
        scores_delete(scores)


def company_in_one_chunk(run: ScoreRun) -> bool:
    """Whether the run scores the whole company in one chunk: it then reads everybody's records
    unfiltered (and publishes as it writes, ``publishes_as_written``)."""
    return run.team_id is None and run.chunks_total == 1


def publishes_as_written(run: ScoreRun) -> bool:
    """Whether the run's one chunk ranks and grades as it writes and makes its rows current in
    the same transaction: a whole-company run in one chunk that is not provisional."""
    return company_in_one_chunk(run) and not run.provisional


def run_succeeded(run: ScoreRun, employees: int) -> None:
    """Mark the running run succeeded and, once its transaction commits, announce what it did:
    published results, or a provisional run's period so far (``scores_provisional_kept``). A
    run no longer running (the sweep failed it meanwhile) raises ``RunOvertaken``: the caller's
    transaction rolls back, its state stays."""
    run.status = RunStatus.SUCCEEDED
    run.progress = 100
    run.employees = employees
    run.finished_at = timezone.now()
    succeeded = ScoreRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=run.status,
        progress=run.progress,
        employees=employees,
        finished_at=run.finished_at,
        heartbeat_at=run.finished_at,
    )
    if not succeeded:
        raise RunOvertaken(f"run {run.pk} is no longer running")
    # Read with the row locked by the update: a request joining from now on finds it finished.
    if ScoreRun.objects.filter(pk=run.pk, again=True).exists():
        transaction.on_commit(partial(_score_again, run))
    announce = scores_provisional_kept if run.provisional else scores_published
    transaction.on_commit(lambda: announce.send(sender=ScoreRun, run=run))


def _score_again(run: ScoreRun) -> None:
    """The run's period scored once more: records changed while it ran (``ScoreRun.again``)."""
    from scoring.closing import ClosedPolicy
    from scoring.services import periods_rescore

    periods_rescore(
        periods=[run_period(run)],
        team=run.team,
        reason=gettext("Records changed while run %(run)s ran") % {"run": run.pk},
        closed=ClosedPolicy.RECORD,
        publish_running=not run.provisional,
    )


def hidden_scores_delete(runs: ScoreRun | list[ScoreRun]) -> None:
    """Drop the rows unfinished runs wrote and did not publish (a failed run's, or those of an
    attempt whose worker died); never call it for a finished run (a provisional run's results
    are never current)."""
    runs = runs if isinstance(runs, list) else [runs]
    scores_delete(EmployeeScore.objects.filter(run__in=runs, is_current=False))


def scores_delete(scores) -> None:
    """Delete score rows and their indicator rows in two statements: Django's cascade would load
    every row (with its explanation) first, and these are tens of thousands."""
    IndicatorScore.objects.filter(employee_score__in=scores.values("id")).delete()
    scores._raw_delete(scores.db)
