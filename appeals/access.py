"""Who may see, file and move appeals: the one place these rules live (pages and API use it)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal, AppealState
from org.models import Employee, Role
from org.selectors import employee_for_user, employees_visible_to, user_role

REVIEWERS = (Role.HR, Role.ADMIN)
# Who moves an appeal from one state to another: the person who filed it, or a reviewer (HR).
SUBMITTER_ACTIONS = {
    "submit": ([AppealState.DRAFT], AppealState.SUBMITTED),
    "withdraw": (
        [AppealState.DRAFT, AppealState.SUBMITTED, AppealState.IN_REVIEW],
        AppealState.WITHDRAWN,
    ),
}
REVIEWER_ACTIONS = {
    "review": ([AppealState.SUBMITTED], AppealState.IN_REVIEW),
    "approve": ([AppealState.IN_REVIEW], AppealState.APPROVED),
    "reject": ([AppealState.IN_REVIEW], AppealState.REJECTED),
}
ACTIONS = {**SUBMITTER_ACTIONS, **REVIEWER_ACTIONS}
ACTION_LABELS = {
    "submit": _("submit"),
    "withdraw": _("withdraw"),
    "review": _("take into review"),
    "approve": _("approve"),
    "reject": _("reject"),
}


def may_file_for(user: AbstractBaseUser, employee: Employee) -> bool:
    """A merchandiser for their own records, a manager for their teams', HR for anyone."""
    role = user_role(user)
    if role in REVIEWERS:
        return True
    if role == Role.MERCHANDISER:
        own = employee_for_user(user)
        return own is not None and own.pk == employee.pk
    if role == Role.MANAGER:
        return employees_visible_to(user).filter(pk=employee.pk).exists()
    return False


def appeals_visible_to(user: AbstractBaseUser) -> QuerySet[Appeal]:
    """HR and admins see every appeal; others the appeals they filed or that concern someone
    they may see (for a merchandiser: themselves)."""
    appeals = Appeal.objects.select_related("employee__team", "submitter", "indicator")
    role = user_role(user)
    if role in REVIEWERS:
        return appeals
    if role in (Role.MERCHANDISER, Role.MANAGER):
        return appeals.filter(Q(submitter=user) | Q(employee__in=employees_visible_to(user)))
    return appeals.none()


def appeal_get_for_user(*, user: AbstractBaseUser, appeal_id: int) -> Appeal:
    """The appeal, or 404 for anyone who may not see it."""
    appeal = appeals_visible_to(user).filter(pk=appeal_id).first()
    if appeal is None:
        raise Http404
    return appeal


def decides_own(user: AbstractBaseUser, appeal: Appeal) -> bool:
    """Whether ``user`` filed the appeal or is the person it concerns: they never decide it."""
    return appeal.submitter_id == user.pk or appeal.employee.user_id == user.pk


def may_act(user: AbstractBaseUser, appeal: Appeal, action: str) -> bool:
    """Whether ``user`` may take ``action`` on the appeal in its current state."""
    if action not in ACTIONS or appeal.state not in ACTIONS[action][0]:
        return False
    if action in SUBMITTER_ACTIONS:
        return appeal.submitter_id == user.pk
    return user_role(user) in REVIEWERS and not decides_own(user, appeal)


def actions_for(user: AbstractBaseUser, appeal: Appeal) -> list[str]:
    return [action for action in ACTIONS if may_act(user, appeal, action)]


def may_add_evidence(user: AbstractBaseUser, appeal: Appeal) -> bool:
    open_states = (AppealState.DRAFT, AppealState.SUBMITTED, AppealState.IN_REVIEW)
    return appeal.state in open_states and appeal.submitter_id == user.pk


def may_comment(user: AbstractBaseUser, appeal: Appeal) -> bool:
    """Anyone who sees an open appeal may comment on it."""
    return appeal.state not in (AppealState.APPROVED, AppealState.REJECTED, AppealState.WITHDRAWN)


def is_reviewer(user: AbstractBaseUser) -> bool:
    return user_role(user) in REVIEWERS
