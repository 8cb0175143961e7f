"""API: AHP evaluation, the indicator catalog (read for all, write for admins) and weight schemes
(admins)."""

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators import scheme_services, services
from indicators.models import VERSIONED_FIELDS, IndicatorDefinition, IndicatorSetting, WeightScheme
from indicators.selectors import catalog_editable_by
from indicators.wording import matrix_error_message
from scoring.engine import ahp


class AdminWritesOnly(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or catalog_editable_by(request.user)


class AdminOnly(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return catalog_editable_by(request.user)


# The number of experts the AHP endpoint combines at most: with the engine's own bound on the
# items (ahp.MAX_SIZE), a body is refused by its size before it is read element by element.
MAX_EXPERTS = 50


class BoundedListField(serializers.ListField):
    """A list refused by its length, with ``too_long(length)``'s words, before its elements are
    read."""

    def __init__(self, *, limit: int, too_long: Callable[[int], str], **options) -> None:
        super().__init__(**options)
        self.limit, self.too_long = limit, too_long

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.limit:
            raise serializers.ValidationError(self.too_long(len(data)))
        return super().to_internal_value(data)


def _too_many_items(n: int) -> str:
    error = ahp.MatrixError("too_large", "", limit=ahp.MAX_SIZE, n=n)
    return matrix_error_message(error)


def _too_many_experts(n: int) -> str:
    return _("At most %(limit)d experts' matrices can be combined, not %(n)d.") % {
        "limit": MAX_EXPERTS,
        "n": n,
    }


def _matrix_field(**options) -> BoundedListField:
    row = BoundedListField(
        child=serializers.FloatField(), limit=ahp.MAX_SIZE, too_long=_too_many_items
    )
    return BoundedListField(child=row, limit=ahp.MAX_SIZE, too_long=_too_many_items, **options)


class EvaluateInputSerializer(serializers.Serializer):
    matrix = _matrix_field(required=False)
    matrices = BoundedListField(
        child=_matrix_field(), limit=MAX_EXPERTS, too_long=_too_many_experts, required=False
    )

    def validate(self, attrs: dict) -> dict:
        if ("matrix" in attrs) == ("matrices" in attrs):
            raise serializers.ValidationError(
                _("Send either “matrix” or “matrices”, not both and not neither.")
            )
        return attrs


class JudgmentSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based")
    column = serializers.IntegerField(help_text="1-based")
    value = serializers.FloatField()
    implied = serializers.FloatField()
    suggested = serializers.FloatField()


class EvaluateOutputSerializer(serializers.Serializer):
    weights = serializers.ListField(child=serializers.FloatField())
    lambda_max = serializers.FloatField()
    ci = serializers.FloatField()
    cr = serializers.FloatField()
    consistent = serializers.BooleanField()
    combined = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()), required=False
    )
    revise = JudgmentSerializer(required=False, allow_null=True)


class AhpEvaluateApi(APIView):
    """Weights (principal eigenvector), λmax, CI, CR and consistency of a pairwise comparison
    matrix; several experts' matrices are combined by element-wise geometric mean first. When
    the matrix is inconsistent, ``revise`` names the judgment to change first (1-based)."""

    @extend_schema(request=EvaluateInputSerializer, responses=EvaluateOutputSerializer)
    def post(self, request: Request) -> Response:
        given = EvaluateInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        field = "matrix" if "matrix" in given.validated_data else "matrices"
        try:
            if field == "matrix":
                matrix = ahp.validate(given.validated_data["matrix"])
            else:
                matrix = ahp.aggregate(given.validated_data["matrices"])
            result = ahp.evaluate(matrix)
        except ahp.MatrixError as exc:
            raise ValidationError({field: [matrix_error_message(exc)]}) from exc
        data = {
            "weights": result.weights.tolist(),
            "lambda_max": result.lambda_max,
            "ci": result.ci,
            "cr": result.cr,
            "consistent": result.consistent,
        }
        if field == "matrices":
            data["combined"] = matrix.tolist()
        if not result.consistent:
            judgment = ahp.most_inconsistent_judgment(matrix)
            data["revise"] = {
                "row": judgment.row + 1,
                "column": judgment.column + 1,
                "value": judgment.value,
                "implied": judgment.implied,
                "suggested": judgment.suggested,
            }
        return Response(EvaluateOutputSerializer(data).data)


class IndicatorSettingSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorSetting
        fields = ["effective_from", *VERSIONED_FIELDS, "reason"]


class IndicatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    versions = IndicatorSettingSerializer(
        many=True,
        read_only=True,
        help_text="The dated versions of the scoring settings, oldest first; each is in force "
        "from its date until the next. The fields above are those of the latest.",
    )
    effective_from = serializers.DateField(
        write_only=True,
        required=False,
        help_text="When changed scoring settings (active, target, floor, …) take effect; by "
        "default the first day of the current month, never earlier. Names and manual text "
        "change at once.",
    )
    change_reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=300
    )

    class Meta:
        model = IndicatorDefinition
        fields = [
            "id",
            "code",
            "name",
            "name_zh",
            "name_en",
            "tier",
            "position",
            "direction",
            "unit",
            "calculator",
            "normalisation",
            "baseline",
            "target",
            "target_step",
            "floor",
            "floor_vetoes",
            "min_volume",
            "levels",
            "definition_zh",
            "definition_en",
            "formula_zh",
            "formula_en",
            "data_source_zh",
            "data_source_en",
            "counting_rules_zh",
            "counting_rules_en",
            "is_active",
            "versions",
            "effective_from",
            "change_reason",
        ]
        # The tier places the indicator in the schemes' matrices: a new tier is a new indicator.
        read_only_fields = ["id", "code", "calculator", "tier"]
        # Constraints are checked as a whole by the service (full_clean) with clear messages.
        validators: list = []


def _django_errors(exc: DjangoValidationError) -> ValidationError:
    # Always an object (the API's 400 shape): errors of no one field under non_field_errors.
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"non_field_errors": exc.messages})


class IndicatorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The indicator catalog. Everyone signed in reads it; admins change definitions, targets,
    floors and manual text (an indicator is retired by deactivating it, never deleted)."""

    serializer_class = IndicatorSerializer
    permission_classes = [permissions.IsAuthenticated, AdminWritesOnly]
    pagination_class = None  # a catalog of a few dozen entries
    queryset = IndicatorDefinition.objects.prefetch_related(
        Prefetch("versions", queryset=IndicatorSetting.objects.order_by("effective_from"))
    )

    def perform_update(self, serializer: IndicatorSerializer) -> None:
        changes = dict(serializer.validated_data)
        try:
            serializer.instance = services.indicator_update(
                indicator=serializer.instance,
                user=self.request.user,
                effective_from=changes.pop("effective_from", None),
                reason=changes.pop("change_reason", ""),
                changes=changes,
            )
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc


class SchemeWeightSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    tier_weight = serializers.FloatField()
    local_weight = serializers.FloatField()
    global_weight = serializers.FloatField()


class SchemeMatrixSerializer(serializers.Serializer):
    matrix = serializers.CharField()
    expert = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    judgments = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))


class WeightSchemeSerializer(serializers.ModelSerializer):
    # ``name`` is what was given (empty for the built-in schemes); this is what people read, in the
    # request's language.
    display_name = serializers.CharField(read_only=True)
    matrices = SchemeMatrixSerializer(many=True, read_only=True)
    weights = SchemeWeightSerializer(many=True, read_only=True)

    class Meta:
        model = WeightScheme
        fields = [
            "id",
            "name",
            "display_name",
            "level",
            "version",
            "effective_from",
            "status",
            "entropy_alpha",
            "consistency",
            "note",
            "activated_at",
            "retired_at",
            "matrices",
            "weights",
        ]
        read_only_fields = [
            "version",
            "status",
            "consistency",
            "activated_at",
            "retired_at",
        ]
        validators: list = []


class SchemeCreateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=WeightScheme._meta.get_field("level").choices, allow_blank=True
    )
    effective_from = serializers.DateField()
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    based_on = serializers.PrimaryKeyRelatedField(
        queryset=WeightScheme.objects.all(),
        required=False,
        allow_null=True,
        help_text="Scheme whose judgments to carry over; omitted: the one in force on "
        "effective_from; null: start from equal judgments.",
    )


class ActivateSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        default=False, help_text="Rescore the periods already scored that the scheme changes."
    )


class ConfirmationSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    periods = serializers.ListField(child=serializers.CharField())


class JudgmentsInputSerializer(serializers.Serializer):
    matrix = serializers.CharField()
    expert = serializers.CharField(required=False, allow_blank=True, max_length=100)
    judgments = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))


class WeightSchemeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Weight schemes (admins). Create a draft (judgments carried over from ``based_on``, by
    default the scheme in force for the level), set judgments per matrix and expert, activate."""

    serializer_class = WeightSchemeSerializer
    permission_classes = [permissions.IsAuthenticated, AdminOnly]
    pagination_class = None  # a few versions per level
    queryset = WeightScheme.objects.prefetch_related("matrices", "weights__indicator")

    def _service(self, call, **kwargs) -> WeightScheme:
        try:
            return call(user=self.request.user, **kwargs)
        except scheme_services.RescoreConfirmationNeeded:
            raise
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc

    @extend_schema(request=SchemeCreateSerializer, responses={201: WeightSchemeSerializer})
    def create(self, request: Request) -> Response:
        given = SchemeCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        scheme = self._service(scheme_services.scheme_draft_create, **given.validated_data)
        return Response(
            WeightSchemeSerializer(self.get_queryset().get(pk=scheme.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_update(self, serializer: WeightSchemeSerializer) -> None:
        changes = {
            field: value
            for field, value in serializer.validated_data.items()
            if field in ("name", "effective_from", "entropy_alpha", "note")
        }
        serializer.instance = self._service(
            scheme_services.scheme_update, scheme=serializer.instance, changes=changes
        )

    @extend_schema(request=JudgmentsInputSerializer, responses=WeightSchemeSerializer)
    @action(detail=True, methods=["post"])
    def judgments(self, request: Request, pk: str) -> Response:
        given = JudgmentsInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        scheme = self._service(
            scheme_services.scheme_judgments_set, scheme=self.get_object(), **given.validated_data
        )
        return Response(WeightSchemeSerializer(self.get_queryset().get(pk=scheme.pk)).data)

    @extend_schema(
        request=ActivateSerializer,
        responses={200: WeightSchemeSerializer, 409: ConfirmationSerializer},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        """Activate a draft. When periods it weighs are already scored, the answer is 409 with
        the periods, and nothing changes; post again with ``confirm: true`` to activate it and
        have them scored again, oldest first. Closed periods among them refuse it (400)."""
        given = ActivateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            scheme = self._service(
                scheme_services.scheme_activate,
                scheme=self.get_object(),
                confirm=given.validated_data["confirm"],
            )
        except scheme_services.RescoreConfirmationNeeded as ask:
            body = {"detail": ask.message, "code": ask.code, "periods": ask.periods}
            return Response(ConfirmationSerializer(body).data, status=status.HTTP_409_CONFLICT)
        return Response(WeightSchemeSerializer(self.get_queryset().get(pk=scheme.pk)).data)
