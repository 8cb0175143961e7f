"""Writes of the notices app: the node-warning job and marking notices read."""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ingest.models import OrderNode
from notices.access import notices_visible_to
from notices.models import Notice, NoticeKind
from notices.selectors import unread_count_forget
from org.calendar import working_hours_after

INSERT_BATCH = 5_000


def _due(kind: str, *, now: dt.datetime, soon_until: dt.datetime) -> Q:
    """The rule of each warning, on open nodes. About to time out: the deadline is from now to
    ``PERF_NODE_WARNINGS["soon_hours"]`` working hours ahead. Timed out: the deadline has passed.
    (``started_at`` bounds add nothing to the meaning; they let the database read the small index
    of open nodes.) A node first seen already overdue raises only the second."""
    if kind == NoticeKind.NODE_DUE_SOON:
        return Q(started_at__lt=soon_until, due_at__gte=now, due_at__lte=soon_until)
    return Q(started_at__lt=now, due_at__lt=now)


def node_warnings_raise(*, now: dt.datetime) -> dict[str, int]:
    """Warn every merchandiser (with an account) of their open nodes about to time out and timed
    out: per kind one query for the nodes not yet warned of and one bulk insert, whatever the
    number of people (a notice that a concurrent run wrote first is skipped by the unique
    constraint). Mails the new notices when ``PERF_NODE_WARNINGS["email"]`` is on. Returns how
    many notices of each kind were raised."""
    soon_until = working_hours_after(now, settings.PERF_NODE_WARNINGS["soon_hours"])
    recipient = "order__merchandiser__user_id"
    raised = {}
    with transaction.atomic():
        for kind in NoticeKind.values:
            warned = Notice.objects.filter(
                node=OuterRef("pk"), kind=kind, recipient_id=OuterRef(recipient)
            )
            pairs = (
                OrderNode.objects.filter(
                    _due(kind, now=now, soon_until=soon_until),
                    completed_at__isnull=True,
                    order__merchandiser__user__isnull=False,
                )
                .exclude(Exists(warned))
                .values_list("pk", recipient)
            )
            notices = [
                Notice(recipient_id=user_id, node_id=node_id, kind=kind, created_at=now)
                for node_id, user_id in pairs
            ]
            Notice.objects.bulk_create(notices, batch_size=INSERT_BATCH, ignore_conflicts=True)
            raised[kind] = len(notices)
            recipients = {notice.recipient_id for notice in notices}
            transaction.on_commit(lambda users=recipients: unread_count_forget(users))
        if settings.PERF_NODE_WARNINGS["email"] and any(raised.values()):
            transaction.on_commit(lambda: _notices_mail(now=now))
    return raised


def _notices_mail(*, now: dt.datetime) -> None:
    """One mail per person with an address, listing the notices raised at ``now`` (in the
    company's language: perf keeps no language per person)."""
    raised = (
        Notice.objects.filter(created_at=now)
        .exclude(recipient__email="")
        .select_related("recipient", "node__order__customer")
        .order_by("recipient_id", "node__due_at")
    )
    lines = defaultdict(list)
    with translation.override(settings.LANGUAGE_CODE):
        for notice in raised:
            due = timezone.localtime(notice.node.due_at).strftime("%Y-%m-%d %H:%M")
            lines[notice.recipient.email].append(
                _("%(kind)s: order %(order)s, %(node)s, due %(due)s")
                % {
                    "kind": notice.get_kind_display(),
                    "order": notice.node.order.name,
                    "node": notice.node.get_node_display(),
                    "due": due,
                }
            )
        subject = _("perf: process nodes to act on")
        messages = [
            (subject, "\n".join(body), settings.DEFAULT_FROM_EMAIL, [address])
            for address, body in lines.items()
        ]
    send_mass_mail(messages, fail_silently=False)


def notices_read(*, user: AbstractBaseUser, notice_id: int | None, now: dt.datetime) -> int:
    """Mark one of the user's notices read (404 for one not theirs), or all of them when
    ``notice_id`` is None. Returns how many were newly marked."""
    if notice_id is None:
        return notices_read_among(user=user, notice_ids=None, now=now)
    if not notices_visible_to(user).filter(pk=notice_id).exists():
        raise Http404
    return notices_read_among(user=user, notice_ids=[notice_id], now=now)


def notices_read_among(
    *, user: AbstractBaseUser, notice_ids: Collection[int] | None, now: dt.datetime
) -> int:
    """Mark the user's unread notices among ``notice_ids`` read (all of them when None). Ids of
    notices that are not the user's, or of none at all, are passed over alike, so the answer
    tells nothing of other people's notices. Returns how many were newly marked (one query)."""
    unread = notices_visible_to(user).filter(read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=set(notice_ids))
    marked = unread.update(read_at=now)
    unread_count_forget([user.pk])
    return marked
