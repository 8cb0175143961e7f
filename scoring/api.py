"""API: scores (scoped by role), one person's scorecard, and score runs (HR and admins)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from frames.queue import QueueUnavailable
from org.fields import period_from_text
from org.models import Team
from org.periods import Period
from org.selectors import teams_visible_to, user_display_name
from scoring.models import EmployeeScore, ScoreRun
from scoring.selectors import (
    can_start_runs,
    runs_visible_to,
    scope_employee_ids,
    scorecard_for_employee,
    scores_visible_to,
)
from scoring.services import periods_rescore

PERIOD = OpenApiParameter(
    "period", str, required=True, description="2026-10 (month), 2026-Q4 or 2026-W44"
)


def _period(request: Request) -> Period:
    try:
        return period_from_text(request.query_params.get("period", ""))
    except DjangoValidationError as exc:
        raise ValidationError({"period": exc.messages}) from exc


def _language() -> str:
    return "zh" if (get_language() or "zh").startswith("zh") else "en"


class ScoreSerializer(serializers.ModelSerializer):
    employee_no = serializers.CharField(source="employee.employee_no")
    name = serializers.CharField(source="employee.name")
    team = serializers.CharField(source="team.name")

    class Meta:
        model = EmployeeScore
        fields = [
            "employee_id",
            "employee_no",
            "name",
            "team",
            "level",
            "period_kind",
            "period_start",
            "total",
            "uncapped_total",
            "basic",
            "efficiency",
            "quality",
            "innovation",
            "grade",
            "team_rank",
            "team_percentile",
            "company_rank",
            "company_percentile",
            "vetoes",
            "missing",
            "not_measured",
            "improvement_plan",
        ]


class IndicatorLineSerializer(serializers.Serializer):
    code = serializers.CharField(source="indicator.code")
    name = serializers.CharField(source="indicator.name")
    tier = serializers.CharField(source="indicator.tier")
    unit = serializers.CharField(source="indicator.unit")
    raw = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    normalised = serializers.FloatField(allow_null=True)
    weight = serializers.FloatField(allow_null=True)
    contribution = serializers.FloatField(allow_null=True)
    team_average = serializers.FloatField(allow_null=True)
    team_percentile = serializers.FloatField(allow_null=True)


class ScorecardSerializer(ScoreSerializer):
    indicators = IndicatorLineSerializer(many=True)
    explanation = serializers.SerializerMethodField()
    suggestions = serializers.SerializerMethodField()

    class Meta(ScoreSerializer.Meta):
        fields = [*ScoreSerializer.Meta.fields, "indicators", "explanation", "suggestions"]

    def get_explanation(self, score: EmployeeScore) -> list[str]:
        return score.explanation.get(_language(), [])

    def get_suggestions(self, score: EmployeeScore) -> list[str]:
        return score.suggestions.get(_language(), [])


class ScoreListApi(APIView):
    """Current scores of a period: a merchandiser sees only their own, a manager their teams',
    HR and admins everyone. Explanations and suggestions come in the request's language on the
    scorecard."""

    @extend_schema(parameters=[PERIOD], responses=ScoreSerializer(many=True))
    def get(self, request: Request) -> Response:
        scores = scores_visible_to(request.user, _period(request))
        return Response(ScoreSerializer(scores, many=True).data)


class ScorecardApi(APIView):
    """One person's scorecard with every indicator; 404 for someone the caller may not see."""

    @extend_schema(parameters=[PERIOD], responses=ScorecardSerializer)
    def get(self, request: Request, employee_id: int) -> Response:
        score = scorecard_for_employee(
            user=request.user, employee_id=employee_id, period=_period(request)
        )
        return Response(ScorecardSerializer(score).data)


class CanStartRuns(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_start_runs(request.user)


class RunSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name", allow_null=True, default=None)

    class Meta:
        model = ScoreRun
        fields = [
            "id",
            "period_kind",
            "period_start",
            "team",
            "status",
            "progress",
            "chunks_total",
            "chunks_done",
            "employees",
            "schemes",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


class RunStartSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="2026-10, 2026-Q4 or 2026-W44")
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )

    def validate_period(self, value: str) -> Period:
        # Years outside 2000–2100 are typos (9999-12 has no following month to score to).
        try:
            return period_from_text(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class QueueDown(APIException):
    """503: the run could not be handed to the workers (it is recorded as failed, not queued)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unavailable"
    default_detail = gettext_lazy(
        "The task queue cannot be reached right now, so the score run was not started. "
        "Try again in a few minutes."
    )


class RunListApi(APIView):
    """Score runs (HR and admins): the latest first; POST starts one on the workers."""

    permission_classes = [permissions.IsAuthenticated, CanStartRuns]

    @extend_schema(responses=RunSerializer(many=True))
    def get(self, request: Request) -> Response:
        runs = runs_visible_to(request.user)[:50]
        return Response(RunSerializer(runs, many=True).data)

    @extend_schema(request=RunStartSerializer, responses={202: RunSerializer, 503: None})
    def post(self, request: Request) -> Response:
        given = RunStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        team = given.validated_data.get("team")
        if team is not None and not teams_visible_to(request.user).filter(pk=team.pk).exists():
            raise ValidationError({"team": [_("Unknown team.")]})
        if not scope_employee_ids(team):
            raise ValidationError(
                {"team": [_("Nobody to score: no active employee in a scored team here.")]}
            )
        try:
            (run,) = periods_rescore(
                periods=[given.validated_data["period"]],
                team=team,
                user=request.user,
                reason=_("Started by %(user)s") % {"user": user_display_name(request.user)},
                refuse_when_queue_down=True,
            )
        except QueueUnavailable as down:
            raise QueueDown() from down
        run.refresh_from_db()
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunDetailApi(APIView):
    """One run's status and progress (HR and admins)."""

    permission_classes = [permissions.IsAuthenticated, CanStartRuns]

    @extend_schema(responses=RunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        run = runs_visible_to(request.user).filter(pk=run_id).first()
        if run is None:
            raise NotFound  # {"detail": …}, as the schema says
        return Response(RunSerializer(run).data)
