"""One error shape for every app's API: a 400's keys are paths to the input at fault, whoever
found the fault (a nested serializer or a service); an error about the whole request, and a
403, stay ``{"detail": "…"}``."""

import pytest
from rest_framework.exceptions import PermissionDenied, ValidationError

from org.refusals import Forbidden, Refused, api_exception_handler, api_refusal, flat_errors


@pytest.mark.parametrize(
    ("detail", "flat"),
    [
        ({"name": ["Required."]}, {"name": ["Required."]}),
        (
            {"templates": [{}, {"competencies": [{"weight": ["Above 0."]}]}]},
            {"templates[1].competencies[0].weight": ["Above 0."]},
        ),
        ({"coefficients": {"junior": ["Above 0."]}}, {"coefficients.junior": ["Above 0."]}),
        # About the nested list as a whole: under the list's own name.
        ({"ratings": {"non_field_errors": ["Empty."]}}, {"ratings": ["Empty."]}),
        (
            ["Dates are in the wrong order."],
            {"non_field_errors": ["Dates are in the wrong order."]},
        ),
        ({"note": "Too long."}, {"note": ["Too long."]}),
    ],
)
def test_nested_errors_flatten_to_paths(detail, flat):
    assert flat_errors(detail) == flat


def test_the_handler_flattens_a_400_and_leaves_whole_request_errors_and_403s_alone():
    nested = api_exception_handler(ValidationError({"goals": [{"target": ["Not a number."]}]}), {})
    assert (nested.status_code, nested.data) == (400, {"goals[0].target": ["Not a number."]})
    whole = api_exception_handler(ValidationError({"detail": "The cycle is closed."}), {})
    assert whole.data == {"detail": "The cycle is closed."}
    denied = api_exception_handler(PermissionDenied("Only HR."), {})
    assert (denied.status_code, denied.data) == (403, {"detail": "Only HR."})


def test_a_refusal_answers_under_its_field_as_the_serializers_do():
    assert api_refusal(Refused("Above 0.", field="coefficients.junior")).detail == {
        "coefficients.junior": ["Above 0."]
    }
    assert api_refusal(Refused("The cycle is closed.")).detail == {"detail": "The cycle is closed."}
    assert isinstance(api_refusal(Forbidden("Only HR.", field="amount")), PermissionDenied)
