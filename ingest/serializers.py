"""The ingestion API's serializers: sources, previews, runs, rejected rows and their reasons,
pushes, webhook tokens and data-quality reports."""

from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from ingest.access import (
    rejected_row_reasons,
)
from ingest.forms import source_config_clean, source_mappings_clean
from ingest.models import RejectedRow, Source, SyncRun, SyncStatus
from ingest.preview import DEFAULT_ROWS as PREVIEW_ROWS
from ingest.preview import MAX_ROWS as PREVIEW_MAX_ROWS
from ingest.record_types import SOURCE_TYPES
from ingest.sources import source_config_refusal, source_sample_check

# A webhook call is synced inside the request: larger pushes belong in several calls.
MAX_WEBHOOK_ROWS = 5000


class SourceSerializer(serializers.ModelSerializer):
    has_webhook_token = serializers.SerializerMethodField()
    sample_notes = serializers.SerializerMethodField(
        help_text="When saved: what could not be checked against the source's first rows "
        "(a source not reachable now)."
    )

    class Meta:
        model = Source
        # Never the webhook token's hash: it is a credential.
        fields = [
            "id",
            "name",
            "kind",
            "config",
            "mappings",
            "enabled",
            "schedule",
            "cursors",
            "has_webhook_token",
            "sample_notes",
        ]
        read_only_fields = ["schedule", "cursors"]

    def get_has_webhook_token(self, source: Source) -> bool:
        return bool(source.webhook_token_hash)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_sample_notes(self, source: Source) -> list[str]:
        return getattr(self, "_sample_notes", [])

    def validate_config(self, config) -> dict:
        return source_config_clean(config)

    def validate_mappings(self, mappings) -> dict:
        return source_mappings_clean(mappings)

    def validate(self, attrs: dict) -> dict:
        current = self.instance
        refusal = source_config_refusal(
            kind=attrs.get("kind", current.kind if current else ""),
            config=attrs.get("config", current.config if current else {}),
            mappings=attrs.get("mappings", current.mappings if current else {}),
        )
        if refusal:
            raise serializers.ValidationError({"config": [refusal]})
        if {"kind", "config", "mappings"} & attrs.keys():  # not for a switch of enabled
            sample = source_sample_check(
                kind=attrs.get("kind", current.kind if current else ""),
                config=attrs.get("config", current.config if current else {}),
                mappings=attrs.get("mappings", current.mappings if current else {}),
            )
            if sample.errors:
                raise serializers.ValidationError({"mappings": sample.errors})
            self._sample_notes = sample.notes
        return attrs


class PreviewInputSerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=PREVIEW_MAX_ROWS,
        default=PREVIEW_ROWS,
        help_text=f"Source rows read per record type, at most {PREVIEW_MAX_ROWS}.",
    )


class PreviewColumnSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="the perf field")
    label = serializers.CharField()


class PreviewRefusalSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="the perf field, computed value or filter at fault")
    label = serializers.CharField()
    message = serializers.CharField()


class PreviewRowSerializer(serializers.Serializer):
    row_number = serializers.IntegerField(help_text="the source row, as the source numbers it")
    part = serializers.CharField(help_text="the unpivot item this record is; empty otherwise")
    values = serializers.DictField(help_text="by column name")
    refusals = PreviewRefusalSerializer(many=True)


class RecordTypePreviewSerializer(serializers.Serializer):
    record_type = serializers.CharField()
    label = serializers.CharField()
    read = serializers.IntegerField(help_text="source rows read")
    skipped = serializers.IntegerField(help_text="of them, rows the mapping's filter leaves out")
    several_responsible = serializers.IntegerField(
        help_text="records whose responsible person would be picked among several"
    )
    refused = serializers.IntegerField()
    columns = PreviewColumnSerializer(many=True)
    rows = PreviewRowSerializer(many=True)
    error = serializers.CharField(help_text="why this record type cannot be previewed")


class PreviewSerializer(serializers.Serializer):
    limit = serializers.IntegerField()
    record_types = RecordTypePreviewSerializer(many=True)


class SyncRunSerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.name")
    status_label = serializers.CharField(source="get_status_display")
    triggered_by = serializers.CharField(
        source="triggered_by.get_username", allow_null=True, default=None
    )
    record_type_label = serializers.SerializerMethodField()
    duration_seconds = serializers.SerializerMethodField()
    finished = serializers.SerializerMethodField()

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "source",
            "source_name",
            "trigger",
            "status",
            "status_label",
            "finished",
            "triggered_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "record_type",
            "record_type_label",
            "batches",
            "fetched",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "flagged",
            "local_times_resolved",
            "skipped",
            "several_responsible",
            "held",
            "periods",
            "error",
            "warning",
        ]

    def get_record_type_label(self, run: SyncRun) -> str:
        spec = SOURCE_TYPES.get(run.record_type)
        return str(spec.label) if spec else run.record_type

    @extend_schema_field(serializers.FloatField(allow_null=True))  # None until the run ends
    def get_duration_seconds(self, run: SyncRun) -> float | None:
        return run.duration.total_seconds() if run.duration else None

    def get_finished(self, run: SyncRun) -> bool:
        return run.status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED)


class ReasonSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="the perf field at fault; empty for the whole row")
    field_label = serializers.CharField(help_text="the field as people call it")
    message = serializers.CharField(help_text="in the request's language (Accept-Language)")
    code = serializers.CharField(
        allow_null=True, help_text="the untranslated message; null for rows kept before codes"
    )
    params = serializers.DictField(allow_null=True, help_text="the values the message names")


class RejectedRowSerializer(serializers.ModelSerializer):
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = RejectedRow
        fields = [
            "id",
            "run",
            "record_type",
            "row_number",
            "external_id",
            "reasons",
            "raw",
            "resolved",
            "replayed_by",
        ]

    @extend_schema_field(ReasonSerializer(many=True))
    def get_reasons(self, row: RejectedRow) -> list[dict]:
        return rejected_row_reasons(row)


class PushInputSerializer(serializers.Serializer):
    record_type = serializers.CharField(max_length=32, help_text="e.g. order, feedback")
    rows = serializers.ListField(
        child=serializers.DictField(),
        allow_empty=False,
        help_text=f"At most {MAX_WEBHOOK_ROWS} rows, keyed by the source's field names.",
    )


class PushResultSerializer(serializers.Serializer):
    run = SyncRunSerializer()
    rejected_rows = RejectedRowSerializer(many=True)


class WebhookTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once: only its hash is kept.")
    webhook_url = serializers.URLField()


class FlagCountSerializer(serializers.Serializer):
    record_type = serializers.CharField(source="record_type.key")
    record_type_label = serializers.CharField(source="record_type.label")
    flag = serializers.CharField(source="rule.code")
    label = serializers.CharField(source="rule.label")
    count = serializers.IntegerField()


class FlaggedRecordSerializer(serializers.Serializer):
    record_type = serializers.CharField(source="record_type.key")
    record_id = serializers.IntegerField()
    external_id = serializers.CharField()
    flag = serializers.CharField(source="rule.code")
    label = serializers.CharField(source="rule.label")
    earlier_field = serializers.CharField(source="rule.earlier")
    earlier_label = serializers.CharField()
    earlier_at = serializers.DateTimeField(allow_null=True)
    later_field = serializers.CharField(source="rule.later")
    later_label = serializers.CharField()
    later_at = serializers.DateTimeField(allow_null=True)


class QualityReportSerializer(serializers.Serializer):
    counts = FlagCountSerializer(many=True)
    latest = FlaggedRecordSerializer(many=True)


class RunFilterSerializer(serializers.Serializer):
    source = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=SyncStatus.choices, required=False)
