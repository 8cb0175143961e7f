"""Quality tier: what customers received and said, how replies were written, who came back."""

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from indicators.calculators.base import (
    Counted,
    Measured,
    RecordFrames,
    as_float,
    carrying,
    count_by,
    is_true,
    measured_mean,
    measured_percent,
    on_roster,
    utc,
    within,
)
from indicators.calculators.basic import CANCELLED
from org.periods import Window

# A customer has been with the company this long before the period starts to count as
# long-standing for the growth indicator.
LONG_STANDING_DAYS = 365


def feedback_rated(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Feedback submitted in the period with a satisfaction rating (1–5, the ``value``)."""
    feedback = frames.feedback[within(frames.feedback["submitted_at"], window)]
    feedback = feedback.assign(value=as_float(feedback["csat"]))
    return feedback[feedback["value"].notna()]


FEEDBACK_RATED = Counted(
    "feedback",
    "employee_id",
    feedback_rated,
    order=("value", "-submitted_at"),
    worse="below",
    needs=("csat",),
)


def csat(frames: RecordFrames, window: Window) -> Measured:
    """Mean satisfaction rating (1–5) of the feedback submitted in the period."""
    feedback = feedback_rated(frames, window)
    return measured_mean(feedback["employee_id"], feedback["value"], frames)


FULFILMENT = ("fulfilment_error",)
# An order counts for the trouble rate when its source says at least one of these.
TROUBLES = ("has_complaint", "is_returned", "is_refunded")


def orders_delivered(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Orders delivered in the period whose source says whether they were fulfilled right; one
    with a wrong item, quantity, specification or address ``hurts``."""
    orders = frames.orders[within(frames.orders["delivered_at"], window)]
    orders = carrying(orders, FULFILMENT)
    return orders.assign(hurts=is_true(orders["fulfilment_error"]))


ORDERS_DELIVERED = Counted(
    "orders",
    "merchandiser_id",
    orders_delivered,
    order=("-hurts", "-delivered_at"),
    needs=FULFILMENT,
)


def order_accuracy(frames: RecordFrames, window: Window) -> Measured:
    """Percent of orders delivered in the period without a wrong item, quantity, specification
    or address."""
    orders = orders_delivered(frames, window)
    return measured_percent(orders["merchandiser_id"], ~orders["hurts"], frames)


def orders_troubled(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Orders delivered in the period whose source says anything of complaints, returns or
    refunds; one that drew a complaint, a return or a refund ``hurts``."""
    orders = frames.orders[within(frames.orders["delivered_at"], window)]
    orders = carrying(orders, TROUBLES)
    troubled = (
        is_true(orders["has_complaint"])
        | is_true(orders["is_returned"])
        | is_true(orders["is_refunded"])
    )
    return orders.assign(hurts=troubled)


ORDERS_TROUBLED = Counted(
    "orders",
    "merchandiser_id",
    orders_troubled,
    order=("-hurts", "-delivered_at"),
    needs=TROUBLES,
)


def complaint_return_rate(frames: RecordFrames, window: Window) -> Measured:
    """Percent of orders delivered in the period that drew a complaint, a return or a refund."""
    orders = orders_troubled(frames, window)
    return measured_percent(orders["merchandiser_id"], orders["hurts"], frames)


def _comments_read(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """The period's feedback with a comment, each with its ``language`` and, where the lexicons
    read that language, its ``sentiment`` in [-1, 1] (both read once per comment text, see
    ``READ_FROM_TEXT``) and that mood on a 0–100 scale (50 neutral, the ``value``)."""
    feedback = frames.feedback[within(frames.feedback["submitted_at"], window)]
    feedback = feedback[feedback["language"].notna()]
    sentiment = feedback["sentiment"].astype("float64")
    return feedback.assign(sentiment=sentiment, value=50.0 * (sentiment + 1.0))


def feedback_moods(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """The period's feedback with a comment in Chinese or English, each with its ``sentiment``
    in [-1, 1] and that mood on a 0–100 scale (50 neutral, the ``value``). Feedback without a
    comment, or with one in another language, does not count."""
    comments = _comments_read(frames, window)
    return comments[comments["sentiment"].notna()]


FEEDBACK_MOODS = Counted(
    "feedback",
    "employee_id",
    feedback_moods,
    order=("value", "submitted_at"),
    worse="below",
    needs=("comment",),
)


def customer_sentiment(frames: RecordFrames, window: Window) -> Measured:
    """The mood of the period's feedback comments on a 0–100 scale (50 neutral): the mean
    sentiment in [-1, 1] mapped linearly. Feedback without a comment does not count; comments
    in a language the lexicons cannot read are counted apart (``set_aside``)."""
    comments = _comments_read(frames, window)
    read = comments["sentiment"].notna()
    mood = measured_mean(comments["employee_id"], comments["sentiment"], frames)
    return Measured(
        50.0 * (mood.value + 1.0),
        mood.counted,
        count_by(comments["employee_id"][~read], frames),
    )


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


def replies_checked(frames: RecordFrames, window: Window, named: bool = True) -> pd.DataFrame:
    """The period's written follow-ups checked against the reply checklist: one ``hurts`` when it
    lacks an element, and ``missing`` names those (space-separated; left empty unless
    ``named``). None while the checklist has no active rule."""
    rules = frames.compliance_rules
    follow_ups = frames.follow_ups[within(frames.follow_ups["occurred_at"], window)]
    text = _arrow_text(follow_ups["message"])
    written = pc.not_equal(pc.utf8_trim_whitespace(text), "").to_numpy(zero_copy_only=False)
    written = written & (not rules.empty)
    follow_ups, text = follow_ups[written], text.filter(written)
    found = {element: _matches(text, p) for element, p in checklist_patterns(rules).items()}
    compliant = np.ones(len(text), dtype=bool)
    for matched in found.values():
        compliant &= matched
    # Names only for a drill-down, and only for the replies that lack something: scoring runs
    # this over every reply of the company, where only the boolean matters.
    missing = np.full(len(text), "", dtype=object)
    lacking = ~compliant
    if named and lacking.any():
        names = np.full(int(lacking.sum()), "", dtype=str)
        for element, matched in found.items():
            names = np.char.add(names, np.where(matched[lacking], "", f"{element} "))
        missing[lacking] = np.char.rstrip(names)
    return follow_ups.assign(missing=missing, hurts=lacking)


REPLIES_CHECKED = Counted(
    "follow_ups",
    "employee_id",
    replies_checked,
    order=("-hurts", "-occurred_at"),
    needs=("message",),
)


def process_compliance(frames: RecordFrames, window: Window) -> Measured:
    """Percent of the period's written follow-ups that contain every element of the standard
    reply checklist. NaN for everyone when the checklist has no active rule."""
    if frames.compliance_rules.empty:
        nothing = on_roster(pd.Series(dtype=float), frames)
        return Measured(nothing, nothing.fillna(0.0))
    replies = replies_checked(frames, window, named=False)
    return measured_percent(replies["employee_id"], ~replies["hurts"], frames)


def _customer_counts(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Per merchandiser and customer, the non-cancelled orders submitted in the previous period
    (``before``) and in this one (``now``); pairs with neither left out."""
    orders = frames.orders
    submitted = utc(orders["submitted_at"])
    kept = orders["status"] != CANCELLED
    before = kept & (submitted >= window.previous_start) & (submitted < window.start)
    now = kept & (submitted >= window.start) & (submitted < window.end)
    pairs = pd.DataFrame(
        {
            "merchandiser_id": orders["merchandiser_id"],
            "customer_id": orders["customer_id"],
            "before": before.astype(int),
            "now": now.astype(int),
        }
    )[before | now]
    return pairs.groupby(["merchandiser_id", "customer_id"], as_index=False)[
        ["before", "now"]
    ].sum()


def customers_served(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """The customers a merchandiser served in the previous period, with their orders then and
    now; one who did not order again ``hurts``."""
    counts = _customer_counts(frames, window)
    served = counts[counts["before"] > 0]
    return served.assign(hurts=served["now"] == 0)


CUSTOMERS_SERVED = Counted(
    "orders", "merchandiser_id", customers_served, order=("-hurts", "-before"), key="customer_id"
)


def customer_repeat_rate(frames: RecordFrames, window: Window) -> Measured:
    """Percent of the customers a merchandiser served in the previous period who ordered from
    them again in this one. NaN for someone who served nobody in the previous period; the
    customers count."""
    served = customers_served(frames, window)
    return measured_percent(served["merchandiser_id"], ~served["hurts"], frames)


def long_customers(frames: RecordFrames, window: Window) -> pd.DataFrame:
    """Long-standing customers (with the company for at least a year when the period starts)
    with their orders last period and this one and the ``change``; a fall ``hurts``."""
    cutoff = pd.Timestamp(window.first_day) - pd.Timedelta(days=LONG_STANDING_DAYS)
    since = pd.to_datetime(frames.customers["customer_since"])
    long_standing = frames.customers.index[since <= cutoff]
    counts = _customer_counts(frames, window)
    counts = counts[counts["customer_id"].isin(long_standing)]
    change = counts["now"] - counts["before"]
    return counts.assign(change=change, hurts=change < 0)


LONG_CUSTOMERS = Counted(
    "orders", "merchandiser_id", long_customers, order=("change",), key="customer_id"
)


def long_customer_growth(frames: RecordFrames, window: Window) -> Measured:
    """Growth in percent of the number of orders from long-standing customers (with the company
    for at least a year when the period starts): this period against the previous one.
    NaN for someone with no such orders in the previous period (growth from zero is undefined);
    the previous period's orders are what counts (the base of the growth)."""
    counts = long_customers(frames, window).groupby("merchandiser_id")[["before", "now"]].sum()
    before = counts["before"].reindex(frames.roster, fill_value=0).astype(float)
    now = counts["now"].reindex(frames.roster, fill_value=0).astype(float)
    return Measured((now - before) / before.where(before > 0, np.nan) * 100.0, before)
