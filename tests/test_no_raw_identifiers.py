"""Every page, read as each role in both languages, shows no raw identifiers: no ``snake_case``
field names, no ``#<id>`` record references, no regular expressions (issue 19). An identifier
shown on purpose is marked up as ``<code>``, which the scan skips (``tests.identifiers``)."""

import re

import pytest
from django.urls import reverse

from appeals.services import appeal_create
from indicators.models import WeightScheme
from ingest.models import Source
from tests.acting_on_scores import acting_on_scores
from tests.clock import LAST_MONTH, months_ago
from tests.dashboards.company import scored_company
from tests.identifiers import raw_identifiers
from tests.ingest.test_pages import FEEDBACK_MAPPING, feedback_file

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")
ROLES = ("east_a", "east_manager", "hr", "admin")
PERIOD = f"?period={LAST_MONTH.label}"
MANUAL = "/indicators/"


@pytest.mark.parametrize(
    ("html", "found"),
    [
        (
            "<p>你正在对 order_node #45882 的“completed_at”字段提出申诉</p>",
            ["order_node", "completed_at", "#45882"],
        ),
        ('<a title="collaboration_360">360 评价</a>', ["collaboration_360"]),
        ("<p>手册: <code>collaboration_360</code></p>", []),
        ('<input type="hidden" name="record_type" value="order_node"><p>订单 SO-1</p>', []),
        ("<li>问候语：^(您好|你好)\\s*$</li>", ["^(您好|你好)\\s*$"]),
        ("<li>(?:订单|单号)\\d+</li>", ["(?:", "\\d"]),
        ("<dd><code>(?:订单|单号)</code></dd>", ["(?:"]),
        ("<li>[^0-9] 不是 0–9</li>", ["[^"]),
    ],
    ids=[
        "field-and-id",
        "read-attribute",
        "code-on-purpose",
        "hidden-input",
        "anchored",
        "group-and-class",
        "regex-in-code",
        "negated-set",
    ],
)
def test_the_scan_finds_identifiers_in_what_people_read(html, found):
    assert raw_identifiers(html) == found


@pytest.fixture
def company(org_chart, client):
    """The scored company with an appeal on a record and one on an indicator, and a data
    source with an upload run that rejected a row."""
    people = scored_company(org_chart)
    me = people["east_a"]
    people["appeals"] = [
        appeal_create(
            user=me.user,
            record_type="order",
            record_id=people["records"]["slow"].pk,
            field_name="entry_errors",
            claimed_value="0",
            category="system_failure",
            description="ERP 宕机，已电话确认。",
        ),
        appeal_create(
            user=me.user,
            indicator_code="csat",
            employee=me,
            period=LAST_MONTH,
            claimed_value="4.5",
            category="other",
            description="评分录错了。",
        ),
    ]
    source = Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})
    client.force_login(people["hr"].user)
    run = client.post(
        f"/sources/{source.id}/", {"record_type": "feedback", "file": feedback_file()}
    )
    assert run.status_code == 302
    people["source_pages"] = [f"/sources/{source.id}/", run.url]
    # A drill-down of every indicator on 王芳's scorecard: every kind of record.
    client.force_login(me.user)
    scorecard = client.get(reverse("dashboards:me")).content.decode()
    people["drilldowns"] = sorted(
        set(
            re.findall(
                rf'href="(/people/{me.pk}/indicators/[a-z0-9_]+/\?period=[0-9-]+)"', scorecard
            )
        )
    )
    assert len(people["drilldowns"]) >= 10
    client.logout()
    return acting_on_scores(people)


def _pages(people: dict, role: str) -> list[str]:
    me, colleague = people["east_a"], people["east_b"]
    appeals = [appeal.get_absolute_url() for appeal in people["appeals"]]
    late = people["records"]["late_node"]
    common = [
        reverse("appeals:list"),
        *appeals,
        reverse("indicators:manual"),
        reverse("password_change"),
        reverse("notices:today"),
        reverse("plans:list"),
    ]
    plan = reverse("plans:detail", args=[people["plan"].pk])
    if role == "east_a":
        return [
            reverse("dashboards:me"),
            plan,
            reverse("dashboards:me") + f"?period={months_ago(2).label}",
            *people["drilldowns"],
            reverse("appeals:new")
            + f"?record_type=order_node&record_id={late.pk}&field=completed_at",
            reverse("appeals:new") + f"?indicator=csat&employee={me.pk}&period={LAST_MONTH}",
            people["incidents_page"],
            *common,
        ]
    if role == "east_manager":
        return [
            reverse("dashboards:team") + PERIOD,
            reverse("dashboards:team") + PERIOD + f"&compare={months_ago(2).label}",
            f"/people/{colleague.pk}/{PERIOD}",
            f"/people/{colleague.pk}/indicators/order_response_time/{PERIOD}",
            plan,
            people["notes_page"],
            people["incidents_page"],
            people["new_plan_page"],
            *common,
        ]
    operators = [
        reverse("dashboards:company") + PERIOD,
        reverse("dashboards:team") + PERIOD,
        reverse("ingest:source_list"),
        *people["source_pages"],
        reverse("org:people_import"),
        reverse("org:lockouts"),
        reverse("scoring:runs"),
        *common,
    ]
    if role == "hr":
        return [*operators, plan, people["notes_page"], people["incidents_page"]]
    scheme = WeightScheme.objects.order_by("pk").first()
    return [
        *operators,
        reverse("indicators:scheme_list"),
        reverse("indicators:scheme_edit", args=[scheme.pk]),
        *people["lab_pages"],
    ]


def test_no_page_shows_raw_identifiers_to_any_role_in_either_language(company, client):
    found = []
    for language in LANGUAGES:
        response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=language)
        found += [f"/login/ ({language}): {raw_identifiers(response.content.decode())}"]
    found = [line for line in found if not line.endswith("[]")]
    for role in ROLES:
        client.force_login(company[role] if role == "admin" else company[role].user)
        for url in _pages(company, role):
            for language in LANGUAGES:
                response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
                if response.status_code == 404 and url.startswith("/appeals/"):
                    continue  # an appeal this role may not see
                assert response.status_code == 200, (url, role, response.status_code)
                # Admins see the checklist's patterns in the manual on purpose (a technical
                # detail); ``test_the_manual_shows_no_regular_expressions`` reads it as others do.
                hits = raw_identifiers(response.content.decode(), regexes=url != MANUAL)
                if hits:
                    found.append(f"{url} as {role} ({language}): {sorted(set(hits))}")
    assert not found, "raw identifiers on screen:\n" + "\n".join(found)


def test_the_manual_shows_no_regular_expressions(org_chart, client):
    """The reply checklist reads in words; only admins get its patterns, as a technical detail."""
    client.force_login(org_chart["east_a"].user)
    for language in LANGUAGES:
        page = client.get(MANUAL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert 'data-testid="manual-indicator"' in page
        assert raw_identifiers(page) == [], language
