"""API for a cycle's calibration: its grades per team against the target distribution and its
9-box, as the calibration page shows them (HR and admins: everybody in the cycle; a manager:
their people; 403 for the others)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.calibration import calibration_board
from reviews.engine.calibration import GROWTH_LEVELS, PERFORMANCE_LEVELS
from reviews.models import GRADES
from reviews.selectors import cycle_get_for_user


class GradeCountSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=list(GRADES))
    target_share = serializers.FloatField(help_text="0–1 of the people graded.")
    expected = serializers.IntegerField(help_text="People the target expects (whole people).")
    actual = serializers.IntegerField(help_text="People whose grade that stands is this one.")
    difference = serializers.IntegerField(help_text="actual − expected, people.")


class GroupDistributionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The team, or everybody shown (is_whole).")
    is_whole = serializers.BooleanField()
    graded = serializers.IntegerField()
    not_scored = serializers.IntegerField(help_text="Counted apart, never as D.")
    grades = GradeCountSerializer(many=True)


class PersonSerializer(serializers.Serializer):
    result_id = serializers.IntegerField(source="result.pk")
    employee_no = serializers.CharField(source="result.employee.employee_no")
    employee_name = serializers.CharField(source="result.employee.name")
    final = serializers.FloatField(source="result.final", allow_null=True)


class PlacedSerializer(PersonSerializer):
    slope = serializers.FloatField(help_text="Points per month.")


class NotPlacedSerializer(PersonSerializer):
    reason = serializers.CharField()


class BoxSerializer(serializers.Serializer):
    performance = serializers.ChoiceField(choices=list(PERFORMANCE_LEVELS))
    growth = serializers.ChoiceField(choices=list(GROWTH_LEVELS))
    performance_name = serializers.CharField()
    growth_name = serializers.CharField()
    people = PlacedSerializer(many=True)


class RulesSerializer(serializers.Serializer):
    performance_low = serializers.FloatField(help_text="A final below it: low performance.")
    performance_high = serializers.FloatField(help_text="A final from it up: high performance.")
    growth_falling = serializers.FloatField(help_text="A slope below it: declining.")
    growth_rising = serializers.FloatField(help_text="A slope above it: improving.")
    min_months = serializers.IntegerField(help_text="Scored months a slope needs.")


class DistributionSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(source="cycle.pk")
    may_move = serializers.BooleanField(help_text="The cycle is calibrating: grades may move.")
    distribution = GroupDistributionSerializer(many=True)
    nine_box = serializers.SerializerMethodField()
    not_placed = NotPlacedSerializer(many=True)
    rules = RulesSerializer()

    @extend_schema_field(BoxSerializer(many=True))
    def get_nine_box(self, board) -> list[dict]:
        """The nine boxes, from high performance and declining growth to low and improving."""
        return BoxSerializer([box for row in board.boxes for box in row], many=True).data


class CycleDistributionApi(APIView):
    """The cycle's grades that stand per team and for everybody shown, against the target
    distribution (expected in whole people by the largest remainder; people not scored apart),
    and its 9-box: performance (the final: below 70, 70 to 85, 85 and up) × growth (the slope
    of the monthly KPI totals in points per month: below −1, −1 to +1, above +1), with the
    people not placed and why."""

    @extend_schema(responses=DistributionSerializer)
    def get(self, request: Request, cycle_id: int) -> Response:
        cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
        # A merchandiser's PermissionDenied answers 403, as DRF answers Django's.
        board = calibration_board(user=request.user, cycle=cycle)
        return Response(DistributionSerializer(board).data)
