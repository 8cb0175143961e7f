"""What every calculator receives, and the few operations they share.

Calculators are pure: ``RecordFrames`` and a ``Window`` in, a ``pd.Series`` of raw values out,
indexed by employee id over the whole roster. A person without the data an indicator needs gets
NaN (the scoring engine's missing-data rule then applies), never a made-up 0; counts are the
exception, because having handled nothing is a real zero for someone on the roster.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from scoring.engine.period import Window

HOUR = pd.Timedelta(hours=1)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


@dataclass(frozen=True)
class RecordFrames:
    """One frame per record type, as read for a period (times are UTC ``datetime64``).

    - ``employees``: index employee id; ``team_id``, ``level``
    - ``customers``: index customer id; ``tier``, ``customer_since`` (date)
    - ``orders``: ``id``, ``merchandiser_id``, ``customer_id``, ``submitted_at``, ``confirmed_at``,
      ``delivered_at``, ``status``, ``entry_errors``, ``fulfilment_error``, ``is_returned``,
      ``is_refunded``, ``has_complaint``
    - ``nodes``: ``merchandiser_id``, ``started_at``, ``completed_at``, ``threshold_hours``
    - ``follow_ups``: ``employee_id``, ``occurred_at``, ``message``
    - ``feedback``: ``employee_id``, ``submitted_at``, ``csat``, ``comment``
    - ``exceptions``: ``handler_id``, ``detected_at``, ``coordination_started_at``, ``resolved_at``
    - ``tickets``: ``employee_id``, ``opened_at``, ``resolved_at``, ``contacts_until_resolved``
    - ``suggestions``: ``employee_id``, ``status``, ``decided_at``
    - ``trainings``: ``employee_id``, ``is_required``, ``due_on`` (date), ``completed_at``
    - ``peer_reviews``: ``reviewee_id``, ``period`` (date), ``score``
    - ``compliance_rules``: ``element``, ``kind`` (keyword or regex), ``pattern``
    """

    employees: pd.DataFrame
    customers: pd.DataFrame = field(default_factory=lambda: _empty(["tier", "customer_since"]))
    orders: pd.DataFrame = field(
        default_factory=lambda: _empty(
            [
                "id",
                "merchandiser_id",
                "customer_id",
                "submitted_at",
                "confirmed_at",
                "delivered_at",
                "status",
                "entry_errors",
                "fulfilment_error",
                "is_returned",
                "is_refunded",
                "has_complaint",
            ]
        )
    )
    nodes: pd.DataFrame = field(
        default_factory=lambda: _empty(
            ["merchandiser_id", "started_at", "completed_at", "threshold_hours"]
        )
    )
    follow_ups: pd.DataFrame = field(
        default_factory=lambda: _empty(["employee_id", "occurred_at", "message"])
    )
    feedback: pd.DataFrame = field(
        default_factory=lambda: _empty(["employee_id", "submitted_at", "csat", "comment"])
    )
    exceptions: pd.DataFrame = field(
        default_factory=lambda: _empty(
            ["handler_id", "detected_at", "coordination_started_at", "resolved_at"]
        )
    )
    tickets: pd.DataFrame = field(
        default_factory=lambda: _empty(
            ["employee_id", "opened_at", "resolved_at", "contacts_until_resolved"]
        )
    )
    suggestions: pd.DataFrame = field(
        default_factory=lambda: _empty(["employee_id", "status", "decided_at"])
    )
    trainings: pd.DataFrame = field(
        default_factory=lambda: _empty(["employee_id", "is_required", "due_on", "completed_at"])
    )
    peer_reviews: pd.DataFrame = field(
        default_factory=lambda: _empty(["reviewee_id", "period", "score"])
    )
    compliance_rules: pd.DataFrame = field(
        default_factory=lambda: _empty(["element", "kind", "pattern"])
    )

    @property
    def roster(self) -> pd.Index:
        return self.employees.index


Calculator = Callable[[RecordFrames, Window], pd.Series]


def utc(values: pd.Series) -> pd.Series:
    """A column of instants as UTC ``datetime64`` (NaT for missing), whatever it arrived as."""
    return pd.to_datetime(values, utc=True)


def within(values: pd.Series, window: Window) -> pd.Series:
    """Which instants fall in the period, ``[start, end)``."""
    instants = utc(values)
    return (instants >= window.start) & (instants < window.end)


def on_roster(values: pd.Series, frames: RecordFrames) -> pd.Series:
    """Per-employee values spread over the roster: NaN where the employee has no value."""
    return values.reindex(frames.roster).astype(float)


def count_by(employee_ids: pd.Series, frames: RecordFrames) -> pd.Series:
    """How many rows each employee on the roster has; 0 for none (a real count)."""
    return employee_ids.value_counts().reindex(frames.roster, fill_value=0).astype(float)


def mean_by(employee_ids: pd.Series, values: pd.Series, frames: RecordFrames) -> pd.Series:
    """Each employee's mean of ``values``, NaN for an employee without any."""
    frame = pd.DataFrame({"employee": employee_ids.to_numpy(), "value": values.to_numpy()})
    means = frame.dropna(subset=["value"]).groupby("employee")["value"].mean()
    return on_roster(means, frames)


def percent_by(employee_ids: pd.Series, hits: pd.Series, frames: RecordFrames) -> pd.Series:
    """Each employee's share of rows where ``hits`` holds, in percent; NaN without rows."""
    return mean_by(employee_ids, hits.astype(float), frames) * 100.0


def hours_between(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (utc(later) - utc(earlier)) / HOUR


def is_true(values: pd.Series) -> pd.Series:
    """Booleans as read from a database, with missing treated as false."""
    return values.eq(True)


def as_float(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype(float)


def clip_to_cutoff(values: pd.Series, window: Window) -> pd.Series:
    """Instants after the period's end, or after the data was read (or missing: still open),
    become that cutoff."""
    instants = utc(values)
    return instants.where(instants.notna() & (instants < window.cutoff), window.cutoff)
