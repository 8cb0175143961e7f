"""Dates are rendered per language in a form that reads them back: a date or time input shows
only ISO, so every language's first input format is ISO (perf.formats; issue 19, point 5)."""

import datetime as dt

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from indicators.models import WeightScheme


class _Dated(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(widget=forms.DateTimeInput())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_date_and_a_time_render_as_iso_and_are_read_back(language):
    with translation.override(language):
        shown = _Dated(
            initial={"day": dt.date(2026, 12, 2), "moment": dt.datetime(2026, 12, 2, 9, 5)}
        )
        day, moment = shown["day"].value(), shown["moment"].value()
        rendered = {
            "day": shown["day"].field.widget.format_value(day),
            "moment": shown["moment"].field.widget.format_value(moment),
        }
        assert rendered["day"] == "2026-12-02"
        assert rendered["moment"].startswith("2026-12-02 09:05")
        posted = _Dated(data=rendered)
        assert posted.is_valid(), posted.errors
    assert posted.cleaned_data["day"] == dt.date(2026, 12, 2)


@pytest.mark.parametrize("typed", ["2026/12/02", "2026年12月02日"])
def test_chinese_dates_typed_the_chinese_way_are_still_read(typed):
    with translation.override("zh-hans"):
        posted = _Dated(data={"day": typed, "moment": "2026-12-02 09:05"})
        assert posted.is_valid(), posted.errors
    assert posted.cleaned_data["day"] == dt.date(2026, 12, 2)


@pytest.mark.django_db
def test_the_weight_scheme_draft_date_rendered_in_chinese_is_accepted_back(org_chart, client):
    """GET the draft form in Chinese, post back the date it shows: a draft is made with it."""
    client.force_login(org_chart["admin"])
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    page = client.get(reverse("indicators:scheme_list"), **chinese).content.decode()
    field = page.split('name="effective_from"')[1].split(">")[0]
    shown = field.split('value="')[1].split('"')[0]
    assert shown == f"{timezone.localdate():%Y-%m-%d}"
    response = client.post(
        reverse("indicators:scheme_list"),
        {"level": "junior", "effective_from": shown, "name": ""},
        **chinese,
    )
    assert response.status_code == 302
    assert WeightScheme.objects.filter(effective_from=timezone.localdate()).exists()
