"""A source's settings: whether its config may be saved (what it would reach), its webhook
token and its schedule."""

import hashlib
import json
import secrets
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from ingest.connectors import ConnectorError, connector_for
from ingest.models import (
    Source,
)


def webhook_token_set(*, source: Source) -> str:
    """A new webhook token for the source: returned once, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    source.webhook_token_hash = hashlib.sha256(token.encode()).hexdigest()
    source.save(update_fields=["webhook_token_hash"])
    return token


def source_schedule_set(*, source: Source, crontab: dict[str, str]) -> PeriodicTask:
    """Create or move the source's periodic sync (django-celery-beat, editable in the admin)."""
    schedule, _created = CrontabSchedule.objects.get_or_create(
        timezone=settings.TIME_ZONE, **crontab
    )
    with transaction.atomic():
        task = source.schedule or PeriodicTask(
            name=f"sync source {source.name}", task="ingest.tasks.source_sync_scheduled"
        )
        task.crontab = schedule
        task.args = json.dumps([source.pk])
        task.enabled = source.enabled
        task.save()
        if source.schedule_id != task.pk:
            source.schedule = task
            source.save(update_fields=["schedule"])
    return task


def source_config_refusal(*, kind: str, config: dict, mappings: dict) -> str | None:
    """Why a source with these settings may not be saved, or ``None``: its connector is built
    for the config and for each mapping's ``fetch`` overrides, which checks every setting and
    every host, file and secret name against what sources may reach (the secrets' values are
    not needed yet)."""
    any_secret: defaultdict[str, str] = defaultdict(str)
    configs = [config] + [
        {**config, **mapping.get("fetch", {})}
        for mapping in mappings.values()
        if isinstance(mapping, dict) and isinstance(mapping.get("fetch", {}), dict)
    ]
    try:
        for each in configs:
            connector_for(kind, each, secrets=any_secret)
    except ConnectorError as error:
        return str(error)
    return None
