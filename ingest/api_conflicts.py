"""API: conflicts between the values sources send and the fields approved appeals corrected (HR
and admins): list them, read one, accept the source's value or keep the correction."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ingest.access import (
    can_decide_conflicts,
    conflict_rows,
    correction_conflict_get_for_user,
    correction_conflicts_visible_to,
)
from ingest.holds import ConflictRefused, conflict_accept, conflict_dismiss
from ingest.models import ConflictState
from org.fields import ApiIdField


class CanDecideConflicts(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_decide_conflicts(request.user)


class CorrectionConflictSerializer(serializers.Serializer):
    """A conflict as ``ingest.access.conflict_rows`` gives it."""

    id = serializers.IntegerField(source="conflict.pk")
    state = serializers.CharField(source="conflict.state")
    state_label = serializers.CharField(source="conflict.get_state_display")
    record_type = serializers.CharField(source="conflict.hold.record_type")
    record_type_label = serializers.CharField()
    record_id = serializers.IntegerField(source="conflict.hold.record_id")
    record_label = serializers.CharField(help_text="the record's number at the source")
    field = serializers.CharField(source="conflict.hold.field_name")
    field_label = serializers.CharField()
    source_value = serializers.CharField(
        source="conflict.source_text", help_text="as people read it; empty: none"
    )
    corrected_value = serializers.CharField(source="conflict.hold.value_text")
    appeal = serializers.IntegerField(
        source="conflict.hold.appeal_number", help_text="the appeal that made the correction"
    )
    run = serializers.IntegerField(source="conflict.run_id", help_text="the sync that brought it")
    source = serializers.IntegerField(source="conflict.run.source_id")
    source_name = serializers.CharField(source="conflict.run.source.name")
    detected_at = serializers.DateTimeField(source="conflict.detected_at")
    decided_by = serializers.CharField(
        source="conflict.decided_by.get_username", allow_null=True, default=None
    )
    decided_at = serializers.DateTimeField(source="conflict.decided_at", allow_null=True)


class ConflictFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ConflictState.choices, required=False)
    source = ApiIdField(required=False)


class CorrectionConflictListApi(generics.ListAPIView):
    """Conflicts with corrections, newest first (HR and admins), filtered by state and by the
    source whose sync brought them."""

    serializer_class = CorrectionConflictSerializer
    permission_classes = [permissions.IsAuthenticated, CanDecideConflicts]

    def get_queryset(self):
        given = ConflictFilterSerializer(data=self.request.query_params)
        given.is_valid(raise_exception=True)
        conflicts = correction_conflicts_visible_to(self.request.user)
        if "state" in given.validated_data:
            conflicts = conflicts.filter(state=given.validated_data["state"])
        if "source" in given.validated_data:
            conflicts = conflicts.filter(run__source=given.validated_data["source"])
        return conflicts.order_by("-detected_at", "-pk")

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=ConflictState.values),
            OpenApiParameter("source", int, description="a source's id"),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            CorrectionConflictSerializer(conflict_rows(page), many=True).data
        )


def _conflict_answer(conflict) -> Response:
    return Response(CorrectionConflictSerializer(conflict_rows([conflict])[0]).data)


class CorrectionConflictDetailApi(APIView):
    """One conflict with a correction and its state (HR and admins)."""

    permission_classes = [permissions.IsAuthenticated, CanDecideConflicts]

    @extend_schema(responses=CorrectionConflictSerializer)
    def get(self, request: Request, conflict_id: int) -> Response:
        return _conflict_answer(
            correction_conflict_get_for_user(user=request.user, conflict_id=conflict_id)
        )


class _ConflictDecisionApi(APIView):
    """Decide an open conflict with ``decide`` (HR and admins); 409 when it is closed already."""

    permission_classes = [permissions.IsAuthenticated, CanDecideConflicts]
    decide = None  # the service, set by each decision

    @extend_schema(request=None, responses={200: CorrectionConflictSerializer, 409: None})
    def post(self, request: Request, conflict_id: int) -> Response:
        conflict = correction_conflict_get_for_user(user=request.user, conflict_id=conflict_id)
        try:
            decided = self.decide(conflict=conflict, user=request.user)
        except ConflictRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
        return _conflict_answer(
            correction_conflict_get_for_user(user=request.user, conflict_id=decided.pk)
        )


class CorrectionConflictAcceptApi(_ConflictDecisionApi):
    """Accept the source's value: the record takes it and its months are rescored (HR and
    admins). 409 when the conflict is closed already."""

    decide = staticmethod(conflict_accept)


class CorrectionConflictDismissApi(_ConflictDecisionApi):
    """Keep the correction: the source's value is not taken (HR and admins). 409 when the
    conflict is closed already."""

    decide = staticmethod(conflict_dismiss)
