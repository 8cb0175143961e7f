"""The bonus pages per role: HR's pools of a cycle, the pool form (refusals under their
fields), the sheet with each person's arithmetic and the totals, the overrides, the Excel
export, My bonus, and the cycle page's link."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bonus.models import BonusPool, CoefficientOverride, PoolState
from tests.bonus.conftest import close

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
KEYS = ["east_a", "east_b", "east_manager", "south_manager", "hr", "admin"]
HR = ("hr", "admin")
FORM = {
    "name": "2026 Q3 奖金池",
    "basis": "fixed",
    "amount": "100000.00",
    "kpi_share": "0.20",
    "curve_zero_at": "60",
    "curve_full_at": "80",
    "curve_top_at": "100",
    "curve_top_factor": "1.2",
    "coefficient_junior": "1.0",
    "coefficient_intermediate": "1.2",
    "coefficient_senior": "1.5",
    "unscored_rule": "fixed_only",
}


def test_anonymous_callers_are_sent_to_sign_in(client, computed_pool):
    cycle = computed_pool.cycle
    for url in (
        reverse("bonus:mine"),
        reverse("bonus:cycle", args=[cycle.pk]),
        reverse("bonus:new", args=[cycle.pk]),
        reverse("bonus:pool", args=[computed_pool.pk]),
        reverse("bonus:edit", args=[computed_pool.pk]),
        reverse("bonus:export", args=[computed_pool.pk]),
    ):
        assert client.get(url).status_code == 302, url
    for url in (
        reverse("bonus:compute", args=[computed_pool.pk]),
        reverse("bonus:lock", args=[computed_pool.pk]),
        reverse("bonus:override", args=[computed_pool.pk]),
    ):
        assert client.post(url).status_code == 302, url


@pytest.mark.parametrize("key", KEYS)
def test_hr_pages_per_role(as_user, computed_pool, key):
    client = as_user(key)
    cycle = computed_pool.cycle
    expected = 200 if key in HR else 403
    for url in (
        reverse("bonus:cycle", args=[cycle.pk]),
        reverse("bonus:new", args=[cycle.pk]),
        reverse("bonus:edit", args=[computed_pool.pk]),
        reverse("bonus:export", args=[computed_pool.pk]),
    ):
        assert client.get(url).status_code == expected, url
    for url in (
        reverse("bonus:compute", args=[computed_pool.pk]),
        reverse("bonus:lock", args=[computed_pool.pk]),
    ):
        assert client.post(url).status_code == (302 if key in HR else 403), url
    computed_pool.refresh_from_db()
    assert computed_pool.state == (PoolState.LOCKED if key in HR else PoolState.COMPUTED)


# What the pool page shows each role, once the cycle is closed: its rows of the sheet.
SHEET_ROWS = {"east_a": 1, "east_b": 1, "east_manager": 3, "south_manager": None}
SHEET_ROWS |= {"hr": 3, "admin": 3}


@pytest.mark.parametrize("key", KEYS)
def test_the_sheet_per_role(as_user, computed_pool, key):
    close(computed_pool.cycle)
    page = as_user(key).get(reverse("bonus:pool", args=[computed_pool.pk]), **ENGLISH)
    rows = SHEET_ROWS[key]
    if rows is None:
        assert page.status_code == 404
        return
    text = page.content.decode()
    assert text.count('data-testid="sheet-row"') == rows
    assert text.count('data-testid="steps"') == rows
    assert ('data-testid="sheet-total"' in text) is (key in HR)
    assert ('data-testid="overrides"' in text) is (key in HR)


def test_hr_reads_the_arithmetic_line_by_line(
    as_user, computed_pool, django_assert_max_num_queries
):
    client = as_user("hr")
    with django_assert_max_num_queries(20):
        page = client.get(reverse("bonus:pool", args=[computed_pool.pk]), **ENGLISH)
    text = page.content.decode()
    assert "Total paid 100,000.00 = the pool 100,000.00" in text
    assert "To the cent, largest remainder" in text
    # 王芳: junior, 1.0, final 70.
    assert "Base 27,027.03 × coefficient 1.0 = 27,027.03 at target" in text
    assert "Fixed part: 80% × 27,027.03 = 21,621.62" in text
    assert "KPI-linked part at target: 20% × 27,027.03 = 5,405.41" in text
    assert "Final score 70.00 pts: the payout curve pays 50% of it" in text
    assert "the pool&#x27;s KPI-linked 20,000.00 × 0.5000 ÷ 3.3500" in text
    assert "Bonus: 21,621.62 + 2,985.07 = 24,606.70 (rounded down to the cent, plus one" in text
    assert "Nothing of the KPI-linked part at or below 60.00 pts, all of it at 80.00 pts" in text


def test_the_sheet_is_in_chinese_by_default(as_user, computed_pool):
    text = as_user("hr").get(reverse("bonus:pool", args=[computed_pool.pk])).content.decode()
    # Amounts grouped by thousands, as Chinese payroll writes them (perf/formats/zh_Hans).
    assert "24,606.70" in text and "100,000.00" in text
    assert "到分，最大余数法" in text or "To the cent, largest remainder" in text


def test_hr_makes_a_pool_through_the_form(as_user, org_chart, computed_cycle):
    client = as_user("hr")
    url = reverse("bonus:new", args=[computed_cycle.pk])
    form = FORM | {"teams": [org_chart["teams"]["east"].pk]}
    answer = client.post(url, form)
    pool = BonusPool.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("bonus:pool", args=[pool.pk])
    client.post(reverse("bonus:compute", args=[pool.pk]))
    pool.refresh_from_db()
    assert pool.state == PoolState.COMPUTED
    assert sum(pool.lines.values_list("bonus", flat=True)) == Decimal("100000.00")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "-5"}, "amount", "Ensure this value is greater than or equal to 0."),
        ({"coefficient_junior": "0"}, "coefficient_junior", "A coefficient must be above 0"),
        ({"kpi_share": "2"}, "kpi_share", "The KPI-linked share must be at least 0"),
        ({"curve_full_at": "50"}, "curve_full_at", "The full KPI-linked part is earned"),
        ({"basis": "revenue", "revenue": "100", "percent": "0"}, "percent", "above 0"),
    ],
)
def test_the_form_shows_each_refusal_under_its_field(
    as_user, computed_cycle, changes, field, message
):
    page = as_user("hr").post(
        reverse("bonus:new", args=[computed_cycle.pk]), FORM | changes, **ENGLISH
    )
    assert page.status_code == 400
    assert message in str(page.context["form"].errors[field])
    assert not BonusPool.objects.exists()


def test_hr_overrides_a_coefficient_with_a_reason(as_user, org_chart, computed_pool):
    client = as_user("hr")
    url = reverse("bonus:override", args=[computed_pool.pk])
    person = org_chart["east_b"]
    refused = client.post(url, {"employee": person.pk, "coefficient": "1.5", "reason": ""})
    assert refused.status_code == 302 and not CoefficientOverride.objects.exists()
    client.post(url, {"employee": person.pk, "coefficient": "1.5", "reason": "大客户负责人"})
    override = CoefficientOverride.objects.get()
    assert (override.coefficient, override.set_by) == (Decimal("1.5"), org_chart["hr"].user)
    text = client.get(reverse("bonus:pool", args=[computed_pool.pk]), **ENGLISH).content.decode()
    assert "大客户负责人" in text and "Not computed yet." in text
    remove = reverse("bonus:override_remove", args=[computed_pool.pk, person.pk])
    assert as_user("east_manager").post(remove).status_code == 403
    assert as_user("hr").post(remove).status_code == 302
    assert not CoefficientOverride.objects.exists()


def test_the_export_page_gives_the_payroll_sheet_in_chinese(as_user, computed_pool):
    answer = as_user("hr").get(reverse("bonus:export", args=[computed_pool.pk]))
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("工号", "员工")
    assert rows[-1][8] == pytest.approx(100000.00)


@pytest.mark.parametrize("key", ["east_a", "east_b", "east_manager", "south_manager", "hr"])
def test_my_bonus_shows_only_ones_own_line(as_user, org_chart, computed_pool, key):
    client = as_user(key)
    before = client.get(reverse("bonus:mine"), **ENGLISH).content.decode()
    assert 'data-testid="my-line"' not in before  # the cycle is still calibrating
    close(computed_pool.cycle)
    text = client.get(reverse("bonus:mine"), **ENGLISH).content.decode()
    own = {"east_a": "24,606.70", "east_b": "33,110.12", "east_manager": "42,283.18"}
    assert text.count('data-testid="my-line"') == (1 if key in own else 0)
    for person, amount in own.items():
        assert (amount in text) is (person == key)


@pytest.mark.parametrize(
    ("key", "link"),
    [
        ("hr", "Bonus pools of this cycle"),
        ("admin", "Bonus pools of this cycle"),
        ("east_a", "My bonus"),
        ("east_manager", "My bonus"),
    ],
)
def test_the_cycle_page_links_to_the_bonus(as_user, computed_pool, key, link):
    cycle = computed_pool.cycle
    close(cycle)
    text = as_user(key).get(reverse("reviews:detail", args=[cycle.pk]), **ENGLISH)
    assert link in text.content.decode()
