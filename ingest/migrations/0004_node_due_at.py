import datetime as dt

from django.db import migrations, models


def fill_due_at(apps, schema_editor):
    """due_at = started_at + threshold, for the nodes (and their history) written before it."""
    tables = ["ingest_ordernode", "ingest_historicalordernode"]
    if schema_editor.connection.vendor == "postgresql":
        for table in tables:
            schema_editor.execute(
                f"UPDATE {table} SET due_at = started_at + threshold_hours * interval '1 hour'"
            )
        return
    for name in ["OrderNode", "HistoricalOrderNode"]:
        model = apps.get_model("ingest", name)
        nodes = list(model.objects.only("pk", "started_at", "threshold_hours"))
        for node in nodes:
            node.due_at = node.started_at + dt.timedelta(hours=float(node.threshold_hours))
        model.objects.bulk_update(nodes, ["due_at"], batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [("ingest", "0003_node_threshold_limit")]

    operations = [
        migrations.AddField(
            model_name="ordernode",
            name="due_at",
            field=models.DateTimeField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="historicalordernode",
            name="due_at",
            field=models.DateTimeField(null=True, editable=False),
        ),
        migrations.RunPython(fill_due_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ordernode",
            name="due_at",
            field=models.DateTimeField(
                editable=False,
                help_text="Start plus threshold: the node is late if not completed by then.",
                verbose_name="due at",
            ),
        ),
        migrations.AlterField(
            model_name="historicalordernode",
            name="due_at",
            field=models.DateTimeField(
                editable=False,
                help_text="Start plus threshold: the node is late if not completed by then.",
                verbose_name="due at",
            ),
        ),
        migrations.RemoveIndex(model_name="ordernode", name="order_node_started_idx"),
        migrations.AddIndex(
            model_name="ordernode",
            index=models.Index(fields=["due_at"], name="order_node_due_idx"),
        ),
    ]
