"""Plan pages: the plans one may see, starting a plan (from the scorecard's flagged month or
not), a plan with its goals against the values so far, check-ins, replies, extension and
closing; a person's coaching notes. Scoped by ``plans.access`` (a page outside one's scope is a
404, an action one may not take a 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.fields import period_from_text
from org.selectors import employee_get_for_user
from plans.access import manages, may_reply, starts_plans
from plans.errors import PlanForbidden, PlanRefused
from plans.forms import CheckInForm, CoachingNoteForm, ExtendForm, PlanForm, ReplyForm
from plans.selectors import (
    coaching_notes_for,
    flagged_score_get,
    plan_get_for_user,
    plan_progress,
    plans_list_for_user,
)
from plans.services import (
    check_in_add,
    check_in_reply,
    coaching_note_add,
    plan_close,
    plan_create,
    plan_extend,
)


def _flagged_score(request: HttpRequest, employee):
    """The flagged result of the month the scorecard's button names (``?period=YYYY-MM``)."""
    text = request.GET.get("period", "")
    if not text:
        return None
    try:
        period = period_from_text(text)
    except ValidationError:  # a mistyped month starts a plan without a flagged result
        return None
    return flagged_score_get(employee=employee, period_start=period.start)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "plans/list.html",
        {
            "plans": list(plans_list_for_user(request.user)),
            "starts_plans": starts_plans(request.user),
        },
    )


@login_required
def plan_new(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = employee_get_for_user(user=request.user, employee_id=employee_id)
    if not manages(request.user, employee):
        raise PermissionDenied
    score = _flagged_score(request, employee)
    form = PlanForm(request.POST or None, user=request.user, employee=employee)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                plan = plan_create(
                    user=request.user,
                    employee=employee,
                    mentor=form.cleaned_data["mentor"],
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    goals=form.goals(),
                    workload_note=form.cleaned_data["workload_note"],
                    source_score=score,
                )
            except PlanRefused as refusal:
                form.add_error(form.field_for(refusal.field), str(refusal))
            else:
                messages.success(request, _("The improvement plan is started."))
                return redirect("plans:detail", plan.pk)
        status = 400
    context = {"employee": employee, "form": form, "score": score}
    return render(request, "plans/new.html", context, status=status)


def _detail_context(request: HttpRequest, plan, **forms) -> dict:
    active = plan.state == "active"
    user = request.user
    today = {"day": timezone.localdate()}
    # Asked once: whether the user manages the person takes three queries.
    managing = manages(user, plan.employee)
    checks = list(plan.check_ins.all())
    return {
        "plan": plan,
        "progress": plan_progress(plan),
        "check_ins": checks,
        "extensions": list(plan.extensions.all()),
        "is_own": plan.employee.user_id == user.pk,
        "check_in_form": forms.get("check_in_form")
        or (
            CheckInForm(initial=today)
            if active and (managing or plan.mentor.user_id == user.pk)
            else None
        ),
        "reply_form": ReplyForm() if active and may_reply(user, plan) else None,
        "extend_form": forms.get("extend_form") or (ExtendForm() if active and managing else None),
        "may_close": active and managing,
        "may_see_notes": plan.employee.user_id == user.pk or managing,
    }


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_get_for_user(user=request.user, plan_id=plan_id)
    return render(request, "plans/detail.html", _detail_context(request, plan))


def _refusal_to_form(form, refusal: PlanRefused) -> None:
    if isinstance(refusal, PlanForbidden):
        raise PermissionDenied(str(refusal))
    form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal))


@require_POST
@login_required
def plan_check_in(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_get_for_user(user=request.user, plan_id=plan_id)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            check_in_add(user=request.user, plan=plan, **form.cleaned_data)
        except PlanRefused as refusal:
            _refusal_to_form(form, refusal)
        else:
            messages.success(request, _("The check-in is saved."))
            return redirect("plans:detail", plan.pk)
    context = _detail_context(request, plan, check_in_form=form)
    return render(request, "plans/detail.html", context, status=400)


@require_POST
@login_required
def plan_reply(request: HttpRequest, plan_id: int, check_in_id: int) -> HttpResponse:
    plan = plan_get_for_user(user=request.user, plan_id=plan_id)
    check_in = plan.check_ins.filter(pk=check_in_id).first()
    if check_in is None:
        raise Http404
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            check_in_reply(user=request.user, check_in=check_in, reply=form.cleaned_data["reply"])
        except PlanRefused as refusal:
            _refusal_to_form(form, refusal)
        else:
            messages.success(request, _("Your reply is saved."))
            return redirect("plans:detail", plan.pk)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("plans:detail", plan.pk)


@require_POST
@login_required
def plan_extend_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_get_for_user(user=request.user, plan_id=plan_id)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            plan_extend(user=request.user, plan=plan, **form.cleaned_data)
        except PlanRefused as refusal:
            _refusal_to_form(form, refusal)
        else:
            messages.success(request, _("The plan is extended."))
            return redirect("plans:detail", plan.pk)
    context = _detail_context(request, plan, extend_form=form)
    return render(request, "plans/detail.html", context, status=400)


@require_POST
@login_required
def plan_close_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_get_for_user(user=request.user, plan_id=plan_id)
    try:
        plan_close(user=request.user, plan=plan)
    except PlanForbidden as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except PlanRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The plan is closed with its outcome."))
    return redirect("plans:detail", plan.pk)


@login_required
def coaching_notes(request: HttpRequest, employee_id: int) -> HttpResponse:
    """A person's coaching notes: the person reads them, their managers and HR also write."""
    employee = employee_get_for_user(user=request.user, employee_id=employee_id)
    writes = manages(request.user, employee)
    if not writes and employee.user_id != request.user.pk:
        raise Http404
    today = {"day": timezone.localdate()}
    form = CoachingNoteForm(request.POST or None, initial=today) if writes else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                coaching_note_add(user=request.user, employee=employee, **form.cleaned_data)
            except PlanRefused as refusal:
                _refusal_to_form(form, refusal)
            else:
                messages.success(request, _("The coaching note is saved."))
                return redirect("plans:notes", employee.pk)
        status = 400
    context = {
        "employee": employee,
        "notes": list(coaching_notes_for(user=request.user, employee=employee)),
        "form": form,
        "is_own": employee.user_id == request.user.pk,
    }
    return render(request, "plans/notes.html", context, status=status)
