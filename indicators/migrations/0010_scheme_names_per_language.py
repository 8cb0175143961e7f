"""Weight schemes named in the viewer's language (issue 19, point 7). The built-in schemes were
named in both languages at once ("默认方案 Default · 中级 intermediate") with an English-only note;
a scheme's name may now be empty, and an empty name is shown from its level in the active
language (``WeightScheme.display_name``: "默认权重方案 · 中级", "Default weights · Intermediate").
The built-in versions lose their two-language name and note; a name a person gave is kept."""

from django.db import migrations, models
from django.utils import timezone

BUILT_IN_NAMES = {
    "junior": "默认方案 Default · 初级 junior",
    "intermediate": "默认方案 Default · 中级 intermediate",
    "senior": "默认方案 Default · 高级 senior",
}
BUILT_IN_NOTE = "Built in: judgments derived from the default priorities of the level."


def _rename(apps, names: dict[str, str], note_from: str, note_to: str) -> None:
    scheme_model = apps.get_model("indicators", "WeightScheme")
    history = apps.get_model("indicators", "HistoricalWeightScheme")
    changed = []
    for level, (old, new) in names.items():
        for scheme in scheme_model.objects.filter(
            level=level, version=1, created_by__isnull=True, name=old
        ):
            scheme.name = new
            if scheme.note == note_from:
                scheme.note = note_to
            scheme.save(update_fields=["name", "note"])
            changed.append(scheme)
    # Historical models write no history: the change is recorded by hand, as 0002 did.
    when = timezone.now()
    history.objects.bulk_create(
        history(
            **{field.attname: getattr(scheme, field.attname) for field in scheme._meta.fields},
            history_date=when,
            history_type="~",
            history_change_reason="built in: named in the viewer's language",
        )
        for scheme in changed
    )


def builtin_names_per_language(apps, schema_editor):
    _rename(apps, {level: (old, "") for level, old in BUILT_IN_NAMES.items()}, BUILT_IN_NOTE, "")


def backwards(apps, schema_editor):
    _rename(apps, {level: ("", old) for level, old in BUILT_IN_NAMES.items()}, "", BUILT_IN_NOTE)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0009_compliance_rule_in_words"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalweightscheme",
            name="name",
            field=models.CharField(blank=True, max_length=100, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="weightscheme",
            name="name",
            field=models.CharField(blank=True, max_length=100, verbose_name="name"),
        ),
        migrations.RunPython(builtin_names_per_language, backwards),
    ]
