"""API of weight-scheme pilots (admins): list, start, read with the comparison, cancel."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import WeightScheme
from indicators.pilots import PILOT_MONTHS_DEFAULT, PILOT_MONTHS_MAX
from org.fields import ApiIdField, ApiPeriodField
from org.models import Team
from weightlab.api import LabOpen
from weightlab.pilot_present import comparison_rows, pilot_row
from weightlab.pilots import PilotState, pilot_comparison, pilot_get, pilots_for_lab
from weightlab.services import pilot_cancel, pilot_create

LIST_MAX = 200
REASON_MAX = 2000


class PilotInputSerializer(serializers.Serializer):
    scheme = ApiIdField(help_text="A draft or active weight scheme's id, with weights.")
    team = ApiIdField(help_text="The team to pilot it in (with the teams below it).")
    first_month = ApiPeriodField(help_text="The first month, this month or later: 2026-10.")
    months = serializers.IntegerField(
        min_value=1, max_value=PILOT_MONTHS_MAX, default=PILOT_MONTHS_DEFAULT
    )
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True)

    def validate_scheme(self, value: int) -> WeightScheme:
        scheme = WeightScheme.objects.filter(pk=value).first()
        if scheme is None:
            raise serializers.ValidationError(_("No weight scheme has this id."))
        return scheme

    def validate_team(self, value: int) -> Team:
        team = Team.objects.filter(pk=value).first()
        if team is None:
            raise serializers.ValidationError(_("No team has this id."))
        return team


class PilotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = serializers.IntegerField()
    scheme_name = serializers.CharField()
    team = serializers.IntegerField()
    team_name = serializers.CharField()
    first_month = serializers.CharField(help_text="2026-10")
    last_month = serializers.CharField(help_text="2026-12")
    months = serializers.IntegerField()
    reason = serializers.CharField()
    state = serializers.ChoiceField(choices=PilotState.choices)
    state_label = serializers.CharField()
    created_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)


class _GradeCount(serializers.Serializer):
    grade = serializers.CharField(help_text="S–D; empty: not scored")
    people = serializers.IntegerField()


class PilotGroupSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="2026-10")
    group = serializers.ChoiceField(choices=["pilot", "rest"])
    group_label = serializers.CharField()
    people = serializers.IntegerField()
    scored = serializers.IntegerField()
    mean_total = serializers.FloatField(allow_null=True, help_text="points 0–100; null: nobody")
    grades = _GradeCount(many=True)


class PilotMoverSerializer(serializers.Serializer):
    employee_id = serializers.IntegerField()
    employee = serializers.CharField()
    month = serializers.CharField()
    team = serializers.CharField()
    level_label = serializers.CharField()
    total_without = serializers.FloatField(
        allow_null=True, help_text="with the level's scheme; points 0–100; null: not scored"
    )
    total_with = serializers.FloatField(
        allow_null=True, help_text="as published, with the pilot; null: not scored"
    )
    grade_without = serializers.CharField()
    grade_with = serializers.CharField()


class PilotGradeSerializer(serializers.Serializer):
    grade = serializers.CharField(help_text="S–D; empty: not scored")
    without = serializers.IntegerField(help_text="person-months with the level's scheme")
    with_pilot = serializers.IntegerField(help_text="person-months as published")


class PilotComparisonSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.CharField())
    groups = PilotGroupSerializer(many=True)
    movers = PilotMoverSerializer(many=True)
    distribution = PilotGradeSerializer(many=True)


class PilotDetailSerializer(PilotSerializer):
    comparison = PilotComparisonSerializer()


def _refused(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class PilotListApi(APIView):
    """GET: every pilot, newest first. POST: start a pilot: the team (and the teams below it)
    weighed by the scheme for a number of months from the first, everybody else by their
    level's scheme. Admins only."""

    permission_classes = [LabOpen]

    @extend_schema(responses=PilotSerializer(many=True), operation_id="weight_lab_pilots")
    def get(self, request: Request) -> Response:
        return Response([pilot_row(pilot) for pilot in pilots_for_lab()[:LIST_MAX]])

    @extend_schema(
        request=PilotInputSerializer,
        responses={201: PilotSerializer},
        operation_id="weight_lab_pilot_start",
    )
    def post(self, request: Request) -> Response:
        given = PilotInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            pilot = pilot_create(
                user=request.user,
                scheme=data["scheme"],
                team=data["team"],
                first_month=data["first_month"],
                months=data["months"],
                reason=data.get("reason", ""),
            )
        except DjangoValidationError as exc:
            raise _refused(exc) from exc
        pilot = pilot_get(pilot.id)
        return Response(pilot_row(pilot), status=status.HTTP_201_CREATED)


class PilotDetailApi(APIView):
    """One pilot with its comparison: per published month of the pilot, the pilot's team and
    everybody else (people, scored, mean total, grades), and the team's people whose grade the
    pilot changed (their month replayed with their level's scheme). Admins only."""

    permission_classes = [LabOpen]

    @extend_schema(responses=PilotDetailSerializer, operation_id="weight_lab_pilot")
    def get(self, request: Request, pilot_id: int) -> Response:
        pilot = pilot_get(pilot_id)
        return Response(
            {**pilot_row(pilot), "comparison": comparison_rows(pilot_comparison(pilot))}
        )


class PilotCancelApi(APIView):
    """End a pilot now: the months that ended before keep it, the later ones do not. Admins
    only; a cancelled pilot is refused (400)."""

    permission_classes = [LabOpen]

    @extend_schema(request=None, responses=PilotSerializer, operation_id="weight_lab_pilot_cancel")
    def post(self, request: Request, pilot_id: int) -> Response:
        pilot = pilot_get(pilot_id)
        try:
            pilot_cancel(pilot=pilot, user=request.user)
        except DjangoValidationError as exc:
            raise _refused(exc) from exc
        return Response(pilot_row(pilot_get(pilot_id)))
