"""The indicator catalog, the reply checklist, and the AHP weight schemes built over them.

An indicator says what is measured and how (the calculator), how its raw value becomes 0–100,
where its floor is, and, in both languages, how anyone can check the number. Its scoring settings
(on/off, target, floor, …) are dated versions (``IndicatorSetting``), so a past period is scored
with the catalog of its time; the definition's own copies hold the latest version's. A weight
scheme holds the experts' pairwise judgments for one employee level and the weights they imply;
it is versioned and in force from a date, so a past period is always scored with the weights of
its time.
"""

from indicators.models.catalog import (
    BUILT_IN_FROM,
    VERSIONED_FIELDS,
    ChangeReason,
    ChecklistElement,
    ComplianceRule,
    Direction,
    IndicatorDefinition,
    IndicatorSetting,
    Localised,
    Normalisation,
    RuleKind,
    RuleLanguage,
    Tier,
    Unit,
    all_levels,
    validate_calculator,
    validate_levels,
)
from indicators.models.schemes import (
    ALL_LEVELS,
    BUILTIN_EXPERT,
    SchemeMatrix,
    SchemeStatus,
    SchemeWeight,
    WeightScheme,
    expert_label,
)
from indicators.pilots import SchemePilot
from indicators.readings import CommentReading

__all__ = [
    "ALL_LEVELS",
    "BUILTIN_EXPERT",
    "BUILT_IN_FROM",
    "VERSIONED_FIELDS",
    "ChangeReason",
    "ChecklistElement",
    "CommentReading",
    "ComplianceRule",
    "Direction",
    "IndicatorDefinition",
    "IndicatorSetting",
    "Localised",
    "Normalisation",
    "RuleKind",
    "RuleLanguage",
    "SchemeMatrix",
    "SchemePilot",
    "SchemeStatus",
    "SchemeWeight",
    "Tier",
    "Unit",
    "WeightScheme",
    "all_levels",
    "expert_label",
    "validate_calculator",
    "validate_levels",
]
