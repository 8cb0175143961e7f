"""A sync run's course: begun, ended (succeeded, or failed with the message), and warned about
what went wrong after it had ended (the records committed, what follows them not done)."""

from django.utils import timezone
from django.utils.translation import gettext

from ingest.models import SyncRun, SyncStatus


def sync_run_begin(run: SyncRun) -> None:
    """Mark the run running; runs of the source left running by a killed worker are closed."""
    SyncRun.objects.filter(source=run.source_id, status=SyncStatus.RUNNING).exclude(
        pk=run.pk
    ).update(
        status=SyncStatus.FAILED,
        error=gettext("Interrupted: the worker stopped before the run finished."),
        finished_at=timezone.now(),
    )
    run.status = SyncStatus.RUNNING
    run.started_at = run.started_at or timezone.now()
    run.error = ""
    run.save(update_fields=["status", "started_at", "error"])


def sync_run_end(run: SyncRun, *, error: str = "") -> None:
    """The run finished: succeeded, or failed with ``error``."""
    run.refresh_from_db()
    run.status = SyncStatus.FAILED if error else SyncStatus.SUCCEEDED
    run.error = error[:4000]
    run.record_type = ""
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "record_type", "finished_at"])


def sync_run_warn(run: SyncRun, warning: str) -> None:
    """Something after the run's records were committed failed: the run keeps its status and
    its page and API say what (the latest warning)."""
    run.warning = warning[:4000]
    SyncRun.objects.filter(pk=run.pk).update(warning=run.warning)
