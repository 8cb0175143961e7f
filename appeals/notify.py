"""Telling people an appeal moved: a notification in the app and an email, both naming the
appeal by what it is about ("Order SO-1 · confirmed at"), never by its row number."""

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mass_mail
from django.utils.translation import gettext as _

from appeals.describe import appeals_describe
from appeals.models import Appeal, AppealState, Notification
from org.models import Role


def _reviewers() -> list[AbstractBaseUser]:
    return list(get_user_model().objects.filter(groups__name=Role.HR.value, is_active=True))


def _link(appeal: Appeal) -> str:
    path = appeal.get_absolute_url()
    site = settings.PERF_SITE_URL.rstrip("/")
    return f"{site}{path}" if site else path


def appeals_notify(appeals: Sequence[Appeal], *, actor: AbstractBaseUser) -> None:
    """Tell the people concerned by each appeal (who filed it, whom it concerns and, once
    submitted, HR) its new state, except the person who moved it. Reviewers are read once and
    the notifications written in one insert however many appeals moved together."""
    if not appeals:
        return
    reviewers = _reviewers() if any(a.state == AppealState.SUBMITTED for a in appeals) else []
    texts = appeals_describe(appeals)
    notes, mails = [], []
    for appeal in appeals:
        recipients = {appeal.submitter}
        if appeal.employee.user:
            recipients.add(appeal.employee.user)
        if appeal.state == AppealState.SUBMITTED:
            recipients.update(reviewers)
        recipients.discard(actor)
        notes += [Notification(user=user, appeal=appeal, state=appeal.state) for user in recipients]
        text = texts[appeal.pk]
        subject = _("Appeal {state}: {subject}").format(
            state=appeal.get_state_display(), subject=text.subject.record
        )
        body = "\n".join(
            [
                text.line,
                _("Value when filed: {value}").format(value=text.current),
                _("Claimed correct value: {value}").format(value=text.claimed),
                _("Now: {state}").format(state=appeal.get_state_display()),
                *([appeal.decision_reason] if appeal.decision_reason else []),
                _link(appeal),
            ]
        )
        addresses = [user.email for user in recipients if user.email]
        if addresses:
            mails.append((subject, body, None, addresses))
    Notification.objects.bulk_create(notes)
    if mails:
        send_mass_mail(mails, fail_silently=True)
