"""The pilot pages (admins): the pilots with a form to start one, and one pilot with how its
team fared against everybody else."""

from contextlib import suppress

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dashboards.formatting import format_change, format_score
from indicators.pilots import PILOT_MONTHS_DEFAULT, PILOT_MONTHS_MAX
from org.fields import PeriodField
from org.periods import Period
from weightlab.pilot_present import comparison_rows, pilot_row
from weightlab.pilots import (
    GRADES,
    pilot_comparison,
    pilot_get,
    pilots_for_lab,
    schemes_for_pilot,
    teams_for_pilot,
)
from weightlab.services import pilot_cancel, pilot_create
from weightlab.views import lab_only


class PilotForm(forms.Form):
    scheme = forms.TypedChoiceField(label=_("Scheme to pilot"), coerce=int)
    team = forms.TypedChoiceField(label=_("Team"), coerce=int)
    first_month = PeriodField(label=_("First month"), help_text=_("For example 2026-10."))
    months = forms.IntegerField(
        label=_("Number of months"),
        min_value=1,
        max_value=PILOT_MONTHS_MAX,
        initial=PILOT_MONTHS_DEFAULT,
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, schemes, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.schemes = {scheme.id: scheme for scheme in schemes}
        self.teams = {team.id: team for team in teams}
        self.fields["scheme"].choices = [
            (scheme.id, f"{scheme} · {scheme.get_status_display()}") for scheme in schemes
        ]
        self.fields["team"].choices = [(team.id, team.name) for team in teams]


@lab_only
def pilot_list(request: HttpRequest) -> HttpResponse:
    schemes, teams = schemes_for_pilot(), teams_for_pilot()
    form = PilotForm(
        request.POST if request.method == "POST" else None,
        initial={"first_month": Period.containing(timezone.localdate()).label},
        schemes=schemes,
        teams=teams,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pilot = pilot_create(
                user=request.user,
                scheme=form.schemes[data["scheme"]],
                team=form.teams[data["team"]],
                first_month=data["first_month"],
                months=data["months"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("weightlab:pilot", pilot.id)
    pilots = [pilot_row(pilot) for pilot in pilots_for_lab()]
    status = 400 if request.method == "POST" else 200
    return render(request, "weightlab/pilots.html", {"form": form, "pilots": pilots}, status=status)


def _formatted(rows: dict) -> dict:
    for group in rows["groups"]:
        group["mean_text"] = format_score(group["mean_total"])
    for mover in rows["movers"]:
        without, with_pilot = mover["total_without"], mover["total_with"]
        mover["without_text"] = format_score(without)
        mover["with_text"] = format_score(with_pilot)
        both = without is not None and with_pilot is not None
        mover["change_text"] = format_change(with_pilot - without) if both else ""
    return rows


@lab_only
def pilot_detail(request: HttpRequest, pilot_id: int) -> HttpResponse:
    pilot = pilot_get(pilot_id)
    rows = _formatted(comparison_rows(pilot_comparison(pilot)))
    return render(
        request,
        "weightlab/pilot.html",
        {"pilot": pilot_row(pilot), "rows": rows, "grades": GRADES},
    )


@lab_only
@require_POST
def pilot_cancel_view(request: HttpRequest, pilot_id: int) -> HttpResponse:
    pilot = pilot_get(pilot_id)
    with suppress(ValidationError):  # cancelled already (another tab): the page shows it so
        pilot_cancel(pilot=pilot, user=request.user)
    return redirect("weightlab:pilot", pilot.id)
