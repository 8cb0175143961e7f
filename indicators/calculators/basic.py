"""Basic tier: how much work a person handled, and how cleanly they entered it."""

import pandas as pd

from indicators.calculators.base import RecordFrames, count_by, percent_by, within
from org.periods import Window

CANCELLED = "cancelled"


def orders_submitted(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Orders the customer submitted in the period, cancelled ones left out."""
    orders = frames.orders
    return orders[within(orders["submitted_at"], window) & (orders["status"] != CANCELLED)]


def order_volume(frames: RecordFrames, window: Window) -> pd.Series:
    """Orders submitted in the period and not cancelled, per merchandiser."""
    orders = orders_submitted(frames, window)
    return count_by(orders["merchandiser_id"], frames)


def follow_up_count(frames: RecordFrames, window: Window) -> pd.Series:
    """Customer contacts (any channel) that took place in the period."""
    follow_ups = frames.follow_ups
    return count_by(
        follow_ups.loc[within(follow_ups["occurred_at"], window), "employee_id"], frames
    )


def order_entry_accuracy(frames: RecordFrames, window: Window) -> pd.Series:
    """Percent of the period's orders entered without any field needing correction."""
    orders = orders_submitted(frames, window)
    error_free = pd.to_numeric(orders["entry_errors"]).fillna(0) == 0
    return percent_by(orders["merchandiser_id"], error_free, frames)
