"""Who may use the weight lab: admins only. Weights are the admins' to set (as the scheme
editor), and a draft shows every person's would-be grade before anything is decided; HR reads
the published results elsewhere."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from org.models import Role
from org.selectors import user_role


def lab_open_to(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_role(user) == Role.ADMIN
