import pytest

from tests.ingest.http_source import HttpSource


@pytest.fixture
def http_source():
    """Start loopback JSON APIs: ``http_source(rows, style=..., page_size=..., token=...,
    faults=...)`` returns a running HttpSource (see tests/ingest/http_source.py); every server
    started is stopped after the test."""
    servers = []

    def start(rows, **options) -> HttpSource:
        server = HttpSource(rows, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
