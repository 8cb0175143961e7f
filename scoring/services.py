"""Score runs: read a period's records, compute, write results in bulk, swap them in atomically.

A run is split into chunks of whole teams (``score_chunk_write``: one query per record type for
the chunk, the calculators and the engine, bulk writes of hidden rows) and one finalisation
(``score_run_finalise``: company ranks and grades, then the swap). ``compute_period`` runs both in
this process; the Celery tasks run chunks in parallel on workers. A run of the whole company in
one chunk (``compute_period``'s default) ranks as it scores and writes its rows as current in the
transaction that drops the previous ones; its finalisation only raises targets.
"""

import logging
from collections.abc import Callable, Iterable
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from frames.queue import QueueUnavailable, task_enqueue
from org.models import Team
from org.periods import Period
from scoring.chunks import score_chunk_write
from scoring.closing import (
    ClosedPolicy,
    PeriodsClosed,
    closed_message,
    periods_closed,
    periods_running,
)
from scoring.models import (
    ACTIVE_RUN_STATUSES,
    RunStatus,
    ScoreRun,
)
from scoring.publish import score_run_finalise
from scoring.runs import (
    RunNotQueued,
    RunRefused,
    hidden_scores_delete,
    run_period,
)
from scoring.selectors import (
    schemes_in_force,
    scope_roster,
)

Progress = Callable[[ScoreRun], None]
logger = logging.getLogger(__name__)


def score_run_create(
    *,
    period: Period,
    team: Team | None = None,
    user: AbstractBaseUser | None = None,
    reason: str = "",
    follows: ScoreRun | None = None,
    provisional: bool = False,
) -> ScoreRun:
    """A queued run of ``period`` for the whole company or one team (with the teams below);
    ``follows``: the run it waits for, in a range scored in order; ``provisional``: the period
    so far, published to nobody (``ScoreRun.provisional``). Raises ``IntegrityError`` when a run
    of the same period, scope and kind is active (``score_run_open`` joins it instead)."""
    return ScoreRun.objects.create(
        period_kind=period.kind.value,
        period_start=period.start,
        team=team,
        triggered_by=user,
        reason=reason[:300],
        follows=follows,
        provisional=provisional,
    )


def score_run_open(
    *,
    period: Period,
    team: Team | None = None,
    provisional: bool = False,
    **details,
) -> tuple[ScoreRun, bool]:
    """A new queued run (``score_run_create``; True), or the active run of the same period,
    scope and kind, joined (False): at most one runs at a time (``score_run_one_active``). Two
    requests at once race on that index; the loser joins the winner's run once it commits."""
    for _attempt in range(2):  # the active run may finish between the insert and the look-up
        active = active_run(period=period, team=team, provisional=provisional)
        if active is not None and _joined(active):
            return active, False
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction goes on
                run = score_run_create(period=period, team=team, provisional=provisional, **details)
            return run, True
        except IntegrityError:
            continue
    raise RunRefused(f"no run of {period} could be started or joined")


def _joined(run: ScoreRun) -> bool:
    """Join the active ``run``: a queued run reads the records when it starts; a running one
    may have read them already, so it is asked to score its period again once it succeeds.
    False when it finished meanwhile (a new run is wanted then)."""
    if run.status == RunStatus.QUEUED:
        return True
    # Waits while the run's finalisation holds its row; then finds it running or not.
    return bool(ScoreRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(again=True))


def _run_not_applied(
    *, period: Period, team: Team | None, user: AbstractBaseUser | None, reason: str
) -> None:
    """A closed period's rescoring, recorded as a run failed from the start (never active, so
    it cannot meet a run under way)."""
    ScoreRun.objects.create(
        period_kind=period.kind.value,
        period_start=period.start,
        team=team,
        triggered_by=user,
        reason=reason[:300],
        status=RunStatus.FAILED,
        error=gettext("Not applied: %(why)s") % {"why": closed_message([period])},
        finished_at=timezone.now(),
    )
    logger.warning("Rescoring of closed period %s not applied (%s)", period, reason)


def periods_rescore(
    *,
    periods: Iterable[Period],
    reason: str,
    team: Team | None = None,
    user: AbstractBaseUser | None = None,
    refuse_when_queue_down: bool = False,
    closed: ClosedPolicy = ClosedPolicy.REFUSE,
    in_order: bool = False,
    publish_running: bool = False,
) -> list[ScoreRun]:
    """The one way to have periods scored again (a sync, a push, a replay, an approved appeal,
    the API, the HR page, a scheme's activation and the nightly job all come here): a queued run
    per period, for the company or ``team``, handed to the workers once the caller's transaction
    commits.

    A closed period that was scored and is not reopened is refused (``PeriodsClosed``, nothing
    queued), recorded as a failed run that was not applied, or rescored for an approved appeal,
    as ``closed`` says (see ``scoring.closing``). A period still running (it has not ended) is
    scored provisionally: the period so far, not published, graded, ranked or paid; only an
    explicit request of HR or an admin (``publish_running``) publishes it before it ends. With
    ``in_order`` the runs execute one after the other, oldest period first (adaptive targets
    build up month by month); otherwise the workers take them in parallel.

    A run that cannot be handed over (the task queue is down) is failed with that reason, never
    left queued; the nightly run scores the recent months again. With
    ``refuse_when_queue_down`` (someone asked for this run and waits for the answer) the commit
    then raises ``QueueUnavailable``; otherwise (records changed, an appeal approved) the
    caller's work stands and a warning is logged.
    """
    periods = sorted(set(periods))
    refused = [] if closed is ClosedPolicy.APPEAL else periods_closed(periods)
    if refused and closed is ClosedPolicy.REFUSE:
        raise PeriodsClosed(refused)
    for period in refused:
        _run_not_applied(period=period, team=team, user=user, reason=reason)
    running = set() if publish_running else periods_running(periods)
    runs: list[ScoreRun] = []
    created: list[ScoreRun] = []  # the runs to hand over: a joined one runs already
    for period in periods:
        if period not in refused:
            run, new = score_run_open(
                period=period,
                team=team,
                user=user,
                reason=reason,
                follows=created[-1] if in_order and created else None,
                provisional=period in running,
            )
            runs.append(run)
            if new:
                created.append(run)
    if in_order and created:
        transaction.on_commit(partial(_runs_enqueue_in_order, created, refuse_when_queue_down))
        return runs
    for run in created:
        transaction.on_commit(partial(_run_enqueue, run, refuse_when_queue_down))
    return runs


def _run_enqueue(run: ScoreRun, refuse_when_queue_down: bool) -> None:
    from scoring.tasks import score_run_task

    _enqueue([run], refuse_when_queue_down, score_run_task, run.id)


def _runs_enqueue_in_order(runs: list[ScoreRun], refuse_when_queue_down: bool) -> None:
    from scoring.tasks import score_runs_in_order_task

    _enqueue(runs, refuse_when_queue_down, score_runs_in_order_task, [run.id for run in runs])


def _enqueue(runs: list[ScoreRun], refuse_when_queue_down: bool, task, *args) -> None:
    try:
        task_enqueue(task, *args)
    except QueueUnavailable as down:
        runs_not_started(runs, down)
        if refuse_when_queue_down:
            raise


def runs_not_started(runs: list[ScoreRun], down: QueueUnavailable) -> None:
    """Fail runs that could not be handed to the workers, saying so."""
    reason = gettext("Not started: the task queue could not be reached (%(error)s).")
    for run in runs:
        score_run_fail(run, reason % {"error": down})
        logger.warning("Score run %s not started: the task queue is down: %s", run.id, down)


def records_changed_rescore(*, periods: list[Period], reason: str, **_signal) -> None:
    """Receiver of ingest's ``records_changed``: the periods whose records changed. Closed
    periods are not rescored (a sync must not rewrite published history): each gets a failed
    run saying so, and a warning."""
    periods_rescore(periods=periods, reason=reason, closed=ClosedPolicy.RECORD)


def scheme_change_rescore(periods: list[Period], reason: str, user: AbstractBaseUser) -> None:
    """Hook of a weight scheme's activation (``indicators.hooks``): the periods it weighs that
    were scored, again, oldest first (adaptive targets build up in order)."""
    periods_rescore(periods=periods, reason=reason, user=user, in_order=True)


def compute_period(
    period: Period,
    scope: Team | None = None,
    *,
    user: AbstractBaseUser | None = None,
    progress: Progress | None = None,
    chunk_size: int | None = None,
) -> ScoreRun:
    """Score ``period`` for the company (or ``scope``) in this process and publish the results.

    ``chunk_size`` (employees per chunk) bounds memory; by default everything is one chunk.
    A failure marks the run failed and leaves the previous results in place. A run of the
    period and scope still queued is run here (its task, delivered later, finds it taken); one
    running elsewhere is refused (``RunRefused``).
    """
    run, _new = score_run_open(period=period, team=scope, user=user)
    try:
        score_run_compute(run, progress=progress, chunk_size=chunk_size)
    except RunNotQueued as taken:
        raise RunRefused(
            f"run {run.pk} of {period} is under way on a worker: wait for it to finish"
        ) from taken
    return run


def score_run_compute(
    run: ScoreRun, *, progress: Progress | None = None, chunk_size: int | None = None
) -> None:
    """Plan, score and publish a queued run in this process. Raises ``RunNotQueued`` (and
    changes nothing) if the run was planned already; any other failure fails the run."""
    try:
        chunks = score_run_plan(run, chunk_size=chunk_size)
        for team_ids in chunks:
            score_chunk_write(run, team_ids)
            if progress:
                progress(run)
        score_run_finalise(run)
    except RunNotQueued:
        raise
    except Exception as exc:
        score_run_fail(run, exc)
        raise


def score_run_plan(run: ScoreRun, *, chunk_size: int | None = None) -> list[list[int]]:
    """Split the run's teams into chunks of about ``chunk_size`` employees (whole teams), mark
    the run running and record the schemes it will use.

    Only a queued run is planned: a second delivery raises ``RunNotQueued``. A scope without
    scored employees, or a level without a scheme in force, is refused (``RunRefused``). The
    plan is one transaction: if it fails, the run is still queued.
    """
    with transaction.atomic():
        return _score_run_plan(run, chunk_size)


def _score_run_plan(run: ScoreRun, chunk_size: int | None) -> list[list[int]]:
    if not ScoreRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now()
    ):
        raise RunNotQueued(f"run {run.pk} is not queued")
    period = run_period(run)
    roster = scope_roster(run.team, period)
    if roster.empty:
        raise RunRefused(
            f"nobody to score: nobody in a scored team of the scope was employed in {period}"
        )
    teams = roster["team_id"].value_counts().sort_index()
    chunks: list[list[int]] = []
    size = 0
    for team_id, members in teams.items():
        if not chunks or (chunk_size and size + members > chunk_size):
            chunks.append([])
            size = 0
        chunks[-1].append(int(team_id))
        size += members
    schemes = schemes_in_force(period)
    levels = set(roster["level"])
    if levels - set(schemes):
        raise RunRefused(
            f"no weight scheme is in force on {period.last_day} for the level(s) "
            f"{', '.join(sorted(levels - set(schemes)))}"
        )
    run.status = RunStatus.RUNNING  # already so in the database, by the update above
    run.started_at = timezone.now()
    run.chunks_total = len(chunks)
    run.chunks_done = 0
    run.chunks_written = []
    run.schemes = schemes
    run.save(
        update_fields=["started_at", "chunks_total", "chunks_done", "chunks_written", "schemes"]
    )
    return chunks


def score_run_fail(
    run: ScoreRun, error: BaseException | str, *, attempt: int | None = None
) -> bool:
    """Mark an unfinished run failed and drop its hidden rows; the previous results stay
    current. A finished run is left as it is (its state and error included), and so is one
    queued again since ``attempt`` (its ``requeues`` then) failed. Returns whether it failed."""
    unfinished = ScoreRun.objects.filter(pk=run.pk, status__in=ACTIVE_RUN_STATUSES)
    if attempt is not None:
        unfinished = unfinished.filter(requeues=attempt)
    with transaction.atomic():
        failed = unfinished.update(
            status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        if failed:
            hidden_scores_delete(run)
    return bool(failed)


def active_run(*, period: Period, team: Team | None, provisional: bool) -> ScoreRun | None:
    """The queued or running run of the period, scope and kind, if any (by the index of
    ``score_run_one_active``)."""
    return (
        ScoreRun.objects.annotate(scope=Coalesce("team", Value(0)))
        .filter(
            period_kind=period.kind.value,
            period_start=period.start,
            scope=team.pk if team else 0,
            provisional=provisional,
            status__in=ACTIVE_RUN_STATUSES,
        )
        .first()
    )
