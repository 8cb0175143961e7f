"""Who sees which nodes and notices: the one place these rules live. Nodes follow the people one
may see (org's scope: a merchandiser their own, a manager their teams', HR and admins everyone);
notices are always one's own, whatever one's role."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from ingest.models import OrderNode
from notices.models import Notice
from org.models import Role
from org.selectors import employees_visible_to, user_role

# Everyone with a role has a "My work today": their own nodes, or their people's.
WORK_TODAY_ROLES = (Role.MERCHANDISER, Role.MANAGER, Role.HR, Role.ADMIN)


def may_see_work_today(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_role(user) in WORK_TODAY_ROLES


def nodes_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[OrderNode]:
    """Process nodes of the orders of the people the user may see."""
    if user_role(user) in (Role.HR, Role.ADMIN):
        return OrderNode.objects.all()
    return OrderNode.objects.filter(order__merchandiser__in=employees_visible_to(user))


def notices_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Notice]:
    if not user.is_authenticated:
        return Notice.objects.none()
    return Notice.objects.filter(recipient=user)
