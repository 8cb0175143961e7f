"""Efficiency tier: how fast orders, process nodes, exceptions and tickets move."""

import pandas as pd

from indicators.calculators.base import (
    RecordFrames,
    clip_to_cutoff,
    hours_between,
    mean_by,
    percent_counted,
    within,
)
from indicators.calculators.basic import CANCELLED
from org.periods import Window


def order_response_time(frames: RecordFrames, window: Window) -> pd.Series:
    """Mean hours from the customer's submit click to confirmation, over the period's orders.

    An order still unconfirmed at the period's end (in a running period: when the data was read)
    counts with the hours elapsed until then, so leaving an order unanswered never improves the
    figure; one cancelled before anyone confirmed it does not count.
    """
    orders = frames.orders
    submitted = within(orders["submitted_at"], window)
    cancelled_unanswered = (orders["status"] == CANCELLED) & orders["confirmed_at"].isna()
    orders = orders[submitted & ~cancelled_unanswered]
    hours = hours_between(clip_to_cutoff(orders["confirmed_at"], window), orders["submitted_at"])
    return mean_by(orders["merchandiser_id"], hours, frames)


def node_on_time_rate(frames: RecordFrames, window: Window) -> pd.Series:
    """Percent of process nodes finished within their own threshold.

    A node counts once, in the period its deadline (start + threshold) falls in: on time when it
    was completed by the deadline, late otherwise, including when it is still open. In a period
    still running, a deadline not yet reached does not count yet. (The nodes arrive counted so:
    ``RecordFrames.node_counts``.)
    """
    return percent_counted(frames.node_counts, "merchandiser_id", "on_time", "due", frames)


def exception_handling_hours(frames: RecordFrames, window: Window) -> pd.Series:
    """Mean hours to start coordinating plus mean hours from then to resolution, for exceptions
    detected in the period; a clock still running at the period's end stops there."""
    cases = frames.exceptions[within(frames.exceptions["detected_at"], window)]
    coordination = clip_to_cutoff(cases["coordination_started_at"], window)
    resolution = clip_to_cutoff(cases["resolved_at"], window)
    to_coordinate = mean_by(
        cases["handler_id"], hours_between(coordination, cases["detected_at"]), frames
    )
    to_resolve = mean_by(cases["handler_id"], hours_between(resolution, coordination), frames)
    return to_coordinate + to_resolve


def first_contact_resolution(frames: RecordFrames, window: Window) -> pd.Series:
    """Percent of tickets resolved in the period that took a single contact. (The tickets
    arrive counted so: ``RecordFrames.ticket_counts``.)"""
    return percent_counted(frames.ticket_counts, "employee_id", "first_contact", "resolved", frames)
