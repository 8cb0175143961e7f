"""People and teams from sources (issue 16): an HRIS export uploaded, or its database pulled,
through an ``employee`` mapping lands by the people import's rules; refused rows are quarantined
with their reasons beside the good ones; people sync before orders."""

import copy
import sqlite3

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ingest import services
from ingest.models import Order, RejectedRow, Source, SyncRun
from ingest.records import MappingError, mapping_check
from ingest.services import rejected_rows_replay, source_sync, sync_run_create
from ingest.sources import webhook_token_set
from org.models import Employee, Team
from tests.factories import CustomerFactory, EmployeeFactory, TeamFactory
from tests.ingest.conftest import worded

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


HRIS_MAPPING = {
    "fields": {
        "employee_no": "工号",
        "name": "姓名",
        "team": "部门",
        "level": "职级",
        "manager": "上级工号",
        "hire_date": "入职日期",
        "leave_date": "离职日期",
        "active": "状态",
        "email": "邮箱",
    },
    "values": {"level": {"初级": "junior", "中级": "intermediate", "高级": "senior"}},
}
HEADER = "工号,姓名,部门,职级,上级工号,入职日期,离职日期,状态,邮箱"
# The staff come before their manager (H001), who comes before the director (H000).
GOOD = [
    "H002,张三,华东/跟单一组,初级,H001,2024-03-01,,在职,zhang@example.com",
    "H003,李四,华东/跟单一组,中级,H001,2023-07-15,,在职,",
    "H004,王五,华南/跟单二组,初级,H000,2022-01-10,2025-06-30,离职,",
    "H001,赵主管,华东,高级,H000,2020-05-01,,在职,",
    "H000,钱总监,华东,高级,,2018-01-01,,在职,",
]


def hris_csv(lines: list[str]) -> bytes:
    return "\n".join([HEADER, *lines]).encode()


def upload(source: Source, lines: list[str], user=None):
    return services.upload_sync(
        source=source,
        record_type="employee",
        content=hris_csv(lines),
        filename="花名册.csv",
        user=user,
    )


@pytest.fixture
def hris():
    mappings = {"employee": copy.deepcopy(HRIS_MAPPING)}  # a test may change its own copy
    return Source.objects.create(name="hris", kind="file", mappings=mappings)


def test_an_hris_file_creates_teams_people_managers_and_accounts_without_passwords(hris):
    run = upload(hris, GOOD)

    assert (run.fetched, run.created, run.updated, run.unchanged, run.rejected) == (5, 5, 0, 0, 0)
    parents = dict(Team.objects.values_list("name", "parent__name"))
    assert parents == {"华东": None, "跟单一组": "华东", "华南": None, "跟单二组": "华南"}
    people = {e.employee_no: e for e in Employee.objects.select_related("team", "manager")}
    assert {no: e.manager.employee_no if e.manager else None for no, e in people.items()} == {
        "H000": None, "H001": "H000", "H002": "H001", "H003": "H001", "H004": "H000",
    }  # fmt: skip
    assert people["H002"].team.name == "跟单一组"
    assert people["H002"].level == "junior"
    assert (people["H004"].is_active, str(people["H004"].leave_date)) == (False, "2025-06-30")
    account = get_user_model().objects.get(email="zhang@example.com")
    assert people["H002"].user == account and not account.has_usable_password()
    assert people["H000"].history.first().history_change_reason == f"sync run {run.pk}"

    again = upload(hris, GOOD)

    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 5, 0)
    assert Employee.objects.count() == 5 and Team.objects.count() == 4


def test_bad_rows_are_quarantined_with_their_reason_and_the_good_rows_land(hris):
    TeamFactory(name="华北")
    TeamFactory(name="跟单三组", parent=Team.objects.get(name="华北"))
    lines = [
        *GOOD,
        "H010,环甲,华东,中级,H011,2024-01-01,,在职,",  # row 7: H010 → H011 → H010
        "H011,环乙,华东,中级,H010,2024-01-01,,在职,",  # row 8
        "H012,错组,华南/跟单三组,初级,H001,2024-01-01,,在职,",  # row 9: 跟单三组 is under 华北
        "H013,重号甲,华东,初级,H001,2024-01-01,,在职,",  # rows 10 and 11: the same number
        "H013,重号乙,华东,初级,H001,2024-01-01,,在职,",
        "H014,早离,华东,初级,H001,2024-01-01,2023-12-31,离职,",  # row 12: leaves before hired
        "H015,新人,华东,实习,H001,2024-01-01,,在职,",  # row 13: no such level
    ]

    run = upload(hris, lines)

    assert (run.fetched, run.created, run.rejected) == (12, 5, 7)
    landed = set(Employee.objects.values_list("employee_no", flat=True))
    assert landed == {"H000", "H001", "H002", "H003", "H004"}
    quarantined = {
        row.row_number: (row.external_id, worded(row.reasons))
        for row in RejectedRow.objects.filter(run=run)
    }
    cycle = "the managers form a cycle: H010 → H011 → H010."
    twice = "employee number H013 is on several rows: 10, 11."
    wrong_team = "team 跟单三组 already sits under 华北, not under 华南."
    no_level = "实习 is not a level; use junior, intermediate or senior."
    assert quarantined == {
        7: ("H010", [{"field": "manager", "message": cycle}]),
        8: ("H011", [{"field": "manager", "message": cycle}]),
        9: ("H012", [{"field": "team", "message": wrong_team}]),
        10: ("H013", [{"field": "employee_no", "message": twice}]),
        11: ("H013", [{"field": "employee_no", "message": twice}]),
        12: ("H014", [{"field": "leave_date", "message": "is before the hire date."}]),
        13: ("H015", [{"field": "level", "message": no_level}]),
    }

    # The level table learns 实习 (as junior); a replay lands that row alone.
    hris.mappings["employee"]["values"]["level"]["实习"] = "junior"
    hris.save(update_fields=["mappings"])
    replay = rejected_rows_replay(source=hris)
    assert (replay.created, replay.rejected) == (1, 6)
    assert Employee.objects.get(employee_no="H015").level == "junior"


HR_AND_ERP = """
    CREATE TABLE hr_staff (id INTEGER PRIMARY KEY, emp_no TEXT, emp_name TEXT, dept TEXT,
        grade TEXT, boss TEXT, joined TEXT, changed TEXT);
    INSERT INTO hr_staff VALUES
      (1, 'S101', '孙一', '华东/跟单一组', 'junior', 'S100', '2024-02-01 00:00:00', '2026-01-01'),
      (2, 'S102', '孙二', '华东/跟单一组', 'junior', 'S100', '2024-02-02 00:00:00', '2026-01-02'),
      (3, 'S100', '孙经理', '华东', 'senior', NULL, '2019-09-09 00:00:00', '2026-01-03');
    CREATE TABLE sale_order (id INTEGER PRIMARY KEY, name TEXT, partner TEXT, login TEXT,
        date_order TEXT, state TEXT, amount REAL);
    INSERT INTO sale_order VALUES
      (1, 'SO1', 'C001', 'S101', '2026-01-05 09:00:00', 'submitted', 100.0);
"""
STAFF_MAPPING = {
    "fetch": {
        "query": "SELECT * FROM hr_staff WHERE (:since IS NULL OR changed > :since) "
        "ORDER BY changed"
    },
    "cursor_field": "changed",
    "fields": {
        "employee_no": "emp_no",
        "name": "emp_name",
        "team": "dept",
        "level": "grade",
        "manager": "boss",
        "hire_date": "joined",
    },
}
ORDER_MAPPING = {
    "fetch": {"query": "SELECT * FROM sale_order"},
    "fields": {
        "external_id": "name",
        "customer": "partner",
        "merchandiser": "login",
        "submitted_at": "date_order",
        "source_created_at": "date_order",
        "status": "state",
        "amount": "amount",
    },
}


def test_a_sql_source_feeds_people_before_orders_in_one_sync(tmp_path):
    path = tmp_path / "hr_erp.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(HR_AND_ERP)
    CustomerFactory(external_id="C001")
    source = Source.objects.create(
        name="hr-erp",
        kind="sql",
        config={"engine": "sqlite", "path": str(path)},
        # Orders first in the mapping: the sync still takes people first.
        mappings={"order": ORDER_MAPPING, "employee": STAFF_MAPPING},
    )

    # Batches of two: the manager (S100) arrives in the second, after the people reporting to
    # them, and is still found.
    run = source_sync(sync_run_create(source=source), batch_size=2)

    assert (run.status, run.fetched, run.created, run.rejected) == ("succeeded", 4, 4, 0)
    managers = dict(Employee.objects.values_list("employee_no", "manager__employee_no"))
    assert managers == {"S100": None, "S101": "S100", "S102": "S100"}
    assert str(Employee.objects.get(employee_no="S101").hire_date) == "2024-02-01"
    assert Order.objects.get(external_id="SO1").merchandiser.employee_no == "S101"
    assert Source.objects.get(pk=source.pk).cursors["employee"] == "2026-01-03"

    again = source_sync(sync_run_create(source=source), batch_size=2)
    assert (again.created, again.updated, again.rejected) == (0, 0, 0)  # people: past the cursor


def test_an_existing_person_keeps_what_the_mapping_does_not_fill(hris):
    EmployeeFactory(employee_no="H002", is_active=False)
    lines = ["H002,张三,华东/跟单一组,初级,,2024-03-01,,,"]
    hris.mappings["employee"] = {
        **HRIS_MAPPING,
        "fields": {k: v for k, v in HRIS_MAPPING["fields"].items() if k != "active"},
    }
    hris.save(update_fields=["mappings"])

    run = upload(hris, lines)

    assert (run.updated, run.rejected) == (1, 0)
    assert Employee.objects.get(employee_no="H002").is_active is False


@pytest.mark.parametrize(
    ("mapping", "complaint"),
    [
        ({"fields": {"employee_no": "a", "salary": "b"}}, "perf has no field 'salary'"),
        ({"fields": {"employee_no": "a", "name": "b"}}, "the mapping must fill team, level"),
        (
            {**HRIS_MAPPING, "lookups": {"manager": "employee_no"}},
            "not by lookups",
        ),
        ({**HRIS_MAPPING, "timezone": "Mars/Base"}, "Unknown time zone 'Mars/Base'"),
    ],
)
def test_a_wrong_employee_mapping_is_refused_naming_the_problem(mapping, complaint):
    with pytest.raises(MappingError, match=complaint):
        mapping_check("employee", mapping)


def test_hr_uploads_an_hris_file_on_the_source_page_and_sees_the_refused_row(as_user, hris):
    client = as_user("hr")
    assert "Employees" in client.get(f"/sources/{hris.id}/", **ENGLISH).content.decode()
    lines = [*GOOD, "H015,新人,华东,实习,H001,2024-01-01,,在职,"]
    upload = SimpleUploadedFile("花名册.csv", hris_csv(lines))

    response = client.post(
        f"/sources/{hris.id}/", {"record_type": "employee", "file": upload}, **ENGLISH
    )

    run = SyncRun.objects.get(source=hris)
    assert response.status_code == 302 and response.url == f"/sources/runs/{run.id}/"
    assert (run.created, run.rejected, run.triggered_by.username) == (5, 1, "hr")
    # The history says who: the HR person whose upload it was.
    assert Employee.objects.get(employee_no="H002").history.first().history_user.username == "hr"
    page = client.get(response.url, **ENGLISH).content.decode()
    assert "<td>7</td><td>employee</td><td>H015</td>" in page
    assert "实习 is not a level" in page


def test_an_hris_pushes_people_to_the_webhook(hris):
    token = webhook_token_set(source=hris)
    rows = [dict(zip(HEADER.split(","), line.split(","), strict=True)) for line in GOOD]

    response = Client(enforce_csrf_checks=True).post(
        f"/api/v1/sources/{hris.id}/webhook/",
        {"record_type": "employee", "rows": rows},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200
    run = response.json()["run"]
    assert (run["created"], run["rejected"]) == (5, 0)
    assert Employee.objects.get(employee_no="H001").manager.employee_no == "H000"


def test_accounts_a_sync_makes_get_their_set_password_link_by_mail(
    hris, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PERF_SITE_URL = "https://perf.example.com/"
    with django_capture_on_commit_callbacks(execute=True):
        upload(hris, GOOD)

    (mail,) = mailoutbox  # only 张三 has an address
    assert mail.to == ["zhang@example.com"]
    assert "https://perf.example.com/password/set/" in mail.body
    account = get_user_model().objects.get(email="zhang@example.com")
    assert not account.has_usable_password()


def test_without_its_own_address_a_sync_mails_nothing_and_says_who_waits(
    hris, settings, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    settings.PERF_SITE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        upload(hris, GOOD)

    assert mailoutbox == []
    account = get_user_model().objects.get(email="zhang@example.com")
    assert "PERF_SITE_URL is not set" in caplog.text and account.username in caplog.text
