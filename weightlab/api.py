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


class LabOptionsSerializer(serializers.Serializer):
    drafts = serializers.ListField(child=serializers.DictField())
    months = serializers.ListField(child=serializers.CharField())
    outcomes = serializers.ListField(child=serializers.CharField())


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
        responses={200: dict, 400: dict},
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
