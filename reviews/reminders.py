"""Reads for the in-app reminders: the reviews a person still has to write in open cycles (their
self-review; a manager's reviews of their people), each with its deadline, and a cycle's
completion for HR. A handful of queries whatever the number of people: one for the open
cycles, one or two per open cycle for its scope, one for the people, one for the reviews
written."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from org.calendar import company_zone
from org.models import Employee
from reviews.models import CycleState, Review, ReviewCycle, ReviewKind, ReviewState
from reviews.selectors import _managed, cycle_people, cycles_visible_to

# A deadline this many days away or fewer is near (highlighted).
SOON_DAYS = 3


def company_today() -> dt.date:
    return timezone.localdate(timezone=company_zone())


@dataclass(frozen=True)
class PendingReview:
    """A review the user still has to write (or has only kept as a draft)."""

    cycle: ReviewCycle
    employee: Employee
    kind: str
    due: dt.date
    draft: bool
    days_left: int  # until the deadline, company calendar; below 0: overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def soon(self) -> bool:
        return 0 <= self.days_left <= SOON_DAYS


def pending_reviews(user: AbstractBaseUser | AnonymousUser) -> list[PendingReview]:
    """The user's unsubmitted reviews in the open cycles they take part in, nearest deadline
    first: their own self-review where they are reviewed, and for a manager the manager
    review of each of their people in the cycle."""
    if not user.is_authenticated:
        return []
    # One query on the pages people land on while no cycle is open (most of the year).
    open_ids = list(ReviewCycle.objects.filter(state=CycleState.OPEN).values_list("pk", flat=True))
    if not open_ids:
        return []
    cycles = list(cycles_visible_to(user).filter(pk__in=open_ids))
    if not cycles:
        return []
    in_cycle = {
        f"in_{cycle.pk}": Exists(cycle_people(cycle).filter(pk=OuterRef("pk"))) for cycle in cycles
    }
    people = list(
        Employee.objects.filter(Q(user=user) | Q(pk__in=_managed(user)))
        .annotate(**in_cycle)
        .only("id", "name", "employee_no", "user_id")
    )
    written = {
        (cycle_id, employee_id, kind): state
        for cycle_id, employee_id, kind, state in Review.objects.filter(
            cycle__in=cycles, reviewer=user
        ).values_list("cycle_id", "employee_id", "kind", "state")
    }
    today, pending = company_today(), []
    for cycle in cycles:
        for person in people:
            if not getattr(person, f"in_{cycle.pk}"):
                continue
            own = person.user_id == user.pk
            kind = ReviewKind.SELF if own else ReviewKind.MANAGER
            state = written.get((cycle.pk, person.pk, kind))
            if state == ReviewState.SUBMITTED:
                continue
            due = cycle.self_review_due if own else cycle.manager_review_due
            pending.append(
                PendingReview(
                    cycle=cycle,
                    employee=person,
                    kind=kind,
                    due=due,
                    draft=state == ReviewState.DRAFT,
                    days_left=(due - today).days,
                )
            )
    return sorted(pending, key=lambda task: (task.due, task.kind, task.employee.name))


@dataclass(frozen=True)
class Completion:
    """How far a cycle's reviews are: of ``people``, how many have a submitted self-review and
    a submitted manager review, and how many are missing one past its deadline."""

    people: int
    self_done: int
    manager_done: int
    self_overdue: int
    manager_overdue: int


def cycle_completion(cycle: ReviewCycle) -> Completion:
    """Counted in one query over the cycle's people (after one or two for its scope)."""
    submitted = Review.objects.filter(
        cycle=cycle, employee=OuterRef("pk"), state=ReviewState.SUBMITTED
    )
    counts = cycle_people(cycle).aggregate(
        people=Count("pk"),
        self_done=Count("pk", filter=Q(Exists(submitted.filter(kind=ReviewKind.SELF)))),
        manager_done=Count("pk", filter=Q(Exists(submitted.filter(kind=ReviewKind.MANAGER)))),
    )
    today = company_today()
    return Completion(
        people=counts["people"],
        self_done=counts["self_done"],
        manager_done=counts["manager_done"],
        self_overdue=counts["people"] - counts["self_done"] if today > cycle.self_review_due else 0,
        manager_overdue=(
            counts["people"] - counts["manager_done"] if today > cycle.manager_review_due else 0
        ),
    )
