"""The set-up page's forms: the cycle (name, kind, first month, scope, deadlines, KPI weight)
and, per level, its competencies starting from the default catalogue, each with the behaviour
of every rating in Chinese and English, to edit, remove or add to. A refusal of the services,
which name the input by path (``templates[1].competencies[0].anchors[2].text_zh``), is shown
beside the field it names."""

import re

from django import forms
from django.forms import formset_factory
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from org.fields import PeriodField
from org.models import Level, Team
from org.periods import PeriodKind
from reviews.defaults import default_competencies
from reviews.models import COMMENT_MAX, RATINGS, CycleKind
from reviews.setup import ANCHOR_MAX, NAME_MAX, CompetencyInput, TemplateInput

SCOPE_COMPANY, SCOPE_TEAMS = "company", "teams"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SHORT = forms.Textarea(attrs={"rows": 2})


class TeamChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, team: Team) -> str:
        return team.name


class CycleSetupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    kind = forms.ChoiceField(label=_("Length"), choices=CycleKind.choices, initial="quarter")
    first_month = PeriodField(
        label=_("First month"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-07"}),
        help_text=_("The last month follows from the length."),
    )
    scope = forms.ChoiceField(
        label=_("Who is reviewed"),
        choices=[
            (SCOPE_COMPANY, _("The whole company")),
            (SCOPE_TEAMS, _("The teams chosen below, and the teams below them")),
        ],
        initial=SCOPE_COMPANY,
        widget=forms.RadioSelect,
    )
    teams = TeamChoice(
        label=_("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    self_review_due = forms.DateField(label=_("Self-reviews due"), widget=DATE)
    manager_review_due = forms.DateField(label=_("Manager reviews due"), widget=DATE)
    kpi_weight = forms.FloatField(
        label=_("KPI weight (w)"),
        initial=0.7,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text=_("final = w × KPI part + (1 − w) × qualitative part; w from 0 to 1."),
    )

    def clean_first_month(self):
        period = self.cleaned_data["first_month"]
        if period is not None and period.kind is not PeriodKind.MONTH:
            raise forms.ValidationError(_("Choose a month (YYYY-MM)."))
        return period

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == SCOPE_TEAMS and not cleaned.get("teams"):
            self.add_error("teams", _("Choose at least one team, or the whole company."))
        return cleaned

    def chosen_teams(self) -> list[Team]:
        if self.cleaned_data["scope"] == SCOPE_COMPANY:
            return []
        return list(self.cleaned_data["teams"])


class LevelForm(forms.Form):
    self_review_weight = forms.FloatField(
        label=_("Self-review weight"),
        initial=0.0,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text=_("Share of the self-review in the qualitative part (0: shown, not counted)."),
    )
    kpi_weight = forms.FloatField(
        label=_("KPI weight of this level"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text=_("w in this level's final, from 0 to 1; empty: the cycle's."),
    )


def _anchor_field(rating: int, language: str) -> str:
    return f"anchor_{rating}_{language}"


class CompetencyForm(forms.Form):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    weight = forms.FloatField(label=_("Weight"), widget=forms.NumberInput(attrs={"step": "0.05"}))
    description_zh = forms.CharField(
        label=_("Description (Chinese)"), required=False, max_length=COMMENT_MAX, widget=SHORT
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, max_length=COMMENT_MAX, widget=SHORT
    )
    remove = forms.BooleanField(label=_("Remove this competency"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Not required here: the service names an empty one by its rating and language.
        for rating in RATINGS:
            self.fields[_anchor_field(rating, "zh")] = forms.CharField(
                label=_("%(rating)d · Chinese") % {"rating": rating},
                required=False,
                max_length=ANCHOR_MAX,
                widget=SHORT,
            )
            self.fields[_anchor_field(rating, "en")] = forms.CharField(
                label=_("%(rating)d · English") % {"rating": rating},
                required=False,
                max_length=ANCHOR_MAX,
                widget=SHORT,
            )

    def anchor_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (rating, self[_anchor_field(rating, "zh")], self[_anchor_field(rating, "en")])
            for rating in RATINGS
        ]

    def kept(self) -> bool:
        """Filled in and not marked for removal (a blank extra form adds nothing)."""
        return self.has_changed() and not self.cleaned_data.get("remove")


CompetencyFormSet = formset_factory(CompetencyForm, extra=1)


def _initial_competencies() -> list[dict]:
    rows = []
    for spec in default_competencies():
        row = {
            "name_zh": spec.name_zh,
            "name_en": spec.name_en,
            "weight": spec.weight,
            "description_zh": spec.description_zh,
            "description_en": spec.description_en,
        }
        for rating, (zh, en) in zip(RATINGS, spec.anchors, strict=True):
            row[_anchor_field(rating, "zh")] = zh
            row[_anchor_field(rating, "en")] = en
        rows.append(row)
    return rows


def _code(name_en: str, position: int, taken: set[str]) -> str:
    """A competency's code (a slug, never shown) from its English name."""
    code = slugify(name_en)[:28] or "competency"
    if code in taken:
        code = f"{code}-{position + 1}"
    taken.add(code)
    return code


class LevelTemplate:
    """One level's part of the page: its self-review weight and its competencies."""

    def __init__(self, level: str, label: str, data=None, *, more: bool = False) -> None:
        self.level, self.label = level, label
        if data is not None and more:
            # "Add a competency": the same forms again, and one blank more.
            data = data.copy()
            key = f"{level}-TOTAL_FORMS"
            # A count that is no count is left for the formset to refuse, not read.
            given = str(data.get(key) or "0")
            if given.isdecimal() and len(given) <= 4:
                data[key] = str(int(given) + 1)
        self.form = LevelForm(data, prefix=f"{level}-level")
        self.competencies = CompetencyFormSet(
            data, prefix=level, initial=None if data is not None else _initial_competencies()
        )
        self.kept_forms: list[CompetencyForm] = []

    def is_valid(self) -> bool:
        valid = self.form.is_valid() & self.competencies.is_valid()
        if valid:
            self.kept_forms = [form for form in self.competencies.forms if form.kept()]
        return valid

    def template_input(self) -> TemplateInput:
        taken: set[str] = set()
        competencies = []
        for position, form in enumerate(self.kept_forms):
            data = form.cleaned_data
            competencies.append(
                CompetencyInput(
                    code=_code(data["name_en"], position, taken),
                    name_zh=data["name_zh"],
                    name_en=data["name_en"],
                    weight=data["weight"],
                    description_zh=data["description_zh"],
                    description_en=data["description_en"],
                    anchors=[
                        (data[_anchor_field(r, "zh")], data[_anchor_field(r, "en")])
                        for r in RATINGS
                    ],
                )
            )
        return TemplateInput(
            level=self.level,
            competencies=competencies,
            self_review_weight=self.form.cleaned_data["self_review_weight"],
            kpi_weight=self.form.cleaned_data["kpi_weight"],
        )

    def add_error(self, path: str, message: str) -> None:
        """Show a refusal of ``competencies[j]…`` or of one of the level's weights at its
        field."""
        found = re.fullmatch(r"competencies\[(\d+)\]\.(\w+)(?:\[(\d+)\]\.text_(zh|en))?", path)
        if path in ("self_review_weight", "kpi_weight"):
            self.form.add_error(path, message)
        elif found and int(found[1]) < len(self.kept_forms):
            form = self.kept_forms[int(found[1])]
            field = found[2]
            if found[3] is not None:
                field = _anchor_field(int(found[3]) + 1, found[4])
            elif field == "code":
                field = "name_en"
            form.add_error(field if field in form.fields else None, message)
        else:
            self.errors.append(message)

    @property
    def errors(self) -> list[str]:
        if not hasattr(self, "_errors"):
            self._errors: list[str] = []
        return self._errors


def level_templates(data=None, *, more: str = "") -> list[LevelTemplate]:
    return [
        LevelTemplate(level, str(label), data, more=more == level) for level, label in Level.choices
    ]
