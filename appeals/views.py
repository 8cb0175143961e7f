"""Appeal pages: file from a record or an indicator, my appeals, the HR queue, one appeal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals.access import (
    actions_for,
    appeal_get_for_user,
    is_reviewer,
    may_add_evidence,
    may_comment,
)
from appeals.forms import (
    ActionForm,
    AppealForm,
    CommentForm,
    EvidenceForm,
    QueueFilterForm,
    SubjectForm,
    form_errors_text,
)
from appeals.models import Evidence
from appeals.selectors import (
    appeal_conflicts,
    appeal_queue,
    appeal_timeline,
    overdue_appeals,
    unread_notifications,
)
from appeals.services import (
    AppealRefused,
    appeal_comment_add,
    appeal_create,
    appeal_transition,
    evidence_add,
    notifications_read,
)
from ingest.access import can_decide_conflicts
from org.selectors import employee_get_for_user, teams_visible_to


def _subject(request: HttpRequest, asked: dict) -> dict:
    """The subject named in the (validated) query: a record field or an indicator of a period."""
    if asked["record_type"]:
        return {
            "record_type": asked["record_type"],
            "record_id": asked["record_id"],
            "field_name": asked["field"],
        }
    employee = employee_get_for_user(user=request.user, employee_id=asked["employee"])
    return {"indicator_code": asked["indicator"], "employee": employee, "period": asked["period"]}


@login_required
def appeal_new(request: HttpRequest) -> HttpResponse:
    asked = SubjectForm(request.GET if request.method == "GET" else request.POST)
    if not asked.is_valid():
        context = {"subject_errors": form_errors_text(asked)}
        return render(request, "appeals/new.html", context, status=400)
    subject = _subject(request, asked.cleaned_data)
    form = AppealForm(request.POST or None, initial={"claimed_value": request.GET.get("value", "")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                appeal = appeal_create(user=request.user, **form.cleaned_data, **subject)
            except AppealRefused as refusal:
                form.add_error(
                    refusal.field if refusal.field in form.fields else None, str(refusal)
                )
            else:
                messages.success(
                    request, _("Appeal #{number} saved as a draft.").format(number=appeal.pk)
                )
                return redirect("appeals:detail", appeal_id=appeal.pk)
    hidden = [(name, asked.data[name]) for name in SubjectForm.base_fields if asked.data.get(name)]
    context = {"form": form, "subject": subject, "hidden": hidden}
    return render(request, "appeals/new.html", context, status=status)


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """My appeals; for HR, the queue with filters."""
    reviewer = is_reviewer(request.user)
    filters = QueueFilterForm(request.GET or None)
    filters.fields["team"].widget.choices = [("", _("All"))] + [
        (team.pk, team.name) for team in teams_visible_to(request.user)
    ]
    # A filter that is not one (a team id of letters, an unknown state) is a 400 with the
    # form's errors and no list, never a list filtered by something else.
    valid = filters.is_valid() if filters.is_bound else True
    chosen = filters.cleaned_data if filters.is_bound and valid else {}
    appeals = appeal_queue(
        user=request.user,
        state=chosen.get("state") or "",
        team_id=chosen.get("team"),
        overdue=bool(chosen.get("overdue")),
        mine=not reviewer,
    )
    if not valid:
        appeals = appeals.none()
    overdue_ids = set(overdue_appeals(appeals).values_list("pk", flat=True))
    return render(
        request,
        "appeals/list.html",
        {
            "appeals": appeals[:200],
            "filters": filters,
            "reviewer": reviewer,
            "overdue_ids": overdue_ids,
            "notifications": unread_notifications(request.user)[:20],
        },
        status=200 if valid else 400,
    )


def _detail_page(
    request: HttpRequest,
    appeal,
    *,
    action_form: ActionForm | None = None,
    comment_form: CommentForm | None = None,
) -> HttpResponse:
    """The appeal's page; with a refused action or comment form, that form's errors and 400."""
    refused = action_form is not None or comment_form is not None
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "actions": actions_for(request.user, appeal),
            "timeline": appeal_timeline(appeal),
            "evidence": appeal.evidence.all(),
            "may_add_evidence": may_add_evidence(request.user, appeal),
            "may_comment": may_comment(request.user, appeal),
            "action_form": action_form or ActionForm(),
            "action_errors": form_errors_text(action_form) if action_form else [],
            "comment_form": comment_form or CommentForm(),
            "evidence_form": EvidenceForm(),
            "conflicts": appeal_conflicts(appeal),
            "can_decide": can_decide_conflicts(request.user),
        },
        status=400 if refused else 200,
    )


@login_required
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
    notifications_read(user=request.user)
    return _detail_page(request, appeal)


def _refusal_to_message(request: HttpRequest, work) -> None:
    try:
        work()
    except AppealRefused as refusal:
        messages.error(request, str(refusal))


@login_required
@require_POST
def appeal_act(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, appeal, action_form=form)
    _refusal_to_message(
        request,
        lambda: appeal_transition(
            appeal=appeal,
            user=request.user,
            action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"],
        ),
    )
    return redirect("appeals:detail", appeal_id=appeal.pk)


@login_required
@require_POST
def appeal_comment(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, appeal, comment_form=form)
    _refusal_to_message(
        request,
        lambda: appeal_comment_add(
            appeal=appeal, user=request.user, text=form.cleaned_data["text"]
        ),
    )
    return redirect("appeals:detail", appeal_id=appeal.pk)


@login_required
@require_POST
def appeal_evidence_add(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        _refusal_to_message(
            request,
            lambda: evidence_add(
                appeal=appeal, user=request.user, upload=form.cleaned_data["file"]
            ),
        )
    else:
        messages.error(request, _("Choose a file to upload."))
    return redirect("appeals:detail", appeal_id=appeal.pk)


@login_required
def evidence_download(request: HttpRequest, appeal_id: int, evidence_id: int) -> FileResponse:
    appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
    evidence = Evidence.objects.filter(appeal=appeal, pk=evidence_id).first()
    if evidence is None:
        raise Http404
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
