"""Forms for filing an appeal and acting on it, and for the parameters of the appeal pages:
every value a page reads from a request goes through one of them (a bad one is a 400 naming the
field)."""

from django import forms
from django.db import models
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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented pattern); cleaned to a list."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item]


# What a file chooser offers (the services check the content whatever the browser sends).
EVIDENCE_ACCEPT = "image/png,image/jpeg,image/gif,image/webp,application/pdf,.xlsx"
# The format a claimed time is written in, as the form shows it (the picker sends ISO).
TIME_FORMAT_HINT = "YYYY-MM-DD HH:MM"


def claimed_widget(field: models.Field | None) -> tuple[forms.Widget, str]:
    """The input for a claimed value of ``field`` and the help that says how to fill it: a date
    and time picker for times, yes/no for flags, a number for counts, an employee number for
    attributions."""
    if isinstance(field, models.DateTimeField):
        widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 60})
        return widget, _("Company time. Pick it, or type it as {format}.")
    if isinstance(field, models.BooleanField):
        return forms.Select(choices=[("yes", _("yes")), ("no", _("no"))]), ""
    if isinstance(field, models.IntegerField):
        return forms.NumberInput(attrs={"min": 0, "step": 1}), _("A whole number.")
    if isinstance(field, models.ForeignKey):
        return forms.TextInput(), _("The employee number of the person it should count for.")
    return forms.TextInput(), ""


class AppealForm(forms.Form):
    claimed_value = forms.CharField(label=_("What it should be"), max_length=CLAIMED_VALUE_MAX)
    category = forms.ChoiceField(label=_("Reason"), choices=ReasonCategory.choices)
    description = forms.CharField(
        label=_("What happened"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = MultipleFileField(
        label=_("Evidence (images, PDF or XLSX; several at once)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )

    def __init__(self, *args, field: models.Field | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        widget, help_text = claimed_widget(field)
        claimed = self.fields["claimed_value"]
        claimed.widget = widget
        claimed.help_text = str(help_text).format(format=TIME_FORMAT_HINT)
        claimed.widget.attrs["maxlength"] = CLAIMED_VALUE_MAX


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


class Assigned(models.TextChoices):
    ME = "me", _("Assigned to me")
    NOBODY = "nobody", _("Not assigned")


class QueueFilterForm(forms.Form):
    """The list's filters. Team, assignment and overdue filter HR's queue; others see only the
    state filter (their list holds their own appeals)."""

    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *AppealState.choices]
    )
    team = IdField(label=_("Team"), required=False, widget=forms.Select)
    assigned = forms.ChoiceField(
        label=_("Assignee"), required=False, choices=[("", _("Anyone")), *Assigned.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, reviewer: bool, teams=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if reviewer:
            self.fields["team"].widget.choices = [("", _("All"))] + [
                (team.pk, team.name) for team in teams
            ]
        else:
            for name in ("team", "assigned", "overdue"):
                del self.fields[name]


class BulkReviewForm(forms.Form):
    """HR's bulk action on the queue: the ticked appeals, taken into review by an assignee."""

    appeals = forms.TypedMultipleChoiceField(label=_("Appeals"), coerce=int, choices=[])
    assignee = IdField(label=_("Assign to"), required=False, widget=forms.Select)

    def __init__(self, *args, appeal_ids=(), reviewers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appeals"].choices = [(pk, pk) for pk in appeal_ids]
        self.fields["assignee"].widget.choices = [("", _("Me"))] + [
            (user.pk, name) for user, name in reviewers
        ]
        self.reviewers = {user.pk: user for user, _name in reviewers}

    def clean_assignee(self):
        chosen = self.cleaned_data.get("assignee")
        if chosen is None:
            return None
        if chosen not in self.reviewers:
            raise forms.ValidationError(_("Choose someone in HR."))
        return self.reviewers[chosen]


def form_errors_text(form: forms.Form) -> list[str]:
    """Each error as "<field label>: <message>", for a page or a flash message."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return lines
