"""Efficiency tier: how fast orders, process nodes, exceptions and tickets move."""

import pandas as pd

from indicators.calculators.base import (
    Counted,
    Measured,
    RecordFrames,
    clip_to_cutoff,
    count_by,
    hours_between,
    mean_by,
    measured_mean,
    percent_counted,
    utc,
    within,
)
from indicators.calculators.basic import CANCELLED
from org.periods import Window


def orders_answered(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """The period's orders with the hours from the customer's submit click to confirmation
    (``value``). One still unconfirmed counts until the cutoff; one cancelled before anyone
    confirmed it does not count."""
    orders = frames.orders
    submitted = within(orders["submitted_at"], window)
    cancelled_unanswered = (orders["status"] == CANCELLED) & orders["confirmed_at"].isna()
    orders = orders[submitted & ~cancelled_unanswered]
    hours = hours_between(clip_to_cutoff(orders["confirmed_at"], window), orders["submitted_at"])
    return orders.assign(value=hours)


ORDERS_ANSWERED = Counted(
    "orders", "merchandiser_id", orders_answered, order=("-value",), worse="above"
)


def order_response_time(frames: RecordFrames, window: Window) -> Measured:
    """Mean hours from the customer's submit click to confirmation, over the period's orders.

    An order still unconfirmed at the period's end (in a running period: when the data was read)
    counts with the hours elapsed until then, so leaving an order unanswered never improves the
    figure; one cancelled before anyone confirmed it does not count.
    """
    orders = orders_answered(frames, window)
    return measured_mean(orders["merchandiser_id"], orders["value"], frames)


def nodes_due(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Process nodes whose deadline fell in the period, as the database selected and judged
    them (``indicators.records.NODES_DUE`` and ``NODE_ON_TIME``, which also count them for the
    calculator): a node not ``on_time`` ``hurts``, late by the hours from its deadline to its
    completion (or to the cutoff, while still open)."""
    nodes = frames.nodes
    late = ~nodes["on_time"].astype(bool)
    late_by = hours_between(clip_to_cutoff(nodes["completed_at"], window), nodes["due_at"])
    return nodes.assign(hurts=late, late_by=late_by.where(late, 0.0), due=utc(nodes["due_at"]))


NODES_DUE = Counted("nodes", "merchandiser_id", nodes_due, order=("-hurts", "-late_by", "due"))


def node_on_time_rate(frames: RecordFrames, window: Window) -> Measured:
    """Percent of process nodes finished within their own threshold.

    A node counts once, in the period its deadline (start + threshold) falls in: on time when it
    was completed by the deadline, late otherwise, including when it is still open. In a period
    still running, a deadline not yet reached does not count yet. (The nodes arrive counted so:
    ``RecordFrames.node_counts``.)
    """
    return percent_counted(frames.node_counts, "merchandiser_id", "on_time", "due", frames)


def exception_clocks(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Exceptions detected in the period with the hours to start coordinating
    (``to_coordinate``) and from then to resolution (``to_resolve``), their sum the ``value``; a
    clock still running at the period's end stops there."""
    cases = frames.exceptions[within(frames.exceptions["detected_at"], window)]
    coordination = clip_to_cutoff(cases["coordination_started_at"], window)
    resolution = clip_to_cutoff(cases["resolved_at"], window)
    to_coordinate = hours_between(coordination, cases["detected_at"])
    to_resolve = hours_between(resolution, coordination)
    return cases.assign(
        to_coordinate=to_coordinate, to_resolve=to_resolve, value=to_coordinate + to_resolve
    )


EXCEPTION_CLOCKS = Counted(
    "exceptions", "handler_id", exception_clocks, order=("-value",), worse="above"
)


def exception_handling_hours(frames: RecordFrames, window: Window) -> Measured:
    """Mean hours to start coordinating plus mean hours from then to resolution, for exceptions
    detected in the period; a clock still running at the period's end stops there."""
    cases = exception_clocks(frames, window)
    to_coordinate = mean_by(cases["handler_id"], cases["to_coordinate"], frames)
    to_resolve = mean_by(cases["handler_id"], cases["to_resolve"], frames)
    return Measured(to_coordinate + to_resolve, count_by(cases["handler_id"], frames))


def tickets_resolved(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Tickets resolved in the period, as the database selected and judged them
    (``indicators.records.TICKETS_RESOLVED`` and ``FIRST_CONTACT``, which also count them for
    the calculator): one that took more than a single contact ``hurts``."""
    tickets = frames.tickets
    return tickets.assign(hurts=~tickets["first_contact"].astype(bool))


TICKETS_RESOLVED = Counted(
    "tickets",
    "employee_id",
    tickets_resolved,
    order=("-hurts", "-contacts_until_resolved", "-resolved_at"),
)


def first_contact_resolution(frames: RecordFrames, window: Window) -> Measured:
    """Percent of tickets resolved in the period that took a single contact. (The tickets
    arrive counted so: ``RecordFrames.ticket_counts``.)"""
    return percent_counted(frames.ticket_counts, "employee_id", "first_contact", "resolved", frames)
