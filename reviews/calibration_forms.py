"""The forms of calibration and sign-off: moving a grade (a new grade and the written reason)
and acknowledging a result (with a comment if one wishes)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.models import COMMENT_MAX, GRADES, REASON_MAX


class CalibrationForm(forms.Form):
    """One row's move; the page holds one per person, told apart by their prefix."""

    grade = forms.ChoiceField(
        label=_("New grade"),
        choices=[("", "—"), *((grade, grade) for grade in GRADES)],
        error_messages={
            "required": _("Choose a grade: S, A, B, C or D."),
            "invalid_choice": _("Choose a grade: S, A, B, C or D."),
        },
    )
    reason = forms.CharField(
        label=_("Why the grade moves"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the grade moves.")},
    )


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label=_("Your comment (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
