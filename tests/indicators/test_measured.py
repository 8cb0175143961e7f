"""Measured only: which values count as measured, and why one is not (pure, no database).

An indicator is not measured for anyone when no source feeds what it needs; for a person when
their records are fewer than its minimum volume, or when all their comments are in a language
the sentiment lexicons cannot read."""

import numpy as np
import pandas as pd
import pytest

from indicators.calculators import (
    NO_RECORDS,
    NOT_FED,
    TOO_FEW,
    UNSUPPORTED_LANGUAGE,
    measured_values,
    needed_fields,
)
from indicators.calculators.base import RecordFrames
from indicators.languages import UNSUPPORTED, comment_language, comment_languages
from tests.indicators.test_calculators import EMPLOYEES, WINDOW, feedback_table, order, sh, table

IN_OCTOBER = sh("2026-10-10 09:00")


def _orders(merchandiser: int, count: int, **fields) -> list[dict]:
    return [order(merchandiser, IN_OCTOBER, delivered=IN_OCTOBER, **fields) for _ in range(count)]


def _unmapped(rows: list[dict]) -> pd.DataFrame:
    """Orders from a source whose mapping fills none of the error and trouble fields."""
    frame = pd.DataFrame(rows)
    for name in ("entry_errors", "fulfilment_error", "is_returned", "is_refunded", "has_complaint"):
        frame[name] = None
    return frame


def test_fields_no_source_fills_leave_their_indicators_not_measured_for_everyone():
    frames = RecordFrames(employees=EMPLOYEES, orders=_unmapped(_orders(1, 6) + _orders(2, 2)))
    keys = {code: code for code in ("order_volume", "order_entry_accuracy", "order_accuracy")}
    keys["complaint_return_rate"] = "complaint_return_rate"
    values = measured_values(keys, frames, WINDOW, {"order_entry_accuracy": 5})
    # The orders themselves are fed: volume is measured, 0 a real 0 for employee 3.
    assert values.raw["order_volume"].tolist() == [6.0, 2.0, 0.0]
    for code in ("order_entry_accuracy", "order_accuracy", "complaint_return_rate"):
        assert values.raw[code].isna().all()
        reasons = values.not_measured[code].tolist()
        assert {reason["reason"] for reason in reasons} == {NOT_FED}
    assert values.not_measured.loc[1, "order_entry_accuracy"] == {"reason": NOT_FED}
    assert needed_fields("order_entry_accuracy") == ["orders", "entry_errors"]


def test_a_record_whose_needed_field_is_null_neither_helps_nor_hurts():
    rows = _orders(1, 4, entry_errors=0) + _orders(1, 1, entry_errors=2)
    rows += [dict(row, entry_errors=None) for row in _orders(1, 3)]
    frames = RecordFrames(employees=EMPLOYEES, orders=pd.DataFrame(rows))
    values = measured_values({"acc": "order_entry_accuracy"}, frames, WINDOW, {"acc": 5})
    # 4 clean out of the 5 that say: 80%; the 3 silent ones are not counted at all.
    assert values.raw.loc[1, "acc"] == pytest.approx(80.0)
    assert values.not_measured.loc[2, "acc"] == {"reason": NO_RECORDS, "counted": 0}


def test_no_record_of_a_type_in_the_company_leaves_its_count_not_measured_not_zero():
    frames = RecordFrames(employees=EMPLOYEES, orders=pd.DataFrame(_orders(1, 1)))
    values = measured_values(
        {"follow": "follow_up_count", "ideas": "accepted_suggestions"}, frames, WINDOW
    )
    assert values.raw.isna().all().all()
    assert {reason["reason"] for reason in values.not_measured["follow"]} == {NOT_FED}
    # Once anything feeds follow-ups, having none is a real 0.
    fed = RecordFrames(
        employees=EMPLOYEES,
        follow_ups=table("employee_id occurred_at message", (1, IN_OCTOBER, "您好")),
    )
    counts = measured_values({"follow": "follow_up_count"}, fed, WINDOW).raw["follow"]
    assert counts.tolist() == [1.0, 0.0, 0.0]


def test_fed_is_what_the_company_has_not_what_this_part_of_it_has():
    # Scoring a team with no orders, while the company's sources do feed orders.
    frames = RecordFrames(employees=EMPLOYEES, fed=frozenset({"orders"}))
    values = measured_values({"volume": "order_volume"}, frames, WINDOW)
    assert values.raw["volume"].tolist() == [0.0, 0.0, 0.0]
    unfed = RecordFrames(employees=EMPLOYEES, fed=frozenset())
    assert measured_values({"volume": "order_volume"}, unfed, WINDOW).raw["volume"].isna().all()


@pytest.mark.parametrize(("ratings", "measured"), [(3, False), (4, False), (5, True), (7, True)])
def test_a_rate_or_mean_below_its_minimum_volume_is_not_measured(ratings, measured):
    rows = [(1, IN_OCTOBER, 4, None)] * ratings + [(2, IN_OCTOBER, 5, None)] * 5
    frames = RecordFrames(employees=EMPLOYEES, feedback=feedback_table(*rows))
    values = measured_values({"csat": "csat"}, frames, WINDOW, {"csat": 5})
    assert values.raw.loc[2, "csat"] == 5.0
    if measured:
        assert values.raw.loc[1, "csat"] == 4.0
        assert values.not_measured.loc[1, "csat"] is None
    else:
        assert np.isnan(values.raw.loc[1, "csat"])
        assert values.not_measured.loc[1, "csat"] == {
            "reason": TOO_FEW,
            "counted": ratings,
            "minimum": 5,
        }


def test_counts_have_no_minimum_volume():
    frames = RecordFrames(employees=EMPLOYEES, orders=pd.DataFrame(_orders(1, 1)))
    values = measured_values({"volume": "order_volume"}, frames, WINDOW, {"volume": None})
    assert values.raw["volume"].tolist() == [1.0, 0.0, 0.0]


PORTUGUESE = [
    "Produto chegou com defeito",
    "Muito bom, recomendo",
    "Entrega rápida e produto ótimo",
    "Não recebi o pedido",
    "Excelente atendimento",
]
CHINESE = ["非常满意", "发货太慢了", "服务很好", "包装破损", "还行"]
ENGLISH = ["Great service", "Too slow", "Very good", "The package was damaged", "ok"]


def test_portuguese_comments_leave_sentiment_not_measured_with_the_reason():
    rows = [
        (person, IN_OCTOBER, None, text)
        for person, texts in ((1, PORTUGUESE), (2, CHINESE), (3, ENGLISH))
        for text in texts
    ]
    frames = RecordFrames(employees=EMPLOYEES, feedback=feedback_table(*rows))
    values = measured_values({"mood": "customer_sentiment"}, frames, WINDOW, {"mood": 5})
    assert np.isnan(values.raw.loc[1, "mood"])
    assert values.not_measured.loc[1, "mood"] == {
        "reason": UNSUPPORTED_LANGUAGE,
        "counted": 0,
        "set_aside": 5,
    }
    # Chinese and English comments are read: 2 nets positive and negative, 3 too.
    assert values.raw.loc[[2, 3], "mood"].notna().all()
    assert values.not_measured.loc[[2, 3], "mood"].isna().all()


def test_a_few_unreadable_comments_among_readable_ones_are_left_out_not_read_as_neutral():
    rows = [(1, IN_OCTOBER, None, "非常满意")] * 5 + [(1, IN_OCTOBER, None, "Muito bom")] * 5
    frames = RecordFrames(employees=EMPLOYEES, feedback=feedback_table(*rows))
    mood = measured_values({"mood": "customer_sentiment"}, frames, WINDOW).raw.loc[1, "mood"]
    only_chinese = RecordFrames(employees=EMPLOYEES, feedback=feedback_table(*rows[:5]))
    alone = measured_values({"mood": "customer_sentiment"}, only_chinese, WINDOW).raw.loc[1, "mood"]
    assert mood == pytest.approx(alone) and mood > 50


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("跟单员响应非常及时，沟通顺畅，非常满意！", "zh"),
        ("速度很快 good", "zh"),
        ("Product is fine but shipping took longer than promised.", "en"),
        ("Average experience.", "en"),
        ("good", "en"),
        ("Didn't arrive on time", "en"),
        *((text, UNSUPPORTED) for text in PORTUGUESE),
        ("Producto llegó tarde", UNSUPPORTED),
        ("Sehr gut, danke", UNSUPPORTED),
        ("ありがとうございます", UNSUPPORTED),
        ("👍👍", UNSUPPORTED),
    ],
)
def test_comment_language(text, language):
    assert comment_language(text) == language


def test_blank_comments_have_no_language():
    languages = comment_languages(pd.Series(["好评", "  ", None, "Obrigado"]))
    assert languages.tolist()[0] == "zh" and languages.tolist()[3] == UNSUPPORTED
    assert languages.iloc[1:3].isna().all()
