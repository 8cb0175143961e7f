"""API for setting a cycle up: HR creates a draft cycle with its templates in one call, and
opens it. Input errors name the field down to the index, flat
(``templates[1].competencies[0].anchors[2].text_zh``), whether the serializer or the service
finds them."""

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org.api import HrOrAdmin
from org.fields import PERIOD_YEARS, ApiIdField, in_scored_years
from org.models import Level, Team
from org.periods import Period, PeriodKind
from org.refusals import api_refusal
from reviews.api import CycleDetailSerializer, CycleListApi, CycleSerializer
from reviews.errors import ReviewRefused
from reviews.models import COMMENT_MAX, RATINGS, CycleKind
from reviews.selectors import cycle_get_for_user
from reviews.setup import (
    ANCHOR_MAX,
    NAME_MAX,
    CompetencyInput,
    TemplateInput,
    cycle_open,
    cycle_setup,
)

TEMPLATES_MAX = len(Level.values)
COMPETENCIES_MAX = 20


class AnchorInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=min(RATINGS), max_value=max(RATINGS))
    text_zh = serializers.CharField(max_length=ANCHOR_MAX)
    text_en = serializers.CharField(max_length=ANCHOR_MAX)


class CompetencyInputSerializer(serializers.Serializer):
    # A slug: lower-case letters, digits, - and _ (checked by the service).
    code = serializers.CharField(max_length=32)
    name_zh = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100)
    description_zh = serializers.CharField(
        max_length=COMMENT_MAX, required=False, allow_blank=True, default=""
    )
    description_en = serializers.CharField(
        max_length=COMMENT_MAX, required=False, allow_blank=True, default=""
    )
    # Relative to the template's other competencies; more than 0 (checked by the service).
    weight = serializers.FloatField()
    anchors = AnchorInputSerializer(many=True, max_length=len(RATINGS))

    def validate_anchors(self, anchors: list[dict]) -> list[dict]:
        given = [anchor["rating"] for anchor in anchors]
        missing = [rating for rating in RATINGS if rating not in given]
        if missing or len(set(given)) != len(given):
            raise ValidationError(
                _("Describe each rating from 1 to 5 once; missing: {ratings}.").format(
                    ratings=", ".join(str(rating) for rating in missing) or "—"
                )
            )
        return sorted(anchors, key=lambda anchor: anchor["rating"])


class TemplateInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    self_review_weight = serializers.FloatField(required=False, default=0.0)
    # The level's w; absent or null: the cycle's.
    kpi_weight = serializers.FloatField(required=False, allow_null=True, default=None)
    competencies = CompetencyInputSerializer(many=True, max_length=COMPETENCIES_MAX)


class CycleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    kind = serializers.ChoiceField(choices=CycleKind.choices)
    first_period = serializers.DateField(help_text="The first day of the cycle's first month.")
    self_review_due = serializers.DateField()
    manager_review_due = serializers.DateField()
    kpi_weight = serializers.FloatField(required=False, default=0.7)
    # Team ids; none (the default): the whole company.
    teams = serializers.ListField(child=ApiIdField(), required=False, default=list, max_length=100)
    templates = TemplateInputSerializer(many=True, max_length=TEMPLATES_MAX)

    def validate_first_period(self, day):
        if day.day != 1 or not in_scored_years(day):
            first, last = PERIOD_YEARS
            raise ValidationError(
                _("A cycle starts on the first day of a month from {first} to {last}.").format(
                    first=first, last=last
                )
            )
        return Period(PeriodKind.MONTH, day)

    def validate_teams(self, ids: list[int]) -> list[Team]:
        teams = list(Team.objects.filter(pk__in=ids))
        unknown = sorted(set(ids) - {team.pk for team in teams})
        if unknown:
            raise ValidationError(
                _("No such team: {ids}.").format(ids=", ".join(str(pk) for pk in unknown))
            )
        return teams


def _templates(given: list[dict]) -> list[TemplateInput]:
    return [
        TemplateInput(
            level=template["level"],
            self_review_weight=template["self_review_weight"],
            kpi_weight=template["kpi_weight"],
            competencies=[
                CompetencyInput(
                    code=competency["code"],
                    name_zh=competency["name_zh"],
                    name_en=competency["name_en"],
                    description_zh=competency["description_zh"],
                    description_en=competency["description_en"],
                    weight=competency["weight"],
                    anchors=[(a["text_zh"], a["text_en"]) for a in competency["anchors"]],
                )
                for competency in template["competencies"]
            ],
        )
        for template in given
    ]


class CycleListCreateApi(CycleListApi):
    """The review cycles the user may see; HR and admins create a draft cycle with its template
    per level (competencies with the behaviour of each rating 1–5 in Chinese and English), to
    open it next."""

    @extend_schema(request=CycleInputSerializer, responses={201: CycleDetailSerializer})
    def post(self, request: Request) -> Response:
        if not HrOrAdmin().has_permission(request, self):
            self.permission_denied(request, message=_("Only HR and administrators set cycles up."))
        given = CycleInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        templates = _templates(data.pop("templates"))
        try:
            cycle = cycle_setup(user=request.user, templates=templates, **data)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        prefetch_related_objects([cycle], "teams", "templates__competencies__anchors")
        return Response(CycleDetailSerializer(cycle).data, status=status.HTTP_201_CREATED)


class CycleOpenApi(APIView):
    """Open a draft cycle for reviews (HR): refused, naming the field, while it is not whole
    (a level among its people without a template, a deadline passed)."""

    permission_classes = [permissions.IsAuthenticated, HrOrAdmin]

    @extend_schema(request=None, responses=CycleSerializer)
    def post(self, request: Request, cycle_id: int) -> Response:
        cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
        try:
            cycle = cycle_open(user=request.user, cycle=cycle)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        prefetch_related_objects([cycle], "teams")
        return Response(CycleSerializer(cycle).data)
