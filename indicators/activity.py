"""Who had any activity of their own in a period: a person on the roster without a single record
of theirs in it is "not scored" (no total, no grade, no rank, no plan), rather than graded on
counts of zero.

Pure, like the calculators: ``RecordFrames`` and a ``Window`` in, a boolean per person on the
roster out, from the frames already read for the period (no query of its own).
"""

import numpy as np
import pandas as pd

from indicators.calculators.base import RecordFrames, as_float, within
from org.periods import Window

# The frames whose every row is a record of its person in the period (``record_frames`` reads
# them for the period only), with the column naming that person.
PERIOD_RECORDS = {
    "follow_ups": "employee_id",
    "feedback": "employee_id",
    "exceptions": "handler_id",
    "suggestions": "employee_id",
    "trainings": "employee_id",
    "peer_reviews": "reviewee_id",
}
# Frames the database counted per person, with the person and the count that must be positive.
COUNTED_RECORDS = {
    "node_counts": ("merchandiser_id", "due"),
    "ticket_counts": ("employee_id", "resolved"),
}


def active_on_roster(frames: RecordFrames, window: Window) -> pd.Series:
    """Per person on the roster, whether they have a record of their own in the period: an order
    they follow submitted or delivered in it, a follow-up, a piece of feedback, an exception
    they handle, a process node or a ticket counted in it, a suggestion decided, a training due
    or a peer review of them. (Orders are read from the previous period too, for retention:
    only those of this period count here.)"""
    orders = frames.orders
    in_period = within(orders["submitted_at"], window) | within(orders["delivered_at"], window)
    people = [orders.loc[in_period, "merchandiser_id"]]
    people += [getattr(frames, name)[column] for name, column in PERIOD_RECORDS.items()]
    for name, (column, count) in COUNTED_RECORDS.items():
        counts = getattr(frames, name)
        people.append(counts.loc[as_float(counts[count]) > 0, column])
    seen = np.concatenate([ids.dropna().to_numpy(dtype=np.int64) for ids in people])
    return pd.Series(frames.roster.isin(seen), index=frames.roster, dtype=bool)
