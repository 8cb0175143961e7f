"""Score runs: read a period's records, compute, write results in bulk, swap them in atomically.

A run is split into chunks of whole teams (``score_chunk_write``: one query per record type for
the chunk, the calculators and the engine, bulk writes of hidden rows) and one finalisation
(``score_run_finalise``: company ranks and grades, then the swap). ``compute_period`` runs both in
this process; the Celery tasks run chunks in parallel on workers. A run of the whole company in
one chunk (``compute_period``'s default) ranks as it scores and writes its rows as current in the
transaction that drops the previous ones; its finalisation only raises targets.
"""

import datetime as dt
import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from indicators.calculators import raw_values
from indicators.selectors import record_frames
from ingest.services import bulk_load_run, frame_bulk_prepare, frame_bulk_update, ids_reserve
from org.calendar import period_window
from org.models import Employee, Team
from org.periods import Period, PeriodKind
from scoring.engine.entropy import blend, entropy_weights
from scoring.engine.normalise import normalise
from scoring.engine.score import ChunkResult, ScoringConfig, finalise, score_chunk
from scoring.engine.targets import raised_targets
from scoring.models import (
    EmployeeScore,
    IndicatorScore,
    PersonalTarget,
    RunStatus,
    ScoreRun,
)
from scoring.selectors import (
    adaptive_history,
    indicators_frame,
    personal_targets,
    scheme_weights,
    schemes_in_force,
    scope_roster,
)
from scoring.signals import scores_published

logger = logging.getLogger(__name__)

Progress = Callable[[ScoreRun], None]


def scoring_config() -> ScoringConfig:
    """The company's grading and veto rules, from settings."""
    return ScoringConfig(**settings.PERF_SCORING)


def score_run_create(
    *,
    period: Period,
    team: Team | None = None,
    user: AbstractBaseUser | None = None,
    reason: str = "",
) -> ScoreRun:
    """A queued run of ``period`` for the whole company or one team (with the teams below)."""
    return ScoreRun.objects.create(
        period_kind=period.kind.value,
        period_start=period.start,
        team=team,
        triggered_by=user,
        reason=reason[:300],
    )


def periods_rescore(
    *,
    periods: Iterable[Period],
    reason: str,
    team: Team | None = None,
    user: AbstractBaseUser | None = None,
) -> list[ScoreRun]:
    """The one way to have periods scored again (a sync, a push, a replay, an approved appeal,
    the API and the nightly job all come here): a queued run per period, for the company or
    ``team``, handed to the workers once the caller's transaction commits."""
    from scoring.tasks import score_run_task

    runs = [
        score_run_create(period=period, team=team, user=user, reason=reason)
        for period in sorted(set(periods))
    ]
    for run in runs:
        transaction.on_commit(lambda run_id=run.id: score_run_task.delay(run_id))
    return runs


def records_changed_rescore(*, periods: list[Period], reason: str, **_signal) -> None:
    """Receiver of ingest's ``records_changed``: the periods whose records changed."""
    periods_rescore(periods=periods, reason=reason)


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
    A failure marks the run failed and leaves the previous results in place.
    """
    run = score_run_create(period=period, team=scope, user=user)
    score_run_compute(run, progress=progress, chunk_size=chunk_size)
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


def run_period(run: ScoreRun) -> Period:
    return Period(kind=PeriodKind(run.period_kind), start=run.period_start)


class RunRefused(ValueError):
    """The run cannot go ahead; the message says why."""


class RunNotQueued(Exception):
    """The run was planned already, by an earlier delivery of the same task: the delivery that
    planned it is running it."""


class ChunksPending(Exception):
    """The run is being finalised before all its chunks are written (a chunk delivered twice
    counted twice towards the chord): finalise again once they are."""


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
        status=RunStatus.RUNNING
    ):
        raise RunNotQueued(f"run {run.pk} is not queued")
    roster = scope_roster(run.team)
    if roster.empty:
        raise RunRefused("nobody to score: the scope has no active employee in a scored team")
    teams = roster["team_id"].value_counts().sort_index()
    chunks: list[list[int]] = []
    size = 0
    for team_id, members in teams.items():
        if not chunks or (chunk_size and size + members > chunk_size):
            chunks.append([])
            size = 0
        chunks[-1].append(int(team_id))
        size += members
    period = run_period(run)
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


def _weights_frame(
    people: pd.DataFrame,
    codes: list[str],
    schemes: dict[str, dict[str, object]],
    global_weights: dict[str, dict[str, float]],
    scores: Callable[[], pd.DataFrame],
) -> pd.DataFrame:
    """employees × codes: each person's global weights from their level's scheme (the one the
    run recorded when it was planned; ``global_weights`` as ``scheme_weights`` reads them),
    blended with entropy weights of the chunk's normalised scores (computed by ``scores`` only
    if needed) where the scheme's α < 1."""
    weights = pd.DataFrame(np.nan, index=people.index, columns=codes)
    for level, by_code in global_weights.items():
        members = people.index[people["level"] == level]
        if members.empty:
            continue
        ahp = pd.Series(by_code, dtype=float).reindex(codes).dropna()
        alpha = float(schemes[level]["alpha"])
        if alpha < 1.0:
            ahp = blend(ahp, entropy_weights(scores().loc[members, ahp.index]), alpha)
        weights.loc[members, ahp.index] = ahp.to_numpy()
    return weights


def _targets_frame(
    people: pd.DataFrame, indicators: pd.DataFrame, period: Period, *, everyone: bool
) -> pd.DataFrame:
    """employees × codes: the catalog's target, or the person's own raised one (read for
    everybody when ``people`` is the company)."""
    targets = pd.DataFrame(
        np.tile(indicators["target"].to_numpy(dtype=float), (len(people), 1)),
        index=people.index,
        columns=indicators.index,
    )
    own = personal_targets(period, None if everyone else list(people.index))
    own = own[own["code"].isin(indicators.index) & own["employee_id"].isin(people.index)]
    for code, group in own.groupby("code"):
        targets.loc[group["employee_id"].to_numpy(), code] = group["target"].to_numpy()
    return targets


def score_chunk_write(run: ScoreRun, team_ids: list[int]) -> int:
    """Score the run's employees in ``team_ids`` and write their rows, hidden until the run is
    finalised. A chunk written already (a task delivered twice) is not written again; a retried
    task rewrites whatever its failed attempt left."""
    with _cyclic_gc_paused():
        return _score_chunk_write(run, team_ids)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector paused for a chunk: scoring makes millions of objects (records,
    explanation lines) and no cycles, and each automatic collection would walk them all again
    (a tenth of a run's time). Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _chunk_key(team_ids: list[int]) -> int:
    """A chunk's name in ``ScoreRun.chunks_written``: its first team (chunks share no team)."""
    return min(team_ids)


def _chunk_to_write(run: ScoreRun, team_ids: list[int]) -> bool:
    """Whether the chunk still has to be written: the run is running and no delivery of this
    chunk has written it."""
    run.refresh_from_db(fields=["status", "chunks_total", "chunks_written", "schemes"])
    return run.status == RunStatus.RUNNING and _chunk_key(team_ids) not in run.chunks_written


def _chunk_lock(run: ScoreRun, team_ids: list[int]) -> None:
    """Serialise two deliveries of one chunk (PostgreSQL; SQLite writes one at a time): the
    second waits for the first to commit, then finds the chunk written."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"score-chunk:{run.pk}:{_chunk_key(team_ids)}"],
            )


def _chunk_written(run: ScoreRun, team_ids: list[int]) -> None:
    """Count the chunk once among the run's written chunks (in the chunk's transaction; the
    run's row stays locked until it commits, so concurrent chunks count one after another)."""
    locked = ScoreRun.objects.select_for_update().only("chunks_written").get(pk=run.pk)
    written = sorted({*locked.chunks_written, _chunk_key(team_ids)})
    ScoreRun.objects.filter(pk=run.pk).update(chunks_written=written, chunks_done=len(written))


def _score_chunk_write(run: ScoreRun, team_ids: list[int]) -> int:
    if not _chunk_to_write(run, team_ids):
        return 0  # finished, failed or written meanwhile: a late duplicate does nothing
    period = run_period(run)
    everyone = _company_in_one_chunk(run)
    # A whole-company chunk reads everybody's records unfiltered; its roster is the frames'.
    employee_ids = None
    mine = EmployeeScore.objects.filter(run=run)
    if not everyone:
        employee_ids = list(
            Employee.objects.filter(
                team_id__in=team_ids, is_active=True, team__is_scored=True
            ).values_list("id", flat=True)
        )
        mine = mine.filter(employee_id__in=employee_ids)
    frames = record_frames(period=period, employee_ids=employee_ids)
    indicators = indicators_frame()
    people = frames.employees
    targets = _targets_frame(people, indicators, period, everyone=everyone)
    global_weights = scheme_weights(run.schemes)
    config = scoring_config()

    def score() -> ChunkResult:
        """The chunk's scores, from the frames read above (no query)."""
        raw = raw_values(indicators["calculator"].to_dict(), frames, period_window(period))

        @cache
        def scores() -> pd.DataFrame:
            return normalise(raw, indicators=indicators, targets=targets, groups=people["team_id"])

        codes = list(indicators.index)
        return score_chunk(
            raw=raw,
            people=people,
            indicators=indicators,
            weights=_weights_frame(people, codes, run.schemes, global_weights, scores),
            targets=targets,
            config=config,
        )

    def clear() -> None:
        if everyone:  # the chunk is the run: its rows replace the previous ones right here
            _scores_delete(_previous_scores(run))
        if mine.exists():  # a retried task: its first attempt's rows go
            _scores_delete(mine)

    with transaction.atomic():
        _chunk_lock(run, team_ids)
        if not _chunk_to_write(run, team_ids):
            return 0  # another delivery of this chunk wrote it while this one read
        _results_write_fast()
        if everyone:
            _period_lock(run)
        ids = ids_reserve(EmployeeScore, len(people))
        if ids is None:  # the database numbers the rows: score rows first, then their indicators
            clear()
            result = score()
            employees, rows = _result_rows(run, result, indicators, everyone)
            employees = _employee_rows(employees, result, config, everyone)
            bulk_load_run(frame_bulk_prepare(EmployeeScore, employees))
            rows["employee_score_id"] = rows["employee_id"].map(
                dict(mine.values_list("employee_id", "id"))
            )
            bulk_load_run(frame_bulk_prepare(IndicatorScore, rows))
        else:
            # The database works on one core while Python works on the other: first it clears
            # the old rows while the chunk is scored, then it loads the indicator rows while
            # the score rows are worded, ranked and formatted.
            with _alongside(clear):
                result = score()
            employees, rows = _result_rows(run, result, indicators, everyone)
            employees["id"] = ids
            rows["employee_score_id"] = rows["employee_id"].map(
                dict(zip(employees["employee_id"], ids, strict=True))
            )
            indicator_rows = frame_bulk_prepare(IndicatorScore, rows)
            with _alongside(lambda: bulk_load_run(indicator_rows)):
                employees = _employee_rows(employees, result, config, everyone)
                score_rows = frame_bulk_prepare(EmployeeScore, employees, ids_reserved=True)
            bulk_load_run(score_rows)
        _chunk_written(run, team_ids)
        if everyone:
            _run_succeeded(run, len(people))
            return len(people)
    run.refresh_from_db(fields=["chunks_done", "chunks_total"])
    run.progress = min(95, int(95 * run.chunks_done / max(run.chunks_total, 1)))
    run.save(update_fields=["progress"])
    return len(people)


def _result_rows(
    run: ScoreRun, result: ChunkResult, indicators: pd.DataFrame, current: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chunk's score rows (without their words yet) and indicator rows, as stored."""
    employees = result.employees.rename_axis("employee_id").reset_index()
    employees["run_id"] = run.id
    employees["period_kind"] = run.period_kind
    employees["period_start"] = run.period_start
    employees["is_current"] = current
    rows = result.indicators
    rows["indicator_id"] = rows["code"].map(indicators["id"])
    return employees, rows


def _employee_rows(
    employees: pd.DataFrame, result: ChunkResult, config: ScoringConfig, ranked: bool
) -> pd.DataFrame:
    """The chunk's score rows with their explanations; ``ranked`` and graded in the company
    when the chunk is the company (otherwise publishing does it)."""
    employees["explanation"] = result.explanations()
    if ranked:
        employees = finalise(employees.set_index("employee_id"), config).reset_index()
        employees["grade"] = employees["grade"].fillna("")
    else:
        employees["grade"] = ""
    return employees.rename(columns={"plan": "improvement_plan"})


@contextmanager
def _alongside(write: Callable[[], object]) -> Iterator[None]:
    """Run ``write`` in a second thread on this thread's connection (inside its transaction)
    while the block computes; the block must not use the database. The database works on one
    core while Python works on another. ``write``'s error is raised after the block."""
    shared = connections[DEFAULT_DB_ALIAS]
    failures: list[BaseException] = []

    def work() -> None:
        connections[DEFAULT_DB_ALIAS] = shared  # this thread's default connection is ours
        try:
            write()
        except BaseException as error:
            failures.append(error)
        finally:
            del connections[DEFAULT_DB_ALIAS]

    shared.inc_thread_sharing()
    worker = threading.Thread(target=work, name="score-writer")
    worker.start()
    try:
        yield
    finally:
        worker.join()
        shared.dec_thread_sharing()
    if failures:
        raise failures[0]


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
    whole-company run in one chunk was published as its chunk was written.)"""
    period = run_period(run)
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
            _period_lock(run)
            _publish(run)
        elif not ScoreRun.objects.filter(pk=run.pk, status=RunStatus.SUCCEEDED).exists():
            return  # failed
    # A company run's people are everyone with current scores of the period.
    scored = None
    if run.team_id is not None:
        scored = list(EmployeeScore.objects.filter(run=run).values_list("employee_id", flat=True))
    try:
        targets_raise(run=run, period=period, employee_ids=scored, config=scoring_config())
    except Exception:
        # The scores are published; a failed raise is retried by the next run of the period.
        logger.exception("raising adaptive targets after score run %s failed", run.pk)


def _period_lock(run: ScoreRun) -> None:
    """Serialise the publishing of runs of one period (PostgreSQL; SQLite writes one at a time
    anyway): two overlapping runs would otherwise rank against rows the other is replacing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"score:{run.period_kind}:{run.period_start}"],
            )


def _previous_scores(run: ScoreRun):
    """The current scores of the run's period from other runs."""
    return EmployeeScore.objects.filter(
        is_current=True, period_kind=run.period_kind, period_start=run.period_start
    ).exclude(run=run)


def _company_in_one_chunk(run: ScoreRun) -> bool:
    """Whether the run scores the whole company in one chunk: it then reads everybody's records
    unfiltered, and ranks and grades as it writes."""
    return run.team_id is None and run.chunks_total == 1


def _publish(run: ScoreRun) -> None:
    """Rank and grade, then swap the run's rows in for the previous ones (in the caller's
    transaction). A team's run is ranked against the company's other current scores."""
    _results_write_fast()
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
    previous = _previous_scores(run)
    if run.team_id is not None:
        previous = previous.filter(employee_id__in=scored)
    # The previous results go first (a company run also drops people no longer scored), so
    # the new ones can become current in the statement that writes ranks and grades.
    _scores_delete(previous)
    frame_bulk_update(EmployeeScore, ranked.loc[mine.index, ["id", "is_current", *FINAL_COLUMNS]])
    if not others.empty:
        frame_bulk_update(
            EmployeeScore,
            ranked.loc[others.index, ["id", "company_rank", "company_percentile"]],
        )
    _run_succeeded(run, len(mine))


def _run_succeeded(run: ScoreRun, employees: int) -> None:
    run.status = RunStatus.SUCCEEDED
    run.progress = 100
    run.employees = employees
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "progress", "employees", "finished_at"])
    transaction.on_commit(lambda: scores_published.send(sender=ScoreRun, run=run))


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
    indicators = indicators_frame()
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


def score_runs_expire(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Fail runs still queued or running long after any worker would have finished them (a
    killed process leaves them so), dropping their hidden rows. Returns how many."""
    cutoff = (now or timezone.now()) - older_than
    stuck = ScoreRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING], created_at__lt=cutoff
    )
    for run in stuck:
        score_run_fail(run, f"did not finish within {older_than}; its worker was probably stopped")
    return len(stuck)


def _results_write_fast() -> None:
    """Within the current transaction, do not wait for the commit to reach the disk: results are
    derived data that a rerun recreates, and a run's writes are large. (PostgreSQL only.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _scores_delete(scores) -> None:
    """Delete score rows and their indicator rows in two statements: Django's cascade would load
    every row (with its explanation) first, and these are tens of thousands."""
    IndicatorScore.objects.filter(employee_score__in=scores.values("id")).delete()
    scores._raw_delete(scores.db)


def score_run_fail(run: ScoreRun, error: BaseException | str) -> None:
    """Mark an unfinished run failed and drop its hidden rows; the previous results stay
    current. A run that already published is left as it is."""
    with transaction.atomic():
        failed = ScoreRun.objects.filter(
            pk=run.pk, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        ).update(status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        if failed:
            _scores_delete(EmployeeScore.objects.filter(run=run, is_current=False))
