"""Forms for filing an appeal and acting on it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from appeals.models import AppealState, ReasonCategory


class AppealForm(forms.Form):
    claimed_value = forms.CharField(label=_("Correct value"), max_length=200)
    category = forms.ChoiceField(label=_("Reason"), choices=ReasonCategory.choices)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4})
    )


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("submit", "withdraw", "review", "approve", "reject")]
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence (image, PDF or XLSX)"))


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *AppealState.choices]
    )
    team = forms.IntegerField(label=_("Team"), required=False, widget=forms.Select)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
