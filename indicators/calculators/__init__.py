"""The calculators, one per indicator, by the key an IndicatorDefinition names.

Each is a pure function ``(RecordFrames, Window) -> Measured``: raw values indexed by employee
id over the roster and how many records each person's value counted; see ``base`` for the rules
they share. Each aggregates the records its ``Counted`` rule keeps, which is also what its
drill-down lists (``indicators.records``). Whether a value is measured at all (fed by a source,
enough records) is judged here, in one place: ``measured_values``.
"""

import math
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.calculators import basic, efficiency, innovation, quality
from indicators.calculators.base import Calculator, Counted, Measured, RecordFrames
from org.periods import Window

# Why an indicator is not measured for a person, as ``EmployeeScore.not_measured`` keeps it.
NOT_FED = "not_fed"  # no source feeds the record type, or any field its rule needs
UNSUPPORTED_LANGUAGE = "unsupported_language"  # all the person's comments are unreadable
NO_RECORDS = "no_records"  # none of the person's records of the period count
TOO_FEW = "too_few"  # fewer counted records than the indicator's minimum volume
NO_VALUE = "no_value"  # records, but no value (growth from nothing, no checklist rule)

CALCULATORS: dict[str, Calculator] = {
    "order_volume": basic.order_volume,
    "follow_up_count": basic.follow_up_count,
    "order_entry_accuracy": basic.order_entry_accuracy,
    "order_response_time": efficiency.order_response_time,
    "node_on_time_rate": efficiency.node_on_time_rate,
    "exception_handling_hours": efficiency.exception_handling_hours,
    "first_contact_resolution": efficiency.first_contact_resolution,
    "csat": quality.csat,
    "order_accuracy": quality.order_accuracy,
    "complaint_return_rate": quality.complaint_return_rate,
    "customer_sentiment": quality.customer_sentiment,
    "process_compliance": quality.process_compliance,
    "customer_repeat_rate": quality.customer_repeat_rate,
    "long_customer_growth": quality.long_customer_growth,
    "accepted_suggestions": innovation.accepted_suggestions,
    "training_completion": innovation.training_completion,
    "collaboration_360": innovation.collaboration_360,
}


# Which records each calculator counts (its own rule, stated next to it): what its drill-down
# lists. Keyed as ``CALCULATORS``.
COUNTED: dict[str, Counted] = {
    "order_volume": basic.ORDERS_SUBMITTED,
    "follow_up_count": basic.FOLLOW_UPS_HELD,
    "order_entry_accuracy": basic.ORDER_ENTRIES,
    "order_response_time": efficiency.ORDERS_ANSWERED,
    "node_on_time_rate": efficiency.NODES_DUE,
    "exception_handling_hours": efficiency.EXCEPTION_CLOCKS,
    "first_contact_resolution": efficiency.TICKETS_RESOLVED,
    "csat": quality.FEEDBACK_RATED,
    "order_accuracy": quality.ORDERS_DELIVERED,
    "complaint_return_rate": quality.ORDERS_TROUBLED,
    "customer_sentiment": quality.FEEDBACK_MOODS,
    "process_compliance": quality.REPLIES_CHECKED,
    "customer_repeat_rate": quality.CUSTOMERS_SERVED,
    "long_customer_growth": quality.LONG_CUSTOMERS,
    "accepted_suggestions": innovation.SUGGESTIONS_ACCEPTED,
    "training_completion": innovation.TRAININGS_DUE,
    "collaboration_360": innovation.PEER_REVIEWS_GIVEN,
}


@dataclass(frozen=True)
class MeasuredValues:
    """``raw``: employees × indicator codes, NaN where not measured. ``not_measured``: the same
    shape, for each NaN of ``raw`` why (``{"reason": TOO_FEW…, "counted": n}``, with
    ``"minimum"`` for ``TOO_FEW``, ``"set_aside"`` for ``UNSUPPORTED_LANGUAGE``; just the reason
    for ``NOT_FED``, what the rule needs being the calculator's), ``None`` where measured."""

    raw: pd.DataFrame
    not_measured: pd.DataFrame


def measured_values(
    calculator_keys: Mapping[str, str],
    frames: RecordFrames,
    window: Window,
    min_volumes: Mapping[str, float | None] | None = None,
) -> MeasuredValues:
    """Raw values for several indicators: one column per indicator code (``calculator_keys`` maps
    code → calculator key), one row per employee on the roster, and why a value is missing.

    An indicator is not measured for anyone when no source feeds what its rule needs
    (``RecordFrames.feeds``: a count of nothing fed is not a real 0), and not for a person whose
    counted records are fewer than its minimum volume (``min_volumes``, by code; none for counts).

    Calculators only read the frames, so they run on two threads: while one matches the reply
    checklist (Arrow's regular expressions release the GIL) the other does the rest.
    """
    min_volumes = min_volumes or {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            code: pool.submit(CALCULATORS[key], frames, window)
            for code, key in calculator_keys.items()
        }
        measured = {code: future.result() for code, future in futures.items()}
    raw, reasons = {}, {}
    for code, key in calculator_keys.items():
        counted = COUNTED.get(key)
        fed = counted is None or frames.feeds(counted.frame, counted.needs)
        raw[code], reasons[code] = _judged(measured[code], fed, min_volumes.get(code))
    return MeasuredValues(
        raw=pd.DataFrame(raw, index=frames.roster),
        not_measured=pd.DataFrame(reasons, index=frames.roster, dtype=object),
    )


def _judged(
    measured: Measured, fed: bool, minimum: float | None
) -> tuple[pd.Series, list[dict | None]]:
    """One indicator's values with those below ``minimum`` counted records dropped, and the
    reason for each missing value (``None`` where measured)."""
    value = measured.value.to_numpy(dtype=float, copy=True)
    counted = measured.counted.to_numpy(dtype=float)
    if not fed:
        value[:] = np.nan
        reason = {"reason": NOT_FED}
        return pd.Series(value, index=measured.value.index), [reason] * len(value)
    too_few = np.zeros(len(value), dtype=bool)
    if minimum is not None and not math.isnan(minimum) and minimum > 0:
        too_few = (counted > 0) & (counted < minimum)
        value[too_few] = np.nan
    set_aside = (
        np.zeros(len(value))
        if measured.set_aside is None
        else measured.set_aside.to_numpy(dtype=float)
    )
    reasons: list[dict | None] = [None] * len(value)
    # One dict per distinct reason, shared by everyone it applies to (worded and stored once).
    shared: dict[tuple[str, int, int], dict] = {}
    for position in np.flatnonzero(np.isnan(value)).tolist():
        count = int(counted[position])
        if too_few[position]:
            key = (TOO_FEW, count, int(minimum or 0))
        elif count == 0 and set_aside[position] > 0:
            key = (UNSUPPORTED_LANGUAGE, 0, int(set_aside[position]))
        elif count == 0:
            key = (NO_RECORDS, 0, 0)
        else:
            key = (NO_VALUE, count, 0)
        if key not in shared:
            shared[key] = _reason(*key)
        reasons[position] = shared[key]
    return pd.Series(value, index=measured.value.index), reasons


def _reason(reason: str, counted: int, extra: int) -> dict:
    """A reason as stored: ``extra`` is the minimum for ``TOO_FEW``, the comments set aside for
    ``UNSUPPORTED_LANGUAGE``."""
    if reason == TOO_FEW:
        return {"reason": reason, "counted": counted, "minimum": extra}
    if reason == UNSUPPORTED_LANGUAGE:
        return {"reason": reason, "counted": counted, "set_aside": extra}
    return {"reason": reason, "counted": counted}


def needed_fields(calculator: str) -> list[str]:
    """What a calculator's rule needs: its record frame, then the fields of it (one of them);
    empty for a calculator without a counted rule."""
    counted = COUNTED.get(calculator)
    return [counted.frame, *counted.needs] if counted is not None else []
