"""Mappings that look values up in other files, compute, filter and unpivot: the expression
language, each lookup rule, a marketplace export synced through its mapping alone, and the
checks a mapping gets when saved."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from ingest.expressions import (
    ExpressionError,
    expression_check,
    expression_evaluate,
    expression_parse,
)
from ingest.joins import SourceTables
from ingest.models import Feedback, Order, OrderNode, RejectedRow, Source, SyncStatus
from ingest.record_types import RECORD_TYPES
from ingest.records import MappingError, mapping_check
from ingest.services import source_sync, sync_run_create
from ingest.sources import source_config_refusal
from ingest.transform import mapping_transform
from org.reasons import Reason
from tests.clock import LAST_MONTH, SHANGHAI, at
from tests.ingest.conftest import worded
from tests.ingest.marketplace import marketplace_files, marketplace_mappings, write_csv

ZONE = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def evaluate(text: str, **columns) -> tuple[list, list]:
    """An expression's values and problems over a frame of ``columns``."""
    frame = pd.DataFrame(columns) if columns else pd.DataFrame(index=range(1))
    result = expression_evaluate(expression_parse(text), frame, zone=ZONE)
    values = [None if pd.isna(value) else value for value in result.data]
    # Problems are reasons worded when read (here in English, the tests' language).
    problems = [str(p) if isinstance(p, Reason) else None for p in result.problems]
    return values, problems


# ---- the expression language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "columns", "values"),
    [
        ("price * 2 + 1", {"price": ["3", "1.5", None]}, [7.0, 4.0, None]),
        ("(a - b) / 4 % 3", {"a": ["20"], "b": ["4"]}, [1.0]),
        ("a ** 2", {"a": ["-3"]}, [9.0]),
        ("-a + +b", {"a": ["2"], "b": ["5"]}, [3.0]),
        ("coalesce(a, b, 0)", {"a": [None, "", "7"], "b": ["2", None, "9"]}, [2.0, 0.0, 7.0]),
        ("if(a > 10, 'big', 'small')", {"a": ["11", "3"]}, ["big", "small"]),
        ("'big' if a > 10 else 'small'", {"a": ["11", "3"]}, ["big", "small"]),
        (
            "if(a == 'x', if(b == 'y', 1, 2), 3)",
            {"a": ["x", "x", "z"], "b": ["y", "n", "y"]},
            [1.0, 2.0, 3.0],
        ),
        (
            "concat('SO-', no, '/', part)",
            {"no": ["12", "13"], "part": ["A", None]},
            ["SO-12/A", "SO-13/"],
        ),
        ("'SO-' + no", {"no": ["12", None]}, ["SO-12", None]),
        (
            "a >= 2 and not (b == 'x') or c in ('k', 'm')",
            {"a": ["3", "1"], "b": ["y", "y"], "c": ["", "m"]},
            [True, True],
        ),
        ("a != 'x'", {"a": ["x", "y", None]}, [False, True, True]),
        ("a == 'x'", {"a": ["x", "y", None]}, [True, False, False]),
        ("a == null", {"a": ["x", ""]}, [False, True]),
        ("a not in (1, 2)", {"a": ["1", "3", None]}, [False, True, True]),
        ("1 < a <= 3", {"a": ["1", "2", "3", "4"]}, [False, True, True, False]),
        ("is_empty(a)", {"a": ["x", " ", None]}, [False, True, True]),
        ("col('order status') == 'shipped'", {"order status": ["shipped"]}, [True]),
        ("下单金额 * 2", {"下单金额": ["1.5"]}, [3.0]),
        ("number(a) + 1", {"a": [" 2 "]}, [3.0]),
        ("text(a) + '!'", {"a": [5.0]}, ["5!"]),
    ],
)
def test_expressions_compute_over_every_row(text, columns, values):
    assert evaluate(text, **columns) == (values, [None] * len(values))


def test_times_move_by_hours_and_differ_in_hours():
    columns = {
        "start": ["2026-03-01 10:00", "2026-03-01T23:30:00+08:00"],
        "end": ["2026-03-04 10:00", "2026-03-02 01:00"],
    }
    later, _ = evaluate("start + 24", **columns)
    earlier, _ = evaluate("end - 1.5", **columns)
    hours, _ = evaluate("end - start", **columns)
    compared, _ = evaluate("end > start + 48", **columns)

    # Naive times are the mapping's zone (Shanghai, UTC+8); results are UTC instants.
    assert later == [
        pd.Timestamp("2026-03-02 02:00", tz="UTC"),
        pd.Timestamp("2026-03-02 15:30", tz="UTC"),
    ]
    assert earlier[0] == pd.Timestamp("2026-03-04 00:30", tz="UTC")
    assert hours == [72.0, 1.5]
    assert compared == [True, False]
    assert evaluate("time(a)", a=["not a day"])[1] == ["not a date and time: 'not a day'"]


def test_a_value_that_cannot_be_read_refuses_its_row_only_and_only_where_it_is_needed():
    values, problems = evaluate("price * 2", price=["2", "abc", None])
    assert values == [4.0, None, None]
    assert problems == [None, "not a number: 'abc'", None]  # empty is unknown, not wrong
    # The branch not taken and the coalesce argument not needed refuse nothing.
    assert evaluate("if(kind == 'a', 1, price * 2)", kind=["a"], price=["abc"])[1] == [None]
    assert evaluate("coalesce(fee, price * 2)", fee=["1"], price=["abc"])[1] == [None]
    assert evaluate("a / b", a=["1", "1"], b=["0", "2"]) == (
        [None, 0.5],
        ["division by zero", None],
    )
    assert evaluate("a + 1", b=["x"])[1] == ["the source row has no field 'a'"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("price.__class__", "Attribute access (a.b) is not allowed"),
        ("().__class__.__bases__[0].__subclasses__()", "Attribute access (a.b) is not allowed"),
        ("__import__('os').system('id')", "Attribute access (a.b) is not allowed"),
        ("__import__('os')", "Only these functions may be called: coalesce, if, concat"),
        ("open('/etc/passwd')", "Only these functions may be called"),
        ("eval('1')", "Only these functions may be called"),
        ("__builtins__", "Names starting with __ are not allowed"),
        ("rows[0]", "Indexing (a[b]) is not allowed"),
        ("lambda: 1", "lambda is not allowed"),
        ("[x for x in rows]", "ListComp is not allowed"),
        ("f'{price}'", "An f-string is not allowed"),
        ("(x := 1)", ":= is not allowed"),
        ("9 ** 9 ** 9", "A power needs a literal exponent of at most 10"),
        ("price ** 100", "A power needs a literal exponent of at most 10"),
        ("price ** amount", "A power needs a literal exponent of at most 10"),
        ("10 ** 99999", "A power needs a literal exponent of at most 10"),
        ("99999999999999999999", "is too large for an expression"),
        ("price // 2", "The operator // is not allowed"),
        ("price << 64", "The operator << is not allowed"),
        ("coalesce(a=1)", "coalesce() takes plain arguments"),
        ("if(a, b)", "if() takes 3 argument(s), not 2"),
        ("col(name)", "col() takes a column name in quotes"),
        ("price +", "Not a valid expression: invalid syntax"),
        ("time(a) * 2", "* takes numbers, not a time and a number"),
        ("time(a) + time(b)", "+ cannot take a time and a time"),
        ("'a' - 1", "- cannot take a text and a number"),
        ("time(a) > 3", "Cannot compare a time with a number"),
        ("a > null", "Only == and != compare with null"),
        ("x" * 2001, "at most 2000 characters"),
        ("", "must be a non-empty text"),
    ],
)
def test_expressions_outside_the_allow_list_are_refused_before_anything_runs(text, message):
    with pytest.raises(ExpressionError, match=None) as refused:
        expression_check(expression_parse(text), zone=ZONE)
    assert message in str(refused.value)


def test_the_evaluator_never_hands_an_expression_to_python():
    import ast
    import inspect

    from ingest.expressions import evaluate, parse

    names = {
        node.id if isinstance(node, ast.Name) else node.attr
        for module in (parse, evaluate)
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Name | ast.Attribute)
    }
    assert not names & {"eval", "exec", "compile", "__import__", "getattr", "literal_eval"}


# ---- lookups into another file of the source ---------------------------------------------------


@pytest.fixture
def lines_file(tmp_path):
    return write_csv(
        tmp_path / "lines.csv",
        [
            ["order_id", "seller_id", "price"],
            ["O1", "S1", "100"],
            ["O1", "S2", "250"],
            ["O1", "S1", "40"],
            ["O2", "S3", "80"],
            ["O2", "S3", "x"],
            ["O3", "S4", "5"],
        ],
    )


@pytest.mark.parametrize(
    ("rule", "extra", "values", "several"),
    [
        ("first", {"take": "seller_id"}, ["S1", "S3", "S4", None], [True, False, False, False]),
        (
            "largest",
            {"take": "seller_id", "by": "price"},
            ["S2", "S3", "S4", None],
            [True, False, False, False],
        ),
        # O2 has a line whose price is not a number: its total is unknown, not 80.
        ("sum", {"take": "price"}, [390.0, None, 5.0, None], [False] * 4),
        ("count", {}, [3.0, 2.0, 1.0, 0.0], [False] * 4),
    ],
)
def test_a_join_picks_by_its_rule_when_several_rows_match(lines_file, rule, extra, values, several):
    mapping = {
        "tables": {"lines": {"fetch": {"path": lines_file}}},
        "joins": {
            "looked_up": {
                "table": "lines",
                "on": "order_no",
                "key": "order_id",
                "rule": rule,
                **extra,
            }
        },
        "fields": {"merchandiser": "looked_up"},
    }
    raw = pd.DataFrame({"order_no": ["O1", "O2", " O3 ", "O4"]})
    tables = SourceTables(kind="file", config={})
    transformed = mapping_transform(RECORD_TYPES["order"], mapping, raw, tables=tables)

    found = [None if pd.isna(value) else value for value in transformed.frame["looked_up"]]
    assert found == values
    assert transformed.several.tolist() == several


def test_a_responsible_person_computed_from_several_candidates_is_counted(lines_file):
    mapping = {
        "tables": {"lines": {"fetch": {"path": lines_file}}},
        "joins": {"seller": {"table": "lines", "on": "order_id", "take": "seller_id"}},
        # A computed name that is a field fills it; one naming itself reads the source column.
        "computed": {"merchandiser": "coalesce(seller, 'S0')", "amount": "amount / 100"},
    }
    raw = pd.DataFrame({"order_id": ["O1", "O2", "O9"], "amount": ["1250", "80", "7"]})
    transformed = mapping_transform(
        RECORD_TYPES["order"], mapping, raw, tables=SourceTables(kind="file", config={})
    )

    assert transformed.frame["merchandiser"].tolist() == ["S1", "S3", "S0"]
    assert transformed.frame["amount"].tolist() == [12.5, 0.8, 0.07]
    assert transformed.mapping["fields"] == {"merchandiser": "merchandiser", "amount": "amount"}
    assert transformed.several.tolist() == [True, False, False]


def test_a_table_is_read_once_per_sync_whatever_the_number_of_joins_and_batches(
    lines_file, monkeypatch
):
    from ingest import joins

    reads = []
    real = joins.connector_for

    def counted(kind, config, **kwargs):
        reads.append(config["path"])
        return real(kind, config, **kwargs)

    monkeypatch.setattr(joins, "connector_for", counted)
    mapping = {
        "tables": {"lines": {"fetch": {"path": lines_file}}},
        "joins": {
            "total": {"table": "lines", "on": "order_id", "take": "price", "rule": "sum"},
            "lines": {"table": "lines", "on": "order_id", "rule": "count"},
        },
    }
    tables = SourceTables(kind="file", config={})
    for batch in (["O1"], ["O2", "O3"]):
        mapping_transform(
            RECORD_TYPES["order"], mapping, pd.DataFrame({"order_id": batch}), tables=tables
        )
    assert reads == [lines_file]


# ---- a marketplace export, through its mapping alone -------------------------------------------


def test_a_marketplace_export_syncs_through_joins_computed_values_a_filter_and_an_unpivot(
    marketplace, people
):
    run = source_sync(sync_run_create(source=marketplace))

    assert run.status == SyncStatus.SUCCEEDED, run.error
    # 5 orders + 5 order rows for nodes + 3 reviews; O3's nodes skipped by the filter.
    assert (run.fetched, run.created, run.rejected, run.skipped) == (13, 4 + 5 + 2, 3, 1)
    # O1 and O4 have lines of two sellers, and so has R1's order: the rule picked one each.
    assert run.several_responsible == 3

    orders = {o.external_id: o for o in Order.objects.select_related("merchandiser")}
    assert {key: (o.merchandiser.employee_no, o.amount) for key, o in orders.items()} == {
        "O1": ("E002", Decimal("360.00")),
        "O2": ("E001", Decimal("100.00")),
        "O3": ("E001", Decimal("55.00")),
        "O4": ("E002", Decimal("140.00")),
    }
    assert orders["O3"].status == "cancelled"
    assert orders["O2"].customer == people["beta"]

    nodes = {(n.order.external_id, n.node): n for n in OrderNode.objects.select_related("order")}
    assert sorted(nodes) == [
        ("O1", "delivery"),
        ("O1", "shipment"),
        ("O2", "delivery"),
        ("O2", "shipment"),
        ("O4", "delivery"),
    ]
    delivery = nodes[("O1", "delivery")]
    assert delivery.threshold_hours == Decimal("72.00")
    # Deadline from the expression: carrier hand-over plus 72 hours, the estimated day.
    assert delivery.started_at == at(LAST_MONTH, 2, 10)
    assert delivery.due_at == at(LAST_MONTH, 5, 10)
    assert delivery.completed_at == at(LAST_MONTH, 4, 10)
    assert nodes[("O2", "delivery")].threshold_hours == Decimal("96.00")
    assert nodes[("O1", "shipment")].due_at == at(LAST_MONTH, 3, 10)
    assert nodes[("O4", "delivery")].completed_at is None

    reviews = {f.external_id: f for f in Feedback.objects.select_related("employee", "order")}
    assert sorted(reviews) == ["R1", "R2"]
    assert reviews["R1"].employee.employee_no == "E002"
    assert reviews["R1"].customer == people["acme"]
    assert reviews["R1"].order == orders["O1"]
    assert reviews["R2"].employee.employee_no == "E001"

    refused = {
        (row.record_type, row.row_number): worded(row.reasons)
        for row in RejectedRow.objects.filter(run=run)
    }
    assert refused[("order", 6)] == [{"field": "amount", "message": "not a number: 'abc'"}]
    # O4 (source row 5) became two nodes: the one refused is named by its item.
    assert refused[("order_node", 5)] == [
        {
            "field": "shipment.completed_at",
            "message": "A node cannot be completed before it started.",
        }
    ]
    assert {reason["field"] for reason in refused[("feedback", 4)]} >= {"order", "customer"}
    assert RejectedRow.objects.get(record_type="order_node").raw["order_id"] == "O4"


def test_a_second_sync_of_the_same_export_changes_nothing(marketplace):
    source_sync(sync_run_create(source=marketplace))
    again = source_sync(sync_run_create(source=marketplace))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 11)
    assert (again.skipped, again.several_responsible) == (1, 3)


def test_the_run_page_and_api_say_how_many_rows_were_skipped_and_had_several_sellers(
    marketplace, as_user
):
    run = source_sync(sync_run_create(source=marketplace))
    client = as_user("hr")

    page = client.get(f"/sources/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 source row was left out by the mapping's filter" in page
    assert "3 records had several candidates for their responsible person" in page
    # Landed: 13 read − 3 refused − 1 skipped.
    assert "9 good rows landed." in page
    body = client.get(f"/api/v1/sync-runs/{run.pk}/").json()
    assert (body["skipped"], body["several_responsible"]) == (1, 3)


# ---- checks when a mapping is saved ------------------------------------------------------------

ORDER_FIELDS = {
    "external_id": "order_id",
    "customer": "customer_unique_id",
    "merchandiser": "staff_no",
    "submitted_at": "purchased_at",
    "source_created_at": "purchased_at",
    "status": "order_status",
}


@pytest.mark.parametrize(
    ("record_type", "mapping", "message"),
    [
        (
            "order",
            {"fields": ORDER_FIELDS, "computed": {"amount": "price *"}},
            "order: amount: Not a valid expression: invalid syntax",
        ),
        (
            "order",
            {"fields": ORDER_FIELDS, "computed": {"amount": "price.real"}},
            "order: amount: Attribute access (a.b) is not allowed",
        ),
        (
            "order",
            {"fields": ORDER_FIELDS, "constants": {"amount": 1}, "filter": "1 + 1"},
            "order: filter: A number is not a yes/no value.",
        ),
        (
            "order",
            {"fields": ORDER_FIELDS, "computed": {"amount": "a", "a": "b + 1", "b": "a * 2"}},
            "these values refer to each other in a circle",
        ),
        (
            "order",
            {"fields": {**ORDER_FIELDS, "amount": "total"}, "computed": {"amount": "total * 2"}},
            "order: amount filled twice",
        ),
        (
            "order",
            {"fields": ORDER_FIELDS, "constants": {"amount": 1}, "filtre": "x == 1"},
            "order: unknown mapping setting filtre",
        ),
        (
            "order",
            {
                "fields": ORDER_FIELDS,
                "constants": {"amount": 1},
                "joins": {"seller": {"table": "lines", "on": "order_id", "take": "seller"}},
            },
            "order: join 'seller': the table 'lines' is not among the mapping's tables.",
        ),
        (
            "order",
            {
                "fields": ORDER_FIELDS,
                "constants": {"amount": 1},
                "tables": {"lines": {"fetch": {"path": "lines.csv"}}},
                "joins": {"n": {"table": "lines", "on": "order_id", "rule": "median"}},
            },
            "unknown rule 'median'; the rules are first, largest, sum, count.",
        ),
        (
            "order",
            {"fields": ORDER_FIELDS},
            "order: the mapping must fill amount (a source field, a computed value or a constant)",
        ),
        (
            "order_node",
            {
                "fields": {"order": "order_id"},
                "unpivot": [{"name": "ship", "constants": {"node": "shipment", "colour": "red"}}],
            },
            "order_node: unpivot.ship: perf has no field 'colour'.",
        ),
        (
            "order_node",
            {
                "fields": {"order": "order_id"},
                "unpivot": [
                    {
                        "constants": {"node": "shipment"},
                        "computed": {"started_at": "a", "threshold_hours": "2"},
                    },
                    {"constants": {"node": "delivery"}, "computed": {"threshold_hours": "2"}},
                ],
            },
            "order_node: the mapping must fill started_at",
        ),
        (
            "order_node",
            {
                "fields": {"order": "order_id"},
                "unpivot": [
                    {
                        "constants": {"node": "delivery"},
                        "computed": {"started_at": "a", "threshold_hours": "b -"},
                    },
                ],
            },
            "order_node: unpivot.delivery.threshold_hours: Not a valid expression",
        ),
    ],
)
def test_a_wrong_mapping_is_refused_naming_the_record_type_and_field(record_type, mapping, message):
    with pytest.raises(MappingError) as refused:
        mapping_check(record_type, mapping)
    assert message in str(refused.value)


def test_computed_and_unpivoted_values_fill_required_fields(tmp_path):
    files = marketplace_files(tmp_path)
    for record_type, mapping in marketplace_mappings(files).items():
        mapping_check(record_type, mapping)


def test_saving_checks_every_column_a_mapping_reads_against_the_sources_first_rows(
    tmp_path, as_user
):
    files = marketplace_files(tmp_path)
    mappings = marketplace_mappings(files)
    mappings["order"]["computed"]["amount"] = "lines_total + coalesce(fraight, 0)"
    mappings["order"]["joins"]["seller"]["by"] = "unit_price"
    response = as_user("admin").post(
        "/api/v1/sources/",
        {"name": "shop", "kind": "file", "config": {"path": files["orders"]}, "mappings": mappings},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    errors = response.json()["mappings"]
    assert any(
        error.startswith(
            "order: amount reads the column 'fraight', which the first rows of the "
            "source do not have (they have: approved_at, carrier_at"
        )
        for error in errors
    ), errors
    assert any(
        "order: seller reads the column 'unit_price'" in e and "of items" in e for e in errors
    )
    assert not Source.objects.exists()


def test_a_source_that_cannot_be_read_when_saved_is_saved_and_says_what_was_not_checked(
    tmp_path, as_user
):
    files = marketplace_files(tmp_path)
    response = as_user("admin").post(
        "/api/v1/sources/",
        {
            "name": "shop",
            "kind": "file",
            "config": {"path": str(tmp_path / "not-there-yet.csv")},
            "mappings": {"order": marketplace_mappings(files)["order"]},
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 201, response.json()
    notes = response.json()["sample_notes"]
    assert len(notes) == 1 and notes[0].startswith("order: columns not checked against the source")
    assert Source.objects.filter(name="shop").exists()


def test_the_admin_form_refuses_a_missing_column_and_warns_of_an_unreadable_source(
    tmp_path, as_user
):
    files = marketplace_files(tmp_path)
    mapping = marketplace_mappings(files)["feedback"]
    client = as_user("admin")

    def post(path: str, mapping: dict):
        import json

        return client.post(
            "/admin/ingest/source/add/",
            {
                "name": "reviews",
                "kind": "file",
                "config": json.dumps({"path": path}),
                "mappings": json.dumps({"feedback": mapping}),
                "enabled": "on",
            },
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )

    wrong = {**mapping, "fields": {**mapping["fields"], "csat": "stars"}}
    refused = post(files["orders"], wrong)
    assert "feedback: csat reads the column &#x27;stars&#x27;" in refused.content.decode()
    assert not Source.objects.exists()

    saved = post(files["orders"], {**mapping, "fetch": {"path": str(tmp_path / "later.csv")}})
    assert Source.objects.filter(name="reviews").exists()
    assert "not checked against the source" in saved.content.decode()


def test_a_join_table_outside_the_import_folder_is_refused_like_any_source_file(tmp_path):
    mappings = {
        "order": {
            "tables": {"secrets": {"fetch": {"path": "/etc/passwd"}}},
            "joins": {"x": {"table": "secrets", "on": "order_id", "take": "root"}},
        }
    }
    refusal = source_config_refusal(
        kind="file", config={"path": str(tmp_path / "orders.csv")}, mappings=mappings
    )
    assert (
        refusal is not None and "/etc/passwd" in refusal and "outside the import folder" in refusal
    )


def test_times_from_expressions_are_stored_to_the_second_in_utc(marketplace):
    source_sync(sync_run_create(source=marketplace))
    shipment = OrderNode.objects.get(order__external_id="O1", node="shipment")
    assert shipment.started_at == dt.datetime(
        *at(LAST_MONTH, 1, 10).astimezone(dt.UTC).timetuple()[:6], tzinfo=dt.UTC
    )
    assert shipment.started_at.astimezone(SHANGHAI).hour == 10
