"""The bonus API, scoped per role: every endpoint × anonymous, an employee, another employee,
the manager of the team, the manager of another team, HR and an admin; bad input answers 400
naming the field; the payroll workbook sums to the pool."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from openpyxl import load_workbook

from bonus.models import BonusPool, CoefficientOverride, PoolState
from org.models import Role
from tests.bonus.conftest import ISSUE_BONUSES, close

pytestmark = pytest.mark.django_db

API = "/api/v1/bonus"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
ROLES = {
    "employee": "east_a",
    "another_employee": "east_b",
    "manager": "east_manager",
    "other_manager": "south_manager",
    "hr": "hr",
    "admin": "admin",
    "anonymous": None,
}
HR_ONLY = {"hr": True, "admin": True}
BODY = {
    "name": "2026 Q3 奖金池",
    "basis": "fixed",
    "amount": "100000.00",
    "coefficients": {"junior": "1.0", "intermediate": "1.2", "senior": "1.5"},
}


@pytest.fixture
def call(client, org_chart):
    def as_role(role: str) -> Client:
        key = ROLES[role]
        if key is not None:
            person = org_chart[key]
            client.force_login(person if key == "admin" else person.user)
        return client

    return as_role


def _json(client: Client, method: str, url: str, body=None):
    return getattr(client, method)(url, body, content_type="application/json", **ENGLISH)


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_pool_is_for_hr_and_admins(call, org_chart, computed_cycle, role):
    answer = _json(call(role), "post", f"{API}/cycles/{computed_cycle.pk}/pools/", BODY)
    assert answer.status_code == (201 if role in HR_ONLY else 403)
    if role in HR_ONLY:
        made = answer.json()
        assert (made["amount"], made["state"], made["unscored_rule"]) == (
            "100000.00",
            "draft",
            "fixed_only",
        )
        assert [row["coefficient"] for row in made["coefficients"]] == ["1.000", "1.200", "1.500"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "-1.00"}, "amount"),
        ({"amount": None}, "amount"),
        ({"kpi_share": "1.5"}, "kpi_share"),
        ({"curve_full_at": "50"}, "curve_full_at"),
        ({"curve_top_factor": "0.5"}, "curve_top_factor"),
        ({"basis": "revenue", "revenue": "1000", "percent": "120"}, "percent"),
        ({"basis": "revenue", "revenue": "-1000", "percent": "2"}, "revenue"),
        ({"unscored_rule": "half"}, "unscored_rule"),
        ({"team_ids": [2**62]}, "team_ids"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_pools_are_refused_naming_the_field(call, computed_cycle, changes, field):
    answer = _json(call("hr"), "post", f"{API}/cycles/{computed_cycle.pk}/pools/", BODY | changes)
    assert answer.status_code == 400
    assert field in answer.json()
    assert not BonusPool.objects.exists()


@pytest.mark.parametrize(
    ("coefficients", "level"),
    [({"junior": "0"}, "junior"), ({"senior": "-1"}, "senior"), ({"senior": None}, "senior")],
)
def test_a_coefficient_at_or_below_0_is_refused_naming_the_level(
    call, computed_cycle, coefficients, level
):
    body = BODY | {"coefficients": BODY["coefficients"] | coefficients}
    answer = _json(call("hr"), "post", f"{API}/cycles/{computed_cycle.pk}/pools/", body)
    assert answer.status_code == 400
    assert f"coefficients.{level}" in answer.json()


def test_a_pool_from_revenue(call, computed_cycle):
    body = BODY | {"basis": "revenue", "amount": None, "revenue": "1234567.89", "percent": "1.5"}
    made = _json(call("hr"), "post", f"{API}/cycles/{computed_cycle.pk}/pools/", body).json()
    assert (made["amount"], made["revenue"], made["percent"]) == (
        "18518.52",
        "1234567.89",
        "1.5000",
    )


# Who reads what of the computed east pool (cycle still calibrating / closed).
READS = {
    # role: (pool detail, lines while calibrating, lines once closed)
    "employee": (404, None, ["east_a"]),
    "another_employee": (404, None, ["east_b"]),
    "manager": (200, ["east_a", "east_b"], ["east_a", "east_b", "east_manager"]),
    "other_manager": (404, None, None),
    "hr": (200, ["east_a", "east_b", "east_manager"], ["east_a", "east_b", "east_manager"]),
    "admin": (200, ["east_a", "east_b", "east_manager"], ["east_a", "east_b", "east_manager"]),
    "anonymous": (403, None, None),
}


def _names(org_chart, keys):
    return sorted(org_chart[key].employee_no for key in keys)


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_which_lines(call, org_chart, computed_pool, role):
    detail, calibrating, closed = READS[role]
    client = call(role)
    assert client.get(f"{API}/pools/{computed_pool.pk}/").status_code == detail
    lines = client.get(f"{API}/pools/{computed_pool.pk}/lines/")
    if calibrating is None:
        assert lines.status_code in (403, 404)
    else:
        assert sorted(row["employee_no"] for row in lines.json()["results"]) == _names(
            org_chart, calibrating
        )
    close(computed_pool.cycle)
    lines = client.get(f"{API}/pools/{computed_pool.pk}/lines/")
    if closed is None:
        assert lines.status_code in (403, 404)
    else:
        assert sorted(row["employee_no"] for row in lines.json()["results"]) == _names(
            org_chart, closed
        )


@pytest.mark.parametrize("role", ROLES)
def test_my_line(call, org_chart, computed_pool, role):
    client = call(role)
    before = client.get(f"{API}/mine/")
    close(computed_pool.cycle)
    after = client.get(f"{API}/mine/")
    if role == "anonymous":
        assert (before.status_code, after.status_code) == (403, 403)
        return
    assert before.json()["results"] == [] or role in ("manager", "hr", "admin")
    mine = after.json()["results"]
    key = ROLES[role]
    if key in ISSUE_BONUSES:
        [line] = mine
        assert Decimal(line["bonus"]) == ISSUE_BONUSES[key]
        assert line["employee_no"] == org_chart[key].employee_no
    else:
        assert mine == []


def test_a_line_shows_its_arithmetic(call, org_chart, computed_pool):
    close(computed_pool.cycle)
    [line] = call("employee").get(f"{API}/mine/").json()["results"]
    assert {key: line[key] for key in ["coefficient", "base", "fixed_part", "kpi_target"]} == {
        "coefficient": "1.000",
        "base": "27027.027027",
        "fixed_part": "21621.621622",
        "kpi_target": "5405.405405",
    }
    assert (line["final"], line["payout_factor"], line["kpi_part"], line["rule"]) == (
        70.0,
        "0.500000",
        "2985.074627",
        "scored",
    )


HR_ACTIONS = [
    ("put", "/", BODY),
    ("put", "/coefficients/", {"junior": "1.0", "intermediate": "1.2", "senior": "1.5"}),
    ("get", "/overrides/", None),
    ("post", "/compute/", None),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body"), HR_ACTIONS)
def test_hr_actions_per_role(call, computed_pool, role, method, path, body):
    answer = _json(call(role), method, f"{API}/pools/{computed_pool.pk}{path}", body)
    if role in HR_ONLY:
        assert answer.status_code == 200
    else:
        assert answer.status_code in ((403,) if role != "other_manager" else (403, 404))


@pytest.mark.parametrize("role", ROLES)
def test_overrides_per_role(call, org_chart, computed_pool, role):
    url = f"{API}/pools/{computed_pool.pk}/overrides/"
    body = {"employee_id": org_chart["east_b"].pk, "coefficient": "1.5", "reason": "大客户负责人"}
    added = _json(call(role), "post", url, body)
    if role not in HR_ONLY:
        assert added.status_code == 403
        assert not CoefficientOverride.objects.exists()
        return
    assert added.status_code == 201
    assert added.json()["reason"] == "大客户负责人"
    assert _json(call(role), "get", url).json()[0]["coefficient"] == "1.500"
    removed = call(role).delete(f"{url}{org_chart['east_b'].pk}/")
    assert removed.status_code == 204
    assert call(role).delete(f"{url}{org_chart['east_b'].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"coefficient": "1.5", "reason": ""}, "reason"),
        ({"coefficient": "0", "reason": "x"}, "coefficient"),
        ({"coefficient": "1.5"}, "reason"),
    ],
)
def test_bad_overrides_are_refused_naming_the_field(call, org_chart, computed_pool, body, field):
    url = f"{API}/pools/{computed_pool.pk}/overrides/"
    answer = _json(call("hr"), "post", url, {"employee_id": org_chart["east_b"].pk, **body})
    assert answer.status_code == 400 and field in answer.json()


def test_nobody_sets_their_own_coefficient_hr_included(call, org_chart, computed_pool):
    """李强 is also in the HR group: he sets his colleagues' coefficients, never his own (nor
    takes away one set for him)."""
    url = f"{API}/pools/{computed_pool.pk}/overrides/"
    me, colleague = org_chart["east_b"], org_chart["east_a"]
    set_by_hr = {"employee_id": me.pk, "coefficient": "0.8", "reason": "试用期"}
    assert _json(call("hr"), "post", url, set_by_hr).status_code == 201
    me.user.groups.add(Group.objects.get(name=Role.HR.value))
    client = call("another_employee")
    raised = _json(client, "post", url, set_by_hr | {"coefficient": "1.5", "reason": "x"})
    assert raised.status_code == 403
    assert client.delete(f"{url}{me.pk}/").status_code == 403
    assert CoefficientOverride.objects.get(employee=me).coefficient == Decimal("0.800")
    body = {"employee_id": colleague.pk, "coefficient": "1.1", "reason": "大客户负责人"}
    assert _json(client, "post", url, body).status_code == 201


def test_a_base_larger_than_a_line_holds_is_refused_at_the_amount(call, computed_cycle):
    """A pool of almost a trillion over coefficients of a thousandth: the base would be above
    10¹⁴, more than a line's steps hold; refused in words, nothing computed."""
    body = BODY | {
        "amount": "999999999999.99",
        "coefficients": {"junior": "0.001", "intermediate": "0.001", "senior": "0.001"},
    }
    made = _json(call("hr"), "post", f"{API}/cycles/{computed_cycle.pk}/pools/", body).json()
    answer = call("hr").post(f"{API}/pools/{made['id']}/compute/", **ENGLISH)
    assert answer.status_code == 400
    assert "more than a line can hold" in answer.json()["amount"][0]
    assert BonusPool.objects.get(pk=made["id"]).state == PoolState.DRAFT


def test_an_override_for_someone_outside_the_pool_names_the_person(call, org_chart, computed_pool):
    url = f"{API}/pools/{computed_pool.pk}/overrides/"
    for person in (org_chart["south_a"].pk, 2**62):
        body = {"employee_id": person, "coefficient": "1.5", "reason": "x"}
        answer = _json(call("hr"), "post", url, body)
        assert answer.status_code == 400 and "employee_id" in answer.json()


@pytest.mark.parametrize("role", ROLES)
def test_locking_per_role(call, computed_pool, role):
    answer = call(role).post(f"{API}/pools/{computed_pool.pk}/lock/")
    assert answer.status_code == (200 if role in HR_ONLY else 403)
    computed_pool.refresh_from_db()
    assert computed_pool.state == (PoolState.LOCKED if role in HR_ONLY else PoolState.COMPUTED)
    if role in HR_ONLY:
        again = call(role).post(f"{API}/pools/{computed_pool.pk}/compute/", **ENGLISH)
        assert again.status_code == 400 and "locked" in again.json()["detail"]


def test_computing_before_the_results_is_refused_in_words(call, org_chart, east_pool):
    east_pool.cycle.state = "open"
    east_pool.cycle.save()
    answer = call("hr").post(f"{API}/pools/{east_pool.pk}/compute/", **ENGLISH)
    assert answer.status_code == 400
    assert answer.json() == {
        "detail": "The cycle's results are not computed yet: compute them first."
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_payroll_workbook_sums_to_the_pool(call, org_chart, computed_pool, role):
    answer = call(role).get(f"{API}/pools/{computed_pool.pk}/export/", **ENGLISH)
    if role not in HR_ONLY:
        assert answer.status_code == 403
        return
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Employee number",
        "Employee",
        "Team",
        "Level",
        "Coefficient",
        "Final score",
        "Fixed part",
        "KPI-linked part paid",
        "Bonus",
        "Rule applied",
    )
    people, total = rows[1:-1], rows[-1]
    assert [row[0] for row in people] == _names(org_chart, ISSUE_BONUSES)
    bonuses = {row[0]: row[8] for row in people}
    assert bonuses[org_chart["east_a"].employee_no] == pytest.approx(24606.70)
    assert all(isinstance(row[8], float | int) for row in people)
    assert total[0] == "Total" and total[8] == pytest.approx(100000.00)
    assert sum(Decimal(str(row[8])) for row in people) == Decimal("100000.00")
    assert people[0][9] == "By the final score"
    assert sheet.cell(row=2, column=9).number_format == "#,##0.00"


def test_a_draft_has_no_workbook(call, east_pool):
    answer = call("hr").get(f"{API}/pools/{east_pool.pk}/export/")
    assert answer.status_code == 404


def test_unknown_pools_are_404(call):
    for path in ("/", "/lines/", "/export/", "/overrides/"):
        assert call("hr").get(f"{API}/pools/{2**63 - 1}{path}").status_code == 404
