"""Setting a cycle up (reviews.setup): a cycle with its templates from the default catalogue,
opened; every refusal names the input at fault down to the index, and nothing is kept of a
refused set-up."""

import dataclasses
import datetime as dt

import pytest
from django.utils import translation

from org.models import Level
from reviews.defaults import DEFAULT_CATALOGUE, default_competencies, default_templates
from reviews.errors import ReviewRefused
from reviews.models import Anchor, Competency, CycleState, ReviewCycle, ReviewTemplate
from reviews.setup import (
    CompetencyInput,
    TemplateInput,
    cycle_create,
    cycle_open,
    cycle_setup,
    template_create,
)
from tests.clock import THIS_MONTH
from tests.factories import EmployeeFactory
from tests.reviews.conftest import MONTHS, competencies

pytestmark = pytest.mark.django_db


def test_the_default_catalogue_describes_every_rating_in_both_languages():
    specs = default_competencies()
    assert [spec.name_zh for spec in specs] == ["沟通", "团队协作", "责任心", "服务态度"]
    assert sum(spec.weight for spec in specs) == pytest.approx(1.0)
    for spec in specs:
        assert len(spec.anchors) == 5
        texts = [text for anchor in spec.anchors for text in anchor]
        assert all(text.strip() for text in texts) and len(set(texts)) == 10, spec.code
        assert spec.description_zh and spec.description_en
    assert len(DEFAULT_CATALOGUE) == 4


def _setup(org_chart, **changes) -> ReviewCycle:
    fields = {
        "user": org_chart["hr"].user,
        "name": "2026 第三季度考核",
        "kind": "quarter",
        "first_period": MONTHS[0],
        "self_review_due": THIS_MONTH.start.replace(day=24),
        "manager_review_due": THIS_MONTH.start.replace(day=28),
        "teams": [org_chart["teams"]["east"]],
        "templates": default_templates([Level.INTERMEDIATE, Level.SENIOR]),
        **changes,
    }
    return cycle_setup(**fields)


def test_hr_sets_a_cycle_up_from_the_defaults_and_opens_it(org_chart):
    cycle = _setup(org_chart, kpi_weight=0.6)
    assert (cycle.first_period, cycle.last_period) == (MONTHS[0].start, MONTHS[2].start)
    assert list(cycle.teams.all()) == [org_chart["teams"]["east"]]
    levels = ReviewTemplate.objects.filter(cycle=cycle).values_list("level", flat=True)
    assert set(levels) == {Level.INTERMEDIATE, Level.SENIOR}
    assert Competency.objects.filter(template__cycle=cycle).count() == 8
    assert Anchor.objects.filter(competency__template__cycle=cycle).count() == 40
    senior = ReviewTemplate.objects.get(cycle=cycle, level=Level.SENIOR)
    service = senior.competencies.get(code="service")
    assert service.anchors.get(rating=5).text_zh.startswith("在困难情况下仍让客户满意")
    assert service.history.get().history_user == org_chart["hr"].user

    opened = cycle_open(user=org_chart["hr"].user, cycle=cycle)
    assert (opened.state, opened.kpi_weight) == (CycleState.OPEN, 0.6)
    assert opened.history.first().history_change_reason == "opened"


def _anchor_blank(specs: list[CompetencyInput], index: int) -> list[CompetencyInput]:
    anchors = list(specs[0].anchors)
    anchors[index] = ("  ", anchors[index][1])
    return [dataclasses.replace(specs[0], anchors=anchors), *specs[1:]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kpi_weight": 1.01}, "kpi_weight"),
        ({"kpi_weight": -0.2}, "kpi_weight"),
        ({"templates": []}, "templates"),
        (
            {"templates": [*default_templates([Level.INTERMEDIATE]), TemplateInput("senior", [])]},
            "templates[1].competencies",
        ),
        (
            {
                "templates": [
                    *default_templates([Level.INTERMEDIATE]),
                    TemplateInput("senior", _anchor_blank(default_competencies(), 2)),
                ]
            },
            "templates[1].competencies[0].anchors[2].text_zh",
        ),
        ({"templates": default_templates(["junior", "junior"])}, "templates[1].level"),
        ({"templates": default_templates(["trainee"])}, "templates[0].level"),
        (
            {"templates": [TemplateInput("junior", default_competencies(), 1.5)]},
            "templates[0].self_review_weight",
        ),
        # Deadlines before the cycle's first month.
        ({"self_review_due": MONTHS[0].start - dt.timedelta(days=1)}, "self_review_due"),
        (
            {
                "self_review_due": MONTHS[0].start - dt.timedelta(days=9),
                "manager_review_due": MONTHS[0].start - dt.timedelta(days=2),
            },
            "self_review_due",
        ),
        ({"manager_review_due": MONTHS[0].start - dt.timedelta(days=1)}, "manager_review_due"),
    ],
)
def test_a_set_up_that_cannot_be_is_refused_and_leaves_nothing(org_chart, changes, field):
    with pytest.raises(ReviewRefused) as refused:
        _setup(org_chart, **changes)
    assert refused.value.field == field
    assert not ReviewCycle.objects.exists() and not Competency.objects.exists()


def test_a_refusal_says_what_is_wrong_in_words(org_chart):
    with translation.override("en"), pytest.raises(ReviewRefused) as refused:
        _setup(org_chart, manager_review_due=MONTHS[0].start - dt.timedelta(days=1))
    day = MONTHS[0].start
    assert str(refused.value) == (
        f"The manager-review deadline ({day - dt.timedelta(days=1):%Y-%m-%d}) is before the "
        f"cycle begins ({day:%Y-%m-%d})."
    )
    templates = [TemplateInput("senior", _anchor_blank(default_competencies(), 2))]
    with translation.override("en"), pytest.raises(ReviewRefused) as refused:
        _setup(org_chart, templates=templates)
    assert str(refused.value) == "Describe the behaviour that earns a 3 in Chinese."


def test_opening_needs_a_template_for_every_level_among_the_people(org_chart):
    EmployeeFactory(team=org_chart["teams"]["east"], level=Level.JUNIOR, name="新人甲")
    EmployeeFactory(team=org_chart["teams"]["east"], level=Level.SENIOR, name="老将乙")
    cycle = _setup(org_chart, templates=default_templates([Level.INTERMEDIATE]))
    with translation.override("en"), pytest.raises(ReviewRefused) as refused:
        cycle_open(user=org_chart["hr"].user, cycle=cycle)
    assert refused.value.field == "templates"
    assert str(refused.value) == "Add a template for: Junior, Senior."


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kpi_weight": 1.2}, "kpi_weight"),
        ({"kpi_weight": -0.1}, "kpi_weight"),
        ({"name": " "}, "name"),
        ({"kind": "decade"}, "kind"),
        ({"self_review_due": dt.date(2099, 1, 1)}, "self_review_due"),  # after manager reviews
    ],
)
def test_a_cycle_that_cannot_be_is_refused(org_chart, changes, field):
    fields = {
        "name": "年度考核",
        "kind": "year",
        "first_period": MONTHS[0],
        "self_review_due": THIS_MONTH.start.replace(day=24),
        "manager_review_due": THIS_MONTH.start.replace(day=28),
        **changes,
    }
    with pytest.raises(ReviewRefused) as refused:
        cycle_create(user=org_chart["hr"].user, **fields)
    assert refused.value.field == field


def test_a_year_cycle_covers_twelve_months(org_chart):
    year = cycle_create(
        user=org_chart["hr"].user,
        name="年度考核",
        kind="year",
        first_period=MONTHS[0],
        self_review_due=THIS_MONTH.start.replace(day=24),
        manager_review_due=THIS_MONTH.start.replace(day=28),
    )
    last = MONTHS[0]
    for _ in range(11):
        last = last.next()
    assert (year.first_period, year.last_period, year.state) == (
        MONTHS[0].start,
        last.start,
        CycleState.DRAFT,
    )


def _draft(org_chart):
    return cycle_create(
        user=org_chart["hr"].user,
        name="季度考核",
        kind="quarter",
        first_period=MONTHS[0],
        self_review_due=THIS_MONTH.start.replace(day=24),
        manager_review_due=THIS_MONTH.start.replace(day=28),
        teams=[org_chart["teams"]["east"]],
    )


def test_a_template_with_no_competencies_is_refused(org_chart):
    draft = _draft(org_chart)
    with pytest.raises(ReviewRefused) as refused:
        template_create(
            user=org_chart["hr"].user, cycle=draft, level=Level.INTERMEDIATE, competencies=[]
        )
    assert refused.value.field == "competencies"
    with pytest.raises(ReviewRefused) as refused:  # and so is opening a cycle without templates
        cycle_open(user=org_chart["hr"].user, cycle=draft)
    assert refused.value.field == "templates"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight": 0.0}, "competencies[1].weight"),
        ({"anchors": [("好", "good")] * 4}, "competencies[1].anchors"),
        ({"code": "communication"}, "competencies"),  # twice the same code
        ({"name_en": ""}, "competencies[1].name_en"),
        ({"code": "团队 协作"}, "competencies[1].code"),
    ],
)
def test_a_competency_that_cannot_be_is_refused(org_chart, change, field):
    specs = competencies()
    specs[1] = CompetencyInput(**{**specs[1].__dict__, **change})
    with pytest.raises(ReviewRefused) as refused:
        template_create(
            user=org_chart["hr"].user,
            cycle=_draft(org_chart),
            level=Level.INTERMEDIATE,
            competencies=specs,
        )
    assert refused.value.field == field


def test_only_hr_sets_cycles_up(org_chart):
    with pytest.raises(ReviewRefused):
        cycle_create(
            user=org_chart["east_manager"].user,
            name="季度考核",
            kind="quarter",
            first_period=MONTHS[0],
            self_review_due=THIS_MONTH.start.replace(day=24),
            manager_review_due=THIS_MONTH.start.replace(day=28),
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {
                "anchors": [
                    ("好", "good"),
                    ("", "fair"),
                    ("中", "ok"),
                    ("良", "well"),
                    ("优", "best"),
                ]
            },
            "competencies[1].anchors[1].text_zh",
        ),
        (
            {
                "anchors": [
                    ("好", "good"),
                    ("差", "fair"),
                    ("中", "ok"),
                    ("良", " "),
                    ("优", "best"),
                ]
            },
            "competencies[1].anchors[3].text_en",
        ),
    ],
)
def test_an_anchor_without_its_text_is_named_by_its_index(org_chart, change, field):
    specs = competencies()
    specs[1] = CompetencyInput(**{**specs[1].__dict__, **change})
    with pytest.raises(ReviewRefused) as refused:
        template_create(
            user=org_chart["hr"].user,
            cycle=_draft(org_chart),
            level=Level.INTERMEDIATE,
            competencies=specs,
        )
    assert refused.value.field == field
