"""The weight lab: past published months replayed with a draft's weights, compared with what was
published. Reads only; nothing is scored for real, published or recorded."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.models import ALL_LEVELS, SchemeMatrix, SchemeStatus, WeightScheme
from indicators.weights import MatrixOutcome, global_weights, matrix_outcome
from indicators.wording import matrix_error_message, matrix_label
from org.periods import Period
from scoring.engine import ahp
from scoring.replay import periods_replay, published_months, published_results, weights_in_force
from scoring.selectors import is_pilot_key
from weightlab.compare import Comparison, compare, outcome_correlations

# At most this many months in one replay: each is a whole company scored in memory.
MAX_MONTHS = 12
# The outcomes offered first (the guides' examples); any indicator of the catalog may be picked.
DEFAULT_OUTCOMES = ("csat", "customer_repeat_rate", "complaint_return_rate")


@dataclass(frozen=True)
class LabResult:
    scheme: WeightScheme
    periods: list[Period]
    levels: list[str]  # the levels the draft weighs in the replay
    weights: dict[str, float]  # the draft's global weight per indicator code
    consistency: dict[str, dict[str, object]]  # per matrix, as ``MatrixOutcome.summary``
    comparison: Comparison
    outcomes: pd.DataFrame  # ``weightlab.compare.outcome_correlations``


def drafts_for_lab() -> list[WeightScheme]:
    """The drafts an admin may replay, by level and version."""
    return list(WeightScheme.objects.filter(status=SchemeStatus.DRAFT).order_by("level", "version"))


def months_for_lab() -> list[Period]:
    """The months with published results, newest first."""
    return published_months()


def draft_weights(
    scheme: WeightScheme, judgments: Mapping[str, Sequence[Sequence[float]]] | None = None
) -> tuple[dict[str, float], dict[str, dict[str, object]]]:
    """The draft's global weight per indicator code and its consistency per matrix, from its
    stored judgments, or with ``judgments`` (per matrix key, one full matrix) in place of a
    matrix's experts: an unsaved edit. A bad matrix raises ``ValidationError`` naming it."""
    judgments = judgments or {}
    grouped: dict[str, list[SchemeMatrix]] = {}
    for record in SchemeMatrix.objects.filter(scheme=scheme).order_by("matrix", "expert"):
        grouped.setdefault(record.matrix, []).append(record)
    unknown = sorted(set(judgments) - set(grouped))
    if unknown:
        raise ValidationError(
            {
                "judgments": _("%(scheme)s has no matrix %(matrix)s.")
                % {"scheme": scheme, "matrix": ", ".join(unknown)}
            }
        )
    outcomes: dict[str, MatrixOutcome] = {}
    for key, records in grouped.items():
        items = records[0].items
        matrices = [record.judgments for record in records]
        if key in judgments:
            try:
                matrices = [ahp.validate(judgments[key]).tolist()]
                outcomes[key] = matrix_outcome(key, items, matrices)
            except ahp.MatrixError as exc:
                raise ValidationError(
                    {"judgments": f"{matrix_label(key)}: {matrix_error_message(exc)}"}
                ) from exc
        else:
            outcomes[key] = matrix_outcome(key, items, matrices)
    weights = {weight.indicator: weight.global_weight for weight in global_weights(outcomes)}
    return weights, {key: outcome.summary() for key, outcome in outcomes.items()}


def _levels_weighed_by(scheme: WeightScheme, schemes: dict[str, dict[str, object]]) -> list[str]:
    """The levels whose weights the draft would take over in a period: its own level, or for
    an all-levels draft the levels weighed by an all-levels scheme then. A team's pilot keeps
    weighing its team (as it did in the published results compared with)."""
    if scheme.level != ALL_LEVELS:
        return [scheme.level]
    shared = set(
        WeightScheme.objects.filter(
            id__in=[entry["id"] for entry in schemes.values()], level=ALL_LEVELS
        ).values_list("id", flat=True)
    )
    return sorted(
        level
        for level, entry in schemes.items()
        if entry["id"] in shared and not is_pilot_key(level)
    )


def lab_replay(
    *,
    scheme: WeightScheme,
    periods: Sequence[Period],
    judgments: Mapping[str, Sequence[Sequence[float]]] | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
) -> LabResult:
    """Replay ``periods`` (published months) with the draft ``scheme`` (with ``judgments`` in
    place of its matrices' when given) in place of its level's scheme; every other level keeps
    the scheme of its time. Compare with the published results; correlate every indicator with
    ``outcomes`` over the months. Bad input raises ``ValidationError`` naming the field."""
    if scheme.status != SchemeStatus.DRAFT:
        raise ValidationError(
            {
                "scheme": _("Only a draft can be tried in the lab; %(scheme)s is %(status)s.")
                % {"scheme": scheme, "status": scheme.get_status_display()}
            }
        )
    periods = sorted(set(periods))
    if not periods:
        raise ValidationError({"months": _("Pick at least one published month.")})
    if len(periods) > MAX_MONTHS:
        raise ValidationError(
            {
                "months": _("At most %(limit)d months can be replayed at once, not %(n)d.")
                % {"limit": MAX_MONTHS, "n": len(periods)}
            }
        )
    unpublished = sorted(set(periods) - set(published_months()))
    if unpublished:
        raise ValidationError(
            {
                "months": _("No published results for %(months)s.")
                % {"months": ", ".join(str(period) for period in unpublished)}
            }
        )
    weights, consistency = draft_weights(scheme, judgments)
    draft_entry = {
        "id": scheme.id,
        "name": scheme.name,
        "version": scheme.version,
        "alpha": scheme.entropy_alpha,
    }
    levels: set[str] = set()

    def with_draft(period: Period) -> tuple[dict[str, dict[str, object]], dict]:
        schemes, by_level = weights_in_force(period)
        for level in _levels_weighed_by(scheme, schemes):
            schemes[level] = draft_entry
            by_level[level] = weights
            levels.add(level)
        return schemes, by_level

    replayed, raws = [], []
    for people, raw in periods_replay(periods=periods, weights=with_draft):
        replayed.append(people)
        raws.append(raw)
    return LabResult(
        scheme=scheme,
        periods=periods,
        levels=sorted(levels),
        weights=weights,
        consistency=consistency,
        comparison=compare(published_results(periods), pd.concat(replayed, ignore_index=True)),
        outcomes=outcome_correlations(pd.concat(raws, ignore_index=True), list(outcomes)),
    )
