"""Quality tier: what customers received and said, how replies were written, who came back."""

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from indicators.calculators.base import (
    RecordFrames,
    as_float,
    count_by,
    is_true,
    mean_by,
    on_roster,
    percent_by,
    utc,
    within,
)
from indicators.calculators.basic import CANCELLED
from indicators.sentiment import sentiment_scores
from org.periods import Window

# A customer has been with the company this long before the period starts to count as
# long-standing for the growth indicator.
LONG_STANDING_DAYS = 365


def csat(frames: RecordFrames, window: Window) -> pd.Series:
    """Mean satisfaction rating (1–5) of the feedback submitted in the period."""
    feedback = frames.feedback[within(frames.feedback["submitted_at"], window)]
    return mean_by(feedback["employee_id"], as_float(feedback["csat"]), frames)


def _delivered(frames: RecordFrames, window: Window) -> pd.DataFrame:
    return frames.orders[within(frames.orders["delivered_at"], window)]


def order_accuracy(frames: RecordFrames, window: Window) -> pd.Series:
    """Percent of orders delivered in the period without a wrong item, quantity, specification
    or address."""
    orders = _delivered(frames, window)
    return percent_by(orders["merchandiser_id"], ~is_true(orders["fulfilment_error"]), frames)


def complaint_return_rate(frames: RecordFrames, window: Window) -> pd.Series:
    """Percent of orders delivered in the period that drew a complaint, a return or a refund."""
    orders = _delivered(frames, window)
    troubled = (
        is_true(orders["has_complaint"])
        | is_true(orders["is_returned"])
        | is_true(orders["is_refunded"])
    )
    return percent_by(orders["merchandiser_id"], troubled, frames)


def customer_sentiment(frames: RecordFrames, window: Window) -> pd.Series:
    """The mood of the period's feedback comments on a 0–100 scale (50 neutral): the mean
    sentiment in [-1, 1] mapped linearly. Feedback without a comment does not count."""
    feedback = frames.feedback[within(frames.feedback["submitted_at"], window)]
    scores = sentiment_scores(feedback["comment"])
    return 50.0 * (mean_by(feedback["employee_id"], scores, frames) + 1.0)


def checklist_patterns(rules: pd.DataFrame) -> dict[str, str]:
    """One pattern per checklist element, matching any of its rules (keywords literally, regular
    expressions as written); matched without regard to case."""
    patterns: dict[str, str] = {}
    for element, group in rules.groupby("element", sort=True):
        alternatives = [
            pattern if kind == "regex" else re.escape(pattern)
            for kind, pattern in zip(group["kind"], group["pattern"], strict=True)
        ]
        patterns[str(element)] = "|".join(f"(?:{a})" for a in alternatives)
    return patterns


def _matches(arrow_text: pa.Array, pattern: str) -> np.ndarray:
    """Which texts contain ``pattern``: vectorised with Arrow's RE2, or Python's ``re`` for the
    few constructs RE2 lacks (look-around, back-references)."""
    try:
        found = pc.match_substring_regex(arrow_text, pattern, ignore_case=True)
        return found.to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        compiled = re.compile(pattern, re.IGNORECASE)
        return np.array([compiled.search(text) is not None for text in arrow_text.to_pylist()])


def _arrow_text(messages: pd.Series) -> pa.Array:
    """The messages as one Arrow string array, missing ones empty."""
    return pc.fill_null(pa.array(messages, type=pa.string(), from_pandas=True), "")


def _all_elements(arrow_text: pa.Array, rules: pd.DataFrame) -> np.ndarray:
    compliant = np.ones(len(arrow_text), dtype=bool)
    for pattern in checklist_patterns(rules).values():
        compliant &= _matches(arrow_text, pattern)
    return compliant


def compliant_messages(messages: pd.Series, rules: pd.DataFrame) -> pd.Series:
    """Whether each message contains every element of the checklist."""
    return pd.Series(_all_elements(_arrow_text(messages), rules), index=messages.index)


def process_compliance(frames: RecordFrames, window: Window) -> pd.Series:
    """Percent of the period's written follow-ups that contain every element of the standard
    reply checklist. NaN for everyone when the checklist has no active rule."""
    if frames.compliance_rules.empty:
        return on_roster(pd.Series(dtype=float), frames)
    follow_ups = frames.follow_ups[within(frames.follow_ups["occurred_at"], window)]
    text = _arrow_text(follow_ups["message"])
    written = pc.not_equal(pc.utf8_trim_whitespace(text), "").to_numpy(zero_copy_only=False)
    compliant = _all_elements(text.filter(written), frames.compliance_rules)
    return percent_by(follow_ups["employee_id"][written], pd.Series(compliant), frames)


def _customer_orders(frames: RecordFrames, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Non-cancelled orders submitted in ``[start, end)``, one row per order."""
    orders = frames.orders
    submitted = utc(orders["submitted_at"])
    keep = (submitted >= start) & (submitted < end) & (orders["status"] != CANCELLED)
    return orders.loc[keep, ["merchandiser_id", "customer_id"]]


def customer_repeat_rate(frames: RecordFrames, window: Window) -> pd.Series:
    """Percent of the customers a merchandiser served in the previous period who ordered from
    them again in this one. NaN for someone who served nobody in the previous period."""
    before = _customer_orders(frames, window.previous_start, window.start).drop_duplicates()
    now = _customer_orders(frames, window.start, window.end).drop_duplicates()
    returned = before.merge(now, how="left", indicator=True)["_merge"] == "both"
    return percent_by(before["merchandiser_id"], returned.set_axis(before.index), frames)


def long_customer_growth(frames: RecordFrames, window: Window) -> pd.Series:
    """Growth in percent of the number of orders from long-standing customers (with the company
    for at least a year when the period starts): this period against the previous one.
    NaN for someone with no such orders in the previous period (growth from zero is undefined)."""
    cutoff = pd.Timestamp(window.first_day) - pd.Timedelta(days=LONG_STANDING_DAYS)
    since = pd.to_datetime(frames.customers["customer_since"])
    long_standing = frames.customers.index[since <= cutoff]

    def orders_per_merchandiser(start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        orders = _customer_orders(frames, start, end)
        orders = orders[orders["customer_id"].isin(long_standing)]
        return count_by(orders["merchandiser_id"], frames)

    before = orders_per_merchandiser(window.previous_start, window.start)
    now = orders_per_merchandiser(window.start, window.end)
    return (now - before) / before.where(before > 0, np.nan) * 100.0
