"""What every review service checks and does alike: texts, shares, the acting role, the cycle's
state, and saving named fields with who did it and why in the history."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from reviews.access import runs_cycles
from reviews.errors import ReviewForbidden, ReviewRefused
from reviews.models import ReviewCycle


def text_checked(text: str, *, field: str, limit: int, required: str = "") -> str:
    """What people wrote, stripped; refused when empty (if ``required`` says why) or longer
    than ``limit`` characters."""
    text = text.strip()
    if not text and required:
        raise ReviewRefused(required, field=field)
    if len(text) > limit:
        raise ReviewRefused(
            _("Write at most {limit} characters (this text has {length}).").format(
                limit=limit, length=len(text)
            ),
            field=field,
        )
    return text


def share_checked(value: float, *, field: str, what: str) -> float:
    if not 0.0 <= value <= 1.0:
        raise ReviewRefused(
            _("{what} is a share from 0 to 1 (0.7 for 70%), not {value}.").format(
                what=what, value=value
            ),
            field=field,
        )
    return value


def hr_only(user: AbstractBaseUser) -> None:
    if not runs_cycles(user):
        raise ReviewForbidden(_("Only HR and administrators run review cycles."))


def in_state(cycle: ReviewCycle, *states: str) -> None:
    if cycle.state not in states:
        raise ReviewRefused(
            _("This cannot be done while the cycle is {state}.").format(
                state=cycle.get_state_display()
            )
        )


# django-simple-history keeps a change's reason in 100 characters; a longer reason (a
# calibration's, an override's) is kept whole on the record itself, and in its history row.
CHANGE_REASON_MAX = 100


def saved(instance, user: AbstractBaseUser, fields: list[str], reason: str = "") -> None:
    instance._history_user = user
    if reason:
        instance._change_reason = Truncator(reason).chars(CHANGE_REASON_MAX)
    instance.save(update_fields=fields)
