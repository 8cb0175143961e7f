"""Published score rows in the ledger: each publication of a period (a run's, or a team's run
re-ranking the company) appends one entry, ``scores:<kind>`` #<yyyymmdd of the period's start>,
whose content maps every current score row of the period to the SHA-256 of what it states. A
score edited, added or deleted in the database is then found by ``manage.py verify_ledger``.

What is covered: the per-person score row (total, tier scores, grade, ranks, percentiles, vetoes,
plan, who, period, run), which is what pages, exports and the API serve. Left out: its
explanation and suggestions (words built from those numbers, kilobytes a row), why each missing
indicator was not measured (the reasons behind ``missing``, which is covered; leaving them out
also keeps the digests of rows published before they were recorded), and the
per-indicator rows (about seventeen per person: 170,000 a month at 10,000 people), which would
cost a run well over its 10% budget and change no published total, grade or rank.

Why one entry per publication rather than one per row: a run publishes 10,000 rows, and one
entry with the rows' digests (computed by the database in the query that reads them) costs the
run a few hundredths of a second, where 10,000 entries with their contents cost it one or two
tenths. It also makes a published row that was deleted visible (it is in the publication but
not current).
"""

import dataclasses
import datetime as dt
import hashlib
import json

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ingest.ledger import (
    CANONICAL_JSON,
    LedgerType,
    canonical_contents,
    ledger_append,
)
from ingest.models import LedgerAction, LedgerEntry
from ingest.records import record_values
from scoring.models import EmployeeScore, ScoreRun

PREFIX = "scores:"
EXCLUDED = frozenset({"explanation", "suggestions", "not_measured"})


def _digest_sql() -> str:
    """PostgreSQL: a row's digest over its ledgered columns, in forms that do not depend on
    session settings (floats as their 8 bytes, dates as day numbers, JSON as jsonb's text)."""
    parts = []
    for field in SCORE_LEDGER.content_fields():
        column = connection.ops.quote_name(field.column)
        if field.get_internal_type() == "FloatField":
            text = f"encode(float8send({column}), 'hex')"
        elif field.get_internal_type() == "DateField":
            text = f"({column} - date '1970-01-01')::text"
        else:
            text = f"{column}::text"
        parts.append(f"coalesce({text}, '~')")
    joined = " || '|' || ".join(parts)
    return f"encode(sha256(convert_to({joined}, 'UTF8')), 'hex')"


def score_digests(scores: QuerySet[EmployeeScore]) -> dict[int, tuple[str, dt.date, str]]:
    """Each score row's (period kind, period start, digest) by id, in one query: computed by
    PostgreSQL, elsewhere from the rows' canonical content."""
    scores = scores.order_by()
    if connection.vendor == "postgresql":
        rows = scores.annotate(ledger_digest=RawSQL(_digest_sql(), [])).values_list(
            "id", "period_kind", "period_start", "ledger_digest"
        )
        return {pk: (kind, start, digest) for pk, kind, start, digest in rows}
    frame = record_values(SCORE_LEDGER, scores)
    contents = canonical_contents(SCORE_LEDGER, frame)
    return {
        int(pk): (kind, start, hashlib.sha256(content.encode()).hexdigest())
        for pk, kind, start, content in zip(
            frame["id"], frame["period_kind"], frame["period_start"], contents, strict=True
        )
    }


def _publication_id(start: dt.date) -> int:
    return start.year * 10_000 + start.month * 100 + start.day


def _publish(kind: str, start: dt.date, digests: dict[int, str], actor: str) -> int:
    content = CANONICAL_JSON(
        {"period_kind": kind, "period_start": start.isoformat(), "rows": digests}
    )
    return ledger_append(
        spec=dataclasses.replace(SCORE_LEDGER, key=f"{PREFIX}{kind}"),
        record_ids=[_publication_id(start)],
        contents=[content],
        actions=[LedgerAction.PUBLISHED],
        actor=actor,
    )


def scores_ledger(*, run: ScoreRun) -> int:
    """Append the publication of the run's period: every current score row's digest (one query,
    one entry), in the caller's transaction."""
    current = EmployeeScore.objects.filter(
        is_current=True, period_kind=run.period_kind, period_start=run.period_start
    )
    digests = {str(pk): digest for pk, (_k, _s, digest) in score_digests(current).items()}
    return _publish(run.period_kind, run.period_start, digests, f"score-run:{run.pk}")


def _by_period(
    digests: dict[int, tuple[str, dt.date, str]],
) -> dict[tuple[str, int], dict[str, str]]:
    periods: dict[tuple[str, int], dict[str, str]] = {}
    for pk, (kind, start, digest) in digests.items():
        periods.setdefault((f"{PREFIX}{kind}", _publication_id(start)), {})[str(pk)] = digest
    return periods


def scores_verify(latest: dict[tuple[str, int], tuple[int, str]]) -> tuple[int, dict]:
    """Compare the current score rows with their periods' latest publications (taken out of
    ``latest``). Returns the rows checked and the ids by finding kind: ``changed`` (differs from
    its publication), ``unledgered`` (current but never published), ``gone`` (published, now
    neither current nor there)."""
    publications = {key: entry for key, entry in latest.items() if key[0].startswith(PREFIX)}
    for key in publications:
        del latest[key]
    current = _by_period(score_digests(EmployeeScore.objects.filter(is_current=True)))
    contents = dict(
        LedgerEntry.objects.filter(
            pk__in=[entry[0] for entry in publications.values()]
        ).values_list("id", "content")
    )
    found: dict[str, list[int]] = {"changed": [], "unledgered": [], "gone": []}
    for key in publications.keys() | current.keys():
        entry = publications.get(key)
        published = json.loads(contents[entry[0]])["rows"] if entry else {}
        now = current.get(key, {})
        for pk, digest in now.items():
            if pk not in published:
                found["unledgered"].append(int(pk))
            elif published[pk] != digest:
                found["changed"].append(int(pk))
        found["gone"].extend(int(pk) for pk in published.keys() - now.keys())
    return sum(len(rows) for rows in current.values()), found


def scores_adopt(*, actor: str) -> int:
    """Publish, as they are, the current rows of periods that have no publication yet (scores
    published before the ledger covered them). Returns the rows entered."""
    published = set(
        LedgerEntry.objects.filter(record_type__startswith=PREFIX).values_list(
            "record_type", "record_id"
        )
    )
    adopted = 0
    for (key, code), digests in _by_period(
        score_digests(EmployeeScore.objects.filter(is_current=True))
    ).items():
        if (key, code) not in published:
            start = dt.date(code // 10_000, code // 100 % 100, code % 100)
            _publish(key.removeprefix(PREFIX), start, digests, actor)
            adopted += len(digests)
    return adopted


SCORE_LEDGER = LedgerType(
    "employee_score",
    EmployeeScore._meta.verbose_name_plural,
    EmployeeScore,
    excluded=EXCLUDED,
    verify=scores_verify,
    adopt=scores_adopt,
)
