"""A person's critical-incident log: the person reads what their managers noted about them;
their managers and HR also note incidents, each with the record of theirs it concerns."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from org.selectors import employee_get_for_user
from reviews.access import may_note_incidents
from reviews.errors import ReviewForbidden, ReviewRefused
from reviews.forms import IncidentForm
from reviews.incidents import incident_lines, record_id_by_number
from reviews.selectors import incidents_visible_to
from reviews.services import incident_add

INCIDENTS_SHOWN = 200


@login_required
def incident_log(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = employee_get_for_user(user=request.user, employee_id=employee_id)
    writes = may_note_incidents(request.user, employee)
    is_own = employee.user_id == request.user.pk
    if not writes and not is_own:
        raise Http404
    form = IncidentForm(request.POST or None, initial={"day": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if not writes:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_id = (
                    record_id_by_number(employee, data["record_type"], data["record_number"])
                    if data["record_type"]
                    else None
                )
                incident_add(
                    user=request.user,
                    employee=employee,
                    day=data["day"],
                    note=data["note"],
                    record_type=data["record_type"],
                    record_id=record_id,
                )
            except ReviewForbidden as refusal:
                raise PermissionDenied(str(refusal)) from refusal
            except ReviewRefused as refusal:
                field = refusal.field if refusal.field in form.fields else None
                form.add_error(field, str(refusal))
            else:
                messages.success(request, _("The incident is noted."))
                return redirect("reviews:incidents", employee.pk)
        status = 400
    incidents = (
        incidents_visible_to(request.user)
        .filter(employee=employee)
        .select_related("author__employee")
    )
    context = {
        "employee": employee,
        "incidents": incident_lines(incidents.order_by("-day", "-id")[:INCIDENTS_SHOWN]),
        "form": form if writes else None,
        "is_own": is_own,
    }
    return render(request, "reviews/incidents.html", context, status=status)
