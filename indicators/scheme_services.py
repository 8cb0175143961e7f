"""Changes to weight schemes: drafts, their judgments, activation (and the rescoring it asks to
confirm). Each in one transaction, with history that names the user."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from indicators.hooks import rescoring
from indicators.models import (
    ALL_LEVELS,
    ChangeReason,
    IndicatorDefinition,
    SchemeMatrix,
    SchemeStatus,
    SchemeWeight,
    Tier,
    WeightScheme,
)
from indicators.selectors import catalog_on, scheme_in_force
from indicators.services import save_with_history
from indicators.weights import TIERS_MATRIX, MatrixOutcome, global_weights, matrix_outcome
from indicators.wording import inconsistency_message, matrix_error_message, matrix_label
from org.periods import Period
from org.selectors import user_display_name
from scoring.engine import ahp


def _scheme_items(level: str, on: dt.date) -> dict[str, list[str]]:
    """The matrices a scheme for ``level`` taking effect ``on`` a day needs: the tiers that have
    indicators for the level, and each such tier's indicators active that day (the dated
    catalog, not the latest version) in their catalog order."""
    active = set(catalog_on(on).index)
    by_tier: dict[str, list[str]] = {tier: [] for tier in Tier.values}
    for code, tier, levels in IndicatorDefinition.objects.filter(code__in=active).values_list(
        "code", "tier", "levels"
    ):
        if level == ALL_LEVELS or level in levels:
            by_tier[tier].append(code)
    tiers = [tier for tier, codes in by_tier.items() if codes]
    return {TIERS_MATRIX: tiers, **{tier: by_tier[tier] for tier in tiers}}


def _carried_over(items: list[str], source: SchemeMatrix | None) -> list[list[float]]:
    """Judgments for ``items``: the source matrix's where it compared the same pair, 1 (equal)
    otherwise."""
    n = len(items)
    values = np.ones((n, n))
    if source is not None:
        position = {item: index for index, item in enumerate(source.items)}
        for i, a in enumerate(items):
            for j, b in enumerate(items):
                if a in position and b in position:
                    values[i, j] = source.judgments[position[a]][position[b]]
    return values.tolist()


# ``based_on`` default: the scheme in force for the level on the draft's effective date.
IN_FORCE = object()


def scheme_draft_create(
    *,
    user: AbstractBaseUser,
    level: str,
    effective_from: dt.date,
    name: str = "",
    based_on: WeightScheme | None | object = IN_FORCE,
) -> WeightScheme:
    """A new draft version for ``level`` over the active indicators, with the judgments of
    ``based_on`` (by default the scheme in force on ``effective_from``) carried over where they
    still apply, equal judgments elsewhere; ``based_on=None`` starts from equal judgments."""
    if based_on is IN_FORCE:
        based_on = scheme_in_force(level=level, on=effective_from)
    try:
        return _draft_create(
            user=user, level=level, effective_from=effective_from, name=name, based_on=based_on
        )
    except IntegrityError as exc:
        raise ValidationError(
            _("Another draft for this level was created at the same moment; try again."),
            code="concurrent_draft",
        ) from exc


def _draft_create(
    *,
    user: AbstractBaseUser,
    level: str,
    effective_from: dt.date,
    name: str,
    based_on: WeightScheme | None,
) -> WeightScheme:
    with transaction.atomic():
        # Lock the level's versions (PostgreSQL allows no FOR UPDATE with an aggregate); the
        # unique (level, version) constraint still stops a race on a level's first scheme.
        versions = WeightScheme.objects.select_for_update().filter(level=level)
        version = max(versions.values_list("version", flat=True), default=0) + 1
        scheme = WeightScheme(
            name=name,  # empty: named after its level in each viewer's language
            level=level,
            version=version,
            effective_from=effective_from,
            entropy_alpha=based_on.entropy_alpha if based_on else 1.0,
            created_by=user,
        )
        scheme.full_clean()
        save_with_history(scheme, user=user, reason=ChangeReason.CREATED)
        sources: dict[str, list[SchemeMatrix]] = {}
        if based_on is not None:
            for source in based_on.matrices.all():
                sources.setdefault(source.matrix, []).append(source)
        experts = {m.expert for group in sources.values() for m in group} or {_expert_name(user)}
        by_expert = {
            (key, source.expert): source for key, group in sources.items() for source in group
        }
        bulk_create_with_history(
            [
                SchemeMatrix(
                    scheme=scheme,
                    matrix=key,
                    expert=expert,
                    items=items,
                    judgments=_carried_over(items, by_expert.get((key, expert))),
                )
                for key, items in _scheme_items(level, effective_from).items()
                for expert in sorted(experts)
            ],
            SchemeMatrix,
            default_user=user,
            default_change_reason=ChangeReason.CREATED,
        )
        _weights_refresh(scheme)
    return scheme


def _expert_name(user: AbstractBaseUser) -> str:
    return user_display_name(user)[: SchemeMatrix._meta.get_field("expert").max_length]


def _locked_draft(scheme: WeightScheme) -> WeightScheme:
    """The scheme re-read under a row lock, refused unless it is still a draft (another request
    may have activated it since the caller read it)."""
    locked = WeightScheme.objects.select_for_update().get(pk=scheme.pk)
    _require_draft(locked)
    return locked


def scheme_update(
    *, scheme: WeightScheme, user: AbstractBaseUser, changes: dict[str, object]
) -> WeightScheme:
    """Change a draft's name, effective date, α or note."""
    with transaction.atomic():
        scheme = _locked_draft(scheme)
        if "entropy_alpha" in changes:  # the name, date and note weigh nobody
            _require_unpiloted(scheme)
        for field, value in changes.items():
            setattr(scheme, field, value)
        scheme.full_clean()
        save_with_history(scheme, user=user, fields=list(changes), reason=ChangeReason.UPDATED)
    return scheme


def _require_draft(scheme: WeightScheme) -> None:
    if not scheme.is_editable:
        raise ValidationError(
            _("%(scheme)s is %(status)s: only a draft can be changed. Start a new version.")
            % {"scheme": scheme, "status": scheme.get_status_display()},
            code="not_draft",
        )


def _require_unpiloted(scheme: WeightScheme) -> None:
    """A draft a team's pilot weighs (or weighed) keeps its weights: the pilot's months are
    scored again with them. A pilot cancelled before it started does not count."""
    piloted = scheme.pilots.filter(
        Q(cancelled_at__isnull=True) | Q(cancelled_at__date__gte=F("first_month"))
    )
    if piloted.exists():
        raise ValidationError(
            _("%(scheme)s weighs a team's pilot: it cannot be changed. Start a new version.")
            % {"scheme": scheme},
            code="piloted",
        )


def scheme_judgments_set(
    *,
    scheme: WeightScheme,
    user: AbstractBaseUser,
    matrix: str,
    judgments: Sequence[Sequence[float]],
    expert: str = "",
) -> WeightScheme:
    """Store one expert's judgments for one matrix of a draft and recompute the weights.

    An inconsistent matrix is stored (the editor shows its CR); only activation is refused.
    """
    expert = (expert.strip() or _expert_name(user))[
        : SchemeMatrix._meta.get_field("expert").max_length
    ]
    existing = SchemeMatrix.objects.filter(scheme=scheme, matrix=matrix)
    template = existing.first()
    if template is None:
        raise ValidationError(
            _("%(scheme)s has no matrix %(matrix)s.") % {"scheme": scheme, "matrix": matrix},
            code="no_matrix",
        )
    try:
        array = ahp.validate(judgments)
    except ahp.MatrixError as exc:
        raise ValidationError(
            f"{matrix_label(matrix)}: {matrix_error_message(exc)}", code="bad_matrix"
        ) from exc
    if array.shape[0] != len(template.items):
        raise ValidationError(
            _("%(matrix)s compares %(n)d items, not %(size)d.")
            % {"matrix": matrix_label(matrix), "n": len(template.items), "size": array.shape[0]},
            code="wrong_size",
        )
    with transaction.atomic():
        scheme = _locked_draft(scheme)
        _require_unpiloted(scheme)
        record = existing.filter(expert=expert).first()
        if record is None:
            record = SchemeMatrix(
                scheme=scheme,
                matrix=matrix,
                expert=expert,
                items=template.items,
                judgments=array.tolist(),
            )
            save_with_history(record, user=user, reason=ChangeReason.JUDGMENTS)
        else:
            record.judgments = array.tolist()
            save_with_history(
                record, user=user, fields=["judgments"], reason=ChangeReason.JUDGMENTS
            )
        _weights_refresh(scheme)
    return scheme


def _outcomes(scheme: WeightScheme) -> dict[str, MatrixOutcome]:
    grouped: dict[str, list[SchemeMatrix]] = {}
    # Read afresh: a caller's instance may carry a prefetched (now stale) set of matrices.
    for record in SchemeMatrix.objects.filter(scheme=scheme):
        grouped.setdefault(record.matrix, []).append(record)
    return {
        key: matrix_outcome(key, records[0].items, [record.judgments for record in records])
        for key, records in grouped.items()
    }


def _weights_refresh(scheme: WeightScheme) -> None:
    """Recompute the stored consistency figures and weights from the judgments."""
    outcomes = _outcomes(scheme)
    scheme.consistency = {key: outcome.summary() for key, outcome in outcomes.items()}
    # The judgments' own history says who changed them; recomputed figures add no history row.
    scheme.save_without_historical_record(update_fields=["consistency"])
    indicator_ids = dict(IndicatorDefinition.objects.values_list("code", "id"))
    SchemeWeight.objects.filter(scheme=scheme).delete()
    SchemeWeight.objects.bulk_create(
        SchemeWeight(
            scheme=scheme,
            indicator_id=indicator_ids[weight.indicator],
            tier_weight=weight.tier_weight,
            local_weight=weight.local_weight,
            global_weight=weight.global_weight,
        )
        for weight in global_weights(outcomes)
    )


class RescoreConfirmationNeeded(ValidationError):
    """Activating the scheme changes the weights of periods already scored: the caller shows
    them (``periods``) and activates again with ``confirm=True`` to have them scored again."""

    def __init__(self, scheme: WeightScheme, periods: list[Period]) -> None:
        self.periods = periods
        super().__init__(
            _(
                "%(scheme)s changes the weights of periods already scored: %(periods)s. "
                "Confirm to activate it and score them again."
            )
            % {"scheme": scheme, "periods": _labels(periods)},
            code="confirm_rescore",
        )


@dataclass(frozen=True)
class ActivationPreview:
    """What activating a draft would do to scores: the periods it weighs that are already
    scored (rescored on confirmation), and those of them that are closed (refused until
    reopened). It is in force until ``until`` (the next version's date), or open-ended."""

    until: dt.date | None
    scored: list[Period]
    closed: list[Period]


def _labels(periods: list[Period]) -> str:
    return ", ".join(period.label for period in periods)


def _next_version_date(scheme: WeightScheme) -> dt.date | None:
    """When the activated version of the level that follows ``scheme``'s date takes over."""
    return (
        WeightScheme.objects.filter(
            level=scheme.level,
            status__in=[SchemeStatus.ACTIVE, SchemeStatus.RETIRED],
            effective_from__gt=scheme.effective_from,
        )
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )


def scheme_activation_preview(*, scheme: WeightScheme) -> ActivationPreview:
    until = _next_version_date(scheme)
    hooks = rescoring()
    if hooks is None:
        return ActivationPreview(until=until, scored=[], closed=[])
    scored = hooks.scored_between(scheme.effective_from, until)
    return ActivationPreview(until=until, scored=scored, closed=hooks.closed(scored))


def scheme_activate(
    *,
    scheme: WeightScheme,
    user: AbstractBaseUser,
    now: dt.datetime | None = None,
    confirm: bool = False,
) -> WeightScheme:
    """Put a consistent draft in force from its effective date, any date, past ones included.

    The scheme in force on a date is the latest-effective activated one on or before it (ties:
    the higher version). A scheme dated on or after the level's active one becomes the active
    one and retires it (kept: it still weighs the periods before the new date); one dated
    before it fits between versions and weighs only the dates up to the next version, so it is
    recorded as retired from the start (a later version has superseded it). Nothing else is
    retired: every other version keeps its dates.

    When periods it weighs are already scored, activation raises
    ``RescoreConfirmationNeeded`` listing them unless ``confirm``; with ``confirm`` they are
    scored again, oldest first, once the activation commits. Closed periods among them
    (past their appeal window, not reopened) refuse the activation, named.

    Refused too while any matrix has CR ≥ 0.10, naming the matrix and the judgment to revise;
    and when the catalog changed since the draft was made.
    """
    now = now or timezone.now()
    with transaction.atomic():
        scheme = _locked_draft(scheme)
        outcomes = _outcomes(scheme)
        if {key: list(outcome.items) for key, outcome in outcomes.items()} != _scheme_items(
            scheme.level, scheme.effective_from
        ):
            raise ValidationError(
                _(
                    "The indicators have changed since %(scheme)s was drafted (one was added, "
                    "moved or switched off). Create a new draft."
                )
                % {"scheme": scheme},
                code="catalog_changed",
            )
        names = {indicator.code: indicator.name for indicator in IndicatorDefinition.objects.all()}
        problems = [
            inconsistency_message(outcome, names)
            for outcome in outcomes.values()
            if not outcome.result.consistent
        ]
        if problems:
            raise ValidationError(problems, code="inconsistent")
        # Serialise activations of the level: the versions' dates are read and changed below.
        versions = list(WeightScheme.objects.select_for_update().filter(level=scheme.level))
        previous = next((v for v in versions if v.status == SchemeStatus.ACTIVE), None)
        later = next(
            (
                v
                for v in versions
                if v.status != SchemeStatus.DRAFT
                and v.effective_from == scheme.effective_from
                and v.version > scheme.version
            ),
            None,
        )
        if later is not None:  # it would win every date of this one (ties go to the version)
            raise ValidationError(
                _("%(later)s is already in force from %(date)s. Create a new draft.")
                % {"later": later, "date": scheme.effective_from},
                code="superseded",
            )
        preview = scheme_activation_preview(scheme=scheme)
        if preview.closed:
            raise ValidationError(
                _(
                    "%(scheme)s would change the scores of %(periods)s, closed since their "
                    "appeal window passed. HR or an admin must reopen them with a reason first."
                )
                % {"scheme": scheme, "periods": _labels(preview.closed)},
                code="periods_closed",
            )
        if preview.scored and not confirm:
            raise RescoreConfirmationNeeded(scheme, preview.scored)
        if previous is None or scheme.effective_from >= previous.effective_from:
            if previous is not None:
                previous.status = SchemeStatus.RETIRED
                previous.retired_at = now
                save_with_history(
                    previous,
                    user=user,
                    fields=["status", "retired_at"],
                    reason=ChangeReason.RETIRED,
                )
            scheme.status = SchemeStatus.ACTIVE
        else:
            scheme.status = SchemeStatus.RETIRED
            scheme.retired_at = now
        scheme.activated_at = now
        save_with_history(
            scheme,
            user=user,
            fields=["status", "activated_at", "retired_at"],
            reason=ChangeReason.ACTIVATED,
        )
        if preview.scored:
            rescoring().rescore(  # type: ignore[union-attr]  # scored implies registered
                preview.scored,
                _("Weight scheme %(scheme)s activated") % {"scheme": scheme},
                user,
            )
    return scheme
