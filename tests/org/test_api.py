import pytest


@pytest.mark.django_db
def test_me_tells_name_role_team_and_landing_page(client, org_chart):
    client.force_login(org_chart["east_a"].user)
    body = client.get("/api/v1/me/").json()
    assert body == {
        "username": "east_a",
        "name": "王芳",
        "role": "merchandiser",
        "employee_no": org_chart["east_a"].employee_no,
        "team": "华东跟单一组",
        "level": "intermediate",
        "landing_url": "/me/",
    }


@pytest.mark.django_db
def test_api_needs_a_signed_in_user(client):
    assert client.get("/api/v1/me/").status_code == 403


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_a_cdn(client, org_chart):
    client.force_login(org_chart["hr"].user)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "cdn" not in docs.lower()
