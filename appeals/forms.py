"""Forms for filing an appeal and acting on it, and for the parameters of the appeal pages:
every value a page reads from a request goes through one of them (a bad one is a 400 naming the
field)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from appeals.models import (
    CLAIMED_VALUE_MAX,
    COMMENT_MAX,
    DECISION_REASON_MAX,
    DESCRIPTION_MAX,
    AppealState,
    ReasonCategory,
)
from appeals.subjects import SUBJECTS
from org.fields import IdField, PeriodField

# Codes and field names are short words: anything longer is no code.
NAME_MAX = 64


class SubjectForm(forms.Form):
    """What the appeal is about, from the query string (and the form's hidden copy of it): a
    field of a record, or an indicator of a person in a period."""

    record_type = forms.ChoiceField(
        label=_("Record type"), required=False, choices=[("", "")] + [(k, k) for k in SUBJECTS]
    )
    record_id = IdField(label=_("Record number"), required=False)
    field = forms.CharField(label=_("Field"), required=False, max_length=NAME_MAX)
    employee = IdField(label=_("Person"), required=False)
    indicator = forms.CharField(label=_("Indicator"), required=False, max_length=NAME_MAX)
    period = PeriodField(label=_("Period"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        if data.get("record_type"):
            needed = ("record_id", "field")
        else:
            needed = ("employee", "indicator", "period")
        for name in needed:
            if data.get(name) in (None, ""):
                self.add_error(name, forms.Field.default_error_messages["required"])
        return data


class AppealForm(forms.Form):
    claimed_value = forms.CharField(label=_("Correct value"), max_length=CLAIMED_VALUE_MAX)
    category = forms.ChoiceField(label=_("Reason"), choices=ReasonCategory.choices)
    description = forms.CharField(
        label=_("What happened"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("submit", "withdraw", "review", "approve", "reject")]
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=DECISION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence (image, PDF or XLSX)"))


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *AppealState.choices]
    )
    team = IdField(label=_("Team"), required=False, widget=forms.Select)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


def form_errors_text(form: forms.Form) -> list[str]:
    """Each error as "<field label>: <message>", for a page or a flash message."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return lines
