"""The "appeal this" control the dashboards put beside each indicator and counted record."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from appeals.selectors import corrections_for
from appeals.subjects import field_for_indicator
from org.calendar import period_parse

register = template.Library()


def _corrections(request, employee_id: int, period: str) -> dict[str, list[int]]:
    """Corrections of one person and period, read once per request however many rows ask."""
    cache = request.__dict__.setdefault("_appeal_corrections", {})
    if (employee_id, period) not in cache:
        start = period_parse(period).start
        cache[(employee_id, period)] = corrections_for(employee_id=employee_id, period_start=start)
    return cache[(employee_id, period)]


@register.inclusion_tag("appeals/_appeal_link.html", takes_context=True)
def appeal_link(
    context, record_type="", record_id=None, indicator="", employee_id=None, period="", label=""
):
    """A link to file an appeal on the row (the record's field that feeds ``indicator``, or the
    indicator itself), named after what it appeals (``label``, for screen readers: a page
    holds many), and on an indicator row the approved appeals that corrected its data."""
    request = context.get("request")
    query = {}
    if record_type and record_id:
        field = field_for_indicator(record_type, indicator)
        if field:
            query = {"record_type": record_type, "record_id": record_id, "field": field}
    elif indicator and employee_id and period:
        query = {"indicator": indicator, "employee": employee_id, "period": period}
    corrected = []
    if request is not None and not record_type and employee_id and period:
        corrected = _corrections(request, int(employee_id), period).get(indicator, [])
    return {
        "url": f"{reverse('appeals:new')}?{urlencode(query)}" if query else "",
        "corrected": corrected,
        "label": label,
    }
