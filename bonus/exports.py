"""The payroll workbook of a computed bonus pool (openpyxl, write-only, as the dashboards'
exports): one row per person (employee number, name, team, level, coefficient, final score,
fixed part, KPI-linked part, bonus, the rule applied) and a totals row. Headers follow the
active language; amounts are numbers shown with two decimals, so payroll can sum them."""

import io
import re
from decimal import Decimal

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell

from bonus.models import BonusLine, BonusPool
from bonus.selectors import Sheet
from dashboards.exports import plain_value
from org.models import Employee

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CENTS = Decimal("0.01")
AMOUNT_FORMAT = "#,##0.00"
# Characters Excel refuses in a sheet's name.
NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def _label(model, name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _cell(sheet, value: object, number_format: str = "") -> Cell:
    cell = plain_value(sheet, value)  # a name such as =HYPERLINK(…) stays text
    if not isinstance(cell, Cell):  # WriteOnlyCell is a function making a Cell
        cell = WriteOnlyCell(sheet, value=cell)
    if number_format:
        cell.number_format = number_format
    return cell


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENTS)


def workbook_name(pool: BonusPool) -> str:
    return f"bonus-{pool.cycle.first_period:%Y-%m}-{pool.pk}.xlsx"


def pool_workbook(sheet: Sheet) -> bytes:
    """The computed ``sheet`` (every line, read by HR) as an xlsx file."""
    workbook = Workbook(write_only=True)
    title = NOT_IN_SHEET_NAMES.sub(" ", sheet.pool.name)[:31] or _("Bonus")
    rows = workbook.create_sheet(title=title)
    rows.append(
        [
            _label(Employee, "employee_no"),
            _label(BonusLine, "employee"),
            _label(BonusLine, "team"),
            _label(BonusLine, "level"),
            _label(BonusLine, "coefficient"),
            _label(BonusLine, "final"),
            _label(BonusLine, "fixed_part"),
            _label(BonusLine, "kpi_part"),
            _label(BonusLine, "bonus"),
            _label(BonusLine, "rule"),
        ]
    )
    for line in sheet.lines:
        rows.append(
            [
                _cell(rows, line.employee.employee_no),
                _cell(rows, line.employee.name),
                _cell(rows, line.team.name),
                _cell(rows, str(line.get_level_display())),
                _cell(rows, line.coefficient, "0.000"),
                _cell(rows, None if line.final is None else round(line.final, 2), "0.00"),
                _cell(rows, _cents(line.fixed_part), AMOUNT_FORMAT),
                _cell(rows, _cents(line.kpi_part), AMOUNT_FORMAT),
                _cell(rows, line.bonus, AMOUNT_FORMAT),
                _cell(rows, str(line.get_rule_display())),
            ]
        )
    rows.append(
        [
            _cell(rows, _("Total")),
            *([None] * 5),
            _cell(rows, _cents(sheet.fixed_total or Decimal(0)), AMOUNT_FORMAT),
            _cell(rows, _cents(sheet.kpi_total or Decimal(0)), AMOUNT_FORMAT),
            _cell(rows, sheet.total or Decimal(0), AMOUNT_FORMAT),
            None,
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
