"""Review cycles: the qualitative half of an appraisal beside the computed KPI score.

HR opens a cycle over a run of the company's monthly periods for the company or some teams, with
a template per level (competencies, each with five behaviour anchors, and the level's KPI
weight). People review themselves, managers review their people, managers keep a
critical-incident log, and each person's result combines the KPI part (their published totals
of the cycle's months) with the qualitative part (``reviews.engine.final``). HR may calibrate a
grade with a written reason; the person then acknowledges the result. Every model keeps its
history.
"""

from reviews.models.cycles import (
    COMMENT_MAX,
    CYCLE_MONTHS,
    GRADES,
    NOTE_MAX,
    RATINGS,
    REASON_MAX,
    Anchor,
    Competency,
    CycleKind,
    CycleState,
    Rating,
    Review,
    ReviewCycle,
    ReviewKind,
    ReviewState,
    ReviewTemplate,
)
from reviews.models.outcomes import CycleResult, Incident, ResultBasis

__all__ = [
    "COMMENT_MAX",
    "CYCLE_MONTHS",
    "GRADES",
    "NOTE_MAX",
    "RATINGS",
    "REASON_MAX",
    "Anchor",
    "Competency",
    "CycleKind",
    "CycleResult",
    "CycleState",
    "Incident",
    "Rating",
    "ResultBasis",
    "Review",
    "ReviewCycle",
    "ReviewKind",
    "ReviewState",
    "ReviewTemplate",
]
