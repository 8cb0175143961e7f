"""API of "My work today" and one's notices: the open nodes to act on (one's own, or one's
people's), one's notices newest first, and marking them read. Notices are always the caller's
own: ids of other people's notices are passed over exactly as ids of none, so no answer tells
whether they exist."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ingest.models import ProcessNode
from notices.access import may_see_work_today
from notices.models import NoticeKind
from notices.selectors import notices_for_user, unread_notices_count, work_today_for_user
from notices.services import notices_read_among
from org.fields import ApiIdField

READ_MAX = 500  # ids in one call to mark read


class MaySeeWorkToday(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return may_see_work_today(request.user)


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    kind_text = serializers.CharField(source="get_kind_display")
    order_no = serializers.CharField(
        source="node.order.external_id",
        help_text="the order's number at its source; empty for an order entered in perf",
    )
    order_text = serializers.CharField(
        source="node.order.name", help_text="the order as people quote it"
    )
    node = serializers.ChoiceField(source="node.node", choices=ProcessNode.choices)
    node_text = serializers.CharField(source="node.get_node_display")
    due_at = serializers.DateTimeField(source="node.due_at")
    created_at = serializers.DateTimeField(help_text="when the notice was raised")
    read_at = serializers.DateTimeField(allow_null=True, help_text="null while unread")


class NoticeFilterSerializer(serializers.Serializer):
    # Read from a plain dict (not the QueryDict), so that a missing ``unread`` is no filter
    # rather than the ``false`` an unticked HTML checkbox means.
    unread = serializers.BooleanField(required=False)


class NoticeListApi(generics.ListAPIView):
    """The caller's own notices, newest first; ``unread=true`` (or ``false``) lists only the
    unread (or the read) ones."""

    serializer_class = NoticeSerializer
    permission_classes = [permissions.IsAuthenticated, MaySeeWorkToday]

    def get_queryset(self):
        given = NoticeFilterSerializer(data=self.request.query_params.dict())
        given.is_valid(raise_exception=True)
        notices = notices_for_user(user=self.request.user)
        if "unread" in given.validated_data:
            notices = notices.filter(read_at__isnull=given.validated_data["unread"])
        return notices

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "unread", bool, description="true: only unread notices; false: only read ones"
            )
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class NoticeReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=ApiIdField(),
        required=False,
        allow_empty=False,
        max_length=READ_MAX,
        help_text="the notices to mark read; ids not among the caller's are passed over",
    )
    all = serializers.BooleanField(
        required=False, default=False, help_text="true: mark every notice of the caller's read"
    )

    def validate(self, data: dict) -> dict:
        if data["all"] == ("ids" in data):
            raise serializers.ValidationError(
                _("Give either the notices to mark read or all, not both.")
                if data["all"]
                else _("Give the notices to mark read, or all.")
            )
        return data


class NoticeReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="notices newly marked read")
    unread = serializers.IntegerField(help_text="the caller's notices still unread")


class NoticeReadApi(APIView):
    """Mark some of the caller's notices read (``ids``), or all of them (``all: true``). Ids of
    notices that are not the caller's are passed over as ids of none: the answer counts only
    the caller's own."""

    permission_classes = [permissions.IsAuthenticated, MaySeeWorkToday]

    @extend_schema(request=NoticeReadInputSerializer, responses=NoticeReadResultSerializer)
    def post(self, request: Request) -> Response:
        given = NoticeReadInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        marked = notices_read_among(
            user=request.user,
            notice_ids=None if given.validated_data["all"] else given.validated_data["ids"],
            now=timezone.now(),
        )
        result = {"marked": marked, "unread": unread_notices_count(request.user)}
        return Response(NoticeReadResultSerializer(result).data)


class NodeWarningSerializer(serializers.Serializer):
    order_no = serializers.CharField(
        source="order_number",
        help_text="the order's number at its source; empty for an order entered in perf",
    )
    order_text = serializers.CharField(source="order_no", help_text="the order as people quote it")
    node = serializers.ChoiceField(choices=ProcessNode.choices)
    node_text = serializers.CharField(source="node_label")
    merchandiser_id = serializers.IntegerField(allow_null=True)
    merchandiser = serializers.CharField()
    team = serializers.CharField()
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    working_hours = serializers.FloatField(
        help_text="working hours from now to the deadline: left when due, over (negative) "
        "when overdue"
    )


class WorkTodaySerializer(serializers.Serializer):
    horizon_hours = serializers.FloatField(help_text="nodes due within these working hours")
    horizon = serializers.DateTimeField(help_text="nodes due before this instant are listed")
    overdue = serializers.IntegerField(help_text="open nodes overdue (all, not only listed)")
    due_soon = serializers.IntegerField(help_text="open nodes due before the horizon")
    nodes = NodeWarningSerializer(many=True, help_text="the most urgent, longest overdue first")


class WorkTodayApi(APIView):
    """The open process nodes overdue or due soon of the people the caller may see: a
    merchandiser's own, a manager's teams', everyone's for HR and admins."""

    permission_classes = [permissions.IsAuthenticated, MaySeeWorkToday]

    @extend_schema(responses=WorkTodaySerializer)
    def get(self, request: Request) -> Response:
        work = work_today_for_user(user=request.user, now=timezone.now())
        return Response(WorkTodaySerializer(work).data)
