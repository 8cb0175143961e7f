"""The OpenAPI schema is valid and true to the answers: fields that can be null say so, and the
error answers (400 with field errors, 401/403, 404, and the few others) are documented, with the
bodies the API really sends."""

import pytest
from django.test import Client
from drf_spectacular.validation import validate_schema


@pytest.fixture
def schema(as_user) -> dict:
    response = as_user("admin").get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operation(schema: dict, path: str, method: str) -> dict:
    return schema["paths"][path][method]


def _error_schema(schema: dict, path: str, method: str, code: str) -> dict:
    content = _operation(schema, path, method)["responses"][code]["content"]
    reference = content["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][reference.rsplit("/", 1)[1]]


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)  # drf-spectacular's own OpenAPI 3.0 JSON Schema check; raises


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Appeal", "indicator_code"),  # an appeal about a record names no indicator
        ("AppealDetail", "indicator_code"),
        ("SyncRun", "duration_seconds"),  # a run still going has no duration
        ("SyncRun", "triggered_by"),  # a scheduled run has no user
        ("SyncRun", "finished_at"),
        ("Run", "team"),  # a company-wide run has no team
    ],
)
def test_fields_that_can_be_null_say_so(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True


def test_fields_that_are_never_null_do_not_say_so(schema):
    properties = schema["components"]["schemas"]["SyncRun"]["properties"]
    assert "nullable" not in properties["source_name"]
    assert "nullable" not in properties["finished"]


@pytest.mark.parametrize(
    ("path", "method", "codes", "absent"),
    [
        # A body to validate, no object in the path.
        ("/api/v1/ahp/evaluate/", "post", {"200", "400", "401", "403"}, {"404"}),
        # An object in the path and a body.
        ("/api/v1/appeals/{appeal_id}/transition/", "post", {"200", "400", "403", "404"}, set()),
        # Nothing to validate, an object in the path.
        ("/api/v1/sync-runs/{run_id}/", "get", {"200", "403", "404"}, {"400"}),
        # No parameter at all: only the caller can be refused.
        ("/api/v1/me/", "get", {"200", "401", "403"}, {"400", "404"}),
        # The statuses particular views answer.
        ("/api/v1/sources/{id}/sync/", "post", {"202", "404", "409", "503"}, set()),
        ("/api/v1/sources/{source_id}/webhook/", "post", {"200", "400", "404", "413"}, set()),
    ],
)
def test_error_answers_are_documented(schema, path, method, codes, absent):
    responses = set(_operation(schema, path, method)["responses"])
    assert codes <= responses
    assert not absent & responses


def test_error_bodies_are_described_as_the_api_sends_them(schema, as_user):
    detail = _error_schema(schema, "/api/v1/sync-runs/{run_id}/", "get", "404")
    assert detail["required"] == ["detail"]
    assert detail["properties"]["detail"] == {"type": "string"}
    field_errors = _error_schema(schema, "/api/v1/ahp/evaluate/", "post", "400")
    assert field_errors["type"] == "object" and "additionalProperties" in field_errors

    # What the API really answers has those shapes.
    anonymous = Client().get("/api/v1/me/")
    assert anonymous.status_code == 403 and set(anonymous.json()) == {"detail"}
    admin = as_user("admin")
    missing = admin.get("/api/v1/sync-runs/999999/")
    assert missing.status_code == 404 and set(missing.json()) == {"detail"}
    run = admin.get("/api/v1/score-runs/999999/")  # was an empty body
    assert run.status_code == 404 and set(run.json()) == {"detail"}
    invalid = admin.post("/api/v1/ahp/evaluate/", {"matrix": "x"}, content_type="application/json")
    assert invalid.status_code == 400
    assert isinstance(invalid.json()["matrix"], list)


def test_error_descriptions_follow_the_language(as_user):
    client = as_user("admin")
    english = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en").json()
    responses = _operation(english, "/api/v1/me/", "get")["responses"]
    assert responses["403"]["description"] == "Signed in, but not allowed to do this."


def test_an_unknown_api_address_answers_json_and_a_page_html(as_user):
    client = as_user("hr")
    api = client.get("/api/v1/appeals/abc/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 404
    assert api["Content-Type"] == "application/json"
    assert api.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def _serializers_in_use():
    """Every serializer class the schema's operations read or write, nested ones included."""
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework import serializers

    generator = SchemaGenerator()
    generator.get_schema(request=None, public=True)
    found, queue = set(), []
    for _path, _regex, method, callback in generator.endpoints:
        schema = generator.create_view(callback, method).schema
        for given in (schema.get_request_serializer(), schema.get_response_serializers()):
            for item in given.values() if isinstance(given, dict) else [given]:
                item = getattr(item, "child", item)
                if isinstance(item, serializers.BaseSerializer) or (
                    isinstance(item, type) and issubclass(item, serializers.BaseSerializer)
                ):
                    queue.append(item if isinstance(item, type) else type(item))
    while queue:
        serializer_class = queue.pop()
        if serializer_class in found:
            continue
        found.add(serializer_class)
        for field in serializer_class().fields.values():
            nested = getattr(field, "child", field)
            if isinstance(nested, serializers.BaseSerializer):
                queue.append(type(nested))
    return found


def test_every_field_read_through_a_nullable_column_or_relation_allows_null():
    """A ModelSerializer field whose source crosses a null=True column or foreign key can be
    None in an answer, so it must allow null (and the schema then says nullable)."""
    from django.core.exceptions import FieldDoesNotExist
    from rest_framework import serializers

    missing = []
    for serializer_class in _serializers_in_use():
        model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        if model is None:
            continue
        for name, field in serializer_class().fields.items():
            if isinstance(field, serializers.BaseSerializer) or field.source == "*":
                continue
            current, nullable = model, False
            for part in field.source.split("."):
                try:
                    column = current._meta.get_field(part)
                except FieldDoesNotExist:
                    break  # a method or property: its own annotation says
                nullable = nullable or column.null
                current = column.related_model or current
            if nullable and not field.allow_null:
                missing.append(f"{serializer_class.__name__}.{name}")
    assert missing == []
