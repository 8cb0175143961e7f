"""The calculators, one per indicator, by the key an IndicatorDefinition names.

Each is a pure function ``(RecordFrames, Window) -> pd.Series`` of raw values indexed by employee
id over the roster; see ``base`` for the rules they share. Each aggregates the records its
``Counted`` rule keeps, which is also what its drill-down lists (``indicators.records``).
"""

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from indicators.calculators import basic, efficiency, innovation, quality
from indicators.calculators.base import Calculator, Counted, RecordFrames
from org.periods import Window

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


def raw_values(
    calculator_keys: dict[str, str], frames: RecordFrames, window: Window
) -> pd.DataFrame:
    """Raw values for several indicators: one column per indicator code (``calculator_keys`` maps
    code → calculator key), one row per employee on the roster.

    Calculators only read the frames, so they run on two threads: while one matches the reply
    checklist (Arrow's regular expressions release the GIL) the other does the rest.
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            code: pool.submit(CALCULATORS[key], frames, window)
            for code, key in calculator_keys.items()
        }
        columns = {code: future.result().rename(code) for code, future in futures.items()}
    return pd.DataFrame(columns, index=frames.roster)
