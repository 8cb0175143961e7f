"""API of the weight lab (admins): what a draft scheme would have done to past published months.
Nothing is scored for real: the replay is computed in memory and answered."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import IndicatorDefinition, WeightScheme
from org.fields import ApiIdField, ApiPeriodField
from scoring.engine import ahp
from weightlab.access import lab_open_to
from weightlab.present import lab_rows
from weightlab.selectors import (
    DEFAULT_OUTCOMES,
    MAX_MONTHS,
    drafts_for_lab,
    lab_replay,
    months_for_lab,
)

MAX_OUTCOMES = 10


class LabOpen(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return lab_open_to(request.user)


def _matrix_field() -> serializers.ListField:
    row = serializers.ListField(child=serializers.FloatField(), max_length=ahp.MAX_SIZE)
    return serializers.ListField(child=row, max_length=ahp.MAX_SIZE)


class LabInputSerializer(serializers.Serializer):
    scheme = ApiIdField(help_text="A draft weight scheme's id (GET lists them).")
    months = serializers.ListField(
        child=ApiPeriodField(),
        min_length=1,
        max_length=MAX_MONTHS,
        help_text="Published months to replay, e.g. 2026-09 (GET lists them).",
    )
    judgments = serializers.DictField(
        child=_matrix_field(),
        required=False,
        help_text=(
            "Unsaved judgments: per matrix key (tiers, basic, efficiency, quality, innovation) "
            "one full pairwise matrix, used in place of the draft's experts' for that matrix."
        ),
    )
    outcomes = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        max_length=MAX_OUTCOMES,
        help_text="Indicator codes to correlate every indicator with "
        "(default: csat, customer_repeat_rate, complaint_return_rate).",
    )

    def validate_scheme(self, value: int) -> WeightScheme:
        scheme = WeightScheme.objects.filter(pk=value).first()
        if scheme is None:
            raise serializers.ValidationError(_("No weight scheme has this id."))
        return scheme

    def validate_outcomes(self, value: list[str]) -> list[str]:
        known = set(IndicatorDefinition.objects.values_list("code", flat=True))
        unknown = [code for code in value if code not in known]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown indicator: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return list(dict.fromkeys(value))


class LabDraftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField(help_text="empty: all levels")


class LabOptionsSerializer(serializers.Serializer):
    drafts = LabDraftSerializer(many=True)
    months = serializers.ListField(child=serializers.CharField())
    outcomes = serializers.ListField(child=serializers.CharField())


class _TeamRow(serializers.Serializer):
    level = serializers.CharField(allow_null=True, help_text="null: the whole company's row")
    level_label = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True, help_text="null: the level's own row")
    team = serializers.CharField()


class LabMoverSerializer(_TeamRow):
    employee_id = serializers.IntegerField()
    employee = serializers.CharField()
    month = serializers.CharField(help_text="2026-10")
    total_before = serializers.FloatField(
        allow_null=True, help_text="points 0–100; null: not scored"
    )
    total_after = serializers.FloatField(
        allow_null=True, help_text="points 0–100; null: not scored"
    )
    grade_before = serializers.CharField(help_text="S–D; empty: no grade")
    grade_after = serializers.CharField(help_text="S–D; empty: no grade")


class LabGradeCountSerializer(_TeamRow):
    grade = serializers.CharField(help_text="S–D; empty: not scored")
    before = serializers.IntegerField(help_text="person-months")
    after = serializers.IntegerField(help_text="person-months")


class LabRankCorrelationSerializer(_TeamRow):
    n = serializers.IntegerField(help_text="person-months scored before and after")
    rho = serializers.FloatField(allow_null=True, help_text="Spearman; null: too few or no spread")


class LabOutcomeSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    outcome = serializers.CharField()
    outcome_name = serializers.CharField()
    n = serializers.IntegerField(help_text="person-months measured on both")
    r = serializers.FloatField(allow_null=True, help_text="Pearson; null: too few or no spread")


class LabWeightSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    weight = serializers.FloatField(help_text="global weight, 0–1")


class LabConsistencySerializer(serializers.Serializer):
    matrix = serializers.CharField()
    matrix_label = serializers.CharField()
    n = serializers.IntegerField()
    experts = serializers.IntegerField()
    lambda_max = serializers.FloatField()
    ci = serializers.FloatField()
    cr = serializers.FloatField()
    consistent = serializers.BooleanField()


class LabOutputSerializer(serializers.Serializer):
    scheme = serializers.IntegerField()
    scheme_name = serializers.CharField()
    months = serializers.ListField(child=serializers.CharField())
    levels = serializers.ListField(
        child=serializers.CharField(), help_text="levels the draft weighs"
    )
    weights = LabWeightSerializer(many=True)
    consistency = LabConsistencySerializer(many=True)
    movers = LabMoverSerializer(many=True)
    distribution = LabGradeCountSerializer(many=True)
    correlation = LabRankCorrelationSerializer(many=True)
    outcomes = LabOutcomeSerializer(many=True)


class WeightLabView(APIView):
    """GET: the drafts and published months the lab can replay. POST: replay the months with a
    draft (or unsaved judgments) in place of its level's scheme, without publishing: the grade
    distribution before and after per level and team, the people whose grade would move with
    their totals, Spearman's rank correlation of old and new totals, and each indicator's
    Pearson correlation with the chosen outcomes over the months. Admins only."""

    permission_classes = [LabOpen]

    @extend_schema(responses=LabOptionsSerializer, operation_id="weight_lab_options")
    def get(self, request: Request) -> Response:
        return Response(
            {
                "drafts": [
                    {"id": scheme.id, "name": str(scheme), "level": scheme.level}
                    for scheme in drafts_for_lab()
                ],
                "months": [period.label for period in months_for_lab()],
                "outcomes": list(DEFAULT_OUTCOMES),
            }
        )

    @extend_schema(
        request=LabInputSerializer,
        responses=LabOutputSerializer,
        operation_id="weight_lab_replay",
    )
    def post(self, request: Request) -> Response:
        form = LabInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            result = lab_replay(
                scheme=data["scheme"],
                periods=data["months"],
                judgments=data.get("judgments"),
                outcomes=data.get("outcomes") or DEFAULT_OUTCOMES,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(lab_rows(result))
