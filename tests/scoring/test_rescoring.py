"""Every way periods get scored again goes through one entry point,
``scoring.services.periods_rescore``: a sync, a webhook push, a replay of rejected rows, an
approved appeal, the API and the nightly job. Ingest only announces which months changed."""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.timezone import localtime

from appeals import services as appeals_services
from appeals.services import appeal_create, appeal_transition
from ingest.models import Order, Source
from ingest.services import records_push, rejected_rows_replay, sync_run_create
from ingest.tasks import source_sync_task
from org.periods import Period
from scoring import api as scoring_api
from scoring import services, tasks
from scoring.models import RunStatus, ScoreRun
from tests.clock import LAST_MONTH, THIS_MONTH, stamp
from tests.factories import CustomerFactory, EmployeeFactory
from tests.ingest.test_sync import FEEDBACK_MAPPING
from tests.scoring.test_pipeline import _month_of_work

pytestmark = pytest.mark.django_db

HEADER = list(FEEDBACK_MAPPING["fields"].values())


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def rescores(monkeypatch):
    """The calls of ``periods_rescore`` (it still runs), wherever it is called from."""
    calls = []
    original = services.periods_rescore

    def spy(**arguments):
        calls.append(arguments)
        return original(**arguments)

    for module in (services, tasks, scoring_api, appeals_services):
        monkeypatch.setattr(module, "periods_rescore", spy)
    return calls


@pytest.fixture
def crm(org_chart):
    CustomerFactory(external_id="C001")
    org_chart["east_a"].employee_no = "E001"
    org_chart["east_a"].save()
    return Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})


def feedback_row(number: int, employee: str = "E001") -> dict:
    return dict(
        zip(HEADER, [f"FB{number}", "C001", employee, 5, "发货很快", stamp(8, 14)], strict=True)
    )


def _rescored(calls) -> list[tuple[list[str], str]]:
    return [(sorted(p.label for p in call["periods"]), call["reason"]) for call in calls]


def test_a_sync_rescores_the_months_it_changed(
    tmp_path, crm, rescores, django_capture_on_commit_callbacks
):
    path = tmp_path / "crm.csv"
    lines = [",".join(HEADER), ",".join(str(v) for v in feedback_row(1).values())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    crm.config = {"path": str(path)}
    crm.save()
    run = sync_run_create(source=crm)

    with django_capture_on_commit_callbacks(execute=True):
        source_sync_task.apply(args=[run.pk])

    assert _rescored(rescores) == [([LAST_MONTH.label], f"Schedule of crm (sync run {run.pk})")]
    assert ScoreRun.objects.get(reason__contains=f"sync run {run.pk}").status == RunStatus.SUCCEEDED


def test_a_webhook_push_rescores_the_months_it_changed(crm, rescores):
    run = records_push(
        source=crm, record_type="feedback", rows=[feedback_row(1)], trigger="webhook"
    )

    assert _rescored(rescores) == [([LAST_MONTH.label], f"Webhook of crm (sync run {run.pk})")]


def test_a_replay_rescores_the_months_its_rows_landed_in(crm, rescores):
    records_push(
        source=crm, record_type="feedback", rows=[feedback_row(1, "E404")], trigger="webhook"
    )
    assert rescores == []  # nothing landed
    EmployeeFactory(employee_no="E404")

    replay = rejected_rows_replay(source=crm)

    assert replay.created == 1
    assert _rescored(rescores) == [
        ([LAST_MONTH.label], f"Replay of rejected rows of crm (sync run {replay.pk})")
    ]


def test_an_approved_appeal_rescores_its_periods_and_keeps_the_new_total(
    org_chart, rescores, django_capture_on_commit_callbacks
):
    _month_of_work(org_chart["east_a"], LAST_MONTH, response_hours=20)
    services.compute_period(LAST_MONTH)
    order = Order.objects.filter(merchandiser=org_chart["east_a"]).earliest("submitted_at")
    appeal = appeal_create(
        user=org_chart["east_a"].user,
        record_type="order",
        record_id=order.pk,
        field_name="confirmed_at",
        claimed_value=f"{localtime(order.submitted_at) + dt.timedelta(hours=1):%Y-%m-%d %H:%M}",
        category="system_failure",
        description="Confirmed by phone within the hour.",
    )
    hr = org_chart["hr"].user
    appeal_transition(appeal=appeal, user=org_chart["east_a"].user, action="submit")
    appeal_transition(appeal=appeal, user=hr, action="review")

    with django_capture_on_commit_callbacks(execute=True):
        appeal_transition(appeal=appeal, user=hr, action="approve", reason="The ERP log agrees.")

    assert _rescored(rescores) == [([LAST_MONTH.label], f"Correction by appeal #{appeal.pk}")]
    appeal.refresh_from_db()
    assert appeal.score_after is not None and appeal.score_after > appeal.score_before


def test_the_api_rescores_a_period_for_a_team(as_user, org_chart, rescores):
    _month_of_work(org_chart["east_a"], LAST_MONTH, response_hours=2)
    east = org_chart["teams"]["east"]

    response = as_user("hr").post(
        "/api/v1/score-runs/",
        {"period": LAST_MONTH.label, "team": east.id},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 202
    ((call),) = rescores
    assert (call["periods"], call["team"], call["user"]) == (
        [LAST_MONTH],
        east,
        org_chart["hr"].user,
    )
    assert call["reason"].startswith("Started by ")


def test_the_nightly_job_rescores_the_previous_and_the_current_month(org_chart, rescores):
    _month_of_work(org_chart["east_a"], LAST_MONTH, response_hours=2)

    tasks.score_recent_months()

    assert _rescored(rescores) == [([LAST_MONTH.label, THIS_MONTH.label], "Nightly run")]


def test_one_call_queues_a_run_per_period_once(org_chart):
    _month_of_work(org_chart["east_a"], LAST_MONTH, response_hours=2)

    runs = services.periods_rescore(
        periods=[LAST_MONTH, LAST_MONTH, Period.parse(LAST_MONTH.label)], reason="twice named"
    )

    assert len(runs) == 1 and runs[0].reason == "twice named"
