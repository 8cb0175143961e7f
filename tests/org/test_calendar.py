"""The company calendar: its time zone decides which month a late-evening order belongs to, and
appeal deadlines count its working days (China's public holidays and make-up Saturdays, and the
company's own days from the admin). Dates are fixed historical ones: pure calendar arithmetic."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.urls import reverse

from ingest.models import Order, Source
from ingest.record_types import record_period
from ingest.services import records_push
from org.calendar import add_working_days, period_window, working_days
from org.models import CompanyDay, CompanyDayKind
from org.periods import Period
from tests import test_settings
from tests.factories import CustomerFactory, EmployeeFactory
from tests.test_settings import _load

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")

# A source whose naive times are not labelled with a zone: they are the company's.
ORDER_MAPPING = {
    "fields": {
        "external_id": "order_no",
        "submitted_at": "submitted",
        "source_created_at": "created",
        "merchandiser": "staff_no",
        "customer": "customer_code",
        "amount": "amount",
        "status": "state",
    },
    "lookups": {"merchandiser": "employee_no", "customer": "external_id"},
}
LATE_ORDER = {
    "order_no": "NY-1031",
    "submitted": "2025-10-31 23:30:00",  # the last evening of October, New York time
    "created": "2025-10-31 23:30:00",
    "staff_no": "E901",
    "customer_code": "C901",
    "amount": "1200.00",
    "state": "submitted",
}


@pytest.mark.django_db
@override_settings(TIME_ZONE="America/New_York")
def test_an_order_at_2330_new_york_time_on_october_31_is_an_october_order():
    EmployeeFactory(employee_no="E901")
    CustomerFactory(external_id="C901")
    source = Source.objects.create(name="us-erp", kind="rest", mappings={"order": ORDER_MAPPING})

    run = records_push(source=source, record_type="order", rows=[LATE_ORDER], trigger="webhook")

    assert (run.created, run.rejected) == (1, 0)
    order = Order.objects.get(external_id="NY-1031")
    # 23:30 EDT (UTC-4) is 03:30 UTC on 1 November; in Shanghai it would be 11:30 on 1 November.
    assert order.submitted_at == dt.datetime(2025, 11, 1, 3, 30, tzinfo=dt.UTC)
    assert run.periods == ["2025-10"]
    assert record_period(order) == Period.parse("2025-10")
    october, november = (
        period_window(Period.parse("2025-10")),
        period_window(Period.parse("2025-11")),
    )
    assert october.start <= order.submitted_at < october.end
    assert not november.start <= order.submitted_at < november.end
    assert (
        Order.objects.filter(submitted_at__gte=october.start, submitted_at__lt=october.end).count()
        == 1
    )


@pytest.mark.django_db
def test_the_same_instant_is_november_for_a_shanghai_company():
    order = Order(submitted_at=dt.datetime(2025, 11, 1, 3, 30, tzinfo=dt.UTC))
    assert record_period(order) == Period.parse("2025-11")
    with override_settings(TIME_ZONE="Europe/Berlin"):  # 04:30 CET on 1 November
        assert record_period(order) == Period.parse("2025-11")
    with override_settings(TIME_ZONE="America/New_York"):
        assert record_period(order) == Period.parse("2025-10")


@pytest.mark.django_db
def test_deadlines_skip_national_day_week_and_count_the_make_up_saturday():
    # 2025: 1–8 October are public holidays; Saturday 11 October is a make-up working day.
    tuesday = dt.datetime(2025, 9, 30, 10, tzinfo=SHANGHAI)
    # Working days after 30 September: 9 (Thu), 10 (Fri), 11 (Sat, make-up), 13 (Mon), 14 (Tue).
    assert add_working_days(tuesday, 1) == dt.datetime(2025, 10, 9, 10, tzinfo=SHANGHAI)
    assert add_working_days(tuesday, 3) == dt.datetime(2025, 10, 11, 10, tzinfo=SHANGHAI)
    assert add_working_days(tuesday, 5) == dt.datetime(2025, 10, 14, 10, tzinfo=SHANGHAI)
    # Filed on a holiday, it counts from the first working day after it.
    assert add_working_days(dt.datetime(2025, 10, 3, 9, tzinfo=SHANGHAI), 0) == dt.datetime(
        2025, 10, 9, 9, tzinfo=SHANGHAI
    )


@pytest.mark.django_db
@override_settings(PERF_HOLIDAY_CALENDAR="none")
def test_without_a_holiday_calendar_only_weekends_are_days_off():
    tuesday = dt.datetime(2025, 9, 30, 10, tzinfo=SHANGHAI)
    # 1, 2, 3 (Wed–Fri), 6, 7 October: National Day counts, the make-up Saturday does not.
    assert add_working_days(tuesday, 5) == dt.datetime(2025, 10, 7, 10, tzinfo=SHANGHAI)


@pytest.mark.django_db
@override_settings(PERF_WORKING_DAYS=(6, 0, 1, 2, 3), PERF_HOLIDAY_CALENDAR="none")
def test_the_working_week_is_a_setting():
    thursday = dt.datetime(2025, 6, 5, 10, tzinfo=SHANGHAI)  # Sunday to Thursday week
    assert add_working_days(thursday, 1) == dt.datetime(2025, 6, 8, 10, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_a_company_holiday_added_in_the_admin_is_skipped(client, org_chart):
    monday = dt.datetime(2025, 6, 9, 10, tzinfo=SHANGHAI)
    assert add_working_days(monday, 1) == dt.datetime(2025, 6, 10, 10, tzinfo=SHANGHAI)
    client.force_login(org_chart["admin"])
    added = client.post(
        reverse("admin:org_companyday_add"),
        {"day": "2025-06-10", "kind": "holiday", "name": "Founding day"},
    )
    assert added.status_code == 302, added.content.decode()
    assert CompanyDay.objects.get().kind == CompanyDayKind.HOLIDAY
    # Tuesday 10 June is now a day off: one working day after Monday is Wednesday.
    assert add_working_days(monday, 1) == dt.datetime(2025, 6, 11, 10, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_company_days_override_the_public_calendar_and_are_read_in_one_query(
    django_assert_num_queries,
):
    CompanyDay.objects.create(day=dt.date(2025, 10, 8), kind=CompanyDayKind.WORKING_DAY)
    CompanyDay.objects.create(day=dt.date(2025, 10, 11), kind=CompanyDayKind.HOLIDAY)
    with django_assert_num_queries(1):
        october = working_days(dt.date(2025, 10, 1), dt.date(2025, 10, 31))
    assert [day.day for day in sorted(october.holidays)] == [1, 2, 3, 4, 5, 6, 7, 11]
    assert dt.date(2025, 10, 8) in october and dt.date(2025, 10, 11) not in october
    with django_assert_num_queries(1):
        due = add_working_days(dt.datetime(2025, 9, 30, 10, tzinfo=SHANGHAI), 5)
    # 8, 9, 10, 13, 14 October.
    assert due == dt.datetime(2025, 10, 14, 10, tzinfo=SHANGHAI)


def test_a_company_day_duplicate_date_is_refused_naming_the_date(client, org_chart):
    CompanyDay.objects.create(day=dt.date(2025, 6, 10), kind=CompanyDayKind.HOLIDAY)
    client.force_login(org_chart["admin"])
    refused = client.post(
        reverse("admin:org_companyday_add"),
        {"day": "2025-06-10", "kind": "working_day"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 200
    assert "Company day with this Date already exists." in refused.content.decode()


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("PERF_TIME_ZONE", "Asia/Shanghia", "'Asia/Shanghia'"),
        ("PERF_WEEK_START", "someday", "'someday'"),
        ("PERF_WORKING_DAYS", "mon,tue,holiday", "'holiday'"),
        ("PERF_HOLIDAY_CALENDAR", "us", "'us'"),
    ],
)
def test_a_bad_calendar_setting_stops_start_up_naming_it(variable, value, named):
    refused = _load(SECRET_KEY="x", **{variable: value})
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert f"{variable} must be" in refused.stderr and named in refused.stderr


def test_calendar_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setattr(
        test_settings,
        "PROBE",
        "from perf import settings as s\n"
        "print(s.TIME_ZONE, s.CELERY_TIMEZONE, s.PERF_WEEK_START, s.PERF_WORKING_DAYS,"
        " s.PERF_HOLIDAY_CALENDAR)",
    )
    defaults = _load(SECRET_KEY="x")
    assert defaults.stdout.strip() == "Asia/Shanghai Asia/Shanghai 0 (0, 1, 2, 3, 4) cn"
    berlin = _load(
        SECRET_KEY="x",
        PERF_TIME_ZONE="Europe/Berlin",
        PERF_WEEK_START="Sunday",
        PERF_WORKING_DAYS="sun,mon,tue,wed,thu",
        PERF_HOLIDAY_CALENDAR="none",
    )
    assert berlin.stdout.strip() == "Europe/Berlin Europe/Berlin 6 (0, 1, 2, 3, 6) none"


@pytest.mark.django_db
def test_years_the_holiday_library_does_not_know_count_weekends_and_say_so(caplog):
    # chinesecalendar 1.11.0 knows 2004–2026; National Day 2027 is not announced in it.
    tuesday = dt.datetime(2027, 9, 28, 10, tzinfo=SHANGHAI)
    assert add_working_days(tuesday, 3) == dt.datetime(2027, 10, 1, 10, tzinfo=SHANGHAI)
    assert "knows China's public holidays until 2026" in caplog.text
