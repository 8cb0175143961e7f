"""The review form: one 1–5 choice per competency of the person's template, each rating
labelled with its behaviour anchor in the reader's language, a comment per competency and one
for the whole review. The incident form: a dated note, and the record of the person's it
concerns named by its number."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ingest.record_types import LEDGERED_RECORD_TYPES
from reviews.incidents import NUMBERED_KINDS
from reviews.language import in_language
from reviews.models import COMMENT_MAX, NOTE_MAX, Competency

NUMBER_MAX = 128


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args, competencies: list[Competency], draft: bool = False, **kwargs
    ) -> None:
        """``draft``: the review is kept as it is, so a rating may still be missing."""
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        for competency in competencies:
            anchors = {anchor.rating: anchor for anchor in competency.anchors.all()}
            self.fields[f"rating_{competency.code}"] = forms.TypedChoiceField(
                label=in_language(competency.name_zh, competency.name_en),
                help_text=in_language(competency.description_zh, competency.description_en),
                choices=[
                    (rating, f"{rating} · {in_language(anchor.text_zh, anchor.text_en)}")
                    for rating, anchor in sorted(anchors.items())
                ],
                coerce=int,
                required=not draft,
                empty_value=None,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a rating.")},
            )
            self.fields[f"comment_{competency.code}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=COMMENT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[tuple]:
        """Per competency: its rating field, its comment field and its weight."""
        return [
            (
                self[f"rating_{competency.code}"],
                self[f"comment_{competency.code}"],
                competency.weight,
            )
            for competency in self.competencies
        ]

    def ratings(self) -> dict[str, int]:
        """The ratings chosen (a draft's may lack some)."""
        chosen = {c.code: self.cleaned_data[f"rating_{c.code}"] for c in self.competencies}
        return {code: rating for code, rating in chosen.items() if rating is not None}

    def comments(self) -> dict[str, str]:
        return {
            c.code: self.cleaned_data[f"comment_{c.code}"]
            for c in self.competencies
            if self.cleaned_data[f"comment_{c.code}"].strip()
        }


def review_initial(review) -> dict[str, object]:
    """The form's values from a review kept as a draft: its ratings and comments."""
    initial: dict[str, object] = {"comment": review.comment}
    for rating in review.ratings.all():
        initial[f"rating_{rating.competency.code}"] = rating.rating
        initial[f"comment_{rating.competency.code}"] = rating.comment
    return initial


class IncidentForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("What happened"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    record_type = forms.ChoiceField(
        label=_("Record it concerns"),
        required=False,
        help_text=_("Optional: the order, ticket or other record of theirs it was about."),
    )
    record_number = forms.CharField(
        label=_("Its number"), required=False, max_length=NUMBER_MAX, strip=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", _("None"))] + [
            (kind, capfirst(LEDGERED_RECORD_TYPES[kind].model._meta.verbose_name))
            for kind in NUMBERED_KINDS
        ]

    def clean(self) -> dict:
        """A record is named by both its kind and its number, or not at all."""
        data = super().clean()
        if data.get("record_type") and not data.get("record_number"):
            self.add_error("record_number", _("Give the record's number, or choose no record."))
        if data.get("record_number") and not data.get("record_type"):
            self.add_error("record_type", _("Choose the kind of record the number is of."))
        return data
