"""Our Plotly bundle (static/js/plotly-perf.min.js, built by `make plotly-bundle` from
static-src/plotly) is the plotly.js release the Python package ships, holds the trace types its
build lists, and those are all the trace types the dashboards draw; pages load it only when they
draw a chart."""

import inspect
import json
import re
import typing
from pathlib import Path

import plotly
import pytest
from django.urls import reverse

from dashboards import figures
from tests.dashboards.company import LAST_MONTH, MONTH_BEFORE

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static" / "js" / "plotly-perf.min.js"
SOURCE = ROOT / "static-src" / "plotly"
FULL_BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_SCRIPT = "js/plotly-perf.min.js"
# Each registered trace module carries these two properties, side by side, in the minified code.
TRACE_MODULE = re.compile(r'moduleType:"trace",name:"(\w+)"')


def _version(text: str) -> str:
    found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", text[:500])
    assert found, "no plotly.js version in the file's header"
    return found.group(1)


def _bundled_traces() -> set[str]:
    return set(TRACE_MODULE.findall(BUNDLE.read_text(encoding="utf-8")))


def test_the_bundle_is_the_release_the_python_package_ships():
    python_package = _version(FULL_BUNDLE.read_text(encoding="utf-8")[:500])
    assert _version(BUNDLE.read_text(encoding="utf-8")[:500]) == python_package
    manifest = json.loads((SOURCE / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((SOURCE / "package-lock.json").read_text(encoding="utf-8"))
    assert manifest["devDependencies"]["plotly.js"] == python_package  # pinned, no range
    assert lock["packages"]["node_modules/plotly.js"]["version"] == python_package


def test_the_bundle_holds_the_traces_its_build_lists():
    listed = set(json.loads((SOURCE / "traces.json").read_text(encoding="utf-8")))
    assert _bundled_traces() == listed
    assert BUNDLE.stat().st_size < 1_200_000  # the full bundle is 4.8 MB


def _figure_builders() -> dict[str, typing.Callable[..., dict]]:
    """Every public function of dashboards.figures that returns a figure."""
    return {
        name: function
        for name, function in inspect.getmembers(figures, inspect.isfunction)
        if function.__module__ == figures.__name__
        and not name.startswith("_")
        and typing.get_type_hints(function).get("return") is dict
    }


@pytest.mark.django_db
def test_every_figure_the_pages_draw_uses_only_bundled_traces(scored, as_user, monkeypatch):
    drawn: dict[str, set[str]] = {}

    def spy(name, build):
        def recorded(*args, **kwargs):
            figure = build(*args, **kwargs)
            drawn.setdefault(name, set()).update(trace["type"] for trace in figure["data"])
            return figure

        return recorded

    builders = _figure_builders()
    for name, build in builders.items():
        monkeypatch.setattr(figures, name, spy(name, build))

    pages = [
        ("east_a", reverse("dashboards:me")),
        ("east_manager", reverse("dashboards:team")),
        ("east_manager", reverse("dashboards:team") + f"?compare={MONTH_BEFORE}"),
        ("hr", reverse("dashboards:company")),
    ]
    for user, url in pages:
        response = as_user(user).get(url)
        assert response.status_code == 200, url
        assert PLOTLY_SCRIPT in response.content.decode(), f"{url} draws charts: it loads Plotly"

    assert set(drawn) == set(builders), "a figure builder no page here calls: add its page"
    unbundled = {name: types - _bundled_traces() for name, types in drawn.items()}
    assert {name: types for name, types in unbundled.items() if types} == {}


@pytest.mark.django_db
def test_pages_without_a_chart_do_not_load_plotly(scored, as_user):
    client = as_user("east_a")
    drilldown = reverse("dashboards:drilldown", args=[scored["east_a"].pk, "order_response_time"])
    for url in (
        drilldown + f"?period={LAST_MONTH.label}",
        reverse("appeals:list"),
        reverse("indicators:manual"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert PLOTLY_SCRIPT not in response.content.decode(), url
