"""API: sources (admins), syncs and their runs and rejected rows (HR and admins), and each
source's webhook, which pushes rows with a per-source token instead of a login."""

import hashlib
import hmac
from collections.abc import Mapping

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, AuthenticationFailed, PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from frames.queue import QueueUnavailable
from ingest.access import (
    can_manage_sources,
    can_operate_sources,
    rejected_row_reasons,
    sources_visible_to,
    sync_run_get_for_user,
    sync_run_rejected_rows,
    sync_runs_visible_to,
)
from ingest.forms import source_config_clean, source_mappings_clean
from ingest.models import RejectedRow, Source, SyncRun, SyncStatus, SyncTrigger
from ingest.preview import DEFAULT_ROWS as PREVIEW_ROWS
from ingest.preview import MAX_ROWS as PREVIEW_MAX_ROWS
from ingest.preview import source_preview
from ingest.quality import source_quality_report
from ingest.record_types import SOURCE_TYPES
from ingest.records import MappingError
from ingest.services import records_push, source_sync_now
from ingest.sources import source_config_refusal, source_sample_check, webhook_token_set
from org.parsers import JSONParser

# A webhook call is synced inside the request: larger pushes belong in several calls.
MAX_WEBHOOK_ROWS = 5000


class CanManageSources(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_manage_sources(request.user)


class CanOperateSources(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_operate_sources(request.user)


class QueueDown(APIException):
    """503: the sync could not be handed to the workers (its run is recorded as failed)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unavailable"
    default_detail = gettext_lazy(
        "The task queue cannot be reached right now, so the sync was not started. "
        "Try again in a few minutes."
    )


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


@extend_schema_view(
    list=extend_schema(summary="Every data source (admins)."),
    create=extend_schema(summary="Add a data source (admins)."),
    retrieve=extend_schema(summary="One data source (admins)."),
    update=extend_schema(summary="Change a data source (admins)."),
    partial_update=extend_schema(summary="Change some fields of a data source (admins)."),
)
class SourceViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Data sources: connection settings and per-record-type mappings as JSON. Admins edit
    them; HR and admins start syncs."""

    serializer_class = SourceSerializer
    pagination_class = None  # a company has a handful of sources
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return sources_visible_to(self.request.user)

    def get_permissions(self) -> list[permissions.BasePermission]:
        operation = CanOperateSources if self.action in ("sync", "quality") else CanManageSources
        return [permissions.IsAuthenticated(), operation()]

    @extend_schema(request=None, responses={202: SyncRunSerializer, 409: None, 503: None})
    @action(detail=True, methods=["post"])
    def sync(self, request: Request, pk: str) -> Response:
        """Start a pull of the source now (HR and admins); follow it at its run's URL."""
        source = self.get_object()
        if not source.enabled:
            return Response(
                {"detail": _("%(source)s is disabled: enable it first.") % {"source": source}},
                status=status.HTTP_409_CONFLICT,
            )
        try:
            run = source_sync_now(source=source, user=request.user)
        except QueueUnavailable as down:
            raise QueueDown() from down
        return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=QualityReportSerializer)
    @action(detail=True, methods=["get"])
    def quality(self, request: Request, pk: str) -> Response:
        """The source's data-quality report (HR and admins): its records per data-quality flag
        and its latest flagged records, with the rule and the two times."""
        report = source_quality_report(self.get_object())
        return Response(QualityReportSerializer(report).data)

    @extend_schema(
        request=PreviewInputSerializer,
        parameters=[OpenApiParameter("limit", int, description="or in the body")],
        responses={200: PreviewSerializer},
    )
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str) -> Response:
        """The first rows of each record type the source maps, as the records a sync would
        write and the refusals they would get (admins). Nothing is written."""
        source = self.get_object()
        given = dict(request.query_params.items())
        if isinstance(request.data, Mapping):
            given.update(request.data.items())
        wanted = PreviewInputSerializer(data=given)
        wanted.is_valid(raise_exception=True)
        limit = wanted.validated_data["limit"]
        previews = source_preview(source=source, limit=limit)
        return Response(PreviewSerializer({"limit": limit, "record_types": previews}).data)

    @extend_schema(request=None, responses={201: WebhookTokenSerializer})
    @action(detail=True, methods=["post"], url_path="webhook-token")
    def webhook_token(self, request: Request, pk: str) -> Response:
        """A new webhook token for the source (admins), replacing the old one; shown only
        here."""
        source = self.get_object()
        token = webhook_token_set(source=source)
        url = request.build_absolute_uri(
            reverse("api-source-webhook", kwargs={"source_id": source.pk})
        )
        return Response(
            WebhookTokenSerializer({"token": token, "webhook_url": url}).data,
            status=status.HTTP_201_CREATED,
        )


class RunFilterSerializer(serializers.Serializer):
    source = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=SyncStatus.choices, required=False)


class SyncRunListApi(generics.ListAPIView):
    """Sync runs, newest first (HR and admins), filtered by source and status."""

    serializer_class = SyncRunSerializer
    permission_classes = [permissions.IsAuthenticated, CanOperateSources]

    def get_queryset(self):
        given = RunFilterSerializer(data=self.request.query_params)
        given.is_valid(raise_exception=True)
        return sync_runs_visible_to(self.request.user).filter(**given.validated_data)

    @extend_schema(
        parameters=[
            OpenApiParameter("source", int, description="a source's id"),
            OpenApiParameter("status", str, enum=SyncStatus.values),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class SyncRunDetailApi(APIView):
    """One run's status, progress (record type being synced, batches committed) and counts
    (HR and admins); the run page polls it."""

    permission_classes = [permissions.IsAuthenticated, CanOperateSources]

    @extend_schema(responses=SyncRunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        run = sync_run_get_for_user(user=request.user, run_id=run_id)
        return Response(SyncRunSerializer(run).data)


class SyncRunRejectedRowsApi(generics.ListAPIView):
    """A run's rejected rows as they arrived, with every reason (HR and admins)."""

    serializer_class = RejectedRowSerializer
    permission_classes = [permissions.IsAuthenticated, CanOperateSources]

    def get_queryset(self):
        run = sync_run_get_for_user(user=self.request.user, run_id=self.kwargs["run_id"])
        return sync_run_rejected_rows(run)

    @extend_schema(responses=RejectedRowSerializer(many=True))
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class WebhookTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` for the webhook of the source in the URL: the token's
    SHA-256 must equal the source's stored hash. A source without a token refuses every call,
    and an unknown source answers like a wrong token, so callers learn nothing of the ids."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Source] | None:
        scheme, _space, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        source_id = request.parser_context["kwargs"]["source_id"]
        source = Source.objects.filter(pk=source_id).first()
        stored = source.webhook_token_hash if source else ""
        given = hashlib.sha256(token.strip().encode()).hexdigest()
        # Constant time, so the hash cannot be guessed character by character.
        if not stored or not hmac.compare_digest(given, stored):
            raise AuthenticationFailed(_("Wrong webhook token."))
        return AnonymousUser(), source

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="perf webhook"'


class WebhookTokenScheme(OpenApiAuthenticationExtension):
    target_class = WebhookTokenAuthentication
    name = "webhookToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer"}


class HasWebhookSource(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Source)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_many_rows"


class SourceWebhookApi(APIView):
    """Push rows of one record type into the source, through its mapping, with the source's
    webhook token (no login). The good rows land; the answer counts them and lists every
    rejected row with its reasons."""

    authentication_classes = [WebhookTokenAuthentication]
    permission_classes = [HasWebhookSource]
    parser_classes = [JSONParser]

    @extend_schema(request=PushInputSerializer, responses={200: PushResultSerializer})
    def post(self, request: Request, source_id: int) -> Response:
        source = request.auth
        if not source.enabled:
            raise PermissionDenied(_("%(source)s is disabled.") % {"source": source})
        rows = request.data.get("rows") if isinstance(request.data, dict) else None
        if isinstance(rows, list) and len(rows) > MAX_WEBHOOK_ROWS:
            raise PayloadTooLarge(
                _("%(count)d rows sent; at most %(limit)d per call.")
                % {"count": len(rows), "limit": MAX_WEBHOOK_ROWS}
            )
        given = PushInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            run = records_push(
                source=source,
                record_type=given.validated_data["record_type"],
                rows=given.validated_data["rows"],
                trigger=SyncTrigger.WEBHOOK,
            )
        except MappingError as error:
            raise ApiValidationError({"record_type": [str(error)]}) from error
        return Response(
            PushResultSerializer({"run": run, "rejected_rows": sync_run_rejected_rows(run)}).data
        )
