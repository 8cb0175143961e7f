"""Beat's scheduler (``CELERY_BEAT_SCHEDULER``): django-celery-beat's, with two changes.

- The periodic tasks declared in ``CELERY_BEAT_SCHEDULE`` (the one place they are declared) are
  created when missing and otherwise left alone: the stock scheduler writes the declared
  schedule over the database's at every start, so restarting beat reset the time an admin had
  set. What runs is the code's; when and whether it runs belong to the admin once it exists
  (renaming a task therefore means a new entry name).
- Every tick writes beat's heartbeat, and shutting down marks it stopped (``perf.liveness``),
  for ``/healthz`` and beat's health check.
"""

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

from perf.liveness import beat_heartbeat


class DeclaredEntry(ModelEntry):
    @classmethod
    def from_entry(cls, name, app=None, **entry):
        """The periodic task ``name``, created as declared only if it is missing."""
        task = PeriodicTask.objects.filter(name=name).first()
        if task is None:
            task, _created = PeriodicTask.objects.get_or_create(
                name=name, defaults=cls._unpack_fields(**entry)
            )
        return cls(task, app=app)


class Scheduler(DatabaseScheduler):
    Entry = DeclaredEntry

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        beat_heartbeat()  # after the tick: a beat that cannot read its schedule is not alive
        return interval

    def close(self) -> None:
        super().close()
        beat_heartbeat(stopped=True)
