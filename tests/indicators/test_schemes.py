"""Weight schemes: drafts, judgments, the consistency gate, activation and the scheme in force."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from indicators import scheme_services, services
from indicators.models import IndicatorDefinition, IndicatorSetting, SchemeWeight, WeightScheme
from indicators.selectors import scheme_in_force

# When activations happen, as recorded on the schemes.
NOW = dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC)

# A consistent 4×4 matrix (priorities 8:4:2:1) with the judgment of item 1 against item 4 turned
# the wrong way round: 1/8 where the other judgments imply 2 × 4 = 4 × 2 = 8.
BACKWARDS = [
    [1, 2, 4, 1 / 8],
    [1 / 2, 1, 2, 4],
    [1 / 4, 1 / 2, 1, 2],
    [8, 1 / 4, 1 / 2, 1],
]
CONSISTENT = [
    [1, 2, 4, 8],
    [1 / 2, 1, 2, 4],
    [1 / 4, 1 / 2, 1, 2],
    [1 / 8, 1 / 4, 1 / 2, 1],
]


def _weights(scheme: WeightScheme) -> dict[str, float]:
    return dict(
        SchemeWeight.objects.filter(scheme=scheme).values_list("indicator__code", "global_weight")
    )


@pytest.fixture
def admin(org_chart):
    return org_chart["admin"]


@pytest.fixture
def senior_v1(db):
    return WeightScheme.objects.get(level="senior", status="active")


@pytest.mark.django_db
def test_a_draft_carries_over_the_judgments_of_the_scheme_it_is_based_on(admin, senior_v1):
    draft = scheme_services.scheme_draft_create(
        user=admin, level="senior", effective_from=dt.date(2026, 11, 1), based_on=senior_v1
    )
    assert (draft.version, draft.status, draft.created_by) == (2, "draft", admin)
    assert _weights(draft) == pytest.approx(_weights(senior_v1))
    assert draft.matrices.count() == senior_v1.matrices.count()


@pytest.mark.django_db
def test_a_draft_without_a_base_starts_from_equal_judgments(admin):
    # Off in every dated version: the draft's date reads the catalog in force then.
    IndicatorSetting.objects.filter(indicator__code="collaboration_360").update(is_active=False)
    IndicatorDefinition.objects.filter(code="collaboration_360").update(is_active=False)
    draft = scheme_services.scheme_draft_create(
        user=admin, level="junior", effective_from=dt.date(2026, 11, 1), based_on=None
    )
    weights = _weights(draft)
    assert "collaboration_360" not in weights
    assert sum(weights.values()) == pytest.approx(1.0)
    tiers = draft.matrices.get(matrix="tiers")
    assert tiers.expert == admin.get_full_name()
    # Four equal tiers; the two innovation indicators left share their tier equally.
    assert weights["training_completion"] == pytest.approx(0.25 / 2)


@pytest.mark.django_db
def test_activation_retires_the_previous_scheme_which_stays_in_force_for_the_past(admin, senior_v1):
    # Without a base the draft's only expert is its creator, whose judgments are set here.
    draft = scheme_services.scheme_draft_create(
        user=admin, level="senior", effective_from=dt.date(2026, 11, 1), based_on=None
    )
    scheme_services.scheme_judgments_set(
        scheme=draft, user=admin, matrix="tiers", judgments=CONSISTENT
    )
    scheme_services.scheme_activate(scheme=draft, user=admin, now=NOW)

    senior_v1.refresh_from_db()
    draft.refresh_from_db()
    assert (senior_v1.status, draft.status) == ("retired", "active")
    assert WeightScheme.objects.filter(pk=senior_v1.pk).exists()
    assert scheme_in_force(level="senior", on=dt.date(2026, 10, 31)) == senior_v1
    assert scheme_in_force(level="senior", on=dt.date(2026, 11, 1)) == draft
    # Tier weights 8:4:2:1 → basic 8/15.
    tier_weight = draft.weights.get(indicator__code="order_volume").tier_weight
    assert tier_weight == pytest.approx(8 / 15)
    # History says who did it.
    assert senior_v1.history.first().history_user == admin
    assert draft.history.first().history_user == admin
    assert draft.matrices.get(matrix="tiers").history.first().history_user == admin


@pytest.mark.django_db
def test_an_inconsistent_scheme_is_refused_naming_the_matrix_and_the_judgment(admin, senior_v1):
    # Without a base the draft's only expert is its creator, whose judgments are set here.
    draft = scheme_services.scheme_draft_create(
        user=admin, level="senior", effective_from=dt.date(2026, 11, 1), based_on=None
    )
    scheme_services.scheme_judgments_set(
        scheme=draft, user=admin, matrix="tiers", judgments=BACKWARDS
    )
    draft.refresh_from_db()
    assert draft.consistency["tiers"]["cr"] >= 0.10
    assert not draft.is_consistent

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        scheme_services.scheme_activate(scheme=draft, user=admin, now=NOW)
    (message,) = refused.value.messages
    assert message.startswith("The Tiers matrix is inconsistent (CR ")
    assert "Revise the judgment of “Basic” against “Innovation”: it is 1/8" in message
    assert "imply about 8" in message
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        scheme_services.scheme_activate(scheme=draft, user=admin, now=NOW)
    assert "“基础”相对“创新”" in refused.value.messages[0]

    draft.refresh_from_db()
    senior_v1.refresh_from_db()
    assert (draft.status, senior_v1.status) == ("draft", "active")


@pytest.mark.django_db
def test_several_experts_are_combined_by_geometric_mean(admin, senior_v1):
    draft = scheme_services.scheme_draft_create(
        user=admin, level="senior", effective_from=dt.date(2026, 11, 1), based_on=None
    )
    scheme_services.scheme_judgments_set(
        scheme=draft, user=admin, matrix="tiers", judgments=CONSISTENT, expert="专家甲"
    )
    scheme_services.scheme_judgments_set(
        scheme=draft, user=admin, matrix="tiers", judgments=CONSISTENT, expert="专家乙"
    )
    draft.refresh_from_db()
    # The creator's equal judgments, and two experts' 8:4:2:1: geometric mean 4^(2/3):…
    assert draft.consistency["tiers"]["experts"] == 3
    tier = draft.weights.get(indicator__code="order_volume").tier_weight
    expected = 8 ** (2 / 3) / sum(x ** (2 / 3) for x in (8, 4, 2, 1))
    assert tier == pytest.approx(expected)


@pytest.mark.django_db
def test_only_drafts_change(admin, senior_v1):
    with translation.override("en"), pytest.raises(ValidationError, match="only a draft"):
        scheme_services.scheme_judgments_set(
            scheme=senior_v1, user=admin, matrix="tiers", judgments=CONSISTENT
        )


def _activated(admin, effective: dt.date) -> WeightScheme:
    draft = scheme_services.scheme_draft_create(
        user=admin, level="senior", effective_from=effective
    )
    scheme_services.scheme_activate(scheme=draft, user=admin, now=NOW)
    draft.refresh_from_db()
    return draft


@pytest.mark.django_db
def test_a_back_dated_scheme_fits_between_versions_and_retires_nothing_else(admin, senior_v1):
    # The built-in scheme applies from the earliest period perf scores.
    assert senior_v1.effective_from == dt.date(2000, 1, 1)
    next_month = _activated(admin, dt.date(2026, 11, 1))
    back_dated = _activated(admin, dt.date(2024, 6, 1))
    senior_v1.refresh_from_db()
    next_month.refresh_from_db()
    # The latest-dated stays the active one; the back-dated one weighs its window only.
    assert (senior_v1.status, next_month.status, back_dated.status) == (
        "retired",
        "active",
        "retired",
    )
    assert back_dated.activated_at == NOW
    assert scheme_in_force(level="senior", on=dt.date(2024, 5, 31)) == senior_v1
    assert scheme_in_force(level="senior", on=dt.date(2024, 6, 1)) == back_dated
    assert scheme_in_force(level="senior", on=dt.date(2026, 10, 31)) == back_dated
    assert scheme_in_force(level="senior", on=dt.date(2026, 11, 1)) == next_month
    assert back_dated.history.first().history_change_reason == "activated"


@pytest.mark.django_db
def test_a_scheme_dated_like_the_active_one_replaces_it(admin, senior_v1):
    replacement = _activated(admin, senior_v1.effective_from)
    senior_v1.refresh_from_db()
    assert (senior_v1.status, replacement.status) == ("retired", "active")
    assert scheme_in_force(level="senior", on=dt.date(2010, 1, 1)) == replacement
    # An older draft of that date would never be in force (the later version wins ties).
    older = scheme_services.scheme_draft_create(
        user=admin, level="senior", effective_from=dt.date(2025, 1, 1)
    )
    newer = _activated(admin, dt.date(2025, 1, 1))
    with translation.override("en"), pytest.raises(ValidationError, match="already in force"):
        scheme_services.scheme_activate(scheme=older, user=admin, now=NOW)
    assert scheme_in_force(level="senior", on=dt.date(2025, 1, 1)) == newer


@pytest.mark.django_db
def test_a_draft_over_an_outdated_catalog_cannot_be_activated(admin, senior_v1):
    draft = scheme_services.scheme_draft_create(
        user=admin, level="senior", effective_from=dt.date(2026, 11, 1), based_on=senior_v1
    )
    services.indicator_update(
        indicator=IndicatorDefinition.objects.get(code="collaboration_360"),
        user=admin,
        changes={"is_active": False},
        effective_from=dt.date(2026, 11, 1),
        now=NOW,
    )
    with translation.override("en"), pytest.raises(ValidationError, match="Create a new draft"):
        scheme_services.scheme_activate(scheme=draft, user=admin, now=NOW)


@pytest.mark.django_db
def test_a_stale_copy_of_an_activated_draft_cannot_change_it(admin, senior_v1):
    draft = scheme_services.scheme_draft_create(
        user=admin, level="senior", effective_from=dt.date(2026, 11, 1), based_on=senior_v1
    )
    stale = WeightScheme.objects.get(pk=draft.pk)
    scheme_services.scheme_activate(scheme=draft, user=admin, now=NOW)
    with translation.override("en"), pytest.raises(ValidationError, match="only a draft"):
        scheme_services.scheme_update(
            scheme=stale, user=admin, changes={"effective_from": dt.date(2020, 1, 1)}
        )
    with translation.override("en"), pytest.raises(ValidationError, match="only a draft"):
        scheme_services.scheme_judgments_set(
            scheme=stale, user=admin, matrix="tiers", judgments=CONSISTENT
        )
    draft.refresh_from_db()
    assert draft.effective_from == dt.date(2026, 11, 1)


@pytest.mark.django_db
def test_a_level_without_its_own_scheme_uses_the_all_levels_scheme(admin, senior_v1):
    # Juniors get their own scheme only from 2026 here (the built-in one covers every date).
    WeightScheme.objects.filter(level="junior").update(effective_from=dt.date(2026, 1, 1))
    general = scheme_services.scheme_draft_create(
        user=admin, level="", effective_from=dt.date(2025, 1, 1), based_on=senior_v1
    )
    scheme_services.scheme_activate(
        scheme=general, user=admin, now=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    assert scheme_in_force(level="junior", on=dt.date(2025, 6, 1)) == general
    assert scheme_in_force(level="junior", on=dt.date(2026, 6, 1)).level == "junior"
    assert scheme_in_force(level="junior", on=dt.date(2024, 6, 1)) is None


@pytest.mark.django_db
def test_judgments_are_validated(admin, senior_v1):
    draft = scheme_services.scheme_draft_create(
        user=admin, level="senior", effective_from=dt.date(2026, 11, 1), based_on=None
    )
    with translation.override("en"), pytest.raises(ValidationError, match="reciprocal"):
        scheme_services.scheme_judgments_set(
            scheme=draft, user=admin, matrix="tiers", judgments=[[1, 3], [3, 1]]
        )
    with translation.override("en"), pytest.raises(ValidationError, match="compares 4 items"):
        scheme_services.scheme_judgments_set(
            scheme=draft, user=admin, matrix="tiers", judgments=[[1, 3], [1 / 3, 1]]
        )


@pytest.mark.django_db
def test_a_draft_compares_the_indicators_active_on_its_own_date(admin):
    """Switched off from December: a November draft still weighs it, a December one does not."""
    services.indicator_update(
        indicator=IndicatorDefinition.objects.get(code="collaboration_360"),
        user=admin,
        changes={"is_active": False},
        effective_from=dt.date(2026, 12, 1),
        now=NOW,
    )
    november, december = (
        scheme_services.scheme_draft_create(
            user=admin, level="junior", effective_from=day, based_on=None
        )
        for day in (dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    )
    assert "collaboration_360" in _weights(november)
    assert "collaboration_360" not in _weights(december)
