"""API for appeals: list and file, read one with its timeline, move it, comment, add evidence.
Scoped by ``appeals.access``, like the pages."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals.access import actions_for, appeal_get_for_user
from appeals.errors import AppealRefused
from appeals.evidence import evidence_add
from appeals.forms import NAME_MAX
from appeals.models import (
    CLAIMED_VALUE_MAX,
    COMMENT_MAX,
    DECISION_REASON_MAX,
    DESCRIPTION_MAX,
    Appeal,
    AppealState,
    ReasonCategory,
)
from appeals.selectors import appeal_queue, appeal_timeline
from appeals.services import (
    appeal_comment_add,
    appeal_create,
    appeal_transition,
)
from appeals.subjects import SUBJECTS
from appeals.uploads import ClientNameMultiPartParser
from org.fields import ApiIdField, ApiPeriodField
from org.refusals import api_refusal, person_named


class AppealSerializer(serializers.ModelSerializer):
    employee_no = serializers.CharField(source="employee.employee_no", read_only=True)
    # None for an appeal about a record rather than an indicator.
    indicator_code = serializers.CharField(
        source="indicator.code", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Appeal
        fields = [
            "id",
            "state",
            "subject_kind",
            "employee_no",
            "record_type",
            "record_id",
            "field_name",
            "indicator_code",
            "period_start",
            "current_value",
            "claimed_value",
            "category",
            "description",
            "submitted_at",
            "due_at",
            "decided_at",
            "decision_reason",
            "score_before",
            "score_after",
        ]


class AppealCreateSerializer(serializers.Serializer):
    """A field of a record (``record_type``, ``record_id``, ``field_name``) or an indicator of a
    person in a period (``employee_id``, ``indicator_code``, ``period``)."""

    record_type = serializers.ChoiceField(
        choices=list(SUBJECTS), required=False, allow_blank=True, default=""
    )
    record_id = ApiIdField(required=False)
    field_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NAME_MAX
    )
    employee_id = ApiIdField(required=False)
    indicator_code = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NAME_MAX
    )
    period = ApiPeriodField(required=False)
    claimed_value = serializers.CharField(max_length=CLAIMED_VALUE_MAX)
    category = serializers.ChoiceField(choices=ReasonCategory.choices)
    description = serializers.CharField(max_length=DESCRIPTION_MAX)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("record_type") or attrs.get("record_id") is not None:
            needed = ("record_type", "record_id", "field_name")
        else:
            needed = ("employee_id", "indicator_code", "period")
        missing = {
            name: [_("This field is required.")] for name in needed if attrs.get(name) in (None, "")
        }
        if missing:
            raise ValidationError(missing)
        return attrs


class AppealFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AppealState.choices, required=False)
    overdue = serializers.BooleanField(required=False, default=False)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["submit", "withdraw", "review", "approve", "reject"])
    reason = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=DECISION_REASON_MAX
    )


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX)


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    who = serializers.CharField()
    text = serializers.CharField()


class AppealDetailSerializer(AppealSerializer):
    actions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    class Meta(AppealSerializer.Meta):
        fields = [*AppealSerializer.Meta.fields, "actions", "timeline"]

    def get_actions(self, appeal: Appeal) -> list[str]:
        return actions_for(self.context["request"].user, appeal)

    @extend_schema(responses=TimelineEventSerializer(many=True))
    def get_timeline(self, appeal: Appeal) -> list[dict]:
        return TimelineEventSerializer(appeal_timeline(appeal), many=True).data


class AppealListApi(APIView):
    """Appeals the user sees (HR: all; others: theirs and their people's); file a new one."""

    @extend_schema(parameters=[AppealFilterSerializer], responses=AppealSerializer(many=True))
    def get(self, request: Request) -> Response:
        given = AppealFilterSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        appeals = appeal_queue(
            user=request.user,
            state=given.validated_data.get("state", ""),
            overdue=given.validated_data["overdue"],
        )
        return Response(AppealSerializer(appeals[:500], many=True).data)

    @extend_schema(request=AppealCreateSerializer, responses={201: AppealSerializer})
    def post(self, request: Request) -> Response:
        given = AppealCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        if data.get("record_id") is None:
            data["employee"] = person_named(request.user, data.pop("employee_id"))
        else:
            data.pop("employee_id", None)
            data.pop("period", None)
        try:
            appeal = appeal_create(user=request.user, **data)
        except AppealRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class AppealDetailApi(APIView):
    @extend_schema(responses=AppealDetailSerializer)
    def get(self, request: Request, appeal_id: int) -> Response:
        appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
        return Response(AppealDetailSerializer(appeal, context={"request": request}).data)


class AppealTransitionApi(APIView):
    """Move the appeal: ``submit`` and ``withdraw`` (who filed it), ``review``, ``approve`` and
    ``reject`` (HR, never on an appeal they filed or that concerns them; a rejection needs a
    ``reason``). Anything else is refused with 400 and the reason."""

    @extend_schema(request=TransitionSerializer, responses=AppealSerializer)
    def post(self, request: Request, appeal_id: int) -> Response:
        appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
        given = TransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            appeal = appeal_transition(appeal=appeal, user=request.user, **given.validated_data)
        except AppealRefused as refusal:
            raise api_refusal(refusal) from refusal
        appeal.refresh_from_db()
        return Response(AppealSerializer(appeal).data)


class AppealCommentApi(APIView):
    @extend_schema(request=CommentSerializer, responses={201: CommentSerializer})
    def post(self, request: Request, appeal_id: int) -> Response:
        appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
        given = CommentSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            comment = appeal_comment_add(appeal=appeal, user=request.user, **given.validated_data)
        except AppealRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response({"text": comment.text}, status=status.HTTP_201_CREATED)


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class AppealEvidenceApi(APIView):
    """Add one evidence file (multipart, field ``file``): an image, a PDF or an XLSX."""

    parser_classes = [ClientNameMultiPartParser, parsers.FormParser]

    @extend_schema(request={"multipart/form-data": EvidenceUploadSerializer}, responses={201: None})
    def post(self, request: Request, appeal_id: int) -> Response:
        appeal = appeal_get_for_user(user=request.user, appeal_id=appeal_id)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": _("Send the file in the field “file”.")})
        try:
            evidence = evidence_add(
                appeal=appeal,
                user=request.user,
                upload=upload,
                client_name=getattr(upload, "client_name", None),
            )
        except AppealRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(
            {"id": evidence.pk, "name": evidence.original_name, "size": evidence.size},
            status=status.HTTP_201_CREATED,
        )
