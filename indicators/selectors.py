"""Reads for indicators and weight schemes, and who may change the catalog (the one place that
decides it). The record frames calculators work on are read by ``indicators.record_frames``."""

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.http import Http404

from indicators.calculators import COUNTED
from indicators.hooks import measured_shares
from indicators.models import (
    ALL_LEVELS,
    VERSIONED_FIELDS,
    ChangeReason,
    ChecklistElement,
    ComplianceRule,
    IndicatorDefinition,
    IndicatorSetting,
    SchemeMatrix,
    SchemeStatus,
    SchemeWeight,
    Tier,
    WeightScheme,
    expert_label,
)
from indicators.records import (
    FRAME_MODELS,
)
from indicators.weights import TIERS_MATRIX, matrix_outcome
from indicators.wording import (
    inconsistency_message,
    matrix_label,
    saaty_label,
    setting_change_text,
)
from ingest.models import (
    Source,
)
from ingest.record_types import RECORD_TYPE_OF_MODEL
from org.models import Level, Role
from org.periods import Period
from org.selectors import person_name, user_role


def catalog_editable_by(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Only admins change indicators, the reply checklist and weight schemes; everyone signed in
    reads the indicators."""
    return user_role(user) == Role.ADMIN


# What the scoring engine reads of each indicator (``catalog_in_force``), index ``code``.
CATALOG_COLUMNS = [
    "id",
    "code",
    "calculator",
    "tier",
    # The dated settings but the switch (the catalog lists only the indicators switched on).
    *(name for name in VERSIONED_FIELDS if name != "is_active"),
    "unit",
    "name_zh",
    "name_en",
]


def _catalog_rows(day: dt.date) -> dict[str, dict[str, object]]:
    """Per indicator code, in catalog order: its fixed fields (``CATALOG_COLUMNS``) and the
    versioned ones (``VERSIONED_FIELDS``) of its latest version effective on or before ``day``,
    or its definition's own where it has no such version (an indicator nobody has dated).
    One query: each indicator joined with its versions up to the day."""
    fixed = [name for name in CATALOG_COLUMNS if name not in VERSIONED_FIELDS]
    dated = [f"version__{name}" for name in VERSIONED_FIELDS]
    rows = (
        IndicatorDefinition.objects.annotate(
            version=FilteredRelation("versions", condition=Q(versions__effective_from__lte=day))
        )
        .order_by("tier", "position", "code", F("version__effective_from").asc(nulls_first=True))
        .values_list(*fixed, *VERSIONED_FIELDS, "version__id", *dated)
    )
    n = len(VERSIONED_FIELDS)
    found: dict[str, dict[str, object]] = {}
    for row in rows:
        own = dict(zip(fixed, row[: len(fixed)], strict=True))
        versioned = row[len(fixed) : len(fixed) + n]
        if row[len(fixed) + n] is not None:
            versioned = row[len(fixed) + n + 1 :]
        # Rows come oldest version first: the last one seen is the one in force.
        found[own["code"]] = {**own, **dict(zip(VERSIONED_FIELDS, versioned, strict=True))}
    return found


def catalog_on(day: dt.date) -> pd.DataFrame:
    """The indicators active on ``day`` with their settings of that day, index code, columns
    ``CATALOG_COLUMNS``."""
    records = [
        tuple(row[name] for name in CATALOG_COLUMNS)
        for row in _catalog_rows(day).values()
        if row["is_active"]
    ]
    return pd.DataFrame.from_records(records, columns=CATALOG_COLUMNS).set_index("code")


def catalog_in_force(period: Period) -> pd.DataFrame:
    """The catalog a period is scored with: as it stood on the period's last day (the day that
    also picks the period's weight schemes), so rescoring a past period reads the catalog of its
    time whatever was changed since."""
    return catalog_on(period.last_day)


def indicators_on(day: dt.date) -> list[IndicatorDefinition]:
    """Every indicator (active or not) as it stood on ``day``: its definition with the settings
    of its version in force then (unsaved values; names and manual text as they are now)."""
    rows = _catalog_rows(day)
    indicators = list(IndicatorDefinition.objects.all())
    for indicator in indicators:
        for name in VERSIONED_FIELDS:
            setattr(indicator, name, rows[indicator.code][name])
    return indicators


def indicator_by_code(code: str) -> IndicatorDefinition | None:
    """The indicator's definition (its texts), active now or not: a past period may have
    scored an indicator switched off since."""
    return IndicatorDefinition.objects.filter(code=code).first()


def indicator_settings_on(indicator: IndicatorDefinition, day: dt.date) -> dict[str, object]:
    """The indicator's versioned settings in force on ``day`` (its definition's own if it has no
    version by then)."""
    version = indicator.versions.filter(effective_from__lte=day).order_by("effective_from").last()
    source = version or indicator
    return {name: getattr(source, name) for name in VERSIONED_FIELDS}


@dataclass(frozen=True)
class SettingChange:
    """One field changed by a dated version, against the version before it."""

    indicator_id: int
    effective_from: dt.date
    field: str
    old: object
    new: object
    who: str
    when: dt.datetime
    reason: str


def setting_changes(indicator_ids: list[int] | None = None) -> dict[int, list[SettingChange]]:
    """Per indicator id, what each of its versions changed (oldest first): the first version
    is where the indicator started, not a change. One query."""
    versions = IndicatorSetting.objects.select_related("created_by__employee").order_by(
        "indicator_id", "effective_from"
    )
    if indicator_ids is not None:
        versions = versions.filter(indicator_id__in=indicator_ids)
    changes: dict[int, list[SettingChange]] = {}
    previous: IndicatorSetting | None = None
    for version in versions:
        if previous is not None and previous.indicator_id == version.indicator_id:
            before, after = previous.values(), version.values()
            changes.setdefault(version.indicator_id, []).extend(
                SettingChange(
                    indicator_id=version.indicator_id,
                    effective_from=version.effective_from,
                    field=name,
                    old=before[name],
                    new=after[name],
                    who=person_name(version.created_by),
                    when=version.created_at,
                    reason=_reason_label(version.reason),
                )
                for name in VERSIONED_FIELDS
                if before[name] != after[name]
            )
        previous = version
    return changes


def checklist_active() -> list[tuple[str, list[ComplianceRule]]]:
    """The reply checklist as the manual shows it: each element with its active rules."""
    rules = list(ComplianceRule.objects.filter(is_active=True))
    return [
        (str(label), [rule for rule in rules if rule.element == element])
        for element, label in ChecklistElement.choices
    ]


def scheme_get_for_user(*, user: AbstractBaseUser, scheme_id: int) -> WeightScheme:
    """The scheme, for admins only; 404 otherwise (schemes are not public before activation)."""
    if not catalog_editable_by(user):
        raise Http404
    scheme = WeightScheme.objects.filter(pk=scheme_id).first()
    if scheme is None:
        raise Http404
    return scheme


def _in_force(level: str, on: dt.date) -> Q:
    return Q(
        level=level,
        status__in=[SchemeStatus.ACTIVE, SchemeStatus.RETIRED],
        effective_from__lte=on,
    )


def scheme_in_force(*, level: str, on: dt.date) -> WeightScheme | None:
    """The scheme that weighs ``level`` on the date ``on``: the latest-effective activated scheme
    of that level, else of all levels. Retired schemes stay in force for the dates before their
    successor took over, so past periods keep their weights."""
    for candidate_level in (level, ALL_LEVELS):
        scheme = (
            WeightScheme.objects.filter(_in_force(candidate_level, on))
            .order_by("-effective_from", "-version")
            .first()
        )
        if scheme is not None:
            return scheme
    return None


@dataclass(frozen=True)
class ManualLine:
    effective_from: dt.date
    text: str  # in the active language
    upcoming: bool  # takes effect after the period shown


@dataclass(frozen=True)
class ManualEntry:
    indicator: IndicatorDefinition  # with the settings in force in the period shown
    weights: dict[str, float | None]  # level → global weight in the scheme in force, or None
    changes: list[ManualLine]  # every dated change of its settings, oldest first
    sources: list[str] = field(default_factory=list)  # names of the sources that feed it
    measured_share: float | None = None  # of the people weighed on it last period, 0–1


def indicator_sources(calculators: dict[str, str]) -> dict[str, list[str]]:
    """Per indicator code (``calculators`` maps code → calculator key), the enabled sources
    whose mapping of the indicator's record type fills (by a source field or a constant) a field
    its rule needs, or for a rule that needs none, that map the record type at all. One query."""
    sources = list(
        Source.objects.filter(enabled=True).order_by("name").values_list("name", "mappings")
    )
    found = {}
    for code, calculator in calculators.items():
        counted = COUNTED.get(calculator)
        if counted is None:
            found[code] = []
            continue
        record_type = RECORD_TYPE_OF_MODEL[FRAME_MODELS[counted.frame]].key
        names = []
        for name, mappings in sources:
            mapping = (mappings or {}).get(record_type)
            if not isinstance(mapping, dict):
                continue
            filled = {*mapping.get("fields", {}), *mapping.get("constants", {})}
            if not counted.needs or filled & set(counted.needs):
                names.append(name)
        found[code] = names
    return found


def indicator_manual(*, period: Period) -> list[ManualEntry]:
    """Every indicator active in ``period`` with the settings and, per level, the global weight
    in force then (both as of the period's last day, as scoring reads them), the dated changes
    of its settings before and after, the sources that feed it and the share of people
    measured on it in the latest scored period."""
    on = period.last_day
    schemes = {level: scheme_in_force(level=level, on=on) for level in Level.values}
    scheme_ids = {scheme.id for scheme in schemes.values() if scheme is not None}
    weight_of: dict[tuple[int, int], float] = {
        (scheme_id, indicator_id): weight
        for scheme_id, indicator_id, weight in SchemeWeight.objects.filter(
            scheme_id__in=scheme_ids
        ).values_list("scheme_id", "indicator_id", "global_weight")
    }
    changes = setting_changes()
    indicators = [indicator for indicator in indicators_on(on) if indicator.is_active]
    sources = indicator_sources({i.code: i.calculator for i in indicators})
    shares = measured_shares()
    entries = []
    for indicator in indicators:
        weights = {
            level: weight_of.get((scheme.id, indicator.id)) if scheme else None
            for level, scheme in schemes.items()
        }
        lines = [
            ManualLine(
                effective_from=change.effective_from,
                text=setting_change_text(change, indicator),
                upcoming=change.effective_from > on,
            )
            for change in changes.get(indicator.id, [])
        ]
        entries.append(
            ManualEntry(
                indicator=indicator,
                weights=weights,
                changes=lines,
                sources=sources[indicator.code],
                measured_share=shares.get(indicator.id),
            )
        )
    return entries


def scheme_versions(level: str) -> QuerySet[WeightScheme]:
    return WeightScheme.objects.filter(level=level).select_related("created_by__employee")


@dataclass(frozen=True)
class Change:
    when: dt.datetime
    who: str  # the user's full name or username; empty when the change came from a migration
    what: str
    subject: str
    reason: str


def _reason_label(reason: str | None) -> str:
    if reason in ChangeReason.values:
        return str(ChangeReason(reason).label)
    return reason or ""


def scheme_changes(scheme: WeightScheme) -> list[Change]:
    """Who changed what in a scheme and its judgments, newest first."""
    scheme_records = scheme.history.select_related("history_user__employee")
    matrix_records = SchemeMatrix.history.filter(scheme_id=scheme.id).select_related(
        "history_user__employee"
    )
    changes = [
        Change(
            when=record.history_date,
            who=person_name(record.history_user),
            what=record.get_history_type_display(),
            subject=str(record.get_status_display()),
            reason=_reason_label(record.history_change_reason),
        )
        for record in scheme_records
    ] + [
        Change(
            when=record.history_date,
            who=person_name(record.history_user),
            what=record.get_history_type_display(),
            subject=f"{record.get_matrix_display()} · {expert_label(record.expert)}",
            reason=_reason_label(record.history_change_reason),
        )
        for record in matrix_records
    ]
    return sorted(changes, key=lambda change: change.when, reverse=True)


@dataclass(frozen=True)
class EditorCell:
    row: int
    column: int
    value: str  # as on Saaty's scale: "3", "1/5"


@dataclass(frozen=True)
class EditorMatrix:
    key: str
    label: str
    items: list[str]  # labels, in matrix order
    cells: list[EditorCell]  # the upper triangle
    weights: list[float]  # of this expert's judgments
    cr: float
    consistent: bool
    combined: dict[str, object]  # the scheme's stored figures for all experts together
    revise: str  # the judgment to revise first, in words; empty when consistent


def matrix_items(scheme: WeightScheme, key: str) -> list[str] | None:
    """What one matrix of the scheme compares (codes), or ``None`` if it has no such matrix."""
    record = SchemeMatrix.objects.filter(scheme=scheme, matrix=key).only("items").first()
    return record.items if record else None


def scheme_experts(scheme: WeightScheme) -> list[str]:
    return sorted(set(scheme.matrices.values_list("expert", flat=True)))


def scheme_editor(scheme: WeightScheme, expert: str) -> list[EditorMatrix]:
    """One expert's matrices of a scheme as the weight editor shows them, tiers first. A new
    expert starts from equal judgments over the scheme's items."""
    names = {indicator.code: indicator.name for indicator in IndicatorDefinition.objects.all()}
    tier_names = {tier.value: str(tier.label) for tier in Tier}
    order = [TIERS_MATRIX, *Tier.values]
    records: dict[str, SchemeMatrix] = {}
    for record in SchemeMatrix.objects.filter(scheme=scheme).order_by("expert"):
        if record.expert == expert or record.matrix not in records:
            records[record.matrix] = record
    matrices = []
    for key in sorted(records, key=order.index):
        record = records[key]
        n = len(record.items)
        judgments = record.judgments if record.expert == expert else np.ones((n, n)).tolist()
        outcome = matrix_outcome(record.matrix, record.items, [judgments])
        matrices.append(
            EditorMatrix(
                key=record.matrix,
                label=matrix_label(record.matrix),
                items=[tier_names.get(item) or names.get(item, item) for item in record.items],
                cells=[
                    EditorCell(row=i, column=j, value=saaty_label(judgments[i][j]))
                    for i in range(n)
                    for j in range(i + 1, n)
                ],
                weights=[float(weight) for weight in outcome.result.weights],
                cr=outcome.result.cr,
                consistent=outcome.result.consistent,
                combined=scheme.consistency.get(record.matrix, {}),
                revise="" if outcome.result.consistent else inconsistency_message(outcome, names),
            )
        )
    return matrices
