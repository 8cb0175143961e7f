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
    extend_schema_view,
)
from rest_framework import generics, mixins, permissions, status, viewsets
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
    sources_visible_to,
    sync_run_get_for_user,
    sync_run_rejected_rows,
    sync_runs_visible_to,
)
from ingest.models import Source, SyncStatus, SyncTrigger
from ingest.preview import source_preview
from ingest.quality import source_quality_report
from ingest.records import MappingError
from ingest.serializers import (
    MAX_WEBHOOK_ROWS,
    PreviewInputSerializer,
    PreviewSerializer,
    PushInputSerializer,
    PushResultSerializer,
    QualityReportSerializer,
    RejectedRowSerializer,
    RunFilterSerializer,
    SourceSerializer,
    SyncRunSerializer,
    WebhookTokenSerializer,
)
from ingest.services import records_push, source_sync_now
from ingest.sources import webhook_token_set
from org.parsers import JSONParser


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
