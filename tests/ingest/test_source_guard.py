"""Sources are a trust boundary: a source defined by an admin cannot make the server read its own
database, internal services, its files or its secrets. Each attack is refused when the source is
saved, with the reason, and again when it would be read."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test import override_settings

from ingest.connectors import SourceMisconfigured, connector_for
from ingest.connectors.guard import SourceRefused
from ingest.forms import SourceAdminForm
from ingest.models import Source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

MAPPINGS = {
    "feedback": {
        "fields": {
            "external_id": "id",
            "employee": "staff",
            "customer": "client",
            "csat": "score",
            "submitted_at": "at",
        }
    }
}
QUERY = "SELECT * FROM auth_user"


def _save(as_user, kind: str, config: dict, name: str = "attack"):
    return as_user("admin").post(
        "/api/v1/sources/",
        {"name": name, "kind": kind, "config": config, "mappings": MAPPINGS},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _refused(as_user, kind: str, config: dict, reason: str) -> None:
    response = _save(as_user, kind, config)
    assert response.status_code == 400, response.content
    assert reason in response.json()["config"][0]
    assert not Source.objects.filter(name="attack").exists()
    with pytest.raises(SourceRefused, match=reason.split("(")[0][:40]):
        connector_for(kind, config, secrets={"PERF_SOURCE_PASSWORD": "x"})


def _own_database() -> dict:
    settings = connection.settings_dict
    return {"port": int(settings["PORT"] or 5432), "database": settings["NAME"]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="perf's own database is SQLite")
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_perfs_own_database_is_refused_however_it_is_spelled(as_user, host):
    own = _own_database()
    config = {"engine": "postgresql", "host": host, "query": QUERY, **own}
    _refused(as_user, "sql", config, "may not read perf's own database")
    shouted = {**config, "database": own["database"].upper()}
    _refused(as_user, "sql", shouted, "may not read perf's own database")


@override_settings(PERF_SOURCE_ALLOWED_HOSTS=[])
@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "127.0.0.1"),
        ("10.0.0.5", "10.0.0.5"),
        ("192.168.1.20", "192.168.1.20"),
        ("169.254.169.254", "169.254.169.254"),
        ("[fd00:ec2::254]", "fd00:ec2::254"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),  # loopback inside an IPv6 address
    ],
)
def test_internal_hosts_are_refused_unless_the_deployment_allows_them(as_user, host, address):
    url = f"http://{host}:8080/api/orders"
    _refused(as_user, "rest", {"url": url}, f"which is an internal address ({address})")
    sql = {"engine": "mysql", "host": host.strip("[]"), "database": "erp", "query": QUERY}
    _refused(as_user, "sql", sql, "which is an internal address")


def test_an_allowed_internal_host_and_a_public_one_are_accepted(as_user):
    with override_settings(PERF_SOURCE_ALLOWED_HOSTS=["10.0.0.5"]):
        assert _save(as_user, "rest", {"url": "http://10.0.0.5/api"}).status_code == 201
    public = _save(as_user, "rest", {"url": "https://erp.example.com/api"}, name="public")
    assert public.status_code == 201


def test_files_outside_the_import_folder_are_refused(as_user, tmp_path, settings):
    settings.PERF_IMPORT_ROOT = tmp_path / "imports"
    settings.PERF_IMPORT_ROOT.mkdir()
    _refused(as_user, "file", {"path": "/etc/passwd"}, "outside the import folder")
    _refused(as_user, "file", {"path": str(tmp_path / "imports/../x.csv")}, "outside the import")
    sneaky = settings.PERF_IMPORT_ROOT / "erp.sqlite3"
    sneaky.symlink_to("/etc/passwd")  # inside by name, outside once the link is followed
    _refused(as_user, "sql", {"engine": "sqlite", "path": str(sneaky), "query": QUERY}, "outside")
    inside = settings.PERF_IMPORT_ROOT / "crm.csv"
    assert _save(as_user, "file", {"path": str(inside)}).status_code == 201


@pytest.mark.parametrize("variable", ["DATABASE_URL", "SECRET_KEY", "PERF_SOURCE_"])
def test_secrets_come_only_from_the_sources_variables(as_user, variable):
    config = {"url": "https://erp.example.com/api", "auth": {"type": "bearer"}}
    config["auth"]["token_env"] = variable
    response = _save(as_user, "rest", config)
    assert response.status_code == 400
    assert f"starts with PERF_SOURCE_, not from {variable}" in response.json()["config"][0]
    with pytest.raises(SourceMisconfigured, match="PERF_SOURCE_"):
        connector_for("rest", config, secrets={variable: "leaked"})
    config["auth"]["token_env"] = "PERF_SOURCE_ERP_TOKEN"
    assert _save(as_user, "rest", config).status_code == 201


def test_a_mappings_fetch_settings_are_checked_too(as_user):
    mappings = {"feedback": {**MAPPINGS["feedback"], "fetch": {"path": "/etc/shadow"}}}
    response = as_user("admin").post(
        "/api/v1/sources/",
        {"name": "attack", "kind": "file", "config": {"path": "/tmp/x.csv"}, "mappings": mappings},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "/etc/shadow" in response.json()["config"][0]


def test_the_admin_form_refuses_with_the_reason():
    form = SourceAdminForm(
        data={
            "name": "attack",
            "kind": "file",
            "config": '{"path": "/etc/passwd"}',
            "mappings": '{"feedback": {"fields": {"external_id": "id", "employee": "s", '
            '"customer": "k", "csat": "c", "submitted_at": "a"}}}',
            "enabled": "on",
        }
    )
    assert not form.is_valid()
    assert "outside the import folder" in form.errors["config"][0]


class _Recorder(BaseHTTPRequestHandler):
    """Answers every request with a redirect to ``target`` (if set), or with an empty list;
    records the headers it received."""

    target: str | None = None
    seen: list[dict[str, str]]

    def do_GET(self):
        self.seen.append(dict(self.headers))
        if self.target:
            self.send_response(302)
            self.send_header("Location", self.target)
            self.end_headers()
            return
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _server(target: str | None) -> tuple[ThreadingHTTPServer, list]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Recorder,), {"target": target, "seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def test_a_redirect_to_another_host_is_not_followed_and_gets_no_credentials():
    listener, stolen = _server(None)
    # Another origin: "localhost" and "127.0.0.1" are the same machine but not the same origin.
    redirector, seen = _server(f"http://localhost:{listener.server_port}/steal")
    try:
        connector = connector_for(
            "rest",
            {
                "url": f"http://127.0.0.1:{redirector.server_port}/api",
                "auth": {"type": "bearer", "token_env": "PERF_SOURCE_ERP_TOKEN"},
                "max_retries": 0,
            },
            secrets={"PERF_SOURCE_ERP_TOKEN": "s3cret"},
        )
        with pytest.raises(SourceRefused, match="redirects to another host"):
            list(connector.batches(since=None, batch_size=10))
    finally:
        redirector.shutdown()
        listener.shutdown()
    assert seen[0]["Authorization"] == "Bearer s3cret"
    assert stolen == []
