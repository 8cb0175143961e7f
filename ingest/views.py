"""Pages for HR and admins: the sources with their freshness and the conflicts between source
values and appeals' corrections (accepted or dismissed here), one source's runs with file
upload and replay and its data-quality report, and one run's progress with its row-by-row
error report."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frames.queue import QueueUnavailable
from ingest.access import (
    CONFLICTS_PER_PAGE,
    can_decide_conflicts,
    can_manage_sources,
    can_operate_sources,
    conflict_rows,
    correction_conflict_get_for_user,
    correction_conflicts_visible_to,
    open_conflicts,
    rejected_row_reasons,
    source_get_for_user,
    source_runs,
    source_statuses,
    sync_run_get_for_user,
    sync_run_rejected_rows,
)
from ingest.connectors import ConnectorError
from ingest.forms import PreviewForm, UploadForm
from ingest.holds import ConflictRefused, conflict_accept, conflict_dismiss
from ingest.models import CorrectionConflict, SyncRun, SyncStatus
from ingest.preview import source_preview
from ingest.quality import source_quality_report
from ingest.record_types import SOURCE_TYPES
from ingest.records import MappingError
from ingest.services import rejected_rows_replay, source_sync_now, upload_accept
from org.views import allowed_if

REJECTED_ROWS_PER_PAGE = 50
QUEUE_DOWN_SYNC = gettext_lazy(
    "The task queue cannot be reached right now, so the sync was not started. "
    "Try again in a few minutes."
)
QUEUE_DOWN_UPLOAD = gettext_lazy(
    "The task queue cannot be reached right now, so the file was not synced. "
    "Try again in a few minutes."
)
SERVICE_UNAVAILABLE = 503

operators_only = allowed_if(can_operate_sources)
deciders_only = allowed_if(can_decide_conflicts)


def _run_url(run: SyncRun) -> str:
    return reverse("ingest:run_detail", kwargs={"run_id": run.pk})


def _conflicts_shown(request: HttpRequest, conflicts: QuerySet[CorrectionConflict]) -> dict:
    """The open conflicts with corrections a sources page lists (the newest), and how many:
    one query when they fit on the page (usually none), a count besides when they do not."""
    waiting = open_conflicts(conflicts)
    shown = list(waiting[:CONFLICTS_PER_PAGE])
    return {
        "conflicts": conflict_rows(shown),
        "conflicts_open": len(shown) if len(shown) < CONFLICTS_PER_PAGE else waiting.count(),
        "can_decide": can_decide_conflicts(request.user),
    }


@operators_only
def source_list(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "ingest/source_list.html",
        {
            "statuses": source_statuses(request.user),
            "can_manage": can_manage_sources(request.user),
            **_conflicts_shown(request, correction_conflicts_visible_to(request.user)),
        },
        status=status,
    )


@require_POST
@operators_only
def source_sync(request: HttpRequest, source_id: int) -> HttpResponse:
    source = source_get_for_user(user=request.user, source_id=source_id)
    if not source.enabled:
        messages.error(request, _("%(source)s is disabled: enable it first.") % {"source": source})
        return redirect("ingest:source_list")
    try:
        run = source_sync_now(source=source, user=request.user)
    except QueueUnavailable:
        # The run is recorded as failed with the reason; the list shows it with this message.
        messages.error(request, QUEUE_DOWN_SYNC)
        return source_list(request, status=SERVICE_UNAVAILABLE)
    return redirect(_run_url(run))


@operators_only
def source_detail(request: HttpRequest, source_id: int) -> HttpResponse:
    """A source's latest runs; POST uploads a file through one of its mappings and answers
    with the new run's page (a large file is synced in the background: the page follows it).
    ``?preview=N`` (admins) shows what its mappings make of its first N rows, writing
    nothing."""
    source = source_get_for_user(user=request.user, source_id=source_id)
    can_manage = can_manage_sources(request.user)
    preview_form = PreviewForm(request.GET if "preview" in request.GET else None)
    previews = None
    if preview_form.is_bound:
        if not can_manage:
            raise PermissionDenied
        if preview_form.is_valid():
            previews = source_preview(source=source, limit=preview_form.cleaned_data["preview"])
    form = UploadForm(request.POST or None, request.FILES or None, source=source)
    status = 200 if preview_form.is_valid() or not preview_form.is_bound else 400
    if request.method == "POST" and form.is_valid():
        try:
            run = upload_accept(
                source=source,
                record_type=form.cleaned_data["record_type"],
                upload=form.cleaned_data["file"],
                user=request.user,
            )
        except (ConnectorError, MappingError) as error:
            form.add_error(None, str(error))
        except QueueUnavailable:
            form.add_error(None, QUEUE_DOWN_UPLOAD)
            status = SERVICE_UNAVAILABLE
        else:
            return redirect(_run_url(run))
    return render(
        request,
        "ingest/source_detail.html",
        {
            "source": source,
            "runs": source_runs(source),
            "quality": source_quality_report(source),
            "form": form,
            "can_manage": can_manage,
            "preview_form": preview_form,
            "previews": previews,
            **_conflicts_shown(
                request, correction_conflicts_visible_to(request.user).filter(run__source=source)
            ),
        },
        status=status,
    )


@require_POST
@operators_only
def source_replay(request: HttpRequest, source_id: int) -> HttpResponse:
    source = source_get_for_user(user=request.user, source_id=source_id)
    try:
        run = rejected_rows_replay(source=source, user=request.user)
    except (MappingError, ConnectorError) as error:
        messages.error(request, str(error))
        return redirect("ingest:source_detail", source_id=source.pk)
    return redirect(_run_url(run))


@operators_only
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = sync_run_get_for_user(user=request.user, run_id=run_id)
    rejected = Paginator(sync_run_rejected_rows(run), REJECTED_ROWS_PER_PAGE)
    page = rejected.get_page(request.GET.get("page"))
    spec = SOURCE_TYPES.get(run.record_type)
    return render(
        request,
        "ingest/run_detail.html",
        {
            "run": run,
            "finished": run.status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED),
            "record_type_label": spec.label if spec else run.record_type,
            "landed": run.fetched - run.rejected - run.skipped,
            "seconds": run.duration.total_seconds() if run.duration else None,
            "page": page,
            # Worded now, in the reader's language, whoever started the sync.
            "rejected_rows": [(row, rejected_row_reasons(row)) for row in page],
        },
    )


CONFLICT_DECISIONS = {
    "accept": (
        conflict_accept,
        gettext_lazy("The record now holds the source's value; its months are being rescored."),
    ),
    "dismiss": (conflict_dismiss, gettext_lazy("The corrected value stays.")),
}


@require_POST
@deciders_only
def conflict_decide(request: HttpRequest, conflict_id: int, decision: str) -> HttpResponse:
    """Accept the source's value of a conflict with a correction, or dismiss it; back to the
    page it was decided on (a sources page or the appeal)."""
    conflict = correction_conflict_get_for_user(user=request.user, conflict_id=conflict_id)
    decide, done = CONFLICT_DECISIONS[decision]
    try:
        decide(conflict=conflict, user=request.user)
    except ConflictRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("ingest:source_list")
    return redirect(back)
