"""The weight lab page (admins): pick a draft and past published months, see what it would have
done. The form is read with GET: a replay changes nothing, so its address can be shared."""

from fractions import Fraction

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from dashboards.formatting import format_change, format_score
from indicators.models import IndicatorDefinition
from indicators.selectors import scheme_editor, scheme_experts
from indicators.views import SCALE_CHOICES
from org.views import allowed_if
from weightlab.access import lab_open_to
from weightlab.present import lab_rows
from weightlab.selectors import (
    DEFAULT_OUTCOMES,
    MAX_MONTHS,
    drafts_for_lab,
    lab_replay,
    months_for_lab,
)

lab_only = allowed_if(lab_open_to)
SCALES = {value for value, _label in SCALE_CHOICES}
# The grade table's columns: S to D, then the people without a grade (not scored).
GRADE_COLUMNS = ["S", "A", "B", "C", "D", ""]


class LabForm(forms.Form):
    scheme = forms.TypedChoiceField(label=_("Draft scheme"), coerce=int)
    months = forms.MultipleChoiceField(
        label=_("Published months"), widget=forms.CheckboxSelectMultiple
    )
    outcomes = forms.MultipleChoiceField(
        label=_("Outcomes to correlate with"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, drafts, months, indicators, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.drafts = {scheme.id: scheme for scheme in drafts}
        self.periods = {period.label: period for period in months}
        self.fields["scheme"].choices = [(scheme.id, str(scheme)) for scheme in drafts]
        self.fields["months"].choices = [(label, label) for label in self.periods]
        self.fields["outcomes"].choices = [(item.code, item.name) for item in indicators]

    def clean_months(self) -> list:
        chosen = self.cleaned_data["months"]
        if len(chosen) > MAX_MONTHS:
            raise ValidationError(
                _("At most %(limit)d months can be replayed at once, not %(n)d.")
                % {"limit": MAX_MONTHS, "n": len(chosen)}
            )
        return [self.periods[label] for label in chosen]


def _formatted(rows: dict) -> dict:
    """Totals and their change with units, as the page shows them."""
    for mover in rows["movers"]:
        before, after = mover["total_before"], mover["total_after"]
        mover["before_text"] = format_score(before)
        mover["after_text"] = format_score(after)
        both = before is not None and after is not None
        mover["change_text"] = format_change(after - before) if both else ""
    grouped: dict[tuple, dict] = {}
    for row in rows["distribution"]:
        key = (row["level"], row["team_id"])
        group = grouped.setdefault(
            key, {"level_label": row["level_label"], "team": row["team"], "counts": {}}
        )
        group["counts"][row["grade"]] = (row["before"], row["after"])
    rows["grade_table"] = [
        {**group, "cells": [group["counts"].get(grade, (0, 0)) for grade in GRADE_COLUMNS]}
        for group in grouped.values()
    ]
    return rows


def _lab_matrices(query, drafts: list) -> tuple[int | None, list[dict], dict | None, str]:
    """The judgments of the draft the form shows (the chosen one, else the first), one select
    per pair, from its first expert's or as sent (``j-<matrix>-<row>-<column>``) when they were
    sent for this draft (``judged``): an unsaved edit. Returns the draft's id, the matrices to
    show, the edited ones as full matrices for ``lab_replay`` (None: none edited) and an
    error."""
    chosen = query.get("scheme", "")
    shown = next((d for d in drafts if str(d.id) == chosen), drafts[0] if drafts else None)
    if shown is None:
        return None, [], None, ""
    sent = query.get("judged") == str(shown.id)
    experts = scheme_experts(shown)
    matrices, edited, error = [], {}, ""
    for matrix in scheme_editor(shown, experts[0] if experts else ""):
        size = len(matrix.items)
        full = [[1.0] * size for _ in range(size)]
        cells, changed = [], False
        for cell in matrix.cells:
            name = f"j-{matrix.key}-{cell.row}-{cell.column}"
            value = query.get(name, cell.value) if sent else cell.value
            if value not in SCALES:
                error = _("Pick each judgment on the scale.")
                value = cell.value
            changed |= value != cell.value
            full[cell.row][cell.column] = float(Fraction(value))
            full[cell.column][cell.row] = 1 / float(Fraction(value))
            cells.append({"name": name, "value": value, "cell": cell})
        if changed:
            edited[matrix.key] = full
        matrices.append({"matrix": matrix, "cells": cells, "edited": changed})
    return shown.id, matrices, edited or None, error


@lab_only
def lab(request: HttpRequest) -> HttpResponse:
    drafts, months = drafts_for_lab(), months_for_lab()
    indicators = list(IndicatorDefinition.objects.filter(is_active=True).order_by("id"))
    submitted = "scheme" in request.GET
    form = LabForm(
        request.GET if submitted else None,
        initial={"outcomes": list(DEFAULT_OUTCOMES), "months": [p.label for p in months[:3]]},
        drafts=drafts,
        months=months,
        indicators=indicators,
    )
    rows = None
    judged, matrices, edited, judgment_error = _lab_matrices(request.GET, drafts)
    if submitted and judgment_error:
        form.add_error(None, judgment_error)
    if submitted and form.is_valid():
        data = form.cleaned_data
        try:
            result = lab_replay(
                scheme=form.drafts[data["scheme"]],
                periods=data["months"],
                judgments=edited,
                outcomes=data["outcomes"] or DEFAULT_OUTCOMES,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            rows = _formatted(lab_rows(result))
    return render(
        request,
        "weightlab/lab.html",
        {
            "form": form,
            "rows": rows,
            "drafts": drafts,
            "months": months,
            "matrices": matrices,
            "judged": judged,
            "scale": SCALE_CHOICES,
            "edited": bool(edited),
        },
    )
