"""The people import's file side: its columns in Chinese and English, reading an uploaded CSV or
XLSX into rows, and the empty template HR fills in."""

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The upload form's limit is the one ingest's file uploads use (ingest.forms imports it from
# here, as org sits below ingest), and perf.limits lets such a body through.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_EXTENSIONS = (".xlsx", ".csv")
# One import is checked and written inside one request (3,000 people take about 1.5 s): a
# bigger company imports in several files.
MAX_ROWS = 20_000


def spreadsheet_upload_check(upload):
    """An uploaded file, if it is an Excel or CSV file within the limit; ``ValidationError``
    naming it otherwise. Every upload form (people, source rows) checks its file with this."""
    if Path(upload.name).suffix.lower() not in UPLOAD_EXTENSIONS:
        raise forms.ValidationError(
            gettext("%(name)s is not an Excel (.xlsx) or CSV (.csv) file.") % {"name": upload.name}
        )
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            gettext("%(name)s is %(size)s; files of at most %(limit)s are accepted.")
            % {
                "name": upload.name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(MAX_UPLOAD_BYTES),
            }
        )
    return upload


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    label: Promise


# The import's columns: key (the API's field name), the Chinese and the English header; a file
# may use either header for any column, in any order.
COLUMNS = [
    Column("employee_no", "工号", "Employee number", _("employee number")),
    Column("name", "姓名", "Name", _("name")),
    Column("team", "团队路径", "Team path", _("team path")),
    Column("level", "职级", "Level", _("level")),
    Column("manager", "直属上级工号", "Manager employee number", _("manager")),
    Column("hire_date", "入职日期", "Hire date", _("hire date")),
    Column("leave_date", "离职日期", "Leave date", _("leave date")),
    Column("active", "在职", "Active", _("active")),
    Column("username", "登录账号", "Username", _("username")),
    Column("email", "邮箱", "Email", _("email")),
]
COLUMN_LABELS = {column.key: column.label for column in COLUMNS}
REQUIRED_COLUMNS = ("employee_no", "name", "team", "level", "hire_date")
_HEADERS = {
    header.strip().casefold(): column.key
    for column in COLUMNS
    for header in (column.zh, column.en, column.key)
}


class PeopleFileError(Exception):
    """The file as a whole cannot be read (not a table, no header, a required column missing)."""


def people_rows_from_file(*, name: str, data: bytes) -> list[tuple[int, dict[str, object]]]:
    """The file's data rows as (line number, {column key: cell}), blank rows skipped.

    Raises ``PeopleFileError`` saying why when the file cannot be read or lacks a column."""
    if Path(name).suffix.lower() == ".xlsx":
        lines = _xlsx_lines(name, data)
    else:
        lines = _csv_lines(name, data)
    header_line = next(lines, None)
    if header_line is None:
        raise PeopleFileError(gettext("%(name)s is empty.") % {"name": name})
    keys = [_HEADERS.get(str(cell or "").strip().casefold()) for cell in header_line[1]]
    missing = [key for key in REQUIRED_COLUMNS if key not in keys]
    if missing:
        raise PeopleFileError(
            gettext("%(name)s has no column %(columns)s; download the template for the headers.")
            % {"name": name, "columns": ", ".join(_header_names(key) for key in missing)}
        )
    rows: list[tuple[int, dict[str, object]]] = []
    for number, cells in lines:
        if len(rows) == MAX_ROWS:
            raise PeopleFileError(
                gettext("%(name)s has more than %(max)d people; split it into several files.")
                % {"name": name, "max": MAX_ROWS}
            )
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        # A row ends at its last filled cell (Excel stores no empty ones): the columns after it
        # are in the file all the same, blank.
        cells = [*cells, *[None] * (len(keys) - len(cells))]
        rows.append((number, {key: cell for key, cell in zip(keys, cells, strict=False) if key}))
    return rows


def _header_names(key: str) -> str:
    column = next(column for column in COLUMNS if column.key == key)
    return f"{column.zh} / {column.en}"


def _csv_lines(name: str, data: bytes):
    # UTF-8 (with or without Excel's byte order mark), else the Chinese fallback, as ingest reads.
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as err:
            raise PeopleFileError(
                gettext("%(name)s is neither UTF-8 nor GB18030 text.") % {"name": name}
            ) from err
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    except csv.Error as err:
        raise PeopleFileError(
            gettext("%(name)s is not a readable CSV file: %(error)s") % {"name": name, "error": err}
        ) from err


def _xlsx_lines(name: str, data: bytes):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # a damaged file surfaces as many unrelated exception types
        raise PeopleFileError(
            gettext("%(name)s is not a readable XLSX file: %(error)s")
            % {"name": name, "error": str(err) or type(err).__name__}
        ) from err
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def people_template_xlsx(*, language: str) -> bytes:
    """An empty workbook whose first row names the columns in Chinese (``zh``) or English."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "人员" if language == "zh" else "People"
    sheet.append([column.zh if language == "zh" else column.en for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
