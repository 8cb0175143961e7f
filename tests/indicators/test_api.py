"""API: AHP evaluation, the indicator catalog and weight schemes, for every role."""

import json

import pytest

from indicators.models import IndicatorDefinition, WeightScheme
from tests.clock import months_ahead

# Activation only accepts dates from the current month on.
NEXT_MONTH = months_ahead(1).start.isoformat()
ROLES = ["east_a", "east_manager", "hr", "admin"]


# ---- POST /api/v1/ahp/evaluate/ -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_can_evaluate_a_matrix(as_user, role):
    body = as_user(role).post(
        "/api/v1/ahp/evaluate/", {"matrix": [[1, 3], [1 / 3, 1]]}, content_type="application/json"
    )
    assert body.status_code == 200
    result = body.json()
    assert result["weights"] == pytest.approx([0.75, 0.25])
    assert result["cr"] == 0 and result["consistent"] is True
    assert "revise" not in result or result["revise"] is None


@pytest.mark.django_db
def test_evaluation_needs_a_signed_in_user(client):
    response = client.post(
        "/api/v1/ahp/evaluate/", {"matrix": [[1]]}, content_type="application/json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_experts_matrices_are_combined_by_geometric_mean(as_user):
    # sqrt(2 × 8) = 4, so the combined matrix weighs 4:1.
    response = as_user("hr").post(
        "/api/v1/ahp/evaluate/",
        {"matrices": [[[1, 2], [0.5, 1]], [[1, 8], [0.125, 1]]]},
        content_type="application/json",
    )
    result = response.json()
    assert [value for row in result["combined"] for value in row] == pytest.approx([1, 4, 0.25, 1])
    assert result["weights"] == pytest.approx([0.8, 0.2])


@pytest.mark.django_db
def test_an_inconsistent_matrix_names_the_judgment_to_revise(as_user):
    backwards = [[1, 2, 4, 1 / 8], [1 / 2, 1, 2, 4], [1 / 4, 1 / 2, 1, 2], [8, 1 / 4, 1 / 2, 1]]
    result = (
        as_user("admin")
        .post("/api/v1/ahp/evaluate/", {"matrix": backwards}, content_type="application/json")
        .json()
    )
    assert result["consistent"] is False and result["cr"] >= 0.10
    assert result["revise"]["row"] == 1 and result["revise"]["column"] == 4
    assert result["revise"]["value"] == pytest.approx(1 / 8)
    assert result["revise"]["suggested"] == pytest.approx(8)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "english"),
    [
        ({"matrix": [[1, 2, 3], [0.5, 1, 2]]}, "matrix", "must be square"),
        ({"matrix": [[1, 3], [3, 1]]}, "matrix", "Row 1, column 2 is 3 but row 2, column 1 is 3"),
        ({"matrix": [[1, -2], [-0.5, 1]]}, "matrix", "Row 1, column 2: judgments must be positive"),
        ({"matrix": [[2, 1], [1, 1]]}, "matrix", "Row 1, column 1: the diagonal must be 1"),
        ({"matrix": [[1] * 16 for _ in range(16)]}, "matrix", "At most 15 items"),
        (
            {"matrices": [[[1, 2], [0.5, 1]], [[1, 2, 1], [0.5, 1, 1], [1, 1, 1]]]},
            "matrices",
            "same size",
        ),
        (
            {"matrices": [[[1, 2], [0.5, 1]], [[1, 2], [2, 1]]]},
            "matrices",
            "Matrix 2: Row 1, column 2",
        ),
    ],
)
def test_bad_matrices_get_a_400_with_a_clear_message(as_user, payload, field, english):
    client = as_user("east_a")
    response = client.post(
        "/api/v1/ahp/evaluate/", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert english in response.json()[field][0]
    chinese = client.post("/api/v1/ahp/evaluate/", payload, content_type="application/json")
    assert chinese.status_code == 400
    assert chinese.json()[field][0] != response.json()[field][0]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{}, {"matrix": [[1]], "matrices": [[[1]]]}])
def test_either_matrix_or_matrices(as_user, payload):
    response = as_user("east_a").post(
        "/api/v1/ahp/evaluate/", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "either “matrix” or “matrices”" in str(response.json())


@pytest.mark.django_db
def test_non_numbers_are_refused(as_user):
    response = as_user("east_a").post(
        "/api/v1/ahp/evaluate/", {"matrix": [[1, "a"], [1, 1]]}, content_type="application/json"
    )
    assert response.status_code == 400


# ---- /api/v1/indicators/ --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_catalog(as_user, role):
    response = as_user(role).get("/api/v1/indicators/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    codes = {row["code"]: row for row in response.json()}
    assert len(codes) == IndicatorDefinition.objects.count() >= 16
    assert codes["csat"]["name"] == "Customer satisfaction (CSAT)"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["east_a", "east_manager", "hr"])
def test_only_admins_change_indicators(as_user, role):
    indicator = IndicatorDefinition.objects.get(code="csat")
    response = as_user(role).patch(
        f"/api/v1/indicators/{indicator.id}/", {"target": 5.0}, content_type="application/json"
    )
    assert response.status_code == 403
    indicator.refresh_from_db()
    assert indicator.target == 4.8


@pytest.mark.django_db
def test_an_admins_change_shows_in_history(as_user, org_chart):
    indicator = IndicatorDefinition.objects.get(code="csat")
    response = as_user("admin").patch(
        f"/api/v1/indicators/{indicator.id}/",
        {"target": 4.6, "floor": 3.2},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["target"] == 4.6
    latest = indicator.history.first()
    assert (latest.target, latest.floor, latest.history_user) == (4.6, 3.2, org_chart["admin"])
    previous = latest.prev_record
    assert previous.target == 4.8
    assert {change.field for change in latest.diff_against(previous).changes} == {
        "target",
        "floor",
    }


@pytest.mark.django_db
def test_a_contradictory_definition_is_refused_with_a_clear_message(as_user):
    indicator = IndicatorDefinition.objects.get(code="csat")
    response = as_user("admin").patch(
        f"/api/v1/indicators/{indicator.id}/",
        {"target": 2.0},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "target on the better side of the baseline" in str(response.json())


@pytest.mark.django_db
def test_indicators_cannot_be_deleted(as_user):
    indicator = IndicatorDefinition.objects.get(code="csat")
    assert as_user("admin").delete(f"/api/v1/indicators/{indicator.id}/").status_code == 405


# ---- /api/v1/weight-schemes/ ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["east_a", "east_manager", "hr"])
def test_only_admins_see_or_touch_weight_schemes(as_user, role):
    client = as_user(role)
    scheme = WeightScheme.objects.get(level="junior")
    assert client.get("/api/v1/weight-schemes/").status_code == 403
    assert client.get(f"/api/v1/weight-schemes/{scheme.id}/").status_code == 403
    created = client.post(
        "/api/v1/weight-schemes/",
        {"level": "junior", "effective_from": NEXT_MONTH},
        content_type="application/json",
    )
    assert created.status_code == 403
    assert client.post(f"/api/v1/weight-schemes/{scheme.id}/activate/").status_code == 403
    assert WeightScheme.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown"), [("en", "Default weights · Junior"), ("zh-hans", "默认权重方案 · 初级")]
)
def test_a_built_in_scheme_has_a_name_to_show_in_the_requests_language(as_user, language, shown):
    scheme = WeightScheme.objects.get(level="junior")
    answer = as_user("admin").get(
        f"/api/v1/weight-schemes/{scheme.id}/", HTTP_ACCEPT_LANGUAGE=language
    )
    assert (answer.json()["name"], answer.json()["display_name"]) == ("", shown)


@pytest.mark.django_db
def test_admin_drafts_judges_and_activates_a_scheme(as_user):
    client = as_user("admin")
    created = client.post(
        "/api/v1/weight-schemes/",
        {"level": "junior", "effective_from": NEXT_MONTH},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    draft = created.json()
    assert (draft["version"], draft["status"]) == (2, "draft")
    # Carried over from the junior scheme in force: the same weights.
    before = {w["indicator"]: w["global_weight"] for w in draft["weights"]}
    assert before["order_entry_accuracy"] == pytest.approx(0.162, abs=0.001)

    backwards = [[1, 2, 4, 1 / 8], [1 / 2, 1, 2, 4], [1 / 4, 1 / 2, 1, 2], [8, 1 / 4, 1 / 2, 1]]
    expert = next(m["expert"] for m in draft["matrices"] if m["matrix"] == "tiers")
    judged = client.post(
        f"/api/v1/weight-schemes/{draft['id']}/judgments/",
        {"matrix": "tiers", "expert": expert, "judgments": backwards},
        content_type="application/json",
    )
    assert judged.status_code == 200
    assert judged.json()["consistency"]["tiers"]["consistent"] is False

    refused = client.post(
        f"/api/v1/weight-schemes/{draft['id']}/activate/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 400
    reason = refused.json()["non_field_errors"][0]
    assert "Revise the judgment of “Basic” against “Innovation”" in reason

    consistent = [[1, 2, 4, 8], [1 / 2, 1, 2, 4], [1 / 4, 1 / 2, 1, 2], [1 / 8, 1 / 4, 1 / 2, 1]]
    client.post(
        f"/api/v1/weight-schemes/{draft['id']}/judgments/",
        {"matrix": "tiers", "expert": expert, "judgments": consistent},
        content_type="application/json",
    )
    activated = client.post(f"/api/v1/weight-schemes/{draft['id']}/activate/")
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    statuses = dict(WeightScheme.objects.filter(level="junior").values_list("version", "status"))
    assert statuses == {1: "retired", 2: "active"}


@pytest.mark.django_db
def test_the_schema_documents_the_new_endpoints(as_user):
    schema = as_user("admin").get("/api/schema/").content.decode()
    for path in ["/api/v1/ahp/evaluate/", "/api/v1/indicators/", "/api/v1/weight-schemes/"]:
        assert path in schema


@pytest.mark.parametrize(
    ("payload", "field", "limit"),
    [
        (
            {"matrix": [[1.0] * 200_000]},
            "matrix[0]",
            "At most 15 items can be compared, not 200000",
        ),
        ({"matrix": [[1.0]] * 200_000}, "matrix", "At most 15 items can be compared, not 200000"),
        ({"matrices": [[[1.0]]] * 51}, "matrices", "At most 50 experts' matrices"),
    ],
    ids=["a row of 200,000", "200,000 rows", "51 experts"],
)
def test_oversized_ahp_input_is_refused_before_it_is_read(as_user, payload, field, limit):
    response = as_user("east_a").post(
        "/api/v1/ahp/evaluate/", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert limit in json.dumps(response.json()[field])
