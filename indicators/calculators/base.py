"""What every calculator receives, and the few operations they share.

Calculators are pure: ``RecordFrames`` and a ``Window`` in, a ``pd.Series`` of raw values out,
indexed by employee id over the whole roster. A person without the data an indicator needs gets
NaN (the scoring engine's missing-data rule then applies), never a made-up 0; counts are the
exception, because having handled nothing is a real zero for someone on the roster.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

import pandas as pd

from org.periods import Window

HOUR = pd.Timedelta(hours=1)


# The columns of each record frame, as read for a period (``record_frames``) and as calculators
# use them. Employees and customers are indexed by their ``id``.
FRAME_COLUMNS: dict[str, list[str]] = {
    "employees": ["id", "team_id", "level"],
    "customers": ["id", "tier", "customer_since"],
    "orders": [
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
    ],
    "node_counts": ["merchandiser_id", "due", "on_time"],
    "follow_ups": ["employee_id", "occurred_at", "message"],
    "feedback": ["employee_id", "submitted_at", "csat", "comment"],
    "exceptions": ["handler_id", "detected_at", "coordination_started_at", "resolved_at"],
    "ticket_counts": ["employee_id", "resolved", "first_contact"],
    "suggestions": ["employee_id", "status", "decided_at"],
    "trainings": ["employee_id", "is_required", "due_on", "completed_at"],
    "peer_reviews": ["reviewee_id", "period", "score"],
    "compliance_rules": ["element", "kind", "pattern"],
    # Per record, for one person's drill-down only (the calculators get these counted).
    "nodes": ["id", "merchandiser_id", "due_at", "completed_at", "on_time"],
    "tickets": ["id", "employee_id", "resolved_at", "contacts_until_resolved", "first_contact"],
}
INDEXED_BY_ID = ("employees", "customers")
# Columns a frame gets after it is read: each feedback comment's reading (``indicators.comments``:
# its language, and its sentiment and the words that made it where the lexicons read it), kept by
# the database so that no scoring run reads a comment again (``indicators.readings``).
READ_FROM_TEXT: dict[str, list[str]] = {"feedback": ["language", "sentiment", "evidence"]}
# Frames the database counts per employee rather than sending every record.
COUNTED_PER_EMPLOYEE = ("node_counts", "ticket_counts")
# The frame a counted rule's records arrive in while scoring, where it differs from the frame the
# rule lists for a drill-down.
FED_BY = {"nodes": "node_counts", "tickets": "ticket_counts"}


# The record frames whose records feed indicators (``RecordFrames.feeds``), and the optional
# fields their rules need: ``CARRIED`` when not NULL, ``WRITTEN`` when not empty.
FED_FRAMES = (
    "orders",
    "feedback",
    "follow_ups",
    "trainings",
    "exceptions",
    "peer_reviews",
    "suggestions",
    "nodes",
    "tickets",
)
CARRIED = {
    "orders": ("entry_errors", "fulfilment_error", "has_complaint", "is_returned", "is_refunded"),
    "feedback": ("csat",),
    "trainings": ("is_required",),
}
WRITTEN = {"feedback": ("comment",), "follow_ups": ("message",)}


def fed_in(frames: Mapping[str, pd.DataFrame], window: Window | None = None) -> frozenset[str]:
    """What ``frames`` show the sources fed: each of ``FED_FRAMES`` with a record, and
    ``frame.field`` for each field of ``CARRIED`` and ``WRITTEN`` some record carries. Orders
    count when submitted or delivered in ``window`` (the frames also hold the previous period's,
    for retention); without one, every order does."""
    fed: set[str] = set()
    for frame in FED_FRAMES:
        records = frames[FED_BY.get(frame, frame)]
        if frame == "orders" and window is not None:
            records = records[
                within(records["submitted_at"], window) | within(records["delivered_at"], window)
            ]
        if records.empty:
            continue
        fed.add(frame)
        fed |= {f"{frame}.{name}" for name in CARRIED.get(frame, ()) if records[name].notna().any()}
        fed |= {
            f"{frame}.{name}"
            for name in WRITTEN.get(frame, ())
            if records[name].fillna("").ne("").any()
        }
    return frozenset(fed)


def _empty(name: str) -> pd.DataFrame:
    columns = [c for c in FRAME_COLUMNS[name] if not (name in INDEXED_BY_ID and c == "id")]
    columns += READ_FROM_TEXT.get(name, [])
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


@dataclass(frozen=True)
class RecordFrames:
    """One frame per record type, as read for a period, with the columns of ``FRAME_COLUMNS``.

    Times are UTC ``datetime64``; ``customer_since``, ``due_on`` and ``period`` (the first of the
    month reviewed) are dates; ``compliance_rules.kind`` is keyword or regex.

    Process nodes come counted, a hundred and more a person a month being too many to send:
    ``node_counts`` has per merchandiser (of the node's order) the nodes ``due`` in the period,
    those whose deadline (start + threshold) falls in ``[start, cutoff)``, and how many of them
    were completed by it (``on_time``); a still open node is late. Tickets come counted too:
    ``ticket_counts`` has per person the tickets ``resolved`` in the period and how many of them
    took a single contact (``first_contact``). A drill-down reads one person's ``nodes`` and
    ``tickets`` one by one instead, each judged by the database by the same rule (``on_time``,
    ``first_contact``).
    """

    employees: pd.DataFrame
    customers: pd.DataFrame = field(default_factory=partial(_empty, "customers"))
    orders: pd.DataFrame = field(default_factory=partial(_empty, "orders"))
    node_counts: pd.DataFrame = field(default_factory=partial(_empty, "node_counts"))
    follow_ups: pd.DataFrame = field(default_factory=partial(_empty, "follow_ups"))
    feedback: pd.DataFrame = field(default_factory=partial(_empty, "feedback"))
    exceptions: pd.DataFrame = field(default_factory=partial(_empty, "exceptions"))
    ticket_counts: pd.DataFrame = field(default_factory=partial(_empty, "ticket_counts"))
    suggestions: pd.DataFrame = field(default_factory=partial(_empty, "suggestions"))
    trainings: pd.DataFrame = field(default_factory=partial(_empty, "trainings"))
    peer_reviews: pd.DataFrame = field(default_factory=partial(_empty, "peer_reviews"))
    compliance_rules: pd.DataFrame = field(default_factory=partial(_empty, "compliance_rules"))
    nodes: pd.DataFrame = field(default_factory=partial(_empty, "nodes"))
    tickets: pd.DataFrame = field(default_factory=partial(_empty, "tickets"))
    # What the company's sources fed for the period, whoever is on the roster: record frames
    # (``orders``) that have records, and fields (``orders.entry_errors``) some record carries.
    # ``None``: judge by these frames themselves (frames built by hand, in tests).
    fed: frozenset[str] | None = None

    @property
    def roster(self) -> pd.Index:
        return self.employees.index

    def feeds(self, frame: str, needs: tuple[str, ...] = ()) -> bool:
        """Whether any source fed ``frame`` in the period, and, if the rule ``needs`` fields,
        at least one of them."""
        fed = self.fed
        if fed is None:  # frames built by hand: what they hold was fed
            fed = fed_in(vars(self))
        return frame in fed and (not needs or any(f"{frame}.{name}" in fed for name in needs))


class Measured(NamedTuple):
    """A calculator's answer, over the roster: the raw ``value`` (NaN where the person has no
    record that carries what it needs), how many records it ``counted`` per person (0 for none;
    minimum volumes and the reasons for "not measured" are judged from it, in one place:
    ``indicators.calculators.measured_values``), and for sentiment how many comments it
    ``set_aside`` for being in a language it cannot read."""

    value: pd.Series
    counted: pd.Series
    set_aside: pd.Series | None = None


Calculator = Callable[[RecordFrames, Window], Measured]


@dataclass(frozen=True)
class Counted:
    """Which records an indicator counts, stated once for its calculator and its drill-down.

    ``records(frames, window)`` keeps the records that count, one row each, with ``person``
    (whose record it is) and the columns the rule adds: ``hurts`` where the record pulls the
    number down, ``value`` where the number is a mean of per-record values. The calculator
    aggregates these rows over the roster; the drill-down (``indicators.records``) runs the same
    function on one person's records, read with the columns it shows, and lists the rows worst
    first, by ``order`` (column names, ``-`` for descending). ``frame`` is the record frame the
    rows come from, ``key`` the column naming a row (the record's ``id``, or ``customer_id`` for
    rows per customer), ``needs`` the fields a record must carry (one of) to count. Where
    ``worse`` is ``above`` or ``below``, a ``value`` beyond the person's target on that side
    hurts.
    """

    frame: str
    person: str
    records: Callable[[RecordFrames, Window], pd.DataFrame]
    order: tuple[str, ...] = ()
    key: str = "id"
    worse: str = ""
    # Fields of ``frame`` the rule reads: a record carrying none of them (NULL: no source says)
    # does not count, and no source feeding any of them leaves the indicator not measured.
    needs: tuple[str, ...] = ()


def utc(values: pd.Series) -> pd.Series:
    """A column of instants as UTC ``datetime64`` (NaT for missing), whatever it arrived as."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) and str(values.dtype.tz) == "UTC":
        return values  # as the selector reads them: converting again would copy every value
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


def measured_count(employee_ids: pd.Series, frames: RecordFrames) -> Measured:
    """A count indicator: the rows each employee has, each row counted."""
    counts = count_by(employee_ids, frames)
    return Measured(counts, counts)


def measured_mean(employee_ids: pd.Series, values: pd.Series, frames: RecordFrames) -> Measured:
    """``mean_by``, with the rows that carry a value counted."""
    return Measured(
        mean_by(employee_ids, values, frames), count_by(employee_ids[values.notna()], frames)
    )


def measured_percent(employee_ids: pd.Series, hits: pd.Series, frames: RecordFrames) -> Measured:
    """``percent_by``, with the rows counted."""
    return Measured(percent_by(employee_ids, hits, frames), count_by(employee_ids, frames))


def percent_counted(
    counts: pd.DataFrame, employee: str, hits: str, total: str, frames: RecordFrames
) -> Measured:
    """Each employee's ``hits`` out of ``total`` in percent, from a frame the database counted
    (one row per ``employee``); NaN for an employee without a row. ``total`` is what counted."""
    counts = counts.set_index(employee)
    totals = as_float(counts[total])
    return Measured(
        on_roster(as_float(counts[hits]) / totals * 100.0, frames),
        totals.reindex(frames.roster, fill_value=0.0).astype(float),
    )


def carrying(rows: pd.DataFrame, needs: tuple[str, ...]) -> pd.DataFrame:
    """The rows that carry at least one of the fields ``needs`` (not NULL): a record no source
    said anything about on those fields neither helps nor hurts."""
    known = rows[list(needs)].notna().any(axis=1)
    return rows[known]


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
