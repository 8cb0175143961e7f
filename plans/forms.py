"""The forms of the plan pages: starting a plan (mentor, dates, reduced workload, up to three
goals), a check-in, a reply, an extension and a coaching note. Each field is labelled; the
services check the rest and their refusals land under the field they name."""

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Employee
from plans.models import NOTE_MAX, REASON_MAX
from plans.selectors import goal_indicators, mentor_choices
from plans.services import GoalInput

GOAL_ROWS = 3  # goal rows the page offers; the API takes up to GOALS_MAX


class DateInput(forms.DateInput):
    input_type = "date"


class MentorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, employee: Employee) -> str:
        return f"{employee.name} · {employee.team.name}"


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, indicator) -> str:
        return indicator.name


class PlanForm(forms.Form):
    mentor = MentorChoiceField(label=_("Mentor"), queryset=Employee.objects.none())
    start = forms.DateField(label=_("Start"), widget=DateInput)
    end = forms.DateField(
        label=_("End"),
        required=False,
        widget=DateInput,
        help_text=_("Empty: 90 days from the start."),
    )
    workload_note = forms.CharField(
        label=_("Reduced workload"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the person is relieved of during the plan, if anything."),
    )

    def __init__(self, *args, user: AbstractBaseUser, employee: Employee, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = mentor_choices(user=user, employee=employee)
        self.fields["mentor"].queryset = choices.select_related("team")
        self.initial.setdefault("start", timezone.localdate())
        for row in range(GOAL_ROWS):
            self.fields[f"indicator_{row}"] = IndicatorChoiceField(
                label=_("Indicator of goal %(n)d") % {"n": row + 1},
                queryset=goal_indicators(),
                required=row == 0,
            )
            self.fields[f"target_{row}"] = forms.FloatField(
                label=_("Target of goal %(n)d") % {"n": row + 1},
                required=False,
                help_text=_("In the indicator's unit (%, hours, …)."),
            )

    def goal_rows(self) -> list[tuple]:
        return [(self[f"indicator_{row}"], self[f"target_{row}"]) for row in range(GOAL_ROWS)]

    def clean(self) -> dict:
        cleaned = super().clean()
        for row in range(GOAL_ROWS):
            target = f"target_{row}"
            if (
                cleaned.get(f"indicator_{row}")
                and cleaned.get(target) is None
                and target not in self.errors
            ):
                self.add_error(target, _("Give the goal a target value."))
        return cleaned

    def goals(self) -> list[GoalInput]:
        return [
            GoalInput(
                indicator=self.cleaned_data[f"indicator_{row}"],
                target=self.cleaned_data[f"target_{row}"],
            )
            for row in range(GOAL_ROWS)
            if self.cleaned_data.get(f"indicator_{row}")
        ]

    def field_for(self, name: str | None) -> str | None:
        """The form field a service refusal names (``goals[1].target`` → ``target_1``)."""
        if name and name.startswith("goals["):
            row, _dot, part = name[len("goals[") :].partition("].")
            return f"{part}_{row}" if f"{part}_{row}" in self.fields else None
        return name if name in self.fields else None


class CheckInForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput)
    note = forms.CharField(
        label=_("Check-in note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Your reply"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtendForm(forms.Form):
    new_end = forms.DateField(label=_("New end"), widget=DateInput)
    reason = forms.CharField(label=_("Why extend"), max_length=REASON_MAX)


class CoachingNoteForm(forms.Form):
    day = forms.DateField(label=_("Day of the one-to-one"), widget=DateInput)
    note = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
