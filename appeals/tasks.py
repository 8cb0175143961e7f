"""Celery tasks for appeals: take ids, call one service, return."""

from celery import shared_task

from appeals.services import appeal_rescore


@shared_task
def appeal_rescore_task(appeal_id: int, period_labels: list[str]) -> float | None:
    """Rescore what an approved correction touched; the appeal keeps the new total."""
    return appeal_rescore(appeal_id=appeal_id, period_labels=period_labels).score_after
