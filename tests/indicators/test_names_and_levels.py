"""Names a viewer reads in their own language (the built-in schemes, drafts named after their
level, perf's own expert) and the applicable levels edited as boxes in the admin."""

from html import unescape

import pytest
from django.urls import reverse

from indicators.models import BUILTIN_EXPERT, IndicatorDefinition, WeightScheme
from tests.clock import months_ahead
from tests.indicators.test_dated_settings import _admin_form_data

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_built_in_schemes_and_drafts_are_named_in_the_viewers_language(as_user):
    client = as_user("admin")
    assert set(WeightScheme.objects.values_list("name", flat=True)) == {""}
    client.post(
        "/indicators/schemes/", {"level": "senior", "effective_from": months_ahead(1).start}
    )
    draft = WeightScheme.objects.get(level="senior", status="draft")
    assert draft.name == ""  # no name given: named at display time
    english = client.get("/indicators/schemes/", **ENGLISH).content.decode()
    chinese = client.get("/indicators/schemes/").content.decode()
    assert "Default weights · Intermediate</a>" in english
    assert "Senior weights</a>" in english
    assert "默认权重方案 · 中级</a>" in chinese
    assert "高级权重方案</a>" in chinese
    for html in (english, chinese):
        assert "默认方案 Default" not in html and "中级 intermediate" not in html


def test_perfs_own_judgments_are_named_in_the_viewers_language(as_user):
    client = as_user("admin")
    scheme = WeightScheme.objects.get(level="junior", version=1)
    english = unescape(client.get(f"/indicators/schemes/{scheme.id}/", **ENGLISH).content.decode())
    chinese = client.get(f"/indicators/schemes/{scheme.id}/").content.decode()
    assert ">perf's defaults</a>" in english and "Judgments of perf's defaults" in english
    assert ">perf 默认</a>" in chinese
    for html in (english, chinese):  # the key the judgments are stored under is not shown
        assert f">{BUILTIN_EXPERT}<" not in html and f"of {BUILTIN_EXPERT}" not in html


@pytest.fixture
def admin_form(client, org_chart):
    client.force_login(org_chart["admin"])
    indicator = IndicatorDefinition.objects.get(code="csat")
    url = reverse("admin:indicators_indicatordefinition_change", args=[indicator.pk])
    return client, indicator, url


def test_the_admin_shows_the_levels_as_boxes_and_saves_the_ticked_ones(admin_form):
    client, indicator, url = admin_form
    page = client.get(url, **ENGLISH)
    html = page.content.decode()
    for level in ("junior", "intermediate", "senior"):
        assert f'type="checkbox" name="levels" value="{level}"' in html
    assert "Applies to levels" in html
    assert '["junior", "intermediate", "senior"]' not in html  # no JSON box
    data = _admin_form_data(page)
    data["levels"] = ["senior", "intermediate"]
    assert client.post(url, data).status_code == 302
    indicator.refresh_from_db()
    assert indicator.levels == ["intermediate", "senior"]  # stored in the levels' order


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        (["senior", "expert"], "Applies to levels: expert is not a level."),
        ([], "Applies to levels: choose at least one level."),
    ],
)
def test_the_admin_refuses_an_unknown_level_or_none_naming_the_field(admin_form, levels, message):
    client, indicator, url = admin_form
    data = _admin_form_data(client.get(url))
    data["levels"] = levels
    refused = client.post(url, data, **ENGLISH)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["levels"] == [message]
    assert message in refused.content.decode()
    indicator.refresh_from_db()
    assert indicator.levels == ["junior", "intermediate", "senior"]
