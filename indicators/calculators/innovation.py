"""Innovation tier: improvements proposed, training taken, and colleagues' view of teamwork."""

import pandas as pd

from indicators.calculators.base import (
    Counted,
    Measured,
    RecordFrames,
    as_float,
    is_true,
    measured_count,
    measured_mean,
    measured_percent,
    utc,
    within,
)
from org.periods import Window

ACCEPTED = "accepted"


def suggestions_accepted(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Improvement suggestions accepted during the period (counted when the decision is made)."""
    suggestions = frames.suggestions
    accepted = (suggestions["status"] == ACCEPTED) & within(suggestions["decided_at"], window)
    return suggestions[accepted]


SUGGESTIONS_ACCEPTED = Counted(
    "suggestions", "employee_id", suggestions_accepted, order=("-decided_at",)
)


def accepted_suggestions(frames: RecordFrames, window: Window) -> Measured:
    """Improvement suggestions accepted during the period (counted when the decision is made)."""
    return measured_count(suggestions_accepted(frames, window)["employee_id"], frames)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.normalize()


def trainings_due(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Required trainings due in the period; one not completed by the end of its due day
    (company time) ``hurts``. A training no source says is required or not does not count."""
    trainings = frames.trainings
    due_on = _dates(trainings["due_on"])
    due = (
        is_true(trainings["is_required"])
        & (due_on >= pd.Timestamp(window.first_day))
        & (due_on < pd.Timestamp(window.end_day))
    )
    trainings, due_on = trainings[due], due_on[due]
    deadline = (due_on + pd.Timedelta(days=1)).dt.tz_localize(window.tz).dt.tz_convert("UTC")
    completed = utc(trainings["completed_at"])
    on_time = completed.notna() & (completed < deadline)
    return trainings.assign(hurts=~on_time, due=due_on)


TRAININGS_DUE = Counted(
    "trainings", "employee_id", trainings_due, order=("-hurts", "due"), needs=("is_required",)
)


def training_completion(frames: RecordFrames, window: Window) -> Measured:
    """Percent of required trainings due in the period that were completed by the end of their
    due day (company time). NaN for someone with no required training due."""
    trainings = trainings_due(frames, window)
    return measured_percent(trainings["employee_id"], ~trainings["hurts"], frames)


def peer_reviews_given(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Colleagues' scores (1–5, the ``value``) for the months of the period."""
    reviews = frames.peer_reviews
    month = _dates(reviews["period"])
    in_period = (month >= pd.Timestamp(window.first_day)) & (month < pd.Timestamp(window.end_day))
    reviews = reviews[in_period]
    return reviews.assign(value=as_float(reviews["score"]))


# Peer reviews are anonymous: a drill-down gives their count and mean, never the list.
PEER_REVIEWS_GIVEN = Counted("peer_reviews", "reviewee_id", peer_reviews_given)


def collaboration_360(frames: RecordFrames, window: Window) -> Measured:
    """Mean score (1–5) colleagues gave for the months of the period."""
    reviews = peer_reviews_given(frames, window)
    return measured_mean(reviews["reviewee_id"], reviews["value"], frames)
