"""The indicators a dashboard shows, as columns, in the active language."""

from dataclasses import dataclass

from django.utils.translation import get_language

from indicators.models import IndicatorDefinition, Tier

TIERS: tuple[str, ...] = tuple(Tier.values)


def chinese() -> bool:
    """Whether the active language is Chinese (the default), for bilingual texts."""
    return (get_language() or "zh-hans").lower().startswith("zh")


@dataclass(frozen=True)
class Column:
    """An indicator as the dashboards show it; the name follows the active language."""

    id: int
    code: str
    calculator: str
    tier: str
    unit: str
    direction: str
    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        return (self.name_zh or self.name_en) if chinese() else (self.name_en or self.name_zh)


def indicator_columns() -> list[Column]:
    """Active indicators, tier by tier (basic, efficiency, quality, innovation), in one query."""
    rows = IndicatorDefinition.objects.filter(is_active=True).values_list(
        "id", "code", "calculator", "tier", "unit", "direction", "name_zh", "name_en", "position"
    )
    ordered = sorted(rows, key=lambda row: (TIERS.index(row[3]), row[8], row[1]))
    return [Column(*row[:8]) for row in ordered]
