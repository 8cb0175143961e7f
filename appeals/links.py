"""The "appeal this" control the dashboards put beside each indicator and counted record: built
in Python rather than from a template, since a drill-down page holds fifty of them."""

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from appeals.selectors import corrections_for
from appeals.subjects import field_for_indicator
from org.calendar import period_parse


def _corrections(request: HttpRequest, employee_id: int, period: str) -> dict[str, list[int]]:
    """Corrections of one person and period, read once per request however many rows ask."""
    cache = request.__dict__.setdefault("_appeal_corrections", {})
    if (employee_id, period) not in cache:
        start = period_parse(period).start
        cache[(employee_id, period)] = corrections_for(employee_id=employee_id, period_start=start)
    return cache[(employee_id, period)]


def appeal_control(
    request: HttpRequest | None,
    *,
    record_type: str = "",
    record_id: int | None = None,
    indicator: str = "",
    employee_id: int | None = None,
    period: str = "",
    label: str = "",
) -> SafeString:
    """A link to file an appeal on the row (the record's field that feeds ``indicator``, or the
    indicator itself), named after what it appeals (``label``, for screen readers: a page holds
    many), and on an indicator row the approved appeals that corrected its data."""
    query: dict[str, object] = {}
    if record_type and record_id:
        field = field_for_indicator(record_type, indicator)
        if field:
            query = {"record_type": record_type, "record_id": record_id, "field": field}
    elif indicator and employee_id and period:
        query = {"indicator": indicator, "employee": employee_id, "period": period}
    corrected: list[int] = []
    if request is not None and not record_type and employee_id and period:
        corrected = _corrections(request, int(employee_id), period).get(indicator, [])
    badges = format_html_join(
        "",
        '<a class="badge" href="{}" data-testid="corrected-by" data-appeal="{}">{}</a> ',
        (
            (reverse("appeals:detail", args=[number]), number, gettext("corrected by an appeal"))
            for number in corrected
        ),
    )
    if not query:
        return badges
    url = f"{reverse('appeals:new')}?{urlencode(query)}"
    if label:
        named = gettext("Appeal: %(label)s") % {"label": label}
        link = format_html(
            '<a href="{}" data-testid="appeal-this" aria-label="{}">{}</a>',
            url,
            named,
            gettext("Appeal"),
        )
    else:
        link = format_html('<a href="{}" data-testid="appeal-this">{}</a>', url, gettext("Appeal"))
    return format_html("{}{}", badges, link)
