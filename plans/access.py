"""Who may see and do what with improvement plans and coaching notes: the one place these
rules live (selectors, services, pages and API use it). Roles and team scopes are org's.

A plan is seen by the person, their mentor, the managers of their team (or a team above it) and
HR. Coaching notes are seen by the person, their managers and HR (not the mentor). Admins
configure perf and see neither unless the plan is theirs or they mentor it: the issue keeps
these personnel matters to the people above, and an admin is not one of them.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from org.models import Employee, Role
from org.selectors import employees_visible_to, user_role
from plans.models import CoachingNote, ImprovementPlan


def _managed_people(user: AbstractBaseUser | AnonymousUser) -> Q:
    """The people whose plans and notes the user sees for their role: everybody for HR, their
    teams' people for a manager, nobody else."""
    role = user_role(user)
    if role == Role.HR:
        return Q(employee__isnull=False)
    if role == Role.MANAGER:
        return Q(employee__in=employees_visible_to(user))
    return Q(pk__in=[])


def plans_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ImprovementPlan]:
    if not user.is_authenticated:
        return ImprovementPlan.objects.none()
    mine = Q(employee__user=user) | Q(mentor__user=user)
    return ImprovementPlan.objects.filter(mine | _managed_people(user))


def coaching_notes_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[CoachingNote]:
    if not user.is_authenticated:
        return CoachingNote.objects.none()
    return CoachingNote.objects.filter(Q(employee__user=user) | _managed_people(user))


def manages(user: AbstractBaseUser | AnonymousUser, employee: Employee) -> bool:
    """HR, or a manager of one of the teams above the person; never the person themselves.
    Who starts, judges and extends their plans and writes their coaching notes."""
    if not user.is_authenticated or employee.user_id == user.pk:
        return False
    role = user_role(user)
    if role == Role.HR:
        return True
    return role == Role.MANAGER and employees_visible_to(user).filter(pk=employee.pk).exists()


def may_check_in(user: AbstractBaseUser | AnonymousUser, plan: ImprovementPlan) -> bool:
    """The person's managers, HR and the mentor write check-ins."""
    if not user.is_authenticated:
        return False
    return plan.mentor.user_id == user.pk or manages(user, plan.employee)


def may_reply(user: AbstractBaseUser | AnonymousUser, plan: ImprovementPlan) -> bool:
    return user.is_authenticated and plan.employee.user_id == user.pk


def starts_plans(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whose role lets them start plans at all (for whom: ``manages``)."""
    return user_role(user) in (Role.HR, Role.MANAGER)
