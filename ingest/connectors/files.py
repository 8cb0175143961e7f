"""File connector: reads a CSV or XLSX file, from a path on the server or from uploaded bytes.

Config (``kind="file"``)::

    {
        "path": "/srv/imports/feedback.xlsx",  # a file the server can read, or instead:
        "upload": b"...",                      # the bytes of a one-off upload (never stored)
        "filename": "反馈.xlsx",     # with "upload": names it in errors, gives the format
        "format": "xlsx",       # "csv" | "xlsx"; default from the extension (.csv, .xlsx, .xlsm)
        "encoding": "auto",     # csv: "auto" (UTF-8, else GB18030), "utf-8", "gbk" or any codec
        "delimiter": ",",       # csv
        "sheet": "反馈",         # xlsx: a sheet name or 0-based index; default the first sheet
        "header_row": 1,        # the row that names the columns; rows above it are ignored
    }

Each data row becomes a dict keyed by the header's names (stripped); columns with an empty
header are ignored and cells missing from a short row are None. CSV values are the strings of
the file; XLSX values are what Excel shows as stored (numbers, datetimes for date cells, the
cached result of formulas). Fully empty rows are skipped. Row numbers are those a person sees in
Excel: with the header in row 1 the first data row is row 2, and a batch never spans a skipped
row, so ``first_row + i`` stays the true row number of ``rows[i]``.

A UTF-8 byte order mark is dropped. "auto" reads the file as UTF-8 when all of it is valid UTF-8
and as GB18030 (a superset of GBK and GB2312, what Chinese Excel saves CSV as) otherwise.

Files are read whole every time: ``since`` is ignored, and since records are upserted by their
source id a reread costs little and changes nothing that has not changed.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext

from ingest.connectors.base import (
    Batch,
    ConnectorError,
    SourceMisconfigured,
    check_batch_size,
    invalid_setting,
    required_setting,
)
from ingest.connectors.guard import SourcePolicy

FORMATS_BY_EXTENSION = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
# What Chinese Excel and ERP exports use when a CSV is not UTF-8.
FALLBACK_ENCODING = "gb18030"
DETECTION_CHUNK = 1 << 20  # bytes

NumberedValues = tuple[int, Sequence[object]]
NumberedRow = tuple[int, dict[str, object]]


class FileConnector:
    """Reads one CSV or XLSX file as described in the module docstring."""

    def __init__(self, config: Mapping[str, object], *, policy: SourcePolicy | None = None) -> None:
        upload = config.get("upload")
        if upload is not None:
            if not isinstance(upload, bytes | bytearray):
                raise invalid_setting("upload", type(upload).__name__)
            self.path, self._upload = None, bytes(upload)
            self.name = str(config.get("filename") or "upload")
        else:
            path = Path(str(required_setting(config, "path")))
            policy = policy or SourcePolicy.from_settings()
            self.path, self._upload = policy.path_check(path, setting="path"), None
            self.name = str(path)
        extension = Path(self.name).suffix.lower()
        self.format = config.get("format") or FORMATS_BY_EXTENSION.get(extension)
        if self.format not in ("csv", "xlsx"):
            raise invalid_setting("format", self.format)
        self.encoding = str(config.get("encoding") or "auto")
        if self.encoding != "auto":
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise invalid_setting("encoding", self.encoding) from None
        self.delimiter = config.get("delimiter") or ","
        if not isinstance(self.delimiter, str) or len(self.delimiter) != 1:
            raise invalid_setting("delimiter", self.delimiter)
        self.sheet = config.get("sheet")
        self.header_row = config.get("header_row", 1)
        is_count = isinstance(self.header_row, int) and not isinstance(self.header_row, bool)
        if not is_count or self.header_row < 1:
            raise invalid_setting("header_row", self.header_row)

    def batches(self, *, since: str | None, batch_size: int) -> Iterator[Batch]:
        """Yield the file's data rows in file order; ``since`` is ignored (files are read whole)."""
        check_batch_size(batch_size)
        numbered_values = self._csv_values() if self.format == "csv" else self._xlsx_values()
        rows: list[dict[str, object]] = []
        first_row = 0
        for number, row in self._rows(numbered_values):
            if rows and (len(rows) == batch_size or number != first_row + len(rows)):
                yield Batch(rows=rows, first_row=first_row)
                rows = []
            if not rows:
                first_row = number
            rows.append(row)
        if rows:
            yield Batch(rows=rows, first_row=first_row)

    def _rows(self, numbered_values: Iterator[NumberedValues]) -> Iterator[NumberedRow]:
        """Data rows as dicts keyed by the header, with their row numbers; empty rows skipped."""
        header = None
        for number, values in numbered_values:
            if number < self.header_row:
                continue
            if number == self.header_row:
                header = self._header(values)
                continue
            if all(_is_blank(value) for value in values):
                continue
            yield (
                number,
                {
                    name: values[index] if index < len(values) else None
                    for index, name in enumerate(header)
                    if name
                },
            )
        if header is None:
            raise self._no_header()

    def _header(self, values: Sequence[object]) -> list[str]:
        names = ["" if value is None else str(value).strip() for value in values]
        if not any(names):
            raise self._no_header()
        seen = set()
        for name in filter(None, names):
            if name in seen:
                raise ConnectorError(
                    gettext("The column %(column)s appears twice in the header of %(name)s.")
                    % {"column": name, "name": self.name}
                )
            seen.add(name)
        return names

    def _no_header(self) -> ConnectorError:
        return ConnectorError(
            gettext("Row %(row)s of %(name)s holds no column names.")
            % {"row": self.header_row, "name": self.name}
        )

    def _csv_values(self) -> Iterator[NumberedValues]:
        encoding = self._detected_encoding() if self.encoding == "auto" else self.encoding
        # "utf-8-sig" also reads files without a byte order mark, and drops it when there is one
        # (Excel writes one), so it never ends up in the first column's name.
        codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        with (
            self._open() as binary,
            io.TextIOWrapper(binary, encoding=codec, newline="") as text,
        ):
            # Counts records, not lines: Excel shows a quoted cell with line breaks in one row.
            records = enumerate(csv.reader(text, delimiter=self.delimiter), start=1)
            try:
                yield from records
            except UnicodeDecodeError as err:
                raise SourceMisconfigured(
                    gettext("%(name)s is not %(encoding)s text; set another encoding.")
                    % {"name": self.name, "encoding": encoding}
                ) from err
            except csv.Error as err:
                raise ConnectorError(
                    gettext("%(name)s is not a readable CSV file: %(error)s")
                    % {"name": self.name, "error": err}
                ) from err

    def _detected_encoding(self) -> str:
        """UTF-8 when the whole file decodes as UTF-8, else the Chinese fallback."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self._open() as binary:
            try:
                while chunk := binary.read(DETECTION_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return FALLBACK_ENCODING
        return "utf-8"

    def _xlsx_values(self) -> Iterator[NumberedValues]:
        import openpyxl

        with self._open() as binary:
            try:
                workbook = openpyxl.load_workbook(binary, read_only=True, data_only=True)
            except Exception as err:  # a damaged file surfaces as many unrelated exception types
                raise self._unreadable_xlsx(err) from err
            try:
                sheet = self._worksheet(workbook)
                # Some generators write a wrong sheet size, which would cut rows or columns off.
                sheet.reset_dimensions()
                try:
                    yield from enumerate(sheet.iter_rows(values_only=True), start=1)
                except Exception as err:
                    raise self._unreadable_xlsx(err) from err
            finally:
                workbook.close()

    def _worksheet(self, workbook):
        if self.sheet is None:
            return workbook.worksheets[0]
        if isinstance(self.sheet, str) and self.sheet in workbook.sheetnames:
            return workbook[self.sheet]
        is_index = isinstance(self.sheet, int) and not isinstance(self.sheet, bool)
        if is_index and 0 <= self.sheet < len(workbook.worksheets):
            return workbook.worksheets[self.sheet]
        raise SourceMisconfigured(
            gettext("%(name)s has no sheet %(sheet)s; its sheets are: %(sheets)s.")
            % {"name": self.name, "sheet": self.sheet, "sheets": ", ".join(workbook.sheetnames)}
        )

    def _unreadable_xlsx(self, err: Exception) -> ConnectorError:
        return ConnectorError(
            gettext("%(name)s is not a readable XLSX file: %(error)s")
            % {"name": self.name, "error": str(err) or type(err).__name__}
        )

    def _open(self) -> BinaryIO:
        if self._upload is not None:
            return io.BytesIO(self._upload)
        try:
            return self.path.open("rb")
        except FileNotFoundError:
            raise SourceMisconfigured(
                gettext("No such file: %(path)s") % {"path": self.path}
            ) from None
        except OSError as err:
            raise SourceMisconfigured(
                gettext("Cannot read %(name)s: %(error)s") % {"name": self.name, "error": err}
            ) from err


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
