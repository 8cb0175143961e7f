"""API for improvement plans and coaching notes: the plans one may see, starting one (from a
flagged month or not), a plan with its goals' values and verdict so far, check-ins and the
person's replies, extending and closing; coaching notes per person. Scoped by ``plans.access``
like the pages: a plan or person outside one's scope is a 404, an action one may not take a
403, bad input a 400 naming the field."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import IndicatorDefinition
from org.fields import ApiIdField, period_from_text
from org.refusals import api_refusal, person_named, person_unseen
from org.selectors import person_name
from plans.access import manages
from plans.errors import PlanRefused
from plans.models import NOTE_MAX, REASON_MAX, CheckIn, CoachingNote, ImprovementPlan
from plans.selectors import (
    coaching_notes_for,
    flagged_score_get,
    goal_indicators,
    mentor_choices,
    plan_get_for_user,
    plan_progress,
    plans_list_for_user,
)
from plans.services import (
    GoalInput,
    check_in_add,
    check_in_reply,
    coaching_note_add,
    plan_close,
    plan_create,
    plan_extend,
)

LIST_MAX = 500  # rows in one answer of an unpaged list


class PlanSerializer(serializers.ModelSerializer):
    employee_no = serializers.CharField(source="employee.employee_no", read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    mentor_name = serializers.CharField(source="mentor.name", read_only=True)
    state_text = serializers.CharField(source="get_state_display", read_only=True)
    # Empty while the plan runs and was never extended.
    outcome_text = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = ImprovementPlan
        fields = [
            "id",
            "employee_no",
            "employee_name",
            "mentor_name",
            "flagged_period",
            "start",
            "end",
            "workload_note",
            "state",
            "state_text",
            "outcome",
            "outcome_text",
            "closed_at",
        ]


class GoalProgressSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    indicator_name = serializers.CharField(source="indicator.name")
    target = serializers.CharField(source="target_text")
    direction = serializers.CharField(source="direction_text")
    # The average over the plan's months with a published value; "—" without any.
    average = serializers.CharField(source="average_text")
    months = serializers.IntegerField()
    verdict = serializers.CharField()


class AuthorNameMixin(serializers.Serializer):
    """Who wrote it, as pages name people (their employee name); empty once the account is
    gone."""

    author_name = serializers.SerializerMethodField()

    def get_author_name(self, written: CheckIn | CoachingNote) -> str:
        return person_name(written.author)


class CheckInSerializer(AuthorNameMixin, serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ["id", "day", "note", "author_name", "reply", "replied_at"]


class ExtensionSerializer(serializers.Serializer):
    previous_end = serializers.DateField()
    new_end = serializers.DateField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class PlanDetailSerializer(PlanSerializer):
    goals = serializers.SerializerMethodField()
    # met / not_met / not_measured: what closing the plan today would record.
    verdict = serializers.SerializerMethodField()
    check_ins = CheckInSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "goals", "verdict", "check_ins", "extensions"]

    def _progress(self, plan: ImprovementPlan):
        if not hasattr(self, "_read"):
            self._read = plan_progress(plan)
        return self._read

    @extend_schema_field(GoalProgressSerializer(many=True))
    def get_goals(self, plan: ImprovementPlan) -> list[dict]:
        return GoalProgressSerializer(self._progress(plan).goals, many=True).data

    def get_verdict(self, plan: ImprovementPlan) -> str:
        return self._progress(plan).verdict


class GoalInputSerializer(serializers.Serializer):
    # A code checked as text first (DRF's CharField refuses NUL, which PostgreSQL cannot
    # compare), then looked up; DRF's own slug field named the model field ("code").
    indicator = serializers.CharField(max_length=64)
    target = serializers.FloatField()

    def validate_indicator(self, code: str) -> IndicatorDefinition:
        indicator = goal_indicators().filter(code=code).first()
        if indicator is None:
            raise ValidationError(_("No such indicator: {value}.").format(value=code))
        return indicator


class PlanInputSerializer(serializers.Serializer):
    employee_id = ApiIdField()
    mentor_id = ApiIdField()
    start = serializers.DateField()
    # Empty: 90 days from the start.
    end = serializers.DateField(required=False, allow_null=True, default=None)
    # The flagged month (YYYY-MM) the plan answers; empty for a plan a manager starts.
    flagged_period = serializers.CharField(required=False, allow_blank=True, default="")
    workload_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX
    )
    goals = GoalInputSerializer(many=True, allow_empty=False, max_length=10)

    def validate_flagged_period(self, text: str):
        if not text:
            return None
        try:
            return period_from_text(text)
        except DjangoValidationError as error:
            raise ValidationError(error.messages) from error


class CheckInInputSerializer(serializers.Serializer):
    day = serializers.DateField()
    note = serializers.CharField(max_length=NOTE_MAX)


class ReplyInputSerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=NOTE_MAX)


class ExtendInputSerializer(serializers.Serializer):
    new_end = serializers.DateField()
    reason = serializers.CharField(max_length=REASON_MAX)


class CoachingNoteSerializer(AuthorNameMixin, serializers.Serializer):
    id = serializers.IntegerField()
    day = serializers.DateField()
    note = serializers.CharField()


class CoachingNoteFilterSerializer(serializers.Serializer):
    employee_id = ApiIdField()


class CoachingNoteInputSerializer(serializers.Serializer):
    employee_id = ApiIdField()
    day = serializers.DateField()
    note = serializers.CharField(max_length=NOTE_MAX)


class PlanListCreateApi(APIView):
    """The plans the user may see (their own, those they mentor, their teams' for a manager,
    all for HR); a manager or HR starts one for a person of theirs."""

    @extend_schema(responses=PlanSerializer(many=True))
    def get(self, request: Request) -> Response:
        plans = plans_list_for_user(request.user)[:LIST_MAX]
        return Response(PlanSerializer(plans, many=True).data)

    @extend_schema(request=PlanInputSerializer, responses={201: PlanDetailSerializer})
    def post(self, request: Request) -> Response:
        given = PlanInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        employee = person_named(request.user, data["employee_id"])
        if not manages(request.user, employee):
            # Asked first: the mentor's check must not tell who is employed to anybody.
            raise PermissionDenied(_("Only the person's managers and HR start their plan."))
        mentor = mentor_choices(user=request.user, employee=employee)
        mentor = mentor.filter(pk=data["mentor_id"]).first()
        if mentor is None:
            raise ValidationError(
                {"mentor_id": [_("Choose a colleague other than the person as mentor.")]}
            )
        score = None
        if data["flagged_period"] is not None:
            score = flagged_score_get(employee=employee, period_start=data["flagged_period"].start)
            if score is None:
                raise ValidationError(
                    {"flagged_period": [_("The person has no flagged result that month.")]}
                )
        try:
            plan = plan_create(
                user=request.user,
                employee=employee,
                mentor=mentor,
                start=data["start"],
                end=data["end"],
                goals=[GoalInput(**goal) for goal in data["goals"]],
                workload_note=data["workload_note"],
                source_score=score,
            )
        except PlanRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(PlanDetailSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    """One plan: its goals with the average so far of each over the plan's months, the verdict
    closing it today would record, its check-ins and extensions."""

    @extend_schema(responses=PlanDetailSerializer)
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_get_for_user(user=request.user, plan_id=plan_id)
        return Response(PlanDetailSerializer(plan).data)


class PlanCheckInApi(APIView):
    """A check-in by the person's manager, HR or the mentor."""

    @extend_schema(request=CheckInInputSerializer, responses={201: CheckInSerializer})
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_get_for_user(user=request.user, plan_id=plan_id)
        given = CheckInInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            check_in = check_in_add(user=request.user, plan=plan, **given.validated_data)
        except PlanRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(CheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)


class CheckInReplyApi(APIView):
    """The person's reply to a check-in of their plan."""

    @extend_schema(request=ReplyInputSerializer, responses=CheckInSerializer)
    def post(self, request: Request, plan_id: int, check_in_id: int) -> Response:
        plan = plan_get_for_user(user=request.user, plan_id=plan_id)
        check_in = plan.check_ins.filter(pk=check_in_id).first()
        if check_in is None:
            raise serializers.ValidationError({"check_in": [_("No such check-in.")]})
        given = ReplyInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            check_in_reply(user=request.user, check_in=check_in, **given.validated_data)
        except PlanRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(CheckInSerializer(check_in).data)


class PlanExtendApi(APIView):
    """Move the end of an active plan (the person's managers or HR), with why."""

    @extend_schema(request=ExtendInputSerializer, responses=PlanDetailSerializer)
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_get_for_user(user=request.user, plan_id=plan_id)
        given = ExtendInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            plan_extend(user=request.user, plan=plan, **given.validated_data)
        except PlanRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(PlanDetailSerializer(plan).data)


class PlanCloseApi(APIView):
    """Close an active plan with the outcome its goals' published values give."""

    @extend_schema(request=None, responses=PlanDetailSerializer)
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_get_for_user(user=request.user, plan_id=plan_id)
        try:
            plan_close(user=request.user, plan=plan)
        except PlanRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(PlanDetailSerializer(plan).data)


class CoachingNoteApi(APIView):
    """A person's coaching notes (the person, their managers and HR), newest first; a manager
    or HR notes a one-to-one."""

    @extend_schema(
        parameters=[CoachingNoteFilterSerializer], responses=CoachingNoteSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        given = CoachingNoteFilterSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        employee = person_named(request.user, given.validated_data["employee_id"])
        if employee.user_id != request.user.pk and not manages(request.user, employee):
            raise person_unseen()
        notes = coaching_notes_for(user=request.user, employee=employee)[:LIST_MAX]
        return Response(CoachingNoteSerializer(notes, many=True).data)

    @extend_schema(request=CoachingNoteInputSerializer, responses={201: CoachingNoteSerializer})
    def post(self, request: Request) -> Response:
        given = CoachingNoteInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        employee = person_named(request.user, data["employee_id"])
        try:
            note = coaching_note_add(
                user=request.user, employee=employee, day=data["day"], note=data["note"]
            )
        except PlanRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(CoachingNoteSerializer(note).data, status=status.HTTP_201_CREATED)
