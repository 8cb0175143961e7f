"""API for bonus pools: a cycle's pools (HR states them), a pool with its coefficients, the
per-person overrides, computing and locking, the lines (scoped like the pages: HR all, a
manager their people's, everyone their own) and the payroll workbook. A refusal is a 400 naming
the field, or a 403 when the user may not do it at all."""

from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bonus.exports import XLSX, pool_workbook, workbook_name
from bonus.models import (
    COEFFICIENT,
    MONEY,
    NAME_MAX,
    AmountBasis,
    BonusLine,
    BonusPool,
    CoefficientOverride,
    UnscoredRule,
)
from bonus.selectors import (
    lines_visible_to,
    pool_get_for_user,
    pool_overrides,
    pool_sheet,
    pools_of_cycle,
)
from bonus.services import (
    PoolInput,
    coefficients_set,
    override_remove,
    override_set,
    pool_compute,
    pool_create,
    pool_lock,
    pool_update,
)
from org.api import HrOrAdmin
from org.fields import ApiIdField
from org.models import Level, Team
from org.refusals import api_refusal, person_named
from reviews.errors import ReviewRefused
from reviews.models import REASON_MAX
from reviews.selectors import cycle_get_for_user

TEAMS_MAX = 200


class CoefficientsSerializer(serializers.Serializer):
    """The coefficient of each level, above 0 (for example 1.0 / 1.2 / 1.5)."""

    junior = serializers.DecimalField(**COEFFICIENT)
    intermediate = serializers.DecimalField(**COEFFICIENT)
    senior = serializers.DecimalField(**COEFFICIENT)


class LevelCoefficientSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    level_text = serializers.CharField()
    coefficient = serializers.DecimalField(**COEFFICIENT)


class PoolSerializer(serializers.ModelSerializer):
    teams = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    unscored_rule_text = serializers.CharField(source="get_unscored_rule_display", read_only=True)
    coefficients = serializers.SerializerMethodField()

    class Meta:
        model = BonusPool
        fields = [
            "id",
            "cycle",
            "name",
            "teams",
            "basis",
            "amount",
            "revenue",
            "percent",
            "kpi_share",
            "curve_zero_at",
            "curve_full_at",
            "curve_top_at",
            "curve_top_factor",
            "unscored_rule",
            "unscored_rule_text",
            "coefficients",
            "state",
            "computed_at",
            "locked_at",
            "coefficient_sum",
            "unallocated",
        ]

    @extend_schema_field(LevelCoefficientSerializer(many=True))
    def get_coefficients(self, pool: BonusPool) -> list[dict]:
        rows = sorted(pool.coefficients.all(), key=lambda row: Level.values.index(row.level))
        return LevelCoefficientSerializer(
            [
                {
                    "level": row.level,
                    "level_text": row.get_level_display(),
                    "coefficient": row.coefficient,
                }
                for row in rows
            ],
            many=True,
        ).data


class PoolInputSerializer(serializers.Serializer):
    """A pool as HR states it: ``amount`` with the basis ``fixed``; ``revenue`` and ``percent``
    with the basis ``revenue``. ``team_ids`` empty: everyone the cycle reviews."""

    name = serializers.CharField(max_length=NAME_MAX)
    team_ids = serializers.ListField(
        child=ApiIdField(), required=False, default=list, max_length=TEAMS_MAX
    )
    basis = serializers.ChoiceField(choices=AmountBasis.choices)
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, default=None
    )
    percent = serializers.DecimalField(
        max_digits=7, decimal_places=4, required=False, allow_null=True, default=None
    )
    kpi_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, default=Decimal("0.20")
    )
    curve_zero_at = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, default=Decimal(60)
    )
    curve_full_at = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, default=Decimal(80)
    )
    curve_top_at = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, default=Decimal(100)
    )
    curve_top_factor = serializers.DecimalField(
        max_digits=5, decimal_places=3, required=False, default=Decimal("1.2")
    )
    unscored_rule = serializers.ChoiceField(
        choices=UnscoredRule.choices, required=False, default=UnscoredRule.FIXED_ONLY
    )
    coefficients = CoefficientsSerializer()

    def validate_team_ids(self, ids: list[int]) -> list[Team]:
        teams = list(Team.objects.filter(pk__in=ids))
        missing = sorted(set(ids) - {team.pk for team in teams})
        if missing:
            raise ValidationError(
                _("No such team: {ids}.").format(ids=", ".join(str(pk) for pk in missing))
            )
        return teams

    def spec(self) -> PoolInput:
        data = dict(self.validated_data)
        return PoolInput(teams=data.pop("team_ids"), **data)


class OverrideSerializer(serializers.ModelSerializer):
    employee_id = serializers.IntegerField(read_only=True)
    employee_no = serializers.CharField(source="employee.employee_no", read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)

    class Meta:
        model = CoefficientOverride
        fields = ["employee_id", "employee_no", "employee_name", "coefficient", "reason", "set_at"]


class OverrideInputSerializer(serializers.Serializer):
    employee_id = ApiIdField()
    coefficient = serializers.DecimalField(**COEFFICIENT)
    reason = serializers.CharField(max_length=REASON_MAX)


class LineSerializer(serializers.ModelSerializer):
    """One person's bonus step by step: bonus at target = base × coefficient; fixed part =
    (1 − share) × target; the KPI-linked part paid follows the payout factor; bonus = fixed +
    KPI part, to the cent by largest remainder. ``final`` and ``payout_factor`` are null for
    someone not scored."""

    pool_name = serializers.CharField(source="pool.name", read_only=True)
    cycle_name = serializers.CharField(source="pool.cycle.name", read_only=True)
    employee_no = serializers.CharField(source="employee.employee_no", read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    level_text = serializers.CharField(source="get_level_display", read_only=True)
    rule_text = serializers.CharField(source="get_rule_display", read_only=True)

    class Meta:
        model = BonusLine
        fields = [
            "pool",
            "pool_name",
            "cycle_name",
            "employee",
            "employee_no",
            "employee_name",
            "team_name",
            "level",
            "level_text",
            "rule",
            "rule_text",
            "final",
            "coefficient",
            "overridden",
            "base",
            "target_bonus",
            "fixed_part",
            "kpi_target",
            "payout_factor",
            "kpi_part",
            "bonus",
            "extra_cent",
        ]


def _pool_answer(pool: BonusPool, *, status_code: int = status.HTTP_200_OK) -> Response:
    pool = BonusPool.objects.prefetch_related("teams", "coefficients").get(pk=pool.pk)
    return Response(PoolSerializer(pool).data, status=status_code)


class CyclePoolListApi(APIView):
    """The bonus pools of a review cycle the user may see; HR and admins state a new one."""

    @extend_schema(responses=PoolSerializer(many=True))
    def get(self, request: Request, cycle_id: int) -> Response:
        cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
        pools = pools_of_cycle(request.user, cycle).prefetch_related("coefficients")
        return Response(PoolSerializer(pools, many=True).data)

    @extend_schema(request=PoolInputSerializer, responses={201: PoolSerializer})
    def post(self, request: Request, cycle_id: int) -> Response:
        if not HrOrAdmin().has_permission(request, self):
            raise PermissionDenied(_("Only HR and administrators run bonus pools."))
        cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
        given = PoolInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            pool = pool_create(user=request.user, cycle=cycle, spec=given.spec())
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        return _pool_answer(pool, status_code=status.HTTP_201_CREATED)


class PoolDetailApi(APIView):
    """One pool with its coefficients per level; HR and admins restate it (a computed pool
    goes back to draft; a locked one no longer changes)."""

    @extend_schema(responses=PoolSerializer)
    def get(self, request: Request, pool_id: int) -> Response:
        return _pool_answer(pool_get_for_user(user=request.user, pool_id=pool_id))

    @extend_schema(request=PoolInputSerializer, responses=PoolSerializer)
    def put(self, request: Request, pool_id: int) -> Response:
        if not HrOrAdmin().has_permission(request, self):
            raise PermissionDenied(_("Only HR and administrators run bonus pools."))
        pool = pool_get_for_user(user=request.user, pool_id=pool_id)
        given = PoolInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            pool = pool_update(user=request.user, pool=pool, spec=given.spec())
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        return _pool_answer(pool)


class PoolCoefficientsApi(APIView):
    """Set the coefficient of each level (HR and admins)."""

    permission_classes = [permissions.IsAuthenticated, HrOrAdmin]

    @extend_schema(request=CoefficientsSerializer, responses=PoolSerializer)
    def put(self, request: Request, pool_id: int) -> Response:
        pool = pool_get_for_user(user=request.user, pool_id=pool_id)
        given = CoefficientsSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            pool = coefficients_set(user=request.user, pool=pool, coefficients=given.validated_data)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        return _pool_answer(pool)


class PoolOverrideListApi(APIView):
    """The people of a pool with a coefficient of their own, and why (HR and admins); set one."""

    permission_classes = [permissions.IsAuthenticated, HrOrAdmin]

    @extend_schema(responses=OverrideSerializer(many=True))
    def get(self, request: Request, pool_id: int) -> Response:
        pool = pool_get_for_user(user=request.user, pool_id=pool_id)
        return Response(OverrideSerializer(pool_overrides(pool), many=True).data)

    @extend_schema(request=OverrideInputSerializer, responses={201: OverrideSerializer})
    def post(self, request: Request, pool_id: int) -> Response:
        pool = pool_get_for_user(user=request.user, pool_id=pool_id)
        given = OverrideInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        employee = person_named(request.user, data.pop("employee_id"))
        try:
            override = override_set(user=request.user, pool=pool, employee=employee, **data)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(OverrideSerializer(override).data, status=status.HTTP_201_CREATED)


class PoolOverrideApi(APIView):
    """Remove a person's own coefficient: their level's applies again (HR and admins)."""

    permission_classes = [permissions.IsAuthenticated, HrOrAdmin]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pool_id: int, employee_id: int) -> Response:
        pool = pool_get_for_user(user=request.user, pool_id=pool_id)
        override = pool.overrides.filter(employee_id=employee_id).select_related("employee")
        override = override.first()
        if override is None:
            raise Http404
        try:
            override_remove(user=request.user, pool=pool, employee=override.employee)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(status=status.HTTP_204_NO_CONTENT)


class PoolComputeApi(APIView):
    """Divide the pool among the people of the cycle's computed results (HR and admins)."""

    permission_classes = [permissions.IsAuthenticated, HrOrAdmin]

    @extend_schema(request=None, responses=PoolSerializer)
    def post(self, request: Request, pool_id: int) -> Response:
        pool = pool_get_for_user(user=request.user, pool_id=pool_id)
        try:
            pool = pool_compute(user=request.user, pool=pool)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        return _pool_answer(pool)


class PoolLockApi(APIView):
    """Lock a computed pool for payroll: it no longer changes (HR and admins)."""

    permission_classes = [permissions.IsAuthenticated, HrOrAdmin]

    @extend_schema(request=None, responses=PoolSerializer)
    def post(self, request: Request, pool_id: int) -> Response:
        pool = pool_get_for_user(user=request.user, pool_id=pool_id)
        try:
            pool = pool_lock(user=request.user, pool=pool)
        except ReviewRefused as refusal:
            raise api_refusal(refusal) from refusal
        return _pool_answer(pool)


class PoolLineListApi(generics.ListAPIView):
    """The pool's lines the user may read, by employee number: HR and admins every line, a
    manager their people's (and their own), everyone else their own once the cycle is closed."""

    serializer_class = LineSerializer

    def get_queryset(self):
        pool = pool_get_for_user(user=self.request.user, pool_id=self.kwargs["pool_id"])
        return (
            lines_visible_to(self.request.user).filter(pool=pool).order_by("employee__employee_no")
        )


class MyLineListApi(generics.ListAPIView):
    """The user's own bonus lines, newest pool first (once each pool is computed and its cycle
    closed)."""

    serializer_class = LineSerializer

    def get_queryset(self):
        return (
            lines_visible_to(self.request.user)
            .filter(employee__user=self.request.user)
            .order_by("-pool__computed_at", "-pool_id")
        )


class PoolExportApi(APIView):
    """The payroll workbook of a computed pool (HR and admins): one row per person with their
    coefficient, final score, fixed part, KPI-linked part, bonus and rule, and a totals row."""

    permission_classes = [permissions.IsAuthenticated, HrOrAdmin]

    def perform_content_negotiation(self, request, force=False):
        # The workbook is the answer, whatever the caller accepts; errors stay JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={
            (200, XLSX): OpenApiResponse(
                OpenApiTypes.BINARY, description="The payroll workbook (xlsx)."
            ),
        }
    )
    def get(self, request: Request, pool_id: int) -> HttpResponse:
        pool = pool_get_for_user(user=request.user, pool_id=pool_id)
        sheet = pool_sheet(request.user, pool)
        if not sheet.computed:
            raise NotFound(_("The pool is not computed: there is no sheet yet."))
        response = HttpResponse(pool_workbook(sheet), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{workbook_name(pool)}"'
        return response
