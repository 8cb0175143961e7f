from celery import shared_task
from django.utils import timezone

from notices.services import node_warnings_raise


@shared_task
def node_warnings_raise_task() -> dict[str, int]:
    """The scheduled node warnings (declared in ``CELERY_BEAT_SCHEDULE``)."""
    return node_warnings_raise(now=timezone.now())
