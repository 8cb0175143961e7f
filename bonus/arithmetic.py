"""A bonus line's arithmetic in words, step by step, from what the computation stored (nothing
is computed again): the base × the coefficient, the fixed part, the KPI-linked part through the
payout curve, and the bonus to the cent. Numbers are written as the active language writes
them, amounts with two decimals."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from bonus.models import BonusLine, BonusPool, LineRule

CENTS = Decimal("0.01")


def money(amount: Decimal | None) -> str:
    """An amount to the cent, grouped (``27,027.03``); ``—`` when there is none. Rounded half
    up here: Django's number_format cuts a Decimal's digits off."""
    if amount is None:
        return "—"
    return number_format(amount.quantize(CENTS, ROUND_HALF_UP), 2, force_grouping=True)


def coefficient_text(value: Decimal) -> str:
    """A coefficient as HR wrote it, at least one decimal (``1.0``, ``1.2``, ``1.125``)."""
    places = max(1, -value.normalize().as_tuple().exponent)
    return number_format(value, places)


def percent_text(share: Decimal) -> str:
    """A share 0–1 as a percentage (``20%``, ``12.5%``)."""
    value = (share * 100).normalize()
    places = max(0, -value.as_tuple().exponent)
    return f"{number_format(value, places)}%"


def factor_text(factor: Decimal) -> str:
    """A payout factor as a percentage of the KPI-linked part at target (``50%``, ``110%``)."""
    return percent_text(factor.quantize(Decimal("0.0001")))


def score_text(final: float) -> str:
    return _("%(score)s pts") % {"score": number_format(round(final, 2), 2)}


def line_steps(line: BonusLine, pool: BonusPool) -> list[str]:
    """The steps from the pool to the person's bonus, one sentence each."""
    if line.rule == LineRule.EXCLUDED:
        return [
            _(
                "Not scored in the cycle: by the pool's rule this person gets no bonus and "
                "their coefficient does not count."
            )
        ]
    share = pool.kpi_share
    steps = [
        _("Base %(base)s × coefficient %(coefficient)s = %(target)s at target")
        % {
            "base": money(line.base),
            "coefficient": coefficient_text(line.coefficient),
            "target": money(line.target_bonus),
        },
        _("Fixed part: %(share)s × %(target)s = %(fixed)s")
        % {
            "share": percent_text(1 - share),
            "target": money(line.target_bonus),
            "fixed": money(line.fixed_part),
        },
        _("KPI-linked part at target: %(share)s × %(target)s = %(kpi)s")
        % {
            "share": percent_text(share),
            "target": money(line.target_bonus),
            "kpi": money(line.kpi_target),
        },
    ]
    if line.rule == LineRule.FIXED_ONLY:
        steps.append(_("Not scored in the cycle: by the pool's rule, no KPI-linked part is paid."))
    else:
        if line.rule == LineRule.SCORED:
            steps.append(
                _("Final score %(final)s: the payout curve pays %(factor)s of it")
                % {"final": score_text(line.final), "factor": factor_text(line.payout_factor)}
            )
        else:
            steps.append(_("Not scored in the cycle: by the pool's rule, paid as if at target."))
        steps.append(_kpi_paid(line, pool))
    steps.append(
        _("Bonus: %(fixed)s + %(kpi)s = %(bonus)s")
        % {
            "fixed": money(line.fixed_part),
            "kpi": money(line.kpi_part),
            "bonus": money(line.bonus),
        }
        + (
            " " + _("(rounded down to the cent, plus one of the cents left over)")
            if line.extra_cent
            else " " + _("(rounded down to the cent)")
        )
    )
    return steps


def _kpi_paid(line: BonusLine, pool: BonusPool) -> str:
    kpi_pool = pool.amount * pool.kpi_share
    weight_sum = pool.kpi_weight_sum or Decimal(0)
    if not weight_sum:
        return _("Nobody earned a KPI-linked part: the pool's %(kpi_pool)s stays unallocated.") % {
            "kpi_pool": money(kpi_pool)
        }
    weight = line.coefficient * line.payout_factor
    return _(
        "KPI-linked part paid: the pool's KPI-linked %(kpi_pool)s × %(weight)s ÷ %(total)s "
        "(coefficient × payout, of everyone's) = %(paid)s"
    ) % {
        "kpi_pool": money(kpi_pool),
        "weight": number_format(weight.quantize(Decimal("0.0001"), ROUND_HALF_UP), 4),
        "total": number_format(weight_sum.quantize(Decimal("0.0001"), ROUND_HALF_UP), 4),
        "paid": money(line.kpi_part),
    }
