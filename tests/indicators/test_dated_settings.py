"""Changing an indicator's scoring settings adds a version dated from a chosen day: through the
service, the API and the admin, refused before the current month, with who and why kept, and
the manual showing the settings of the period viewed and the changes around it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from indicators.models import BUILT_IN_FROM, IndicatorDefinition, IndicatorSetting
from indicators.selectors import indicator_settings_on, setting_changes
from indicators.services import indicator_update
from org.selectors import user_display_name
from tests.clock import LAST_MONTH, THIS_MONTH, months_ahead

pytestmark = pytest.mark.django_db

NEXT_MONTH = months_ahead(1)


@pytest.fixture
def csat():
    return IndicatorDefinition.objects.get(code="csat")


def _versions(indicator):
    return list(
        indicator.versions.order_by("effective_from").values_list(
            "effective_from", "is_active", "target", "floor"
        )
    )


def test_every_indicator_starts_with_its_built_in_settings_as_first_version(csat):
    assert IndicatorSetting.objects.count() == IndicatorDefinition.objects.count()
    assert _versions(csat) == [(BUILT_IN_FROM, True, 4.8, 3.5)]


def test_a_change_without_a_date_takes_effect_from_the_first_day_of_this_month(csat, org_chart):
    indicator_update(
        indicator=csat, user=org_chart["admin"], changes={"target": 4.6}, reason="new survey"
    )
    assert _versions(csat) == [
        (BUILT_IN_FROM, True, 4.8, 3.5),
        (THIS_MONTH.start, True, 4.6, 3.5),
    ]
    version = csat.versions.get(effective_from=THIS_MONTH.start)
    assert (version.created_by, version.reason) == (org_chart["admin"], "new survey")
    assert indicator_settings_on(csat, LAST_MONTH.last_day)["target"] == 4.8


def test_a_long_reason_is_kept_whole(csat, org_chart):
    reason = "客户满意度问卷改版" * 33  # 297 characters
    indicator_update(indicator=csat, user=org_chart["admin"], changes={"floor": 3.0}, reason=reason)
    assert csat.versions.get(effective_from=THIS_MONTH.start).reason == reason


def test_a_date_before_this_month_is_refused_naming_the_field_and_the_first_allowed_day(
    csat, org_chart
):
    with pytest.raises(ValidationError) as refused:
        indicator_update(
            indicator=csat,
            user=org_chart["admin"],
            changes={"is_active": False},
            effective_from=LAST_MONTH.start,
        )
    assert list(refused.value.message_dict) == ["effective_from"]
    assert THIS_MONTH.start.isoformat() in refused.value.message_dict["effective_from"][0]
    assert _versions(csat) == [(BUILT_IN_FROM, True, 4.8, 3.5)]
    csat.refresh_from_db()
    assert csat.is_active is True


def test_text_changes_are_not_dated_and_need_no_allowed_date(csat, org_chart):
    indicator_update(
        indicator=csat,
        user=org_chart["admin"],
        changes={"name_en": "Customer satisfaction"},
        effective_from=LAST_MONTH.start,
    )
    csat.refresh_from_db()
    assert csat.name_en == "Customer satisfaction"
    assert csat.versions.count() == 1


def test_a_change_is_carried_into_later_versions_until_one_changed_that_setting(csat, org_chart):
    admin = org_chart["admin"]
    second, third = months_ahead(2).start, months_ahead(3).start
    indicator_update(indicator=csat, user=admin, changes={"target": 4.9}, effective_from=second)
    indicator_update(indicator=csat, user=admin, changes={"floor": 3.2}, effective_from=third)
    indicator_update(
        indicator=csat,
        user=admin,
        changes={"target": 4.7, "floor": 3.0},
        effective_from=NEXT_MONTH.start,
    )
    # Each later version keeps the setting it changed itself and follows the others.
    assert _versions(csat) == [
        (BUILT_IN_FROM, True, 4.8, 3.5),
        (NEXT_MONTH.start, True, 4.7, 3.0),
        (second, True, 4.9, 3.0),
        (third, True, 4.9, 3.2),
    ]
    csat.refresh_from_db()
    assert (csat.target, csat.floor) == (4.9, 3.2)  # the latest version's


def test_a_change_that_breaks_a_later_version_is_refused_naming_its_date(csat, org_chart):
    admin = org_chart["admin"]
    later = months_ahead(2).start
    indicator_update(indicator=csat, user=admin, changes={"target": 4.9}, effective_from=later)
    with pytest.raises(ValidationError) as refused:
        # A baseline of 4.95 is above the later target 4.9: that version would be contradictory.
        indicator_update(
            indicator=csat,
            user=admin,
            changes={"baseline": 4.95, "target": 5.0},
            effective_from=NEXT_MONTH.start,
        )
    assert later.isoformat() in " ".join(refused.value.messages)
    assert csat.versions.count() == 2


def test_the_api_takes_a_date_and_a_reason_and_refuses_a_bad_date(as_user, csat, org_chart):
    url = f"/api/v1/indicators/{csat.id}/"
    refused = as_user("admin").patch(
        url,
        {"target": 4.6, "effective_from": LAST_MONTH.start.isoformat()},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert THIS_MONTH.start.isoformat() in refused.json()["effective_from"][0]
    accepted = as_user("admin").patch(
        url,
        {
            "target": 4.6,
            "effective_from": NEXT_MONTH.start.isoformat(),
            "change_reason": "new survey scale",
        },
        content_type="application/json",
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["target"] == 4.6
    listed = as_user("east_a").get(url).json()["versions"]
    assert [(v["effective_from"], v["target"], v["reason"]) for v in listed] == [
        (BUILT_IN_FROM.isoformat(), 4.8, "built in"),
        (NEXT_MONTH.start.isoformat(), 4.6, "new survey scale"),
    ]
    [change] = setting_changes([csat.id])[csat.id]
    assert (change.effective_from, change.field, change.old, change.new) == (
        NEXT_MONTH.start,
        "target",
        4.8,
        4.6,
    )
    assert (change.reason, change.who) == (
        "new survey scale",
        user_display_name(org_chart["admin"]),
    )


def _admin_form_data(response) -> dict:
    """The admin change form's fields and its inlines' management forms, as the browser would
    post them."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or (isinstance(value, bool) and not value):
            continue
        data[form.add_prefix(name)] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[formset.management_form.add_prefix(name)] = value
        for sub in formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                if value is not None:
                    data[sub.add_prefix(name)] = getattr(value, "pk", value)
    return data


def test_the_admin_dates_a_change_refuses_a_bad_date_and_lists_who_and_why(client, org_chart, csat):
    client.force_login(org_chart["admin"])
    url = reverse("admin:indicators_indicatordefinition_change", args=[csat.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = _admin_form_data(page)
    assert data["effective_from"] == THIS_MONTH.start  # the default offered

    data.update(target="4.6", effective_from=LAST_MONTH.start.isoformat())
    refused = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert (
        refused.context["adminform"]
        .form.errors["effective_from"][0]
        .endswith(f"Choose {THIS_MONTH.start.isoformat()} or later.")
    )
    assert csat.versions.count() == 1

    data.update(effective_from=NEXT_MONTH.start.isoformat(), change_reason="new survey scale")
    saved = client.post(url, data)
    assert saved.status_code == 302
    version = csat.versions.get(effective_from=NEXT_MONTH.start)
    assert (version.target, version.created_by, version.reason) == (
        4.6,
        org_chart["admin"],
        "new survey scale",
    )
    history = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Scoring settings by date" in history and "new survey scale" in history


def test_the_manual_shows_the_settings_of_the_period_and_the_dated_changes(as_user, csat):
    indicator_update(
        indicator=csat,
        user=None,
        changes={"target": 4.6},
        effective_from=NEXT_MONTH.start,
    )
    client = as_user("east_a")
    now = client.get("/indicators/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    line = f"From {NEXT_MONTH.start.isoformat()} the target changes from 4.8 points (1–5) to 4.6"
    assert line in now and "upcoming" in now
    assert "the target 4.80 points (1–5) scores 100" in now
    later = client.get(
        f"/indicators/?period={NEXT_MONTH.label}", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "the target 4.60 points (1–5) scores 100" in later
    assert line in later and "upcoming" not in later
    chinese = client.get("/indicators/").content.decode()
    assert "4.6" in chinese


def test_an_indicator_switched_off_leaves_the_manual_from_its_date(as_user, csat):
    indicator_update(
        indicator=csat, user=None, changes={"is_active": False}, effective_from=NEXT_MONTH.start
    )
    client = as_user("east_a")
    assert client.get("/indicators/").content.decode().count('data-testid="manual-indicator"') == 17
    later = client.get(f"/indicators/?period={NEXT_MONTH.label}").content.decode()
    assert later.count('data-testid="manual-indicator"') == 16


def test_a_bad_period_on_the_manual_is_a_400_naming_the_field(as_user):
    page = as_user("east_a").get("/indicators/?period=2026-13", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert "Period: Write the period as YYYY-MM" in page.content.decode()


def test_the_admin_form_starts_from_the_settings_in_force_this_month(client, org_chart, csat):
    indicator_update(
        indicator=csat, user=None, changes={"is_active": False}, effective_from=NEXT_MONTH.start
    )
    client.force_login(org_chart["admin"])
    url = reverse("admin:indicators_indicatordefinition_change", args=[csat.pk])
    data = _admin_form_data(client.get(url))
    assert data["is_active"] is True  # still scored this month, though off from next month
    del data["is_active"]  # switched off already from this month
    assert client.post(url, data).status_code == 302
    assert _versions(csat) == [
        (BUILT_IN_FROM, True, 4.8, 3.5),
        (THIS_MONTH.start, False, 4.8, 3.5),
        (NEXT_MONTH.start, False, 4.8, 3.5),
    ]
