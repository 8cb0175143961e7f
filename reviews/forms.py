"""The review form: one 1–5 choice per competency of the person's template, each rating
labelled with its behaviour anchor in the reader's language, a comment per competency and one
for the whole review."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.language import in_language
from reviews.models import COMMENT_MAX, Competency


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
