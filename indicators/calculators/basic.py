"""Basic tier: how much work a person handled, and how cleanly they entered it."""

import pandas as pd

from indicators.calculators.base import (
    Counted,
    Measured,
    RecordFrames,
    carrying,
    measured_count,
    measured_percent,
    within,
)
from org.periods import Window

CANCELLED = "cancelled"


def orders_submitted(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Orders the customer submitted in the period, cancelled ones left out."""
    orders = frames.orders
    return orders[within(orders["submitted_at"], window) & (orders["status"] != CANCELLED)]


ORDERS_SUBMITTED = Counted("orders", "merchandiser_id", orders_submitted, order=("-submitted_at",))


def order_volume(frames: RecordFrames, window: Window) -> Measured:
    """Orders submitted in the period and not cancelled, per merchandiser."""
    orders = orders_submitted(frames, window)
    return measured_count(orders["merchandiser_id"], frames)


def follow_ups_held(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Customer contacts (any channel) that took place in the period."""
    follow_ups = frames.follow_ups
    return follow_ups[within(follow_ups["occurred_at"], window)]


FOLLOW_UPS_HELD = Counted("follow_ups", "employee_id", follow_ups_held, order=("-occurred_at",))


def follow_up_count(frames: RecordFrames, window: Window) -> Measured:
    """Customer contacts (any channel) that took place in the period."""
    return measured_count(follow_ups_held(frames, window)["employee_id"], frames)


ENTRY_ERRORS = ("entry_errors",)


def order_entries(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """The period's orders (``orders_submitted``) whose source says how many ``errors`` they
    had; any error ``hurts``."""
    orders = carrying(orders_submitted(frames, window), ENTRY_ERRORS)
    errors = pd.to_numeric(orders["entry_errors"])
    return orders.assign(errors=errors, hurts=errors != 0)


ORDER_ENTRIES = Counted(
    "orders",
    "merchandiser_id",
    order_entries,
    order=("-errors", "-submitted_at"),
    needs=ENTRY_ERRORS,
)


def order_entry_accuracy(frames: RecordFrames, window: Window) -> Measured:
    """Percent of the period's orders entered without any field needing correction."""
    orders = order_entries(frames, window)
    return measured_percent(orders["merchandiser_id"], ~orders["hurts"], frames)
