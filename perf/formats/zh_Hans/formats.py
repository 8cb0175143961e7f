"""Simplified Chinese: a form renders a date or time in the first input format, and a date or
time input (``type="date"``, ``datetime-local``) shows only ISO; Django's own first is
"2026/12/02", which such an input shows as empty and then refuses (issue 19, point 5). ISO comes
first so what a widget renders is what it reads back; the slashed and 年月日 forms are still
accepted when typed (Django's own 年月日 pattern reads the day of the year as the day).

Amounts are grouped as Chinese payroll and finance write them, by thousands with a comma
(360,000.00); Django's own Chinese formats group by ten thousands with no separator at all, so
a grouped amount came out as 360000.00."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
]

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
