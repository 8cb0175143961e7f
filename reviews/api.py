"""API for review cycles: the cycles one may see with their competencies, submitting a review,
one's reviews, the incident log, the results (computed, calibrated, acknowledged). Scoped by
``reviews.selectors``, like the pages; a refusal is a 400 naming the field, or a 403 when the
user may not do it at all."""

from django.db.models import Q, prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org.api import HrOrAdmin
from org.fields import ApiIdField
from org.refusals import api_refusal, person_named
from reviews.errors import ReviewRefused
from reviews.incidents import incident_lines
from reviews.models import (
    COMMENT_MAX,
    GRADES,
    NOTE_MAX,
    RATINGS,
    REASON_MAX,
    Anchor,
    Competency,
    CycleResult,
    Incident,
    Rating,
    Review,
    ReviewCycle,
    ReviewKind,
    ReviewTemplate,
)
from reviews.selectors import (
    calibration_moves,
    cycle_get_for_user,
    cycles_visible_to,
    incidents_visible_to,
    result_get_for_user,
    results_visible_to,
    reviews_visible_to,
)
from reviews.services import (
    calibration_move,
    cycle_results_compute,
    incident_add,
    result_acknowledge,
    review_draft_save,
    review_submit,
)

LIST_MAX = 500  # rows in one answer of an unpaged list


class CycleSerializer(serializers.ModelSerializer):
    teams = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = ReviewCycle
        fields = [
            "id",
            "name",
            "kind",
            "first_period",
            "last_period",
            "teams",
            "state",
            "self_review_due",
            "manager_review_due",
            "kpi_weight",
        ]


class AnchorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Anchor
        fields = ["rating", "text_zh", "text_en"]


class CompetencySerializer(serializers.ModelSerializer):
    anchors = AnchorSerializer(many=True, read_only=True)

    class Meta:
        model = Competency
        fields = [
            "code",
            "name_zh",
            "name_en",
            "description_zh",
            "description_en",
            "weight",
            "anchors",
        ]


class TemplateSerializer(serializers.ModelSerializer):
    competencies = CompetencySerializer(many=True, read_only=True)

    class Meta:
        model = ReviewTemplate
        fields = ["level", "self_review_weight", "kpi_weight", "competencies"]


class CycleDetailSerializer(CycleSerializer):
    templates = TemplateSerializer(many=True, read_only=True)

    class Meta(CycleSerializer.Meta):
        fields = [*CycleSerializer.Meta.fields, "templates"]


class RatingSerializer(serializers.ModelSerializer):
    competency = serializers.CharField(source="competency.code", read_only=True)

    class Meta:
        model = Rating
        fields = ["competency", "rating", "comment"]


class ReviewSerializer(serializers.ModelSerializer):
    employee_no = serializers.CharField(source="employee.employee_no", read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    ratings = RatingSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "cycle",
            "employee_no",
            "employee_name",
            "kind",
            "state",
            "submitted_at",
            "comment",
            "ratings",
        ]


class RatingInputSerializer(serializers.Serializer):
    competency = serializers.CharField(max_length=32)
    rating = serializers.IntegerField(min_value=min(RATINGS), max_value=max(RATINGS))
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=COMMENT_MAX
    )


class ReviewInputSerializer(serializers.Serializer):
    employee_id = ApiIdField()
    kind = serializers.ChoiceField(choices=ReviewKind.choices)
    ratings = RatingInputSerializer(many=True, allow_empty=False, max_length=100)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=COMMENT_MAX
    )
    # True: keep it as a draft (some ratings may be missing), to submit later.
    draft = serializers.BooleanField(required=False, default=False)

    def validate_ratings(self, ratings: list[dict]) -> list[dict]:
        codes = [rating["competency"] for rating in ratings]
        if len(set(codes)) != len(codes):
            raise ValidationError(_("Rate each competency once."))
        return ratings


class IncidentSerializer(serializers.ModelSerializer):
    """An incident with who noted it and the record it concerns: by its type and id (both null
    without one) and in words (``record``, empty without one). Serialise with ``lines``, the
    incidents' ``reviews.incidents.incident_lines`` by id, in the context."""

    employee_no = serializers.CharField(source="employee.employee_no", read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    noted_by = serializers.SerializerMethodField()
    record_type = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "employee_no",
            "employee_name",
            "day",
            "note",
            "noted_by",
            "record_type",
            "record_id",
            "record",
        ]

    def get_noted_by(self, incident: Incident) -> str:
        return self.context["lines"][incident.pk].author

    def get_record_type(self, incident: Incident) -> str | None:
        return incident.record_type or None

    def get_record(self, incident: Incident) -> str:
        return self.context["lines"][incident.pk].record


def _incidents_data(incidents: list[Incident]) -> list:
    lines = {line.id: line for line in incident_lines(incidents)}
    return IncidentSerializer(incidents, many=True, context={"lines": lines}).data


class IncidentFilterSerializer(serializers.Serializer):
    employee_id = ApiIdField(required=False)


class IncidentInputSerializer(serializers.Serializer):
    employee_id = ApiIdField()
    day = serializers.DateField()
    note = serializers.CharField(max_length=NOTE_MAX)
    # A record type of ``ingest.record_types`` (order, ticket, …), checked by the service.
    record_type = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    record_id = ApiIdField(required=False, allow_null=True, default=None)


class ResultSerializer(serializers.ModelSerializer):
    employee_no = serializers.CharField(source="employee.employee_no", read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    team = serializers.CharField(source="employee.team.name", read_only=True)
    basis_text = serializers.CharField(source="get_basis_display", read_only=True)
    # The grade that stands (calibrated, else computed); null when not scored.
    grade_shown = serializers.SerializerMethodField()
    grade = serializers.SerializerMethodField()
    calibrated_grade = serializers.SerializerMethodField()

    class Meta:
        model = CycleResult
        fields = [
            "id",
            "cycle",
            "employee_no",
            "employee_name",
            "team",
            "kpi_weight",
            "kpi_part",
            "kpi_periods",
            "self_part",
            "qualitative_part",
            "final",
            "basis",
            "basis_text",
            "grade",
            "calibrated_grade",
            "grade_shown",
            "calibration_reason",
            "acknowledged_at",
            "employee_comment",
        ]

    def get_grade(self, result: CycleResult) -> str | None:
        return result.grade or None

    def get_calibrated_grade(self, result: CycleResult) -> str | None:
        return result.calibrated_grade or None

    def get_grade_shown(self, result: CycleResult) -> str | None:
        return result.grade_shown or None


class CalibrationMoveSerializer(serializers.Serializer):
    by = serializers.CharField()
    at = serializers.DateTimeField()
    before = serializers.CharField()
    after = serializers.CharField()
    reason = serializers.CharField()


class ResultDetailSerializer(ResultSerializer):
    calibrations = serializers.SerializerMethodField()

    class Meta(ResultSerializer.Meta):
        fields = [*ResultSerializer.Meta.fields, "calibrations"]

    @extend_schema_field(CalibrationMoveSerializer(many=True))
    def get_calibrations(self, result: CycleResult) -> list[dict]:
        return CalibrationMoveSerializer(calibration_moves(result), many=True).data


class CalibrationInputSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=list(GRADES))
    reason = serializers.CharField(max_length=REASON_MAX)


class AcknowledgeInputSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=COMMENT_MAX
    )


class ComputedSerializer(serializers.Serializer):
    results = serializers.IntegerField()


class CycleListApi(APIView):
    """The review cycles the user may see (HR: all; others: those of their teams, once open)."""

    @extend_schema(responses=CycleSerializer(many=True))
    def get(self, request: Request) -> Response:
        cycles = cycles_visible_to(request.user).prefetch_related("teams")[:LIST_MAX]
        return Response(CycleSerializer(cycles, many=True).data)


class CycleDetailApi(APIView):
    """One cycle with its templates: the competencies and the behaviour anchors of each rating."""

    @extend_schema(responses=CycleDetailSerializer)
    def get(self, request: Request, cycle_id: int) -> Response:
        cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
        prefetch_related_objects([cycle], "teams", "templates__competencies__anchors")
        return Response(CycleDetailSerializer(cycle).data)


class CycleReviewApi(APIView):
    """Submit a review in an open cycle: a self-review (the person) or a manager review (one of
    their managers), every competency of the person's template rated 1–5, by the deadline; or
    keep it as a draft (``draft``) with the ratings given so far."""

    @extend_schema(request=ReviewInputSerializer, responses={201: ReviewSerializer})
    def post(self, request: Request, cycle_id: int) -> Response:
        cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
        given = ReviewInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        employee = person_named(request.user, data["employee_id"])
        write = review_draft_save if data["draft"] else review_submit
        try:
            review = write(
                user=request.user,
                cycle=cycle,
                employee=employee,
                kind=data["kind"],
                ratings={rating["competency"]: rating["rating"] for rating in data["ratings"]},
                comments={
                    rating["competency"]: rating["comment"]
                    for rating in data["ratings"]
                    if rating["comment"]
                },
                comment=data["comment"],
            )
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        prefetch_related_objects([review], "ratings__competency")
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class MyReviewListApi(APIView):
    """The reviews the user wrote or may read about themselves."""

    @extend_schema(responses=ReviewSerializer(many=True))
    def get(self, request: Request) -> Response:
        mine = Q(reviewer=request.user) | Q(employee__user=request.user)
        reviews = reviews_visible_to(request.user).filter(mine)
        reviews = reviews.prefetch_related("ratings__competency").order_by("-id")[:LIST_MAX]
        return Response(ReviewSerializer(reviews, many=True).data)


class IncidentListApi(APIView):
    """The critical incidents the user may read (of one person with ``employee_id``); a manager
    or HR notes a new one."""

    @extend_schema(parameters=[IncidentFilterSerializer], responses=IncidentSerializer(many=True))
    def get(self, request: Request) -> Response:
        given = IncidentFilterSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        incidents = incidents_visible_to(request.user)
        if given.validated_data.get("employee_id") is not None:
            incidents = incidents.filter(employee_id=given.validated_data["employee_id"])
        incidents = list(incidents.select_related("author__employee")[:LIST_MAX])
        return Response(_incidents_data(incidents))

    @extend_schema(request=IncidentInputSerializer, responses={201: IncidentSerializer})
    def post(self, request: Request) -> Response:
        given = IncidentInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        employee = person_named(request.user, data.pop("employee_id"))
        try:
            incident = incident_add(user=request.user, employee=employee, **data)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(_incidents_data([incident])[0], status=status.HTTP_201_CREATED)


class CycleResultListApi(APIView):
    """The cycle's results the user may see (HR: all; a manager: their people's once computed;
    everyone: their own once the cycle is closed)."""

    @extend_schema(responses=ResultSerializer(many=True))
    def get(self, request: Request, cycle_id: int) -> Response:
        cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
        results = results_visible_to(request.user).filter(cycle=cycle).order_by("employee_id")
        return Response(ResultSerializer(results[:LIST_MAX], many=True).data)


class CycleComputeApi(APIView):
    """Compute every result of an open or calibrating cycle (HR), and move it to calibration."""

    permission_classes = [permissions.IsAuthenticated, HrOrAdmin]

    @extend_schema(request=None, responses=ComputedSerializer)
    def post(self, request: Request, cycle_id: int) -> Response:
        cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
        try:
            written = cycle_results_compute(user=request.user, cycle=cycle)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response({"results": written})


class ResultDetailApi(APIView):
    """One result with its calibrations (who, when, from which grade to which, why)."""

    @extend_schema(responses=ResultDetailSerializer)
    def get(self, request: Request, result_id: int) -> Response:
        result = result_get_for_user(user=request.user, result_id=result_id)
        return Response(ResultDetailSerializer(result).data)


class ResultCalibrateApi(APIView):
    """Move a computed grade with a written reason, while the cycle is calibrating: HR and
    admins anyone's, a manager their people's (403 for the person and other employees)."""

    @extend_schema(request=CalibrationInputSerializer, responses=ResultDetailSerializer)
    def post(self, request: Request, result_id: int) -> Response:
        result = result_get_for_user(user=request.user, result_id=result_id)
        given = CalibrationInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            result = calibration_move(user=request.user, result=result, **given.validated_data)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        result = result_get_for_user(user=request.user, result_id=result.pk)
        return Response(ResultDetailSerializer(result).data)


class ResultAcknowledgeApi(APIView):
    """The person acknowledges their result of a closed cycle, with a comment if they wish."""

    @extend_schema(request=AcknowledgeInputSerializer, responses=ResultSerializer)
    def post(self, request: Request, result_id: int) -> Response:
        result = result_get_for_user(user=request.user, result_id=result_id)
        given = AcknowledgeInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            result = result_acknowledge(user=request.user, result=result, **given.validated_data)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        result = result_get_for_user(user=request.user, result_id=result.pk)
        return Response(ResultSerializer(result).data)
