"""The people side of a company's months, generated: improvement suggestions, trainings and
peer reviews, each drawn from the working style of the person (``demo.seed.company``)."""

import datetime as dt

import numpy as np
import pandas as pd

from demo.seed import texts
from demo.seed.company import DAY, Scale, _epoch, _month_progress, _param, _to_local_date


def suggestions(
    rng: np.random.Generator,
    employees: pd.DataFrame,
    style_idx: np.ndarray,
    month_edges: np.ndarray,
    as_of: int,
) -> pd.DataFrame:
    """Improvement suggestions; a decision comes one to three weeks after submission."""
    n_months = len(month_edges) - 1
    scored = len(style_idx)
    progress = np.tile(_month_progress(n_months), scored)
    cell_style = np.repeat(style_idx, n_months)
    counts = rng.poisson(_param("suggestions_per_month", cell_style, progress))
    cell = np.repeat(np.arange(scored * n_months), counts)
    employee_idx, month_idx = np.divmod(cell, n_months)
    submitted = month_edges[month_idx] + rng.random(len(cell)) * (
        month_edges[month_idx + 1] - month_edges[month_idx]
    )
    decided = submitted + rng.uniform(7, 21, size=len(cell)) * DAY
    accepted = rng.random(len(cell)) < _param(
        "suggestion_accept_prob", style_idx[employee_idx], progress[cell]
    )
    status = np.where(decided > as_of, "pending", np.where(accepted, "accepted", "rejected"))
    titles, descriptions = texts.suggestions(rng, len(cell))
    return pd.DataFrame(
        {
            "id": np.arange(1, len(cell) + 1),
            "source": "manual",
            "external_id": "",
            "employee_id": employee_idx + 1,
            "title": titles,
            "description": descriptions,
            "submitted_at": submitted,
            "status": status,
            "decided_at": np.where(status == "pending", np.nan, decided),
        }
    )


def trainings(
    rng: np.random.Generator,
    employees: pd.DataFrame,
    style_idx: np.ndarray,
    months: list[dt.date],
    as_of: int,
) -> pd.DataFrame:
    """Each course is assigned to everyone in a given month, due three weeks later."""
    scored = len(style_idx)
    n_months = len(months)
    rows_employee = np.repeat(np.arange(scored), len(texts.COURSES))
    rows_course = np.tile(np.arange(len(texts.COURSES)), scored)
    course_month = (rows_course * n_months) // len(texts.COURSES)
    progress = _month_progress(n_months)[course_month]
    assigned = (
        np.array([_epoch(months[m]) for m in course_month])
        + rng.integers(0, 10, size=len(rows_course)) * DAY
    )
    due = assigned + 21 * DAY
    completes = rng.random(len(rows_course)) < _param(
        "training_prob", style_idx[rows_employee], progress
    )
    completed = assigned + rng.uniform(1, 30, size=len(rows_course)) * DAY
    completed = np.where(completes & (completed <= as_of), completed, np.nan)
    courses = np.asarray(texts.COURSES, dtype=object)
    return pd.DataFrame(
        {
            "id": np.arange(1, len(rows_course) + 1),
            "source": "lms",
            "external_id": [f"TR{i:07d}" for i in range(1, len(rows_course) + 1)],
            "employee_id": rows_employee + 1,
            "course": courses[rows_course, 0],
            "is_required": courses[rows_course, 1].astype(bool),
            "assigned_on": _to_local_date(assigned),
            "due_on": _to_local_date(due),
            "completed_at": completed,
        }
    )


def peer_reviews(
    rng: np.random.Generator,
    scale: Scale,
    employees: pd.DataFrame,
    style_idx: np.ndarray,
    months: list[dt.date],
) -> pd.DataFrame:
    """Each month, every scored person is reviewed by distinct colleagues of their own team."""
    scored = len(style_idx)
    team_id = employees["team_id"].to_numpy()[:scored]
    # Members of a team are contiguous: reviewer = reviewee shifted by 1..k within the team.
    team_start = pd.Series(np.arange(scored)).groupby(team_id).transform("min").to_numpy()
    team_size = pd.Series(np.ones(scored)).groupby(team_id).transform("sum").to_numpy().astype(int)
    k = min(scale.peer_reviewers, int(team_size.min()) - 1)
    n_months = len(months)
    reviewee = np.tile(np.repeat(np.arange(scored), k), n_months)
    shift = np.tile(np.arange(k), scored * n_months)
    month_idx = np.repeat(np.arange(n_months), scored * k)
    size, start = team_size[reviewee], team_start[reviewee]
    # Offsets 1..size-1, distinct for one reviewee and month, rotating by month: never oneself.
    offset = 1 + (shift + month_idx * k) % (size - 1)
    reviewer = start + (reviewee - start + offset) % size
    progress = _month_progress(n_months)[month_idx]
    score = np.clip(
        np.rint(
            _param("peer_mean", style_idx[reviewee], progress)
            + rng.normal(0, 0.6, size=len(reviewee))
        ),
        1,
        5,
    ).astype(np.int64)
    frame = pd.DataFrame(
        {
            "source": "manual",
            "external_id": "",
            "reviewer_id": reviewer + 1,
            "reviewee_id": reviewee + 1,
            "period": np.asarray(months, dtype=object)[month_idx],
            "score": score,
            "comment": texts.peer_comments(rng, score),
        }
    )
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame
