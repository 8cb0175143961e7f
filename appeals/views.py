"""Appeal pages: file from a record or an indicator, my appeals, the HR queue, one appeal."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from appeals.access import (
    actions_for,
    appeal_get_for_user,
    is_reviewer,
    may_add_evidence,
    may_comment,
)
from appeals.describe import appeal_describe, appeals_describe
from appeals.errors import AppealRefused
from appeals.evidence import IMAGE_TYPES, PREVIEW_TYPES, evidence_add
from appeals.filing import filing_context
from appeals.forms import (
    ActionForm,
    AppealForm,
    BulkReviewForm,
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
    people_names,
    reviewers_for_assignment,
    unread_notifications,
)
from appeals.services import (
    appeal_comment_add,
    appeal_file,
    appeal_transition,
    appeals_take_into_review,
    notifications_read,
)
from ingest.access import can_decide_conflicts
from org.fields import id_from_text
from org.selectors import employee_for_user, employee_get_for_user, teams_visible_to


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
    """File an appeal: the record (or indicator) described, its value now, the claimed value
    with an input that fits it, the evidence files, and submit (or keep as a draft)."""
    asked = SubjectForm(request.GET if request.method == "GET" else request.POST)
    if not asked.is_valid():
        context = {"subject_errors": form_errors_text(asked)}
        return render(request, "appeals/new.html", context, status=400)
    subject = _subject(request, asked.cleaned_data)
    try:
        filing = filing_context(user=request.user, **subject)
    except AppealRefused as refusal:
        return render(request, "appeals/new.html", {"subject_errors": [str(refusal)]}, status=400)
    form = AppealForm(
        request.POST or None,
        request.FILES or None,
        field=filing.field,
        initial={"claimed_value": filing.initial},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            evidence = data.pop("evidence")
            try:
                appeal = appeal_file(
                    user=request.user,
                    evidence=evidence,
                    submit=request.POST.get("then") == "submit",
                    **data,
                    **subject,
                )
            except AppealRefused as refusal:
                form.add_error(
                    refusal.field if refusal.field in form.fields else None, str(refusal)
                )
            else:
                done = (
                    _("Your appeal was submitted; HR will decide it.")
                    if appeal.submitted_at
                    else _("Your appeal was saved as a draft; submit it when it is ready.")
                )
                messages.success(request, done)
                return redirect("appeals:detail", appeal_id=appeal.pk)
    hidden = [(name, asked.data[name]) for name in SubjectForm.base_fields if asked.data.get(name)]
    context = {
        "form": form,
        "filing": filing,
        "hidden": hidden,
        "decision_days": settings.PERF_APPEALS["decision_working_days"],
    }
    return render(request, "appeals/new.html", context, status=status)


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """My appeals; for HR, the queue with its filters, assignees and bulk action."""
    reviewer = is_reviewer(request.user)
    teams = teams_visible_to(request.user) if reviewer else ()
    filters = QueueFilterForm(request.GET or None, reviewer=reviewer, teams=teams)
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
        assigned=chosen.get("assigned") or "",
    )
    if not valid:
        appeals = appeals.none()
    shown = list(appeals[:200])
    overdue_ids = set(overdue_appeals(appeals).values_list("pk", flat=True))
    notifications = list(unread_notifications(request.user)[:20])
    # The rows and the notifications described together: one read per record type.
    texts = appeals_describe([*shown, *(note.appeal for note in notifications)], request.user)
    names = people_names(appeal.assignee for appeal in shown)
    return render(
        request,
        "appeals/list.html",
        {
            "rows": [
                (appeal, texts[appeal.pk], names.get(appeal.assignee_id, "")) for appeal in shown
            ],
            "filters": filters,
            "filtered": bool(chosen and any(chosen.values())),
            "reviewer": reviewer,
            "reviewers": reviewers_for_assignment() if reviewer else [],
            "own_employee": employee_for_user(request.user),
            "overdue_ids": overdue_ids,
            "notifications": [(note, texts[note.appeal_id]) for note in notifications],
        },
        status=200 if valid else 400,
    )


@login_required
@require_POST
def appeal_bulk_review(request: HttpRequest) -> HttpResponse:
    """HR takes the ticked appeals of the queue into review, assigned to one of them."""
    if not is_reviewer(request.user):
        raise Http404
    visible = appeal_queue(user=request.user).values_list("pk", flat=True)
    # A ticked value that is no id (tampered with) is left out; the real ones go ahead.
    ticked = [
        number for value in request.POST.getlist("appeals") if (number := id_from_text(value))
    ]
    data = request.POST.copy()
    data.setlist("appeals", [str(number) for number in ticked])
    form = BulkReviewForm(
        data,
        appeal_ids=visible.filter(pk__in=ticked),
        reviewers=reviewers_for_assignment(),
    )
    if not form.is_valid():
        for error in form_errors_text(form):
            messages.error(request, error)
        return redirect("appeals:list")
    try:
        moved = appeals_take_into_review(
            user=request.user,
            appeal_ids=form.cleaned_data["appeals"],
            assignee=form.cleaned_data["assignee"],
        )
    except AppealRefused as refusal:
        messages.error(request, str(refusal))
    else:
        skipped = len(form.cleaned_data["appeals"]) - moved
        messages.success(
            request,
            _("Taken into review: {moved}. Left as they were: {skipped}.").format(
                moved=moved, skipped=skipped
            ),
        )
    return redirect("appeals:list")


def _detail_page(
    request: HttpRequest,
    appeal,
    *,
    action_form: ActionForm | None = None,
    comment_form: CommentForm | None = None,
) -> HttpResponse:
    """The appeal's page; with a refused action or comment form, that form's errors and 400."""
    refused = action_form is not None or comment_form is not None
    names = people_names([appeal.submitter, appeal.assignee])
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "text": appeal_describe(appeal, request.user),
            "submitter_name": names[appeal.submitter_id],
            "assignee_name": names.get(appeal.assignee_id, ""),
            "actions": actions_for(request.user, appeal),
            "timeline": appeal_timeline(appeal),
            "evidence": [
                (item, item.content_type in IMAGE_TYPES, item.content_type in PREVIEW_TYPES)
                for item in appeal.evidence.all()
            ],
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


def _evidence(request: HttpRequest, appeal_id: int, evidence_id: int) -> Evidence:
    appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
    evidence = Evidence.objects.filter(appeal=appeal, pk=evidence_id).first()
    if evidence is None:
        raise Http404
    return evidence


@login_required
def evidence_download(request: HttpRequest, appeal_id: int, evidence_id: int) -> FileResponse:
    evidence = _evidence(request, appeal_id, evidence_id)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Evidence shown in the page is hostile content: served with the type checked at upload, never
# sniffed, in a document that may load and run nothing. Images are also sandboxed; a PDF is
# not (Chromium refuses to draw a PDF in a sandboxed document), and its viewer runs apart from
# perf's pages. Only perf's own pages may frame it.
EVIDENCE_CSP = {
    "image": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; sandbox",
    "pdf": "default-src 'none'; frame-ancestors 'self'",
}


@login_required
@xframe_options_sameorigin
def evidence_preview(request: HttpRequest, appeal_id: int, evidence_id: int) -> FileResponse:
    """An image or PDF shown inline, to whoever may see the appeal; other kinds are 404 (they
    are only downloaded)."""
    evidence = _evidence(request, appeal_id, evidence_id)
    if evidence.content_type not in PREVIEW_TYPES:
        raise Http404
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=False,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    kind = "image" if evidence.content_type in IMAGE_TYPES else "pdf"
    response["Content-Security-Policy"] = EVIDENCE_CSP[kind]
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
