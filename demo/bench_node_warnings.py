"""The node-warning line of ``make bench``: the scheduled job (``notices.services.
node_warnings_raise``) over the whole bench company, at most ``BUDGET_SECONDS`` (issue 22).

The bench company's people have no accounts (nobody signs in to it), and the job warns only
people who do: for the run every merchandiser with an open node gets one, in a transaction rolled
back afterwards with every notice, so the bench leaves no trace. The clock is the bench company's
own "now": the latest start of an open node (the seed's as-of time), so the open nodes are, as in
a running company, partly overdue and partly due soon. Timed twice: cold (nobody warned yet, the
first run after an upgrade: every notice is inserted) and warm (the same instant again: nothing
new, what the job costs every five minutes)."""

import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max

from ingest.models import OrderNode
from notices.models import Notice
from notices.services import node_warnings_raise
from org.models import Employee

BUDGET_SECONDS = 2.0


class _RolledBack(Exception):
    pass


def node_warnings_bench() -> dict:
    open_nodes = OrderNode.objects.filter(completed_at__isnull=True)
    now = open_nodes.aggregate(latest=Max("started_at"))["latest"]
    if now is None:
        return {"bench": "node_warnings", "skipped": "the bench company has no open node"}
    line: dict = {}
    try:
        with transaction.atomic():
            people = _accounts_given(open_nodes)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE auth_user, org_employee")
            started = time.perf_counter()
            raised = node_warnings_raise(now=now)
            cold = time.perf_counter() - started
            started = time.perf_counter()
            node_warnings_raise(now=now)
            warm = time.perf_counter() - started
            line = {
                "bench": "node_warnings",
                "as_of": now.isoformat(timespec="minutes"),
                "open_nodes": open_nodes.count(),
                "people": people,
                "due_soon": raised["node_due_soon"],
                "overdue": raised["node_overdue"],
                "notices": Notice.objects.count(),
                "seconds_cold": round(cold, 2),
                "seconds_warm": round(warm, 2),
                "budget_seconds": BUDGET_SECONDS,
            }
            raise _RolledBack
    except _RolledBack:
        pass
    return line


def _accounts_given(open_nodes) -> int:
    """An account for every merchandiser with an open node who has none (bulk, unusable
    passwords); how many people have open nodes."""
    owners = Employee.objects.filter(
        pk__in=open_nodes.values("order__merchandiser_id"), user__isnull=True
    ).values_list("pk", "employee_no")
    User = get_user_model()
    missing = list(owners)
    users = User.objects.bulk_create(
        User(username=f"bench-node-{employee_no}", password="!") for _pk, employee_no in missing
    )
    Employee.objects.bulk_update(
        [Employee(pk=pk, user_id=user.pk) for (pk, _no), user in zip(missing, users, strict=True)],
        ["user"],
        batch_size=2_000,
    )
    return Employee.objects.filter(pk__in=open_nodes.values("order__merchandiser_id")).count()
