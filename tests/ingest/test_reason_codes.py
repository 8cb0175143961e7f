"""Why a row was refused is stored as a message code with its parameters and worded when read,
in the reader's language: a refusal stored during a Chinese request reads in English for an
English reader and the other way round, on the run page and in the API; rows kept before codes
read as they were stored."""

import datetime as dt
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop

from ingest.edits import constraint_refusal
from ingest.models import Order, RejectedRow, Source, SyncRun, SyncStatus
from org.import_rows import RowError, person_from_row
from org.reasons import Reason, reason_stored, reason_text
from tests.ingest.test_pages import xlsx
from tests.ingest.test_sync import FEEDBACK_MAPPING

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def crm(people) -> Source:
    return Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})


def upload(client, source: Source, language: dict) -> SyncRun:
    content = xlsx(
        ["FB1", "C001", "E001", 5, "发货很快", dt.datetime(2026, 10, 8, 14)],
        ["FB2", "C002", "E001", 4, "还不错", "十月十号"],
    )
    client.post(
        f"/sources/{source.id}/",
        {"record_type": "feedback", "file": SimpleUploadedFile("反馈.xlsx", content)},
        **language,
    )
    return SyncRun.objects.get()


def page_reasons(client, run: SyncRun, language: dict) -> str:
    page = client.get(f"/sources/runs/{run.id}/", **language).content.decode()
    start = page.index('data-testid="rejected-row"')
    return html.unescape(page[start : page.index("</tr>", start)])


def api_reasons(client, run: SyncRun, language: dict) -> list[dict]:
    rows = client.get(f"/api/v1/sync-runs/{run.id}/rejected-rows/", **language).json()
    return rows["results"][0]["reasons"]


@pytest.mark.parametrize(
    ("stored_in", "read_in", "field_label", "message"),
    [
        (CHINESE, ENGLISH, "time", "not a date and time: '十月十号'"),
        (ENGLISH, CHINESE, "时间", "不是有效的日期时间：'十月十号'"),
    ],
)
def test_a_refusal_reads_in_the_readers_language(
    as_user, crm, stored_in, read_in, field_label, message
):
    client = as_user("hr")
    run = upload(client, crm, stored_in)
    assert RejectedRow.objects.get(run=run).reasons == [
        {
            "field": "submitted_at",
            "code": "{problem}: {value!r}",
            "params": {"problem": {"code": "not a date and time"}, "value": "十月十号"},
        }
    ]

    assert f"<li>{field_label}: {message}</li>" in page_reasons(client, run, read_in)
    reason = api_reasons(client, run, read_in)[0]
    assert (reason["field"], reason["field_label"], reason["message"]) == (
        "submitted_at",
        field_label,
        message,
    )


def test_a_row_kept_before_codes_reads_as_it_was_stored(as_user, crm):
    run = SyncRun.objects.create(source=crm, status=SyncStatus.SUCCEEDED, fetched=1, rejected=1)
    RejectedRow.objects.create(
        run=run,
        record_type="feedback",
        row_number=2,
        raw={"反馈编号": "FB2"},
        reasons=[{"field": "employee", "message": "未知的员工 'E999'（按 employee_no 查找）"}],
    )
    client = as_user("hr")
    assert "未知的员工 'E999'（按 employee_no 查找）</li>" in page_reasons(client, run, ENGLISH)
    assert api_reasons(client, run, ENGLISH) == [
        {
            "field": "employee",
            "field_label": "employee",
            "message": "未知的员工 'E999'（按 employee_no 查找）",
            "code": None,
            "params": None,
        }
    ]


def test_a_refusal_by_the_database_keeps_the_rules_code_or_the_databases_words():
    field, reason = constraint_refusal(
        Order,
        IntegrityError(
            'new row for relation "ingest_order" violates check constraint '
            '"order_confirmed_not_before_submitted"\nDETAIL: …'
        ),
    )
    assert field == "confirmed_at"
    assert reason.code == "An order cannot be confirmed before the customer submitted it."
    with translation.override("zh-hans"):
        assert str(reason) == "订单的确认时间不能早于客户提交时间。"

    field, reason = constraint_refusal(Order, IntegrityError("disk full\nDETAIL: …"))
    assert (field, reason.stored()) == (
        "",
        {"code": "the database refused the row: {error}", "params": {"error": "disk full"}},
    )
    with translation.override("en"):
        assert str(reason) == "the database refused the row: disk full"


def test_the_people_imports_refusals_are_codes_worded_when_read():
    row = {"employee_no": "H1", "name": "甲", "team": "华东", "level": "实习"}
    with pytest.raises(RowError) as refused:
        person_from_row(2, row, {"junior": "junior"}, dt.date(2025, 1, 1))
    reason = refused.value.reason
    assert reason.stored() == {
        "code": "%(value)s is not a level; use junior, intermediate or senior.",
        "params": {"value": "实习"},
    }
    with translation.override("en"):
        assert str(reason) == "实习 is not a level; use junior, intermediate or senior."
    with translation.override("zh-hans"):
        assert str(reason) == "实习 不是职级；请使用初级、中级或高级。"


def test_nested_lazy_and_listed_parameters_are_worded_in_turn():
    reason = Reason(
        gettext_noop("its {model} {value!r} was refused in this sync: {reasons}"),
        {
            "model": gettext_lazy("order"),
            "value": "SO1",
            "reasons": [
                Reason(gettext_noop("required, but empty")).stored(),
                {"field": "amount", "message": "旧的理由"},
            ],
        },
    )
    stored = reason.stored()
    assert stored["params"]["model"] == {"code": "order"}
    with translation.override("zh-hans"):
        assert reason_text(stored) == "其订单 'SO1' 已在本次同步中被拒收：必填，但为空; 旧的理由"
    with translation.override("en"):
        assert reason_text(stored) == (
            "its order 'SO1' was refused in this sync: required, but empty; 旧的理由"
        )


def test_plain_text_is_kept_as_it_is_and_a_code_missing_a_parameter_still_reads():
    assert reason_stored("already worded") == {"message": "already worded"}
    assert reason_text({"code": "unknown value {value!r} (allowed: {allowed})"}) == (
        "unknown value {value!r} (allowed: {allowed})"
    )
