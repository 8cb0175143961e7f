"""Pages: the indicator manual for every role, the weight editor for admins only."""

import pytest

from indicators.models import SchemeMatrix, WeightScheme
from tests.clock import months_ahead

# Activation only accepts dates from the current month on.
NEXT_MONTH = months_ahead(1).start.isoformat()
NON_ADMINS = ["east_a", "east_manager", "hr"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*NON_ADMINS, "admin"])
def test_every_role_reads_the_manual_with_weights_per_level(as_user, role):
    page = as_user(role).get("/indicators/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="manual-indicator"') == 17
    assert "订单响应时效" in html and "客户点击提交" in html
    # Junior weight of order entry accuracy in the default scheme, and the veto floor.
    assert "16.2%" in html
    assert "质量否决" in html
    # The reply checklist behind process compliance is spelled out.
    assert 'data-testid="checklist"' in html and "您好" in html


@pytest.mark.django_db
def test_the_manual_in_english(as_user):
    html = as_user("east_a").get("/indicators/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Order response time" in html
    assert "not when the order was created in the ERP" in html
    assert "Indicator manual" in html


def _checklist(html: str) -> str:
    return html.split('data-testid="checklist"')[1].split("</section>")[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "greeting", "order_number"),
    [
        ("zh-hans", "“您好”", "“订单”或“单号”后接订单号"),
        ("en", "contains “您好”", "“order” (or order no., order number, order #) followed by"),
    ],
)
def test_the_reply_checklist_is_in_words_without_regular_expressions(
    as_user, language, greeting, order_number
):
    """What counts as a greeting or an order number is said in words; no regular expression
    reaches a merchandiser's manual."""
    html = as_user("east_a").get("/indicators/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    checklist = _checklist(html)
    assert greeting in checklist and order_number in checklist
    for regex in ("\\b", "\\d", "\\s", "{4,}", "[A-Za-z]", "<code>"):
        assert regex not in checklist, regex
    assert 'data-testid="checklist-technical"' not in checklist


@pytest.mark.django_db
def test_admins_find_the_patterns_as_code_in_a_collapsed_technical_detail(as_user):
    checklist = _checklist(as_user("admin").get("/indicators/").content.decode())
    words, technical = checklist.split('data-testid="checklist-technical"')
    assert "<code>" not in words
    assert technical.count("<code>") >= 8 and "<details" in checklist
    assert "<code>\\b(hi|hello|dear|good (morning|afternoon))\\b</code>" in technical


@pytest.mark.django_db
def test_the_manual_needs_a_login(client):
    assert client.get("/indicators/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_ADMINS)
def test_non_admins_cannot_open_or_post_to_the_weight_editor(as_user, role):
    client = as_user(role)
    scheme = WeightScheme.objects.get(level="junior")
    draft_count = WeightScheme.objects.count()
    assert client.get("/indicators/schemes/").status_code == 403
    assert client.get(f"/indicators/schemes/{scheme.id}/").status_code == 403
    assert (
        client.post("/indicators/schemes/", {"level": "junior", "effective_from": NEXT_MONTH})
    ).status_code == 403
    assert client.post(f"/indicators/schemes/{scheme.id}/activate/").status_code == 403
    assert (
        client.post(
            f"/indicators/schemes/{scheme.id}/judgments/", {"matrix": "tiers", "cell-0-1": "9"}
        ).status_code
        == 403
    )
    assert WeightScheme.objects.count() == draft_count


@pytest.mark.django_db
def test_admin_edits_a_draft_sees_the_warning_and_activates_once_consistent(as_user):
    client = as_user("admin")
    created = client.post(
        "/indicators/schemes/", {"level": "senior", "effective_from": NEXT_MONTH, "name": ""}
    )
    draft = WeightScheme.objects.get(level="senior", status="draft")
    assert created.status_code == 302 and created.url == f"/indicators/schemes/{draft.id}/"
    editor = client.get(created.url)
    assert editor.status_code == 200
    html = editor.content.decode()
    assert 'data-testid="matrix-tiers"' in html and 'data-testid="matrix-quality"' in html
    expert = SchemeMatrix.objects.filter(scheme=draft).first().expert

    # basic ≫ efficiency ≫ quality ≫ basic: a circle no weights can satisfy.
    circle = {"cell-0-1": "9", "cell-1-2": "9", "cell-0-2": "1/9", "cell-0-3": "1", "cell-1-3": "1"}
    circle["cell-2-3"] = "1"
    saved = client.post(
        f"/indicators/schemes/{draft.id}/judgments/",
        {"matrix": "tiers", "expert": expert, **circle},
        follow=True,
    )
    html = saved.content.decode()
    assert 'data-testid="inconsistent-warning"' in html
    refused = client.post(f"/indicators/schemes/{draft.id}/activate/", follow=True)
    assert "矩阵不一致" in refused.content.decode() or "inconsistent" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"

    client.post(
        f"/indicators/schemes/{draft.id}/judgments/",
        {"matrix": "tiers", "expert": expert, "cell-0-1": "1/2", "cell-0-2": "1/4"},
    )
    activated = client.post(f"/indicators/schemes/{draft.id}/activate/", follow=True)
    draft.refresh_from_db()
    assert draft.status == "active"
    assert WeightScheme.objects.get(level="senior", version=1).status == "retired"
    changes = activated.content.decode()
    assert 'data-testid="changes"' in changes and "系统管理员" in changes


@pytest.mark.django_db
def test_the_editor_in_english(as_user):
    scheme = WeightScheme.objects.get(level="junior")
    html = (
        as_user("admin")
        .get(f"/indicators/schemes/{scheme.id}/", HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "Only a draft can be edited" in html
    assert "Order entry accuracy" in html


@pytest.mark.django_db
def test_a_new_expert_starts_from_equal_judgments_and_is_combined(as_user):
    client = as_user("admin")
    client.post("/indicators/schemes/", {"level": "senior", "effective_from": NEXT_MONTH})
    draft = WeightScheme.objects.get(level="senior", status="draft")
    editor = client.get(f"/indicators/schemes/{draft.id}/", {"expert": "王 & 李"})
    html = editor.content.decode()
    assert html.count('class="judgments"') == 5
    saved = client.post(
        f"/indicators/schemes/{draft.id}/judgments/",
        {"matrix": "tiers", "expert": "王 & 李", "cell-0-1": "3"},
    )
    assert saved.url.endswith("?expert=%E7%8E%8B+%26+%E6%9D%8E")
    assert set(SchemeMatrix.objects.filter(scheme=draft).values_list("expert", flat=True)) == {
        "perf 默认 default",
        "王 & 李",
    }
    draft.refresh_from_db()
    assert draft.consistency["tiers"]["experts"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "url", "most"),
    [
        # session, user, groups (role), employee, schemes in force (3), weights, the catalog
        # in force, its dated changes, the sources feeding it, the shares measured (2), checklist
        ("east_a", "/indicators/", 15),  # and the unread notices
        ("admin", "/indicators/schemes/", 8),
        ("admin", "/indicators/schemes/{scheme}/", 16),
    ],
)
def test_pages_read_in_a_bounded_number_of_queries(
    as_user, django_assert_max_num_queries, role, url, most
):
    client = as_user(role)
    scheme = WeightScheme.objects.get(level="senior")
    with django_assert_max_num_queries(most):
        assert client.get(url.format(scheme=scheme.id)).status_code == 200
