"""Scoring one chunk of a run: a set of whole teams read in one query per record type, the
calculators and the engine, and the chunk's rows bulk-written (hidden until the run publishes,
or as current when the chunk is the whole company of a run that is not provisional). Each chunk
is written once, however often its task is delivered."""

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, partial

import numpy as np
import pandas as pd
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from frames.heartbeat import heartbeat
from frames.locks import commit_without_waiting_for_disk, named_lock
from frames.write import bulk_load_run, frame_bulk_prepare, ids_reserve
from indicators.activity import active_on_roster
from indicators.calculators import measured_values
from indicators.calculators.base import RecordFrames
from indicators.record_frames import record_frames
from indicators.selectors import catalog_in_force
from org.calendar import period_window
from org.periods import Period
from org.selectors import employed_during
from scoring.engine.entropy import blend, entropy_weights
from scoring.engine.normalise import normalise
from scoring.engine.score import ChunkResult, ScoringConfig, finalise, score_chunk
from scoring.ledger import scores_ledger
from scoring.models import (
    EmployeeScore,
    IndicatorScore,
    RunStatus,
    ScoreRun,
)
from scoring.runs import (
    RunOvertaken,
    company_in_one_chunk,
    period_lock_name,
    publishes_as_written,
    replaced_scores_delete,
    run_period,
    run_succeeded,
    scores_delete,
    scoring_config,
)
from scoring.selectors import (
    is_pilot_key,
    personal_targets,
    pilot_covers,
    scheme_weights,
)


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
    if needed) where the scheme's α < 1. The people of a pilot's teams (of its levels) are
    weighed by the pilot's scheme instead; everybody else's weights are those of a run without
    the pilot (the entropy weights of a level are of all its people)."""
    weights = pd.DataFrame(np.nan, index=people.index, columns=codes)

    def weigh(members: pd.Index, key: str) -> None:
        ahp = pd.Series(global_weights[key], dtype=float).reindex(codes).dropna()
        alpha = float(schemes[key]["alpha"])
        if alpha < 1.0:
            ahp = blend(ahp, entropy_weights(scores().loc[members, ahp.index]), alpha)
        weights.loc[members] = np.nan  # a pilot's scheme may weigh other indicators
        weights.loc[members, ahp.index] = ahp.to_numpy()

    pilots = [key for key in global_weights if is_pilot_key(key)]
    for level in global_weights:
        members = people.index[people["level"] == level]
        if not is_pilot_key(level) and not members.empty:
            weigh(members, level)
    for key in pilots:
        chosen = pilot_covers(schemes[key], people["team_id"], people["level"])
        if chosen.any():
            weigh(people.index[chosen], key)
    return weights


def targets_frame(
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


def chunk_score(
    *,
    frames: RecordFrames,
    period: Period,
    indicators: pd.DataFrame,
    targets: pd.DataFrame,
    schemes: dict[str, dict[str, object]],
    global_weights: dict[str, dict[str, float]],
    config: ScoringConfig,
) -> ChunkResult:
    """The scores of the people in ``frames`` (no query): the calculators and the engine, with
    the given schemes (as ``schemes_in_force`` records them) and their weights (as
    ``scheme_weights`` reads them). A run writes them; the weight lab replays a past period with
    a draft's weights in place of a level's and writes nothing."""
    people = frames.employees
    window = period_window(period)
    active = active_on_roster(frames, window)
    values = measured_values(
        indicators["calculator"].to_dict(), frames, window, indicators["min_volume"].to_dict()
    )
    raw = values.raw
    # Idle people are left out of the entropy weights as the engine leaves them out of
    # everything else.
    raw.loc[~active.reindex(raw.index, fill_value=False)] = np.nan

    @cache
    def scores() -> pd.DataFrame:
        return normalise(raw, indicators=indicators, targets=targets, groups=people["team_id"])

    codes = list(indicators.index)
    return score_chunk(
        raw=raw,
        people=people,
        indicators=indicators,
        weights=_weights_frame(people, codes, schemes, global_weights, scores),
        targets=targets,
        active=active,
        config=config,
        not_measured=values.not_measured,
    )


def score_chunk_write(run: ScoreRun, team_ids: list[int]) -> int:
    """Score the run's employees in ``team_ids`` and write their rows, hidden until the run is
    finalised. A chunk written already (a task delivered twice) is not written again; a retried
    task rewrites whatever its failed attempt left."""
    heartbeat(ScoreRun, run.pk)
    try:
        with cyclic_gc_paused():
            return _score_chunk_write(run, team_ids)
    except RunOvertaken:
        return 0  # the sweep took the run back meanwhile: its state is the sweep's


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
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


def _chunk_written(run: ScoreRun, team_ids: list[int]) -> None:
    """Count the chunk once among the run's written chunks (in the chunk's transaction; the
    run's row stays locked until it commits, so concurrent chunks count one after another).
    A run no longer running (the sweep failed or queued it again while this chunk was scored)
    raises ``RunOvertaken``: the chunk's rows roll back."""
    locked = ScoreRun.objects.select_for_update().only("chunks_written", "status").get(pk=run.pk)
    if locked.status != RunStatus.RUNNING:
        raise RunOvertaken(f"run {run.pk} is no longer running")
    written = sorted({*locked.chunks_written, _chunk_key(team_ids)})
    ScoreRun.objects.filter(pk=run.pk).update(chunks_written=written, chunks_done=len(written))


def _score_chunk_write(run: ScoreRun, team_ids: list[int]) -> int:
    if not _chunk_to_write(run, team_ids):
        return 0  # finished, failed or written meanwhile: a late duplicate does nothing
    period = run_period(run)
    everyone = company_in_one_chunk(run)
    publish = publishes_as_written(run)
    # A whole-company chunk reads everybody's records unfiltered; its roster is the frames'.
    employee_ids = None
    mine = EmployeeScore.objects.filter(run=run)
    if not everyone:
        employee_ids = list(
            employed_during(period).filter(team_id__in=team_ids).values_list("id", flat=True)
        )
        mine = mine.filter(employee_id__in=employee_ids)
    frames = record_frames(period=period, employee_ids=employee_ids)
    indicators = catalog_in_force(period)
    people = frames.employees
    targets = targets_frame(people, indicators, period, everyone=everyone)
    global_weights = scheme_weights(run.schemes)
    config = scoring_config()

    score = partial(
        chunk_score,
        frames=frames,
        period=period,
        indicators=indicators,
        targets=targets,
        schemes=run.schemes,
        global_weights=global_weights,
        config=config,
    )

    def clear() -> None:
        if publish:  # the chunk is the run: its rows replace the previous ones right here
            replaced_scores_delete(run)
        if mine.exists():  # a retried task: its first attempt's rows go
            scores_delete(mine)

    with transaction.atomic():
        named_lock(f"score-chunk:{run.pk}:{_chunk_key(team_ids)}")  # one delivery at a time
        if not _chunk_to_write(run, team_ids):
            return 0  # another delivery of this chunk wrote it while this one read
        commit_without_waiting_for_disk()
        if publish:
            named_lock(period_lock_name(run))
        ids = ids_reserve(EmployeeScore, len(people))
        if ids is None:  # the database numbers the rows: score rows first, then their indicators
            clear()
            result = score()
            employees, rows = _result_rows(run, result, indicators, publish)
            employees = _employee_rows(employees, result, config, run, publish)
            bulk_load_run(frame_bulk_prepare(EmployeeScore, employees))
            rows["employee_score_id"] = rows["employee_id"].map(
                dict(mine.values_list("employee_id", "id"))
            )
            bulk_load_run(frame_bulk_prepare(IndicatorScore, rows))
        else:
            # The database works on one core while Python works on the other: first it clears
            # the old rows while the chunk is scored, then it loads the indicator rows while
            # the score rows are worded, ranked and formatted.
            with alongside(clear):
                result = score()
            employees, rows = _result_rows(run, result, indicators, publish)
            employees["id"] = ids
            rows["employee_score_id"] = rows["employee_id"].map(
                dict(zip(employees["employee_id"], ids, strict=True))
            )
            indicator_rows = frame_bulk_prepare(IndicatorScore, rows)
            with alongside(lambda: bulk_load_run(indicator_rows)):
                employees = _employee_rows(employees, result, config, run, publish)
                score_rows = frame_bulk_prepare(EmployeeScore, employees, ids_reserved=True)
            bulk_load_run(score_rows)
        _chunk_written(run, team_ids)
        if publish:
            scores_ledger(run=run)
            run_succeeded(run, len(people))
            return len(people)
    run.refresh_from_db(fields=["chunks_done", "chunks_total"])
    run.progress = min(95, int(95 * run.chunks_done / max(run.chunks_total, 1)))
    # The chunk's progress is its heartbeat (after the commit: the sweep sees it at once).
    ScoreRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        progress=run.progress, heartbeat_at=timezone.now()
    )
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
    employees: pd.DataFrame, result: ChunkResult, config: ScoringConfig, run: ScoreRun, ranked: bool
) -> pd.DataFrame:
    """The chunk's score rows with their explanations; ``ranked`` and graded in the company
    when the chunk is the company (otherwise publishing does it). A provisional run's rows are
    never ranked or graded and put nobody on an improvement plan."""
    employees["explanation"] = result.explanations()
    if ranked:
        employees = finalise(employees.set_index("employee_id"), config).reset_index()
        employees["grade"] = employees["grade"].fillna("")
    else:
        employees["grade"] = ""
    if run.provisional:
        employees["plan"] = False
    return employees.rename(columns={"plan": "improvement_plan"})


@contextmanager
def alongside(write: Callable[[], object]) -> Iterator[None]:
    """Run ``write`` in a second thread on this thread's connection (inside its transaction)
    while the block computes; the block must not use the database. The database works on one
    core while Python works on another. ``write``'s error is raised after the block. (``write``
    may read too: the weight lab reads a month's records while it scores the previous one.)"""
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
