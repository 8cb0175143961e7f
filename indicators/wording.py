"""AHP matrices, judgments and the engine's errors worded for people, in their language (the
engine itself has no translations: it is pure numpy)."""

from fractions import Fraction
from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from indicators.calculators import (
    NO_RECORDS,
    NOT_FED,
    TOO_FEW,
    UNSUPPORTED_LANGUAGE,
    needed_fields,
)
from indicators.models import IndicatorDefinition, IndicatorSetting, Tier, Unit
from indicators.records import FRAME_MODELS
from indicators.weights import TIERS_MATRIX, MatrixOutcome
from scoring.engine import ahp
from scoring.engine.ahp import MatrixError

if TYPE_CHECKING:
    from indicators.selectors import SettingChange

MESSAGES = {
    "not_numeric": lambda p: _("The matrix must contain only numbers."),
    "not_square": lambda p: _("The matrix must be square and not empty, not %(shape)s.") % p,
    "too_large": lambda p: _("At most %(limit)d items can be compared, not %(n)d.") % p,
    "not_positive": lambda p: _(
        "Row %(row)d, column %(column)d: judgments must be positive numbers, not %(value)g."
    )
    % p,
    "bad_diagonal": lambda p: _("Row %(row)d, column %(column)d: the diagonal must be 1.") % p,
    "not_reciprocal": lambda p: _(
        "Row %(row)d, column %(column)d is %(value)g but row %(column)d, column %(row)d is "
        "%(mirror)g: they must be reciprocal (their product 1)."
    )
    % p,
    "no_matrices": lambda p: _("At least one matrix is needed."),
    "sizes_differ": lambda p: _("All matrices must have the same size, not %(sizes)s.") % p,
    "wrong_size": lambda p: _("The matrix compares %(n)d items but is %(size)d wide.") % p,
}


def matrix_error_message(error: MatrixError) -> str:
    """``error`` in the active language, prefixed with the matrix number when several were
    given."""
    message = MESSAGES[error.code](error.params)
    if "matrix" in error.params:
        return _("Matrix %(number)d: %(message)s") % {
            "number": error.params["matrix"],
            "message": message,
        }
    return message


def saaty_label(value: float) -> str:
    """A judgment as people write it: ``3`` or ``1/3``."""
    fraction = Fraction(value).limit_denominator(9)
    if abs(float(fraction) - value) > 0.01:
        return f"{value:.2f}"
    return str(fraction.numerator) if fraction.denominator == 1 else str(fraction)


def item_label(item: str, names: dict[str, str]) -> str:
    if item in Tier.values:
        return str(Tier(item).label)
    return names.get(item, item)


def matrix_label(key: str) -> str:
    return str(_("Tiers")) if key == TIERS_MATRIX else str(Tier(key).label)


def inconsistency_message(outcome: MatrixOutcome, names: dict[str, str]) -> str:
    """Which matrix is inconsistent and which judgment to revise first, in words."""
    judgment = ahp.most_inconsistent_judgment(outcome.combined)
    message = _("The %(matrix)s matrix is inconsistent (CR %(cr).3f ≥ 0.10).") % {
        "matrix": matrix_label(outcome.key),
        "cr": outcome.result.cr,
    }
    if judgment is None:
        return message
    return (
        message
        + " "
        + _(
            "Revise the judgment of “%(row)s” against “%(column)s”: it is %(value)s, while the "
            "other judgments imply about %(suggested)s."
        )
        % {
            "row": item_label(outcome.items[judgment.row], names),
            "column": item_label(outcome.items[judgment.column], names),
            "value": saaty_label(judgment.value),
            "suggested": saaty_label(judgment.suggested),
        }
    )


def _setting_value(name: str, value: object, indicator: IndicatorDefinition) -> str:
    """A versioned setting's value as the manual writes it: labels for choices, numbers with
    the indicator's unit, the step as a percentage."""
    if value is None:
        return _("none")
    field = IndicatorSetting._meta.get_field(name)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "target_step":
        return f"{float(value) * 100:g}%"
    if indicator.unit == Unit.PERCENT:
        return f"{float(value):g}%"
    return f"{float(value):g} {indicator.get_unit_display()}"


def setting_change_text(change: "SettingChange", indicator: IndicatorDefinition) -> str:
    """One dated change of an indicator's settings in a sentence: "From 2026-03-01 the target
    changes from 95% to 97%." """
    date = f"{change.effective_from:%Y-%m-%d}"
    if change.field == "is_active":
        if change.new:
            return _("From %(date)s the indicator is scored again.") % {"date": date}
        return _("From %(date)s the indicator is no longer scored.") % {"date": date}
    if change.field == "floor_vetoes":
        if change.new:
            return _("From %(date)s falling past the floor caps the total score and grade.") % {
                "date": date
            }
        return _("From %(date)s falling past the floor no longer caps the total score.") % {
            "date": date
        }
    return _("From %(date)s the %(setting)s changes from %(old)s to %(new)s.") % {
        "date": date,
        "setting": IndicatorSetting._meta.get_field(change.field).verbose_name,
        "old": _setting_value(change.field, change.old, indicator),
        "new": _setting_value(change.field, change.new, indicator),
    }


def needed_data(needs: list[str]) -> str:
    """What a counted rule needs, in words: its record type, or the fields of it (one of)."""
    if not needs or needs[0] not in FRAME_MODELS:
        return _("the records it needs")
    model = FRAME_MODELS[needs[0]]
    names = []
    for name in needs[1:]:
        try:
            names.append(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            continue
    if not names:
        return str(model._meta.verbose_name_plural)
    return _("%(fields)s of %(records)s") % {
        "fields": " / ".join(names),
        "records": model._meta.verbose_name_plural,
    }


def not_measured_reason(reason: dict, calculator: str) -> str:
    """Why an indicator (by its ``calculator``) was not measured for a person
    (``EmployeeScore.not_measured``)."""
    kind = reason.get("reason")
    if kind == NOT_FED:
        return _("no source provides %(data)s") % {"data": needed_data(needed_fields(calculator))}
    if kind == TOO_FEW:
        return _("too few records (%(counted)d < %(minimum)d)") % {
            "counted": reason.get("counted", 0),
            "minimum": reason.get("minimum", 0),
        }
    if kind == UNSUPPORTED_LANGUAGE:
        return _("comments in unsupported languages (%(count)d)") % {
            "count": reason.get("set_aside", 0)
        }
    if kind == NO_RECORDS:
        return _("no records in the period")
    return _("no value can be worked out")
