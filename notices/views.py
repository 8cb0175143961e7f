"""My work today: the open process nodes one must act on (one's own, or one's people's), with
one's notices; and marking notices read."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dashboards.selectors.operations import node_drilldown_links
from dashboards.selectors.periods import scored_periods
from notices.access import may_see_work_today
from notices.selectors import NOTICES_LISTED, notices_for_user, work_today_for_user
from notices.services import notices_read
from org.models import Role
from org.selectors import user_role
from org.views import allowed_if


@allowed_if(may_see_work_today)
def today(request: HttpRequest) -> HttpResponse:
    work = work_today_for_user(user=request.user, now=timezone.now())
    links = node_drilldown_links(work.nodes, scored_periods())
    notices = list(notices_for_user(user=request.user)[:NOTICES_LISTED])
    return render(
        request,
        "notices/today.html",
        {
            "work": work,
            "rows": list(zip(work.nodes, links, strict=True)),
            "notices": notices,
            "has_unread": any(notice.read_at is None for notice in notices),
            # A merchandiser sees only their own nodes: no column naming who owns them.
            "own_only": user_role(request.user) == Role.MERCHANDISER,
        },
    )


class ReadForm(forms.Form):
    notice = forms.IntegerField(label=_("Notice"), required=False, min_value=1)


@require_POST
@allowed_if(may_see_work_today)
def read(request: HttpRequest) -> HttpResponse:
    """Mark one notice read (``notice``), or all of one's notices (no ``notice``)."""
    form = ReadForm(request.POST)
    if not form.is_valid():
        message = "; ".join(
            f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()
        )
        return render(request, "request_refused.html", {"message": message}, status=400)
    notices_read(user=request.user, notice_id=form.cleaned_data["notice"], now=timezone.now())
    return redirect("notices:today")
