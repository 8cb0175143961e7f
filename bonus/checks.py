"""What every bonus service checks alike: the acting role, and numbers within their bounds
with at most so many decimals, each refusal naming the field."""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext as _

from bonus.access import runs_pools
from reviews.errors import ReviewForbidden, ReviewRefused

COEFFICIENT_MAX = Decimal("999.999")  # what the columns hold: more is a typing mistake


def pools_hr_only(user: AbstractBaseUser) -> None:
    if not runs_pools(user):
        raise ReviewForbidden(_("Only HR and administrators run bonus pools."))


def number_checked(
    value: Decimal | None,
    *,
    field: str,
    what: str,
    places: int,
    low: Decimal,
    high: Decimal,
    above_low: bool = False,
) -> Decimal:
    """A decimal input within ``low``–``high`` (``low`` itself excluded with ``above_low``)
    with at most ``places`` decimals, or a refusal naming ``field``."""
    if value is None:
        raise ReviewRefused(_("{what} is required.").format(what=what), field=field)
    value = Decimal(value)
    in_range = value.is_finite() and (value > low if above_low else value >= low) and value <= high
    if not in_range:
        bounds = _("above {low}") if above_low else _("at least {low}")
        raise ReviewRefused(
            _("{what} must be {bounds} and at most {high}.").format(
                what=what, bounds=bounds.format(low=low), high=high
            ),
            field=field,
        )
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ReviewRefused(
            _("{what} has at most {places} decimals.").format(what=what, places=places),
            field=field,
        )
    return value


def coefficient_checked(value: Decimal | None, *, field: str) -> Decimal:
    return number_checked(
        value,
        field=field,
        what=_("A coefficient"),
        places=3,
        low=Decimal(0),
        high=COEFFICIENT_MAX,
        above_low=True,
    )
