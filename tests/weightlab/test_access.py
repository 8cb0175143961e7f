"""The weight lab's page and API: admins only, every role checked; bad input answered 400 naming
the field; a replay through the API publishes nothing."""

import re

import pytest

from scoring.models import EmployeeScore, ScoreRun
from tests.weightlab.company import MONTHS

PAGE, API = "/weight-lab/", "/api/v1/weight-lab/"
REFUSED = ["east_a", "east_manager", "hr"]  # merchandiser, manager, HR


@pytest.mark.parametrize("key", REFUSED)
def test_only_admins_open_the_page(as_user, key):
    assert as_user(key).get(PAGE).status_code == 403


@pytest.mark.parametrize("key", REFUSED)
def test_only_admins_use_the_api(as_user, key):
    client = as_user(key)
    assert client.get(API).status_code == 403
    assert (
        client.post(API, {"scheme": 1, "months": ["2026-01"]}, "application/json").status_code
        == 403
    )


def test_anonymous_is_sent_to_sign_in_or_refused(client, org_chart):
    assert client.get(PAGE).status_code == 302
    assert client.get(API).status_code in (401, 403)
    assert client.post(API, {}, "application/json").status_code in (401, 403)


def test_an_admin_opens_the_empty_lab(as_user):
    response = as_user("admin").get(PAGE)
    assert response.status_code == 200
    assert b'data-testid="no-drafts"' in response.content
    options = as_user("admin").get(API).json()
    assert options == {
        "drafts": [],
        "months": [],
        "outcomes": ["csat", "customer_repeat_rate", "complaint_return_rate"],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"months": ["2026-01"]}, "scheme"),
        ({"scheme": 999999, "months": ["2026-01"]}, "scheme"),
        ({"scheme": "x", "months": ["2026-01"]}, "scheme"),
        ({"scheme": 1, "months": []}, "months"),
        ({"scheme": 1, "months": ["2026-13"]}, "months[0]"),
        ({"scheme": 1, "months": "2026-01"}, "months"),
        ({"scheme": 1, "months": ["2026-01"], "outcomes": ["nope"]}, "outcomes"),
        ({"scheme": 1, "months": ["2026-01"], "judgments": {"tiers": "x"}}, "judgments.tiers"),
    ],
)
def test_bad_input_is_refused_naming_the_field(as_user, body, field):
    response = as_user("admin").post(API, body, "application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_the_api_replays_a_draft_and_publishes_nothing(as_user, quality_draft):
    client = as_user("admin")
    options = client.get(API).json()
    assert options["drafts"][0]["id"] == quality_draft.id
    assert set(options["months"]) == {month.label for month in MONTHS}
    runs, scores = ScoreRun.objects.count(), EmployeeScore.objects.count()
    body = {"scheme": quality_draft.id, "months": [month.label for month in MONTHS]}
    answer = client.post(API, body, "application/json")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["movers"] and data["months"] == [month.label for month in MONTHS]
    mover = data["movers"][0]
    assert mover["employee"] and mover["team"] and mover["grade_before"] != mover["grade_after"]
    assert {row["outcome"] for row in data["outcomes"]} == {
        "csat",
        "customer_repeat_rate",
        "complaint_return_rate",
    }
    assert (ScoreRun.objects.count(), EmployeeScore.objects.count()) == (runs, scores)

    # The active scheme cannot be tried; a month without published results neither; unsaved
    # judgments must fit the matrix.
    active = quality_draft.__class__.objects.filter(status="active").first()
    refused = client.post(API, {**body, "scheme": active.id}, "application/json")
    assert refused.status_code == 400 and "scheme" in refused.json()
    unpublished = client.post(API, {**body, "months": ["2001-01"]}, "application/json")
    assert unpublished.status_code == 400 and "months" in unpublished.json()
    wrong = client.post(
        API, {**body, "judgments": {"tiers": [[1, 2], [0.5, 1]]}}, "application/json"
    )
    assert wrong.status_code == 400 and "judgments" in wrong.json()

    # Unsaved equal judgments for the tiers replace the draft's quality weighting (the tiers
    # nobody here is measured on then carry too much weight for a total): another answer, and
    # the draft itself unchanged.
    n = len(quality_draft.matrices.get(matrix="tiers").items)
    equal = {"tiers": [[1.0] * n for _ in range(n)]}
    unsaved = client.post(API, {**body, "judgments": equal}, "application/json").json()
    assert unsaved["movers"] != data["movers"]
    assert {row["grade_after"] for row in unsaved["movers"]} == {""}
    assert client.post(API, body, "application/json").json()["movers"] == data["movers"]


def test_the_page_shows_the_movers_in_both_languages(as_user, quality_draft):
    client = as_user("admin")
    query = {"scheme": quality_draft.id, "months": [month.label for month in MONTHS]}
    page = client.get(PAGE, query)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="mover"' in text and "分" in text
    client.cookies["django_language"] = "en"
    english = client.get(PAGE, query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "People whose grade would move" in english and " pts" in english


def _tier_cells(draft) -> list[str]:
    n = len(draft.matrices.get(matrix="tiers").items)
    return [f"j-tiers-{i}-{j}" for i in range(n) for j in range(i + 1, n)]


def test_the_page_replays_judgments_edited_on_it_without_saving_them(as_user, quality_draft):
    """The page shows the draft's judgments (quality 9 times each other tier); equal ones set
    there replay as the API's unsaved judgments do, and the draft keeps its own."""
    client = as_user("admin")
    months = [month.label for month in MONTHS]
    query = {"scheme": quality_draft.id, "months": months}
    page = client.get(PAGE, query)
    selected = re.findall(
        r'<select name="j-tiers-(\d+)-(\d+)".*?<option value="([^"]+)"[^>]* selected>',
        page.content.decode(),
        re.S,
    )
    items = quality_draft.matrices.get(matrix="tiers").items
    quality = items.index("quality")
    expected = {
        (i, j): "9" if i == quality else "1/9" if j == quality else "1"
        for i in range(len(items))
        for j in range(i + 1, len(items))
    }
    assert {(int(i), int(j)): value for i, j, value in selected} == expected
    before = list(quality_draft.matrices.values_list("judgments", flat=True))

    equal = dict.fromkeys(_tier_cells(quality_draft), "1")
    edited = client.get(PAGE, {**query, "judged": quality_draft.id, **equal})
    n = len(items)
    api = client.post(
        API,
        {"scheme": quality_draft.id, "months": months, "judgments": {"tiers": [[1.0] * n] * n}},
        "application/json",
    ).json()
    assert 'data-matrix="tiers" data-edited="1"' in edited.content.decode()
    shown = [(row["employee_id"], row["grade_after"]) for row in edited.context["rows"]["movers"]]
    assert shown == [(row["employee_id"], row["grade_after"]) for row in api["movers"]]
    assert shown != [
        (row["employee_id"], row["grade_after"]) for row in page.context["rows"]["movers"]
    ]
    assert list(quality_draft.matrices.values_list("judgments", flat=True)) == before

    # Judgments sent for another draft are not applied; a value off the scale is refused.
    other = client.get(PAGE, {**query, "judged": quality_draft.id + 1, **equal})
    assert "data-edited" not in other.content.decode()
    wrong = client.get(
        PAGE, {**query, "judged": quality_draft.id, _tier_cells(quality_draft)[0]: "7.5"}
    )
    assert wrong.context["rows"] is None
    assert 'data-testid="form-errors"' in wrong.content.decode()
