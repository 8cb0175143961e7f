"""The pool form (the amount or revenue × percentage, the KPI-linked share, the payout curve,
the coefficient of each level, the rule for people not scored, in words) and the override
form (a person, their coefficient, and why)."""

from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bonus.models import COEFFICIENT, MONEY, NAME_MAX, AmountBasis, BonusPool, UnscoredRule
from bonus.services import PoolInput
from org.models import Employee, Level, Team
from reviews.models import REASON_MAX

# What each rule for people not scored means, shown beside the choice.
UNSCORED_RULE_WORDS = {
    UnscoredRule.FIXED_ONLY: _(
        "The fixed part only: they keep the part of their bonus that does not depend on "
        "the score, and get no KPI-linked part."
    ),
    UnscoredRule.AT_TARGET: _(
        "Paid as if at target: their KPI-linked part is paid in full, as for a final score "
        "at the curve's target."
    ),
    UnscoredRule.EXCLUDED: _(
        "No bonus, not counted: they get nothing and their coefficient does not count in the base."
    ),
}
# Initial coefficients offered for a new pool (HR changes them before saving).
SUGGESTED = {Level.JUNIOR: "1.0", Level.INTERMEDIATE: "1.2", Level.SENIOR: "1.5"}


def _decimal(label, help_text="", **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, help_text=help_text, localize=False, **kwargs)


class PoolForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: everyone the cycle reviews."),
    )
    basis = forms.ChoiceField(
        label=_("The pool is"), choices=AmountBasis.choices, widget=forms.RadioSelect
    )
    amount = _decimal(_("Pool amount"), required=False, min_value=0, **MONEY)
    revenue = _decimal(_("Revenue"), required=False, min_value=0, max_digits=16, decimal_places=2)
    percent = _decimal(
        _("Percentage of revenue (%)"),
        _("For example 1.5 for 1.5 percent of the revenue; the pool is rounded to the cent."),
        required=False,
        max_digits=7,
        decimal_places=4,
    )
    kpi_share = _decimal(
        _("KPI-linked share"),
        _("The share of each bonus paid by the final score, from 0 to 1 (0.20 for 20%)."),
        initial=Decimal("0.20"),
        max_digits=5,
        decimal_places=4,
    )
    curve_zero_at = _decimal(
        _("No KPI-linked part at or below the final score"),
        initial=Decimal(60),
        max_digits=5,
        decimal_places=2,
    )
    curve_full_at = _decimal(
        _("The full KPI-linked part at the final score"),
        initial=Decimal(80),
        max_digits=5,
        decimal_places=2,
    )
    curve_top_at = _decimal(
        _("The highest KPI-linked part from the final score"),
        initial=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )
    curve_top_factor = _decimal(
        _("The highest KPI-linked part (1.2 for 120%)"),
        _("Linear between the points; never more than this."),
        initial=Decimal("1.2"),
        max_digits=5,
        decimal_places=3,
    )
    coefficient_junior = _decimal(Level.JUNIOR.label, **COEFFICIENT)
    coefficient_intermediate = _decimal(Level.INTERMEDIATE.label, **COEFFICIENT)
    coefficient_senior = _decimal(Level.SENIOR.label, **COEFFICIENT)
    unscored_rule = forms.ChoiceField(
        label=_("People not scored in the cycle"),
        choices=[(rule, UNSCORED_RULE_WORDS[rule]) for rule in UnscoredRule],
        widget=forms.RadioSelect,
        initial=UnscoredRule.FIXED_ONLY,
    )

    def __init__(self, *args, teams: QuerySet[Team], pool: BonusPool | None = None, **kwargs):
        if pool is not None:
            kwargs["initial"] = self.initial_from(pool)
        else:
            kwargs.setdefault("initial", {})
            for level, value in SUGGESTED.items():
                kwargs["initial"].setdefault(f"coefficient_{level}", Decimal(value))
            kwargs["initial"].setdefault("basis", AmountBasis.FIXED)
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams

    @staticmethod
    def initial_from(pool: BonusPool) -> dict:
        initial = {
            name: getattr(pool, name)
            for name in [
                "name",
                "basis",
                "amount",
                "revenue",
                "percent",
                "kpi_share",
                "curve_zero_at",
                "curve_full_at",
                "curve_top_at",
                "curve_top_factor",
                "unscored_rule",
            ]
        }
        initial["teams"] = list(pool.teams.all())
        for row in pool.coefficients.all():
            initial[f"coefficient_{row.level}"] = row.coefficient
        return initial

    def coefficient_fields(self) -> list:
        return [self[f"coefficient_{level}"] for level in Level.values]

    def spec(self) -> PoolInput:
        data = self.cleaned_data
        return PoolInput(
            name=data["name"],
            basis=data["basis"],
            coefficients={level: data.get(f"coefficient_{level}") for level in Level.values},
            amount=data.get("amount"),
            revenue=data.get("revenue"),
            percent=data.get("percent"),
            kpi_share=data["kpi_share"],
            curve_zero_at=data["curve_zero_at"],
            curve_full_at=data["curve_full_at"],
            curve_top_at=data["curve_top_at"],
            curve_top_factor=data["curve_top_factor"],
            unscored_rule=data["unscored_rule"],
            teams=list(data["teams"]),
        )

    def refuse(self, field: str | None, message: str) -> None:
        """A service's refusal under the form field it names (``coefficients.junior`` is
        ``coefficient_junior``)."""
        name = (field or "").replace("coefficients.", "coefficient_")
        self.add_error(name if name in self.fields else None, message)


class OverrideForm(forms.Form):
    employee = forms.ModelChoiceField(label=_("Person"), queryset=Employee.objects.none())
    coefficient = _decimal(_("Coefficient"), **COEFFICIENT)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required: why this person's coefficient differs from their level's."),
    )

    def __init__(self, *args, people: QuerySet[Employee], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = people
        self.fields["employee"].label_from_instance = lambda person: (
            f"{person.name} · {person.employee_no}"
        )
