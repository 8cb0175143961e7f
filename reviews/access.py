"""Who may run cycles, review whom and note incidents about whom: the one place these rules
live (services, selectors, pages and API use it). Roles and scopes are org's."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from org.models import Employee, Role
from org.selectors import employees_visible_to, user_role

# HR and admins open, compute, calibrate and close cycles, and see every review and result.
CYCLE_RUNNERS = (Role.HR, Role.ADMIN)


def runs_cycles(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_role(user) in CYCLE_RUNNERS


def manages(user: AbstractBaseUser, employee: Employee) -> bool:
    """A manager of one of the teams the person belongs to (or a team above it), not the person
    themselves: who writes their manager review and notes incidents about them."""
    return (
        user_role(user) == Role.MANAGER
        and employee.user_id != user.pk
        and employees_visible_to(user).filter(pk=employee.pk).exists()
    )


def is_oneself(user: AbstractBaseUser, employee: Employee) -> bool:
    """The person is the user: whatever their role, nobody notes incidents about themselves,
    moves their own grade or sets their own bonus coefficient."""
    return employee.user_id is not None and employee.user_id == user.pk


def may_note_incidents(user: AbstractBaseUser, employee: Employee) -> bool:
    return not is_oneself(user, employee) and (runs_cycles(user) or manages(user, employee))


def calibrates(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Who opens a cycle's calibration: HR and admins (everybody in it), managers (their people
    in it). The people calibrated never see it."""
    return runs_cycles(user) or user_role(user) == Role.MANAGER


def may_calibrate(user: AbstractBaseUser, employee: Employee) -> bool:
    """Who moves a person's grade in calibration: HR and admins, or a manager of the person
    (never the person themselves, HR and admins included)."""
    return not is_oneself(user, employee) and (runs_cycles(user) or manages(user, employee))
