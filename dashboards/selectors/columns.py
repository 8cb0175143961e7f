"""The indicators a dashboard shows, as columns, in the active language."""

from dataclasses import dataclass

from django.utils.translation import get_language

from indicators.models import Normalisation, Tier
from indicators.selectors import catalog_in_force
from org.periods import Period

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
    normalisation: str = Normalisation.LINEAR

    @property
    def within_team(self) -> bool:
        """Whether the score is a percentile among the person's team: a team's mean of it is
        about 50 whatever the team does, so it cannot compare teams."""
        return self.normalisation == Normalisation.PERCENTILE

    @property
    def name(self) -> str:
        return (self.name_zh or self.name_en) if chinese() else (self.name_en or self.name_zh)


def indicator_columns(period: Period) -> list[Column]:
    """The indicators scored in ``period`` (the catalog in force then), tier by tier (basic,
    efficiency, quality, innovation), in one query."""
    catalog = catalog_in_force(period).reset_index()
    # Stable: within a tier the catalog's own order (position, code) stays.
    ordered = sorted(catalog.itertuples(index=False), key=lambda row: TIERS.index(row.tier))
    return [
        Column(
            id=int(row.id),
            code=row.code,
            calculator=row.calculator,
            tier=row.tier,
            unit=row.unit,
            direction=row.direction,
            name_zh=row.name_zh,
            name_en=row.name_en,
            normalisation=row.normalisation,
        )
        for row in ordered
    ]
