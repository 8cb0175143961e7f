"""Measured only, through the real pipeline: what no source provides is not measured, for
everyone, and its weight is shared by the measured indicators; too few records leave a rate not
measured for that person; the scorecard says why."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from indicators.models import SchemeWeight
from indicators.selectors import scheme_in_force
from ingest.models import Order, Source
from ingest.services import records_push
from org.models import Level
from org.periods import Period
from scoring.models import EmployeeScore, IndicatorScore
from scoring.services import compute_period
from tests.factories import CustomerFactory, FeedbackFactory, FollowUpFactory, OrderFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = Period.parse("2026-10")
UNFED = ("order_entry_accuracy", "order_accuracy", "complaint_return_rate")
# An ERP that says nothing of entry errors, fulfilment errors, complaints, returns or refunds.
ORDERS_WITHOUT_ERRORS = {
    "timezone": "Asia/Shanghai",
    "fields": {
        "external_id": "order_no",
        "submitted_at": "submitted",
        "source_created_at": "submitted",
        "confirmed_at": "confirmed",
        "shipped_at": "shipped",
        "delivered_at": "delivered",
        "merchandiser": "staff_no",
        "customer": "customer_code",
        "amount": "amount",
        "status": "state",
    },
    "lookups": {"merchandiser": "employee_no", "customer": "external_id"},
}


def _push_orders(employee) -> None:
    """Five October orders of ``employee`` through ``ORDERS_WITHOUT_ERRORS``, each confirmed 7.5
    hours after the customer's click and delivered three days later."""
    customer = CustomerFactory(external_id="C001")
    source = Source.objects.create(
        name="erp-push", kind="rest", mappings={"order": ORDERS_WITHOUT_ERRORS}
    )
    rows = [
        {
            "order_no": f"SO{day:04d}",
            "submitted": f"2026-10-{day:02d} 09:00:00",
            "confirmed": f"2026-10-{day:02d} 16:30:00",
            "shipped": f"2026-10-{day + 1:02d} 10:00:00",
            "delivered": f"2026-10-{day + 3:02d} 10:00:00",
            "staff_no": employee.employee_no,
            "customer_code": customer.external_id,
            "amount": "1000.00",
            "state": "delivered",
        }
        for day in range(2, 7)
    ]
    run = records_push(source=source, record_type="order", rows=rows, trigger="webhook")
    assert (run.created, run.rejected) == (5, 0), list(run.rejected_rows.values("reasons"))


def _score(employee) -> EmployeeScore:
    return EmployeeScore.objects.get(employee=employee, is_current=True)


def _lines(score: EmployeeScore) -> dict[str, IndicatorScore]:
    return {line.indicator.code: line for line in score.indicators.select_related("indicator")}


def test_an_order_source_without_error_fields_stores_null_and_its_weight_is_shared(
    org_chart, settings
):
    """王芳 (intermediate, east team) has five orders from this ERP in October, each confirmed
    7.5 hours after the customer's click and delivered three days later; nothing else is fed.
    (So little is measured that she would be "not enough data": the minimum measured weight is
    off here to show the re-shared total; it is tested in tests/scoring/test_engine.py.)

    - Order volume (percentile in the team): her teammates have no records, so they are not
      scored and not her peers; alone, she scores 50.
    - Order response time (linear, baseline 24 h, target 2 h): (24 − 7.5) / (24 − 2) · 100 = 75.
    - Entry accuracy, order accuracy and the complaint/return rate: no source provides their
      fields, so not measured (with model defaults they would have scored 100 and 0 %).
    - Repeat rate and growth: no orders in September, not measured; nothing else is fed.

    Total = (w_vol · 50 + w_resp · 75) / (w_vol + w_resp), with w the global weights of the
    intermediate scheme: the two measured indicators share all the weight.
    """
    settings.PERF_SCORING = {**settings.PERF_SCORING, "min_measured_weight": 0.0}
    wang = org_chart["east_a"]
    _push_orders(wang)
    stored = Order.objects.values_list(
        "entry_errors", "fulfilment_error", "is_returned", "is_refunded", "has_complaint"
    )
    assert set(stored) == {(None, None, None, None, None)}

    compute_period(OCTOBER)

    scheme = scheme_in_force(level=Level.INTERMEDIATE, on=OCTOBER.last_day)
    weights = dict(
        SchemeWeight.objects.filter(scheme=scheme).values_list("indicator__code", "global_weight")
    )
    w_vol, w_resp = weights["order_volume"], weights["order_response_time"]
    score = _score(wang)
    assert score.total == pytest.approx((w_vol * 50 + w_resp * 75) / (w_vol + w_resp))
    lines = _lines(score)
    assert lines["order_volume"].normalised == pytest.approx(50.0)
    assert lines["order_response_time"].raw == pytest.approx(7.5)
    assert lines["order_response_time"].normalised == pytest.approx(75.0)
    assert lines["order_volume"].weight == pytest.approx(w_vol / (w_vol + w_resp))
    for employee in (wang, org_chart["east_b"], org_chart["south_a"]):
        not_measured = _score(employee).not_measured
        for code in UNFED:
            assert not_measured[code]["reason"] == "not_fed"
    for code in UNFED:
        assert lines[code].raw is None and lines[code].normalised is None
        assert lines[code].weight is None
    assert any("Not measured: " in line for line in score.explanation["en"])
    assert any("未计量" in line and "没有数据源" in line for line in score.explanation["zh"])


def _orders(employee, count: int = 5) -> None:
    customer = CustomerFactory()
    for day in range(count):
        submitted = dt.datetime(2026, 10, day + 2, 9, tzinfo=SHANGHAI)
        OrderFactory(
            merchandiser=employee,
            customer=customer,
            submitted_at=submitted,
            source_created_at=submitted,
            confirmed_at=submitted + dt.timedelta(hours=2),
        )


def test_no_follow_up_in_the_company_leaves_the_count_not_measured_for_everyone(org_chart):
    for key in ("east_a", "east_b", "south_a"):
        _orders(org_chart[key])
    compute_period(OCTOBER)
    for key in ("east_a", "east_b", "south_a"):
        score = _score(org_chart[key])
        assert score.not_measured["follow_up_count"]["reason"] == "not_fed"
        line = _lines(score)["follow_up_count"]
        assert line.raw is None and line.normalised is None  # not 0, not the median's 50

    # One follow-up anywhere in the company: the others' none is a real 0 now.
    FollowUpFactory(employee=org_chart["south_a"], occurred_at=dt.datetime(2026, 10, 9, 10))
    compute_period(OCTOBER)
    li = _score(org_chart["east_b"])
    assert "follow_up_count" not in li.not_measured
    assert _lines(li)["follow_up_count"].raw == 0.0


def test_a_rating_rests_on_five_records_and_the_scorecard_says_why_not(org_chart, client):
    wang, li = org_chart["east_a"], org_chart["east_b"]
    when = dt.datetime(2026, 10, 20, 10, tzinfo=SHANGHAI)
    for person, ratings in ((wang, 3), (li, 5)):
        _orders(person)
        FeedbackFactory.create_batch(
            ratings, employee=person, csat=4, comment="", submitted_at=when
        )
    compute_period(OCTOBER)

    assert _score(wang).not_measured["csat"] == {"reason": "too_few", "counted": 3, "minimum": 5}
    assert _lines(_score(wang))["csat"].raw is None
    assert "csat" not in _score(li).not_measured
    assert _lines(_score(li))["csat"].raw == pytest.approx(4.0)

    client.force_login(wang.user)
    page = client.get(
        reverse("dashboards:scorecard", args=[wang.pk]) + "?period=2026-10",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    row = page[page.index('data-indicator="csat"') :]
    row = row[: row.index("</tr>")]
    assert "not measured" in row and "too few records (3 &lt; 5)" in row


def test_the_manual_and_the_hr_overview_say_what_feeds_each_indicator(org_chart, as_user):
    _push_orders(org_chart["east_a"])
    compute_period(OCTOBER)
    # Only 王芳 has records: the others are not scored and not counted; she is measured on order
    # volume and response time (orders are fed), on nothing the ERP does not send.
    client = as_user("hr")
    manual = client.get(reverse("indicators:manual"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    volume = manual[manual.index('id="order_volume"') :]
    volume = volume[: volume.index("</article>")]
    assert "erp-push" in volume and "100.0% of the people it weighs" in volume
    entry = manual[manual.index('id="order_entry_accuracy"') :]
    entry = entry[: entry.index("</article>")]
    assert "no source: only records entered by hand" in entry and "0.0%" in entry

    overview = client.get(
        reverse("dashboards:company") + "?period=2026-10", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    row = overview[
        overview.index('data-testid="coverage-row" data-indicator="order_response_time"') :
    ]
    row = row[: row.index("</tr>")]
    assert "erp-push" in row and "100.0%" in row
