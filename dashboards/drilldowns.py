"""The records behind one person's number on one indicator in one period: the drill-down.

Which records count, their values, which ones hurt and their order are the calculator's own
rule, read by ``indicators.records.counted_records_read``; this module only shows them: per
calculator key, the column headers, the fields shown besides the rule's, each row's cells, and a
sentence on the ordering or a note where there is no list. Rows carry the record type (the keys
of ``ingest.record_types.RECORD_TYPES`` where the record type syncs) and id, so "appeal this" can
point at them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from dashboards.drilldown_listings import DRILLDOWNS, EMPTY, Listing
from indicators.models import ComplianceRule
from indicators.records import (
    CountedRecord,
    RecordPage,
    counted_records_page,
    counted_records_read,
)
from org.periods import Window

# Records per page, the worst first; every record can be paged to or found by search.
PAGE_SIZE = 50
SEARCH_CHARS = 64


@dataclass(frozen=True)
class RecordRow:
    """One record in a drill-down: what it is (for appeals), its cells as shown, and whether it
    pulls the number down (late, slow, wrong, below target)."""

    record_type: str
    record_id: int
    cells: tuple[str, ...]
    flagged: bool = False


@dataclass(frozen=True)
class Drilldown:
    """The records that made a number: column headers, the rows of the page shown, how many
    records count in all and how many match the search, the page and how many there are, how
    the rows are ordered, and a note where there is no list (or nothing counted, and why)."""

    headers: list[str]
    rows: list[RecordRow]
    total: int
    ordering: str = ""
    note: str = ""
    matched: int | None = None
    page: int = 1
    pages: int = 1
    first: int = 0  # the position (1-based) of the page's first row among the matches

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _matches(record: CountedRecord, fields: tuple[str, ...], search: str) -> bool:
    """Whether one of the listing's own text fields (the order number first of all; the
    customer, subject, title or course) contains ``search``, ignoring case."""
    return any(
        isinstance(record.values.get(name), str) and search in record.values[name].casefold()
        for name in fields
    )


def _page_of(
    records: list[CountedRecord], fields: tuple[str, ...], page: int, search: str
) -> RecordPage:
    """The page ``page`` of the records (all of them read, worst first) matching ``search``: for
    a rule whose order only pandas knows. A page past the last shows the last."""
    matching = records
    if search:
        needle = search.casefold()
        matching = [record for record in records if _matches(record, fields, needle)]
    page = min(page, max(1, -(-len(matching) // PAGE_SIZE)))
    start = (page - 1) * PAGE_SIZE
    return RecordPage(
        matching[start : start + PAGE_SIZE], total=len(records), matched=len(matching), page=page
    )


def _shown(calculator: str, listing: Listing, paged: RecordPage, searched: bool) -> Drilldown:
    """A page of records as the drill-down shows it: only the page's rows are worded."""
    rows = [
        RecordRow(record.record_type, record.record_id, listing.cells(record.values), record.hurts)
        for record in paged.records
    ]
    start = (paged.page - 1) * PAGE_SIZE
    return Drilldown(
        headers=listing.headers(),
        rows=rows,
        total=paged.total,
        ordering=str(listing.ordering),
        note=""
        if paged.total
        else str(EMPTY.get(calculator, _("No records counted in this period."))),
        matched=paged.matched if searched else None,
        page=paged.page,
        pages=max(1, -(-paged.matched // PAGE_SIZE)),
        first=start + 1 if rows else 0,
    )


def drilldown_read(
    *,
    employee_id: int,
    window: Window,
    calculator: str,
    target: float | None,
    page: int = 1,
    search: str = "",
) -> Drilldown:
    """The records behind one person's value of the indicator computed by ``calculator``, the
    page ``page`` of those matching ``search``; the caller has decided the user may see this
    person. Where the database can sort the rule's order, only the page is read (a 5,000-node
    month costs what its 50 rows do); otherwise every record is read and paged here. A
    calculator without a rule or a listing (a custom one) gets a note instead of a list."""
    listing = DRILLDOWNS.get(calculator)
    search = search.strip()
    if listing is not None and listing.note is None:
        paged = counted_records_page(
            calculator=calculator,
            employee_id=employee_id,
            window=window,
            target=target,
            fields=listing.fields,
            search=search,
            page=page,
            size=PAGE_SIZE,
        )
        if paged is not None:
            return _shown(calculator, listing, paged, bool(search))
    records = None
    if listing is not None:
        records = counted_records_read(
            calculator=calculator,
            employee_id=employee_id,
            window=window,
            target=target,
            fields=listing.fields,
        )
    if records is None:
        return Drilldown([], [], 0, note=_("No record list for this indicator."))
    if listing.note is not None:
        return Drilldown([], [], len(records), note=listing.note(records))
    if (
        calculator == "process_compliance"
        and not records
        and not ComplianceRule.objects.filter(is_active=True).exists()
    ):
        return Drilldown(
            [], [], 0, note=_("The reply checklist has no active rule: nothing is checked.")
        )
    return _shown(
        calculator, listing, _page_of(records, listing.fields, page, search), bool(search)
    )
