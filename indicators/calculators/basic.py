"""Basic tier: how much work a person handled, and how cleanly they entered it."""

import pandas as pd

from indicators.calculators.base import Counted, RecordFrames, count_by, percent_by, within
from org.periods import Window

CANCELLED = "cancelled"


def orders_submitted(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Orders the customer submitted in the period, cancelled ones left out."""
    orders = frames.orders
    return orders[within(orders["submitted_at"], window) & (orders["status"] != CANCELLED)]


ORDERS_SUBMITTED = Counted("orders", "merchandiser_id", orders_submitted, order=("-submitted_at",))


def order_volume(frames: RecordFrames, window: Window) -> pd.Series:
    """Orders submitted in the period and not cancelled, per merchandiser."""
    orders = orders_submitted(frames, window)
    return count_by(orders["merchandiser_id"], frames)


def follow_ups_held(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Customer contacts (any channel) that took place in the period."""
    follow_ups = frames.follow_ups
    return follow_ups[within(follow_ups["occurred_at"], window)]


FOLLOW_UPS_HELD = Counted("follow_ups", "employee_id", follow_ups_held, order=("-occurred_at",))


def follow_up_count(frames: RecordFrames, window: Window) -> pd.Series:
    """Customer contacts (any channel) that took place in the period."""
    return count_by(follow_ups_held(frames, window)["employee_id"], frames)


def order_entries(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """The period's orders (``orders_submitted``) with their ``errors`` (a missing count is
    none); any error ``hurts``."""
    orders = orders_submitted(frames, window)
    errors = pd.to_numeric(orders["entry_errors"]).fillna(0)
    return orders.assign(errors=errors, hurts=errors != 0)


ORDER_ENTRIES = Counted(
    "orders", "merchandiser_id", order_entries, order=("-errors", "-submitted_at")
)


def order_entry_accuracy(frames: RecordFrames, window: Window) -> pd.Series:
    """Percent of the period's orders entered without any field needing correction."""
    orders = order_entries(frames, window)
    return percent_by(orders["merchandiser_id"], ~orders["hurts"], frames)
