"""In a real browser, in both languages, on a desktop and a phone: a merchandiser files an appeal
from a drill-down with the corrected time picked and a PNG attached in one submit; HR takes it
into review from the queue, previews the evidence and approves (issue 19, appeals)."""

import datetime as dt
import re
import struct
import zlib

import pytest
from django.utils.timezone import localtime
from playwright.sync_api import expect

from appeals.models import Appeal, AppealState, Evidence
from tests.browser.conftest import open_menu, save_shot, sign_in_on
from tests.dashboards.company import scored_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# The smallest PDF a viewer opens: one blank page.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png(width: int = 240, height: int = 140) -> bytes:
    """A real PNG (a teal block on white), so the browser has an image to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00"
        + b"".join(
            b"\x0f\x76\x6e" if 40 < x < width - 40 and 30 < y < height - 30 else b"\xff\xff\xff"
            for x in range(width)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("width", [1440, 390])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_merchandiser_files_with_a_picked_time_and_a_png_and_hr_approves(
    live_server, org_chart, browse, language, width
):
    people = scored_company(org_chart)
    late = people["records"]["late_node"]
    order_number = late.order.external_id
    claimed = localtime(late.due_at) - dt.timedelta(hours=1)
    tag = f"{language}-{width}"

    page = browse(language, width)
    sign_in_on(page, live_server.url, "east_a")
    page.goto(f"{live_server.url}/appeals/")
    expect(page.get_by_test_id("appeals-empty")).to_be_visible()
    save_shot(page, f"appeal-empty-{tag}")
    page.get_by_test_id("to-scorecard").click()
    row = page.locator("[data-testid=indicator-row][data-indicator=node_on_time_rate]")
    row.locator("a[data-testid=drilldown-link]").click()
    page.wait_for_url(re.compile(r"/indicators/node_on_time_rate/"))
    record = page.locator(f"[data-testid=record-row][data-record-id='{late.pk}']")
    record.get_by_test_id("appeal-this").click()
    page.wait_for_url(re.compile(r"/appeals/new/"))
    # The record as people quote it, and its completion time now.
    expect(page.get_by_test_id("appeal-subject")).to_contain_text(order_number)
    completed = f"{localtime(late.completed_at):%Y-%m-%d %H:%M}"
    expect(page.get_by_test_id("current-value")).to_have_text(completed)
    picker = page.locator("#id_claimed_value")
    expect(picker).to_have_attribute("type", "datetime-local")
    expect(picker).to_have_value(completed.replace(" ", "T"))
    picker.fill(f"{claimed:%Y-%m-%dT%H:%M}")
    page.select_option("#id_category", "system_failure")
    page.fill("#id_description", "ERP 宕机，节点按时完成，见截图。")
    page.set_input_files(
        "#id_evidence",
        [
            {"name": "erp-screen.png", "mimeType": "image/png", "buffer": png()},
            {"name": "carrier-note.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ],
    )
    save_shot(page, f"appeal-form-{tag}")
    page.get_by_test_id("file-and-submit").click()
    expect(page.get_by_test_id("appeal")).to_have_attribute("data-state", "submitted")
    expect(page.get_by_test_id("appeal-title")).to_contain_text(order_number)
    expect(page.get_by_test_id("claimed-value")).to_have_text(f"{claimed:%Y-%m-%d %H:%M}")
    expect(page.get_by_test_id("evidence-item")).to_have_count(2)
    appeal = Appeal.objects.get()
    assert appeal.state == AppealState.SUBMITTED
    assert sorted(Evidence.objects.values_list("original_name", flat=True)) == [
        "carrier-note.pdf",
        "erp-screen.png",
    ]
    save_shot(page, f"appeal-filed-{tag}")

    open_menu(page)
    page.locator("form[action$='/logout/'] button").click()
    sign_in_on(page, live_server.url, "hr")
    page.goto(f"{live_server.url}/appeals/")
    queue_row = page.get_by_test_id("appeal-row").filter(has_text=order_number)
    expect(queue_row).to_have_attribute("data-state", "submitted")
    save_shot(page, f"appeal-queue-{tag}")
    queue_row.locator("input[name=appeals]").check()
    page.get_by_test_id("bulk-review-button").click()
    expect(queue_row).to_have_attribute("data-state", "in_review")
    expect(queue_row.get_by_test_id("assignee")).not_to_have_text("")
    queue_row.get_by_test_id("appeal-link").click()
    image = page.get_by_test_id("evidence-image")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 240", arg=image.element_handle()
    )
    save_shot(page, f"appeal-review-{tag}")
    page.fill("textarea[name=reason]", "ERP 日志证实当时宕机。")
    # The approval rescores the month before it answers (Celery runs inline here): on a busy
    # machine that takes longer than a click's usual wait.
    page.locator("button[data-action=approve]").click(timeout=90_000)
    expect(page.get_by_test_id("appeal")).to_have_attribute("data-state", "approved")
    assert Appeal.objects.get().state == AppealState.APPROVED
    save_shot(page, f"appeal-approved-{tag}")
