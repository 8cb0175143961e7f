"""HR loads people and teams in bulk: from an XLSX/CSV file on a page or as JSON rows through
the API; a dry run writes nothing, the same file twice changes nothing, bad rows are refused with
the column and the reason while good rows land, and only HR and admins may do it."""

import datetime as dt
import io
import time

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from org.import_files import COLUMNS, people_rows_from_file
from org.imports import people_import
from org.models import Employee, Team
from tests.factories import EmployeeFactory, TeamFactory


@pytest.fixture(autouse=True)
def in_english():
    """The importer's reasons are read here in English (pages and the API follow the request)."""
    with translation.override("en"):
        yield


ZH_HEADER = [column.zh for column in COLUMNS]
EN_HEADER = [column.en for column in COLUMNS]
BULK_URL = "/api/v1/employees/bulk/"


def workbook(rows: list[list], header: list[str] = ZH_HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def company(prefix: str, size: int) -> list[list]:
    """``size`` people in teams of 100 under three regions; each team's manager is its last
    member (so below the people reporting to them), and every manager reports to the last one.
    Every tenth person gets an account."""
    rows = []
    boss = f"{prefix}{size:05d}"
    for number in range(1, size + 1):
        team = (number - 1) // 100
        leader = f"{prefix}{min(team * 100 + 100, size):05d}"
        no = f"{prefix}{number:05d}"
        manager = boss if no == leader else leader
        rows.append(
            [
                no,
                f"员工{number}",
                f"{prefix}区{team % 3}/{prefix}跟单{team}组",
                ["junior", "中级", "Senior"][number % 3],
                "" if no == boss else manager,
                dt.date(2020, 1, 1) + dt.timedelta(days=number % 700),
                None,
                "是",
                f"{prefix.lower()}user{number}" if number % 10 == 0 else None,
                f"{prefix.lower()}{number}@example.com" if number % 10 == 0 else None,
            ]
        )
    return rows


def run(rows: list[list], *, actor, dry_run: bool = False, header=ZH_HEADER):
    parsed = people_rows_from_file(name="people.xlsx", data=workbook(rows, header))
    return people_import(rows=parsed, actor=actor, dry_run=dry_run)


@pytest.mark.django_db
def test_three_thousand_people_in_constant_queries_then_again_with_no_change(org_chart):
    hr = org_chart["hr"].user
    small_rows, big_rows = company("S", 300), company("E", 3000)

    dry = run(big_rows, actor=hr, dry_run=True)
    assert (len(dry.created), len(dry.refused), len(dry.teams_created)) == (3000, 0, 33)
    assert not Employee.objects.filter(employee_no__startswith="E").exists()
    assert not Team.objects.filter(name__startswith="E").exists()

    with CaptureQueriesContext(connection) as small:
        run(small_rows, actor=hr)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as big:
        result = run(big_rows, actor=hr)
    seconds = time.perf_counter() - started
    print(f"\n3000 people: {len(big.captured_queries)} queries, {seconds:.2f} s")
    # The same statements for 300 people as for 3,000: nothing is read or written per row.
    assert len(big.captured_queries) == len(small.captured_queries) <= 25
    assert (len(result.created), len(result.updated), len(result.refused)) == (3000, 0, 0)
    assert len(result.accounts_created) == 300

    person = Employee.objects.select_related("team__parent", "manager", "user").get(
        employee_no="E00001"
    )
    assert (person.team.name, person.team.parent.name) == ("E跟单0组", "E区0")
    assert person.manager.employee_no == "E00100"  # further down the file
    assert Employee.objects.get(employee_no="E00100").manager.employee_no == "E03000"
    assert person.level == "intermediate"  # written 中级
    assert Employee.objects.get(employee_no="E00002").level == "senior"  # written Senior
    account = Employee.objects.get(employee_no="E00010").user
    assert account.username == "euser10" and not account.has_usable_password()
    assert account.groups.filter(name="merchandiser").exists()
    assert Employee.history.filter(employee_no="E00001").count() == 1

    with CaptureQueriesContext(connection) as again_queries:
        again = run(big_rows, actor=hr)
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 3000)
    assert again.teams_created == [] and again.accounts_created == []
    assert not [q for q in again_queries.captured_queries if "INSERT" in q["sql"]]
    assert Employee.history.filter(employee_no="E00001").count() == 1


@pytest.mark.django_db
def test_a_changed_row_is_updated_and_english_headers_are_read(org_chart):
    hr = org_chart["hr"].user
    rows = company("F", 5)
    run(rows, actor=hr)
    rows[0][1] = "改名了"
    rows[0][6] = dt.date(2024, 6, 30)  # left
    rows[0][7] = None  # blank active: inactive, since the leave date has passed
    result = run(rows, actor=hr, header=EN_HEADER)
    assert (result.updated, len(result.unchanged)) == (["F00001"], 4)
    person = Employee.objects.get(employee_no="F00001")
    left = dt.date(2024, 6, 30)
    assert (person.name, person.leave_date, person.is_active) == ("改名了", left, False)
    assert person.history.first().history_change_reason == "people import"


def test_a_file_without_a_required_column_is_refused_whole():
    from org.import_files import PeopleFileError

    data = workbook([["A1", "张三"]], header=["工号", "姓名"])
    with pytest.raises(PeopleFileError, match="团队路径 / Team path"):
        people_rows_from_file(name="people.xlsx", data=data)


def row(no, name="某人", team="华东/跟单一组", level="junior", manager="", **more):
    data = {"employee_no": no, "name": name, "team": team, "level": level, "manager": manager}
    return {"hire_date": "2024-03-01", **data, **more}


@pytest.mark.django_db
def test_bad_rows_are_refused_with_column_and_reason_and_good_rows_land(as_user, org_chart):
    south = TeamFactory(name="华南")
    TeamFactory(name="跟单九组", parent=south)
    EmployeeFactory(employee_no="OLD1", team=south)
    rows = [
        row("G1", manager="G3"),  # manager further down: fine
        row("C1", manager="C2"),
        row("C2", manager="C1"),
        row("P1", team="华东/跟单九组"),
        row("D1"),
        row("D1", name="另一人"),
        row("L1", hire_date="2024-03-01", leave_date="2024-02-01"),
        row("V1", level="expert"),
        row("N1", name=""),
        row("", name="无工号"),
        row("Z1", name="张\x00三"),
        row("X1", name="长" * 101),
        row("M1", manager="NOBODY"),
        row("M2", manager="D1"),  # D1 is refused and not in perf before: M2 has no manager
        row("G3", manager="OLD1"),
        row("H1", hire_date="2024-02-30"),
        row("W1", name="王\x0b芳"),  # a vertical tab pasted from Word
    ]
    response = as_user("hr").post(
        BULK_URL, {"rows": rows, "dry_run": False}, "application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    body = response.json()
    refused = {(r["line"], r["employee_no"]): (r["column"], r["reason"]) for r in body["refused"]}
    assert refused == {
        (2, "C1"): ("manager", "the managers form a cycle: C1 → C2 → C1."),
        (3, "C2"): ("manager", "the managers form a cycle: C1 → C2 → C1."),
        (4, "P1"): ("team", "team 跟单九组 already sits under 华南, not under 华东."),
        (5, "D1"): ("employee_no", "employee number D1 is on several rows: 5, 6."),
        (6, "D1"): ("employee_no", "employee number D1 is on several rows: 5, 6."),
        (7, "L1"): ("leave_date", "is before the hire date."),
        (8, "V1"): ("level", "expert is not a level; use junior, intermediate or senior."),
        (9, "N1"): ("name", "is missing."),
        (10, ""): ("employee_no", "is missing."),
        (11, "Z1"): ("name", "contains a NUL character."),
        (12, "X1"): ("name", "is longer than 100 characters."),
        (13, "M1"): ("manager", "no employee has the number NOBODY (in this file or before)."),
        (14, "M2"): ("manager", "no employee has the number D1 (in this file or before)."),
        (16, "H1"): ("hire_date", "is not a date; write it as YYYY-MM-DD."),
        (17, "W1"): ("name", "contains an invisible control character (tab, line break…)."),
    }
    assert (body["created"], body["teams_created"]) == (["G1", "G3"], ["华东", "跟单一组"])
    g1 = Employee.objects.select_related("manager__manager").get(employee_no="G1")
    assert (g1.manager.employee_no, g1.manager.manager.employee_no) == ("G3", "OLD1")
    assert Team.objects.get(name="跟单九组").parent == south  # unchanged by the refused row
    assert set(Employee.objects.values_list("employee_no", flat=True)) >= {"G1", "G3"}
    assert not Employee.objects.filter(employee_no__in=["C1", "D1", "L1", "M2"]).exists()


@pytest.mark.django_db
def test_a_manager_cycle_through_people_already_in_perf_is_refused(as_user, org_chart):
    boss = EmployeeFactory(employee_no="B1")
    EmployeeFactory(employee_no="B2", manager=boss)
    response = as_user("admin").post(
        BULK_URL,
        {"rows": [row("B1", manager="B2")], "dry_run": False},
        "application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["refused"] == [
        {
            "line": 1,
            "employee_no": "B1",
            "column": "manager",
            "reason": "the managers form a cycle: B1 → B2 → B1.",
        }
    ]
    assert Employee.objects.get(employee_no="B1").manager is None


@pytest.mark.django_db
def test_api_dry_run_is_the_default_and_writes_nothing(as_user):
    client = as_user("hr")
    response = client.post(BULK_URL, {"rows": [row("A1")]}, "application/json")
    assert response.status_code == 200
    assert response.json()["dry_run"] is True and response.json()["created"] == ["A1"]
    assert not Employee.objects.filter(employee_no="A1").exists()
    assert not Team.objects.filter(name="华东").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"rows": "A1"}, "rows"),
        ({"rows": []}, "rows"),
        ({"rows": [["A1"]]}, "rows[0]"),
        ({"rows": [{"employee_no": "A1", "salary": 1}]}, "rows[0]"),
        ({"rows": [row("A1")], "dry_run": "maybe"}, "dry_run"),
    ],
)
def test_api_malformed_payload_is_a_400_naming_the_field(as_user, payload, field):
    response = as_user("hr").post(BULK_URL, payload, "application/json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_api_body_above_the_push_limit_is_refused_before_reading(as_user, settings):
    settings.PERF_MAX_PUSH_BYTES = 1000
    rows = [row(f"A{n}") for n in range(30)]
    response = as_user("hr").post(BULK_URL, {"rows": rows}, "application/json")
    assert response.status_code == 413


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "page", "api"),
    [("east_a", 403, 403), ("east_manager", 403, 403), ("hr", 200, 200), ("admin", 200, 200)],
)
def test_only_hr_and_admins_may_import(as_user, who, page, api):
    client = as_user(who)
    assert client.get(reverse("org:people_import")).status_code == page
    assert client.get(reverse("org:people_template", args=["zh"])).status_code == page
    response = client.post(BULK_URL, {"rows": [row("A1")], "dry_run": False}, "application/json")
    assert response.status_code == api
    assert Employee.objects.filter(employee_no="A1").exists() == (api == 200)


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get(reverse("org:people_import")).status_code == 302
    assert client.post(BULK_URL, {"rows": [row("A1")]}, "application/json").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "first"), [("zh", "工号"), ("en", "Employee number")])
def test_templates_name_the_columns_in_each_language(as_user, language, first):
    response = as_user("hr").get(reverse("org:people_template", args=[language]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header == (ZH_HEADER if language == "zh" else EN_HEADER)
    assert header[0] == first


@pytest.mark.django_db
def test_page_checks_then_imports_and_the_set_password_link_works_once(as_user, client):
    data = workbook(
        [
            ["W1", "吴一", "华东/跟单一组", "初级", "W2", "2024-03-01", None, "是", "wu1", None],
            ["W2", "吴二", "华东/跟单一组", "高级", None, "2023-03-01", None, "是", None, None],
            ["W3", "", "华东/跟单一组", "高级", None, "2023-03-01", None, "是", None, None],
        ]
    )
    hr = as_user("hr")
    url = reverse("org:people_import")

    def upload(action):
        file = SimpleUploadedFile("people.xlsx", data)
        return hr.post(url, {"file": file, "action": action}, HTTP_ACCEPT_LANGUAGE="en")

    checked = upload("check").content.decode()
    assert "nothing written yet" in checked
    assert "New people: 2" in checked and "Refused rows: 1" in checked
    assert "<td>4</td><td>W3</td><td>Name</td><td>Is missing.</td>" in checked
    assert not Employee.objects.filter(employee_no="W1").exists()

    imported = upload("import")
    page = imported.content.decode()
    assert "New accounts: 1" in page
    link = imported.context["links"][0][1]
    assert Employee.objects.get(employee_no="W1").manager.employee_no == "W2"

    hr.logout()
    form_page = client.get(link, follow=True)
    assert b"password-set-form" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Zhang-san-2026!", "new_password2": "Zhang-san-2026!"},
        follow=True,
    )
    assert b"password-set-done" in done.content
    account = get_user_model().objects.get(username="wu1")
    assert account.check_password("Zhang-san-2026!")
    assert b"password-set-invalid" in client.get(link, follow=True).content


@pytest.mark.django_db
def test_page_refuses_a_file_that_is_not_a_table(as_user):
    file = SimpleUploadedFile("people.xlsx", b"not a workbook")
    response = as_user("hr").post(
        reverse("org:people_import"), {"file": file, "action": "check"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "is not a readable XLSX file" in response.content.decode()


@pytest.mark.django_db
def test_a_csv_in_gb18030_with_english_headers_is_read(org_chart):
    text = ",".join(EN_HEADER) + "\r\nK1,孔一,华北/一组,中级,,2024/3/1,,,,\r\n"
    rows = people_rows_from_file(name="people.csv", data=text.encode("gb18030"))
    result = people_import(rows=rows, actor=org_chart["hr"].user, dry_run=False)
    assert result.created == ["K1"]
    person = Employee.objects.get(employee_no="K1")
    assert (person.name, person.team.name, person.level) == ("孔一", "一组", "intermediate")
    assert (person.hire_date, person.is_active) == (dt.date(2024, 3, 1), True)


@pytest.mark.django_db
def test_api_import_mails_each_new_account_its_own_link(as_user, client, mailoutbox):
    rows = [row("A1", email="a1@example.com"), row("A2", username="a2")]
    response = as_user("hr").post(BULK_URL, {"rows": rows, "dry_run": False}, "application/json")
    links = {link["username"]: link for link in response.json()["password_links"]}
    assert set(links) == {"a1@example.com", "a2"}
    assert (links["a1@example.com"]["emailed"], links["a2"]["emailed"]) == (True, False)
    assert [mail.to for mail in mailoutbox] == [["a1@example.com"]]
    assert links["a1@example.com"]["url"] in mailoutbox[0].body
    assert links["a1@example.com"]["url"].startswith("http://testserver/password/set/")
    account = get_user_model().objects.get(username="a2")
    assert not account.has_usable_password() and account.employee.employee_no == "A2"


@pytest.mark.django_db
def test_columns_the_rows_lack_keep_their_values_and_a_blank_manager_clears(as_user):
    team = TeamFactory(name="老团队")
    boss = EmployeeFactory(employee_no="Q0", team=team)
    EmployeeFactory(
        employee_no="Q1", team=team, manager=boss, is_active=False, leave_date=dt.date(2025, 1, 31)
    )
    fields = {"name": "新名字", "team": "老团队", "level": "junior", "hire_date": "2022-03-01"}
    client = as_user("hr")
    body = {"rows": [{"employee_no": "Q1", **fields}], "dry_run": False}
    assert client.post(BULK_URL, body, "application/json").json()["updated"] == ["Q1"]
    person = Employee.objects.get(employee_no="Q1")
    assert (person.name, person.is_active, person.leave_date) == (
        "新名字",
        False,
        dt.date(2025, 1, 31),
    )
    assert person.manager == boss

    body = {"rows": [{"employee_no": "Q1", **fields, "manager": ""}], "dry_run": False}
    assert client.post(BULK_URL, body, "application/json").json()["updated"] == ["Q1"]
    assert Employee.objects.get(employee_no="Q1").manager is None


@pytest.mark.django_db
def test_more_rows_than_one_import_takes_are_refused_whole(as_user, monkeypatch):
    from org import import_files

    most = import_files.MAX_ROWS
    monkeypatch.setattr(import_files, "MAX_ROWS", 2)
    data = workbook([["A1", "甲"], ["A2", "乙"], ["A3", "丙"]], header=ZH_HEADER)
    with pytest.raises(import_files.PeopleFileError, match="more than 2 people"):
        people_rows_from_file(name="people.xlsx", data=data)
    rows = [{"employee_no": f"A{n}"} for n in range(most + 1)]
    response = as_user("hr").post(BULK_URL, {"rows": rows, "dry_run": False}, "application/json")
    assert response.status_code == 400 and response.json()["rows"]
    assert not Employee.objects.filter(employee_no="A1").exists()
