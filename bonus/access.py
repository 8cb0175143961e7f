"""Who may run bonus pools and read whose bonus: the one place these rules live (services,
selectors, pages and API use it). Roles and scopes are org's, as for review cycles."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from bonus.models import PoolState
from org.models import Role
from org.selectors import employees_visible_to, user_role
from reviews.access import CYCLE_RUNNERS
from reviews.models import CycleState

# HR and admins set pools up, compute, lock and export them, and read every line: the people
# who run review cycles.
POOL_RUNNERS = CYCLE_RUNNERS


def runs_pools(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_role(user) in POOL_RUNNERS


def lines_scope(user: AbstractBaseUser | AnonymousUser) -> Q | None:
    """Which bonus lines the user may read, as a filter on ``BonusLine``; ``None``: all of them.

    A manager reads the lines of the people of their teams (and their own) once the pool is
    computed; everyone reads their own line once the pool is computed and the cycle closed (their
    final score, which the line shows, is theirs to read from then on). Anonymous callers and
    people without a role read nothing."""
    if runs_pools(user):
        return None
    computed = Q(pool__state__in=[PoolState.COMPUTED, PoolState.LOCKED])
    role = user_role(user)
    if role not in (Role.MANAGER, Role.MERCHANDISER):
        return Q(pk__in=[])
    own = computed & Q(employee__user=user, pool__cycle__state=CycleState.CLOSED)
    if role == Role.MANAGER:
        managed = employees_visible_to(user).exclude(user=user)
        return own | (computed & Q(employee__in=managed))
    return own
