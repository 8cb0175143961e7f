"""API: scores (scoped by role), one person's scorecard, and score runs (HR and admins)."""

from django.contrib.auth.models import AbstractBaseUser
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
from org.fields import ApiPeriodField, period_from_text
from org.models import Team
from org.periods import Period, PeriodKind
from org.selectors import teams_visible_to, user_display_name
from scoring.closing import PeriodsClosed, period_reopen
from scoring.models import EmployeeScore, PeriodReopening, ScoreRun
from scoring.ranges import range_rescore
from scoring.selectors import (
    can_start_runs,
    provisional_scorecard_for_employee,
    provisional_scores_visible_to,
    runs_visible_to,
    scope_employee_ids,
    scorecard_for_employee,
    scores_visible_to,
)
from scoring.services import periods_rescore

PERIOD = OpenApiParameter(
    "period", str, required=True, description="2026-10 (month), 2026-Q4 or 2026-W44"
)
PROVISIONAL = OpenApiParameter(
    "provisional",
    bool,
    required=False,
    description=(
        "true: the period so far, from the latest provisional run of a period still running "
        "(no grade, rank or plan), instead of the published results"
    ),
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
    state_text = serializers.CharField(
        read_only=True,
        help_text="Why there is no total, in the request's language; empty when scored.",
    )

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
            "state",
            "state_text",
            "measured_share",
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
    provisional = serializers.BooleanField(
        source="run.provisional",
        read_only=True,
        help_text="The period so far (not published, graded, ranked or paid).",
    )
    as_of = serializers.DateTimeField(
        source="run.started_at",
        read_only=True,
        allow_null=True,
        help_text="When the run read the records these numbers come from.",
    )

    class Meta(ScoreSerializer.Meta):
        fields = [
            *ScoreSerializer.Meta.fields,
            "indicators",
            "explanation",
            "suggestions",
            "provisional",
            "as_of",
        ]

    def get_explanation(self, score: EmployeeScore) -> list[str]:
        return score.explanation.get(_language(), [])

    def get_suggestions(self, score: EmployeeScore) -> list[str]:
        return score.suggestions.get(_language(), [])


class ProvisionalScoreSerializer(ScoreSerializer):
    """A score of the list marked published or provisional, with the provisional one's as-of."""

    provisional = serializers.BooleanField(
        source="run.provisional",
        read_only=True,
        help_text="The period so far (not published, graded, ranked or paid).",
    )
    as_of = serializers.DateTimeField(
        source="run.started_at",
        read_only=True,
        allow_null=True,
        help_text="When the run read the records these numbers come from.",
    )

    class Meta(ScoreSerializer.Meta):
        fields = [*ScoreSerializer.Meta.fields, "provisional", "as_of"]


class ProvisionalQuery(serializers.Serializer):
    provisional = serializers.BooleanField(required=False, default=False)


class ScoreListApi(APIView):
    """Current scores of a period: a merchandiser sees only their own, a manager their teams',
    HR and admins everyone. With ``provisional=true``, the same people's period so far instead
    (month to date), in employee number order: it ranks nobody. Explanations and suggestions
    come in the request's language on the scorecard."""

    @extend_schema(
        parameters=[PERIOD, PROVISIONAL], responses=ProvisionalScoreSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        query = ProvisionalQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        read = (
            provisional_scores_visible_to
            if query.validated_data["provisional"]
            else scores_visible_to
        )
        scores = read(request.user, _period(request)).select_related("run")
        return Response(ProvisionalScoreSerializer(scores, many=True).data)


class ScorecardApi(APIView):
    """One person's published scorecard with every indicator; with ``provisional=true`` the
    period so far instead, marked so with its as-of time. 404 for someone the caller may not
    see, or nothing of that kind."""

    @extend_schema(parameters=[PERIOD, PROVISIONAL], responses=ScorecardSerializer)
    def get(self, request: Request, employee_id: int) -> Response:
        query = ProvisionalQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        read = (
            provisional_scorecard_for_employee
            if query.validated_data["provisional"]
            else scorecard_for_employee
        )
        score = read(user=request.user, employee_id=employee_id, period=_period(request))
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
            "provisional",
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


def _team_checked(user: AbstractBaseUser, team: Team | None) -> Team | None:
    if team is not None and not teams_visible_to(user).filter(pk=team.pk).exists():
        raise ValidationError({"team": [_("Unknown team.")]})
    return team


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
        team = _team_checked(request.user, given.validated_data.get("team"))
        if not scope_employee_ids(team, given.validated_data["period"]):
            raise ValidationError(
                {
                    "team": [
                        _(
                            "Nobody to score: nobody in a scored team here was employed in "
                            "that period."
                        )
                    ]
                }
            )
        try:
            (run,) = periods_rescore(
                periods=[given.validated_data["period"]],
                team=team,
                user=request.user,
                reason=_("Started by %(user)s") % {"user": user_display_name(request.user)},
                refuse_when_queue_down=True,
                publish_running=True,  # HR or an admin asked: published even before it ends
            )
        except QueueUnavailable as down:
            raise QueueDown() from down
        except PeriodsClosed as closed:
            raise ValidationError({"period": [str(closed)]}) from closed
        run.refresh_from_db()
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RangeStartSerializer(serializers.Serializer):
    to = ApiPeriodField(help_text="the range's last period: 2018-10")
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )

    def get_fields(self) -> dict:
        # "from" is a Python keyword: no class attribute can carry the name.
        fields = super().get_fields()
        fields["from"] = ApiPeriodField(help_text="the range's first period: 2016-09")
        return fields


class RunRangeApi(APIView):
    """Score a range of periods (HR and admins): a queued run per period, executed one after
    the other, oldest first (adaptive targets build up in order). 400 names the field: a range
    backwards, of mixed kinds or over 240 periods; closed scored periods not reopened."""

    permission_classes = [permissions.IsAuthenticated, CanStartRuns]

    @extend_schema(request=RangeStartSerializer, responses={202: RunSerializer(many=True)})
    def post(self, request: Request) -> Response:
        given = RangeStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        team = _team_checked(request.user, given.validated_data.get("team"))
        try:
            runs = range_rescore(
                first=given.validated_data["from"],
                last=given.validated_data["to"],
                team=team,
                user=request.user,
            )
        except DjangoValidationError as invalid:
            raise ValidationError(invalid.message_dict) from invalid
        except PeriodsClosed as closed:
            raise ValidationError({"from": [str(closed)]}) from closed
        except QueueUnavailable as down:
            raise QueueDown() from down
        fresh = ScoreRun.objects.filter(pk__in=[run.pk for run in runs]).order_by("period_start")
        return Response(RunSerializer(fresh, many=True).data, status=status.HTTP_202_ACCEPTED)


class ReopeningSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField()
    reopened_by = serializers.SerializerMethodField()

    class Meta:
        model = PeriodReopening
        fields = ["id", "period", "reason", "reopened_by", "reopened_at", "closed_again_at"]

    def get_period(self, reopening: PeriodReopening) -> str:
        return Period(PeriodKind(reopening.period_kind), reopening.period_start).label

    def get_reopened_by(self, reopening: PeriodReopening) -> str:
        return user_display_name(reopening.reopened_by) if reopening.reopened_by else ""


class ReopenSerializer(serializers.Serializer):
    period = ApiPeriodField()
    reason = serializers.CharField(max_length=500)


class ReopeningListApi(APIView):
    """Reopenings of closed periods (HR and admins), the latest first; POST reopens one with a
    reason so that it may be scored again."""

    permission_classes = [permissions.IsAuthenticated, CanStartRuns]

    @extend_schema(responses=ReopeningSerializer(many=True))
    def get(self, request: Request) -> Response:
        reopenings = PeriodReopening.objects.select_related("reopened_by")[:100]
        return Response(ReopeningSerializer(reopenings, many=True).data)

    @extend_schema(request=ReopenSerializer, responses={201: ReopeningSerializer})
    def post(self, request: Request) -> Response:
        given = ReopenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            reopening = period_reopen(user=request.user, **given.validated_data)
        except DjangoValidationError as invalid:
            raise ValidationError(invalid.message_dict) from invalid
        return Response(ReopeningSerializer(reopening).data, status=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    """One run's status and progress (HR and admins)."""

    permission_classes = [permissions.IsAuthenticated, CanStartRuns]

    @extend_schema(responses=RunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        run = runs_visible_to(request.user).filter(pk=run_id).first()
        if run is None:
            raise NotFound  # {"detail": …}, as the schema says
        return Response(RunSerializer(run).data)
