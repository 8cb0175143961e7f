"""Changes to the indicator catalog (its dated settings and the reply checklist): each in one
transaction, with history that names the user. Weight schemes change in
``indicators.scheme_services``."""

import copy
import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import (
    BUILT_IN_FROM,
    VERSIONED_FIELDS,
    ChangeReason,
    ComplianceRule,
    IndicatorDefinition,
    IndicatorSetting,
)
from indicators.selectors import indicator_settings_on


def save_with_history(
    instance: models.Model,
    *,
    user: AbstractBaseUser | None,
    reason: str,
    fields: list[str] | None = None,
) -> None:
    """Save the instance (only ``fields`` when given), with the user and reason recorded in its
    history."""
    instance._history_user = user
    instance._change_reason = reason
    instance.save(update_fields=fields)


def compliance_rule_save(*, rule: ComplianceRule, user: AbstractBaseUser) -> ComplianceRule:
    """Create or change a reply-checklist rule (validated as a whole); history names ``user``."""
    rule.full_clean()
    reason = ChangeReason.CREATED if rule._state.adding else ChangeReason.UPDATED
    with transaction.atomic():
        save_with_history(rule, user=user, reason=reason)
    return rule


def catalog_first_open_day(*, now: dt.datetime | None = None) -> dt.date:
    """The earliest date a catalog change may take effect from: the first day of the current
    (open) month. An earlier date would change periods that may already be scored."""
    return timezone.localdate(now or timezone.now()).replace(day=1)


def indicator_update(
    *,
    indicator: IndicatorDefinition,
    user: AbstractBaseUser,
    changes: dict[str, object],
    effective_from: dt.date | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> IndicatorDefinition:
    """Change an indicator (validated as a whole); history names ``user`` and ``reason``.

    Names and manual text change at once. A scoring setting (``VERSIONED_FIELDS``: on/off,
    target, floor, …) changes from ``effective_from`` (by default the first day of the current
    month; never earlier): it becomes a dated version, so periods before keep the settings of
    their time. Later versions follow the change for the fields they did not change themselves.
    The definition keeps the settings of its latest version (those that apply from then on).
    """
    dated = {name: value for name, value in changes.items() if name in VERSIONED_FIELDS}
    fields = [name for name in changes if name not in VERSIONED_FIELDS]
    with transaction.atomic():
        # One change to an indicator's versions at a time.
        indicator = IndicatorDefinition.objects.select_for_update().get(pk=indicator.pk)
        for name in fields:
            setattr(indicator, name, changes[name])
        day = effective_from or catalog_first_open_day(now=now)
        in_force = indicator_settings_on(indicator, day)
        if {**in_force, **dated} != in_force:
            catalog_change_date_check(day, now=now)
            _versions_change(indicator, day, in_force, dated, user=user, reason=reason.strip())
            fields += list(VERSIONED_FIELDS)
        indicator.full_clean()
        save_with_history(indicator, user=user, fields=fields, reason=ChangeReason.UPDATED)
    return indicator


def catalog_change_date_check(day: dt.date, *, now: dt.datetime | None = None) -> None:
    """Refuse a scoring-settings change from before the current month, naming the first date
    allowed (the field error is on ``effective_from``)."""
    first = catalog_first_open_day(now=now)
    if day < first:
        raise ValidationError(
            {
                "effective_from": _(
                    "A change from %(date)s would alter periods that may already be scored. "
                    "Choose %(first)s or later."
                )
                % {"date": day, "first": first}
            },
            code="effective_in_past",
        )


def _versions_change(
    indicator: IndicatorDefinition,
    day: dt.date,
    before: dict[str, object],
    dated: dict[str, object],
    *,
    user: AbstractBaseUser,
    reason: str,
) -> None:
    """Write the change to the settings in force on ``day`` (``before``) as the version from
    ``day`` and carry it into the later versions, then put the latest version's settings on
    ``indicator`` (unsaved). Every version touched is validated as the definition is."""
    versions = list(indicator.versions.order_by("effective_from"))
    if not versions:  # never dated: its settings so far become its first version
        versions = [_version_first(indicator, user=user)]
    current = next((v for v in versions if v.effective_from == day), None)
    if current is None:
        current = IndicatorSetting(indicator=indicator, effective_from=day, **before)
        versions.append(current)
    for name, value in dated.items():
        setattr(current, name, value)
    current.reason, current.created_by = reason, user
    _settings_validate(indicator, current)
    # The why is the version's own ``reason`` (history keeps 100 characters of a reason).
    save_with_history(current, user=user, reason=ChangeReason.UPDATED)
    # A later version keeps what it changed itself and follows this change elsewhere.
    following, previous = set(dated), before
    for later in [v for v in versions if v.effective_from > day]:  # oldest first
        own = later.values()
        following -= {name for name in following if own[name] != previous[name]}
        previous = own
        if not following:
            break
        for name in following:
            setattr(later, name, dated[name])
        _settings_validate(indicator, later, later=True)
        save_with_history(later, user=user, reason=ChangeReason.UPDATED)
    latest = max(versions, key=lambda version: version.effective_from)
    for name, value in latest.values().items():
        setattr(indicator, name, value)


def _version_first(indicator: IndicatorDefinition, *, user: AbstractBaseUser) -> IndicatorSetting:
    first = IndicatorSetting(
        indicator=indicator,
        effective_from=BUILT_IN_FROM,
        reason=ChangeReason.BUILT_IN,
        **{name: getattr(indicator, name) for name in VERSIONED_FIELDS},
    )
    save_with_history(first, user=user, reason=ChangeReason.BUILT_IN)
    return first


def _settings_validate(
    indicator: IndicatorDefinition, version: IndicatorSetting, *, later: bool = False
) -> None:
    """The definition's rules (target beyond the baseline, a veto needs a floor, …) hold for
    a version's settings too; for a later version the change was carried into, the error names
    the date it applies from."""
    candidate = copy.copy(indicator)
    for name, value in version.values().items():
        setattr(candidate, name, value)
    try:
        candidate.full_clean(validate_unique=False)
    except ValidationError as exc:
        if not later:
            raise
        raise ValidationError(
            _("In the version from %(date)s: %(errors)s")
            % {"date": version.effective_from, "errors": " ".join(exc.messages)},
            code="version_invalid",
        ) from exc
