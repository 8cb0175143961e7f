"""The scored company (``tests.dashboards.company.scored_company``) acting on its scores, for the
page lists every role's pages are audited and scanned over (issue 22): 王芳's improvement plan
with a check-in and a coaching note, open process nodes of hers (one of an order entered in
perf, without a number) with the notices the job raised about them, a critical incident about
that order, and an admin's draft scheme replayed in the weight lab."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from ingest.models import ProcessNode
from notices.services import node_warnings_raise
from plans.services import check_in_add, coaching_note_add
from reviews.services import incident_add
from tests.clock import LAST_MONTH, THIS_MONTH, months_ago
from tests.factories import OrderFactory, OrderNodeFactory
from tests.plans.factories import plan_for
from tests.weightlab.company import quality_draft_make

HOUR = dt.timedelta(hours=1)


def acting_on_scores(people: dict) -> dict:
    """Adds ``plan``, ``notes_page``, ``incidents_page``, ``new_plan_page`` and ``lab_pages``
    to ``people``."""
    me = people["east_a"]
    plan = plan_for(people, start=months_ago(2).start)
    check_in_add(user=people["east_b"].user, plan=plan, day=THIS_MONTH.start, note="回访三家客户")
    coaching_note_add(
        user=people["east_manager"].user, employee=me, day=THIS_MONTH.start, note="一对一：复盘"
    )
    now = timezone.now()
    for number, started, hours in [("SO-OPEN-LATE", now - 30 * HOUR, "8"), ("", now, "0.5")]:
        order = OrderFactory(merchandiser=me, external_id=number)
        OrderNodeFactory(
            order=order,
            node=ProcessNode.QUALITY_CHECK,
            started_at=started,
            threshold_hours=Decimal(hours),
            completed_at=None,
        )
    node_warnings_raise(now=now)
    incident_add(
        user=people["east_manager"].user,
        employee=me,
        day=THIS_MONTH.start,
        note="客户催单，主动协调工厂加急",
        record_type="order",
        record_id=order.pk,  # the order entered in perf: named by its customer and day
    )
    draft = quality_draft_make(people["admin"])
    lab = reverse("weightlab:lab")
    people.update(
        plan=plan,
        notes_page=reverse("plans:notes", args=[me.pk]),
        incidents_page=reverse("reviews:incidents", args=[me.pk]),
        new_plan_page=reverse("plans:new", args=[me.pk]),
        lab_pages=[
            lab,
            f"{lab}?scheme={draft.pk}&months={LAST_MONTH.label}&months={months_ago(2).label}"
            "&outcomes=csat",
        ],
    )
    return people
