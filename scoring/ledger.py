"""Published score rows in the ledger: each row a run publishes (and each row a team's run
re-ranks in the company) gets an entry, so a score edited in the database is found by
``manage.py verify_ledger`` like an edited record.

What is covered: the per-person score row (total, tier scores, grade, ranks, percentiles, vetoes,
plan, who, period, run), which is what pages, exports and the API serve. Its explanation and
suggestions (words built from those numbers, several kilobytes a row) are left out, and so are
the per-indicator rows: a month has about seventeen of them per person (170,000 at 10,000
people), and ledgering them would cost a run more than its 10% budget; a changed indicator row
changes no total, grade or rank that was published.
"""

from django.db.models import QuerySet

from ingest.ledger import LedgerType, canonical_contents, ledger_append
from ingest.models import LedgerAction
from ingest.records import record_values
from scoring.models import EmployeeScore

SCORE_LEDGER = LedgerType(
    "employee_score",
    EmployeeScore._meta.verbose_name_plural,
    EmployeeScore,
    excluded=frozenset({"explanation", "suggestions"}),
    # Only the current rows are published; a later run's rows replace them (entries of rows
    # that are gone are history, not a finding).
    live=lambda scores: scores.filter(is_current=True),
    replaced=True,
)


def scores_ledger(*, run_id: int, scores: QuerySet[EmployeeScore]) -> int:
    """Append an entry for each of ``scores`` as stored now (one query, one COPY), in the
    caller's transaction."""
    rows = record_values(SCORE_LEDGER, scores.order_by("pk")).sort_index()
    return ledger_append(
        spec=SCORE_LEDGER,
        record_ids=rows["id"].tolist(),
        contents=canonical_contents(SCORE_LEDGER, rows).tolist(),
        actions=[LedgerAction.PUBLISHED] * len(rows),
        actor=f"score-run:{run_id}",
    )
