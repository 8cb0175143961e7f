"""A pilot of the lab's quality draft for the east team over the two scored months of
``tests.weightlab.company`` (started, by the service's clock, in the first of them)."""

from indicators.models import WeightScheme
from indicators.pilots import SchemePilot
from org.models import Team
from tests.weightlab.company import MONTHS
from weightlab.services import pilot_create


def east_pilot_make(admin, scheme: WeightScheme, east: Team, months: int = 2) -> SchemePilot:
    return pilot_create(
        user=admin,
        scheme=scheme,
        team=east,
        first_month=MONTHS[0],
        months=months,
        reason="三个月试点 · trial",
        today=MONTHS[0].start,
    )
