"""The built-in default schemes apply from the earliest period perf scores (2000-01, the first of
``org.fields.PERIOD_YEARS``), not from 2026-01-01: a company that imports years of history finds a
scheme in force for every period with data. Only the built-in versions (version 1, created by no
one, still dated 2026-01-01) move; any version a company activated keeps its date."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

BUILT_IN_FROM = dt.date(2026, 1, 1)
EARLIEST = dt.date(2000, 1, 1)  # org.fields.PERIOD_YEARS[0], as of this migration


def _move(apps, old: dt.date, new: dt.date) -> None:
    scheme_model = apps.get_model("indicators", "WeightScheme")
    history = apps.get_model("indicators", "HistoricalWeightScheme")
    schemes = list(
        scheme_model.objects.filter(version=1, created_by__isnull=True, effective_from=old)
    )
    when = timezone.now()
    for scheme in schemes:
        scheme.effective_from = new
        scheme.save(update_fields=["effective_from"])
    # Historical models write no history: the change is recorded by hand, as 0002 did.
    history.objects.bulk_create(
        history(
            **{field.attname: getattr(scheme, field.attname) for field in scheme._meta.fields},
            history_date=when,
            history_type="~",
            history_change_reason="built in: applies from the earliest period",
        )
        for scheme in schemes
    )


def forwards(apps, schema_editor):
    _move(apps, BUILT_IN_FROM, EARLIEST)


def backwards(apps, schema_editor):
    _move(apps, EARLIEST, BUILT_IN_FROM)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0002_builtin_catalog")]

    operations = [migrations.RunPython(forwards, backwards)]
