"""manage.py score --period 2026-10 [--team NAME]: score a period here and now, with progress.
manage.py score --from 2016-09 --to 2018-10: every period of the range, oldest first (adaptive
targets build up in order), a line per period and a summary.

Closed periods that were scored (past their appeal window) are refused unless reopened.
"""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Avg, Count

from org.fields import period_from_text
from org.models import Team
from org.periods import Period
from scoring.closing import PeriodsClosed, periods_closed_check
from scoring.models import EmployeeScore, ScoreRun, ScoreState
from scoring.ranges import periods_between
from scoring.runs import RunRefused
from scoring.selectors import is_pilot_key
from scoring.services import compute_period

BAR = 30


def _key_label(key: str, entry: dict) -> str:
    """A key of ``ScoreRun.schemes`` as the command prints it: the level, or a pilot and the
    team it weighs."""
    return f"pilot {entry['pilot_id']} of team {entry['team_id']}" if is_pilot_key(key) else key


class Command(BaseCommand):
    help = "Score a period (YYYY-MM, YYYY-Qn or YYYY-Wnn) for the company or one team."

    def add_arguments(self, parser) -> None:
        chosen = parser.add_mutually_exclusive_group(required=True)
        chosen.add_argument("--period", help="2026-10, 2026-Q4 or 2026-W44")
        chosen.add_argument("--from", dest="first", help="the range's first period (2016-09)")
        parser.add_argument("--to", dest="last", help="the range's last period (2018-10)")
        parser.add_argument("--team", help="a team's name: that team and the teams below it")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=2000,
            help="employees scored at a time (bounds memory); default 2000",
        )

    def handle(
        self,
        *args,
        period: str | None,
        first: str | None,
        last: str | None,
        team: str | None,
        chunk_size: int,
        **options,
    ) -> None:
        if period and last:
            raise CommandError("--to goes with --from, not with --period.")
        if first and not last:
            raise CommandError("--from needs --to (the range's last period).")
        periods = (
            [_parsed("--period", period)]
            if period
            else _range(_parsed("--from", first), _parsed("--to", last))
        )
        scope = None
        if team:
            scope = Team.objects.filter(name=team).first()
            if scope is None:
                raise CommandError(f"No team named {team!r}.")
        try:
            periods_closed_check(periods)
        except PeriodsClosed as closed:
            raise CommandError(str(closed)) from closed
        if period:
            self._one(periods[0], scope, chunk_size)
        else:
            self._range(periods, scope, chunk_size)

    def _one(self, scored_period: Period, scope: Team | None, chunk_size: int) -> None:
        started = time.perf_counter()
        try:
            run = compute_period(
                scored_period, scope, progress=self._progress, chunk_size=chunk_size
            )
        except RunRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        self._summary(run, time.perf_counter() - started)

    def _range(self, periods: list[Period], scope: Team | None, chunk_size: int) -> None:
        """Each period in turn; one that fails is reported and the next ones still run."""
        started, failed, employees = time.perf_counter(), [], 0
        for number, scored_period in enumerate(periods, start=1):
            began = time.perf_counter()
            prefix = f"[{number}/{len(periods)}] {scored_period}"
            try:
                run = compute_period(scored_period, scope, chunk_size=chunk_size)
            except Exception as exc:  # recorded on the run as failed; the range goes on
                failed.append(scored_period)
                self.stdout.write(self.style.ERROR(f"{prefix}: failed: {exc}"))
                continue
            employees += run.employees
            schemes = ", ".join(
                f"{_key_label(key, scheme)}: v{scheme['version']}"
                for key, scheme in sorted(run.schemes.items())
            )
            self.stdout.write(
                f"{prefix}: {run.employees} employees, run #{run.pk}, schemes {schemes} "
                f"({time.perf_counter() - began:.1f} s)"
            )
        summary = (
            f"Scored {len(periods) - len(failed)} of {len(periods)} periods from {periods[0]} "
            f"to {periods[-1]} ({employees} employee scores) "
            f"in {time.perf_counter() - started:.1f} s."
        )
        if failed:
            raise CommandError(f"{summary} Failed: {', '.join(p.label for p in failed)}.")
        self.stdout.write(self.style.SUCCESS(summary))

    def _progress(self, run: ScoreRun) -> None:
        done = round(BAR * run.chunks_done / max(run.chunks_total, 1))
        self.stdout.write(
            f"\r[{'#' * done}{'.' * (BAR - done)}] {run.chunks_done}/{run.chunks_total}",
            ending="",
        )
        self.stdout.flush()

    def _summary(self, run: ScoreRun, seconds: float) -> None:
        scores = EmployeeScore.objects.filter(run=run)
        self.stdout.write(
            self.style.SUCCESS(
                f"Scored {run.employees} employees for {run.period_start:%Y-%m-%d} "
                f"({run.get_period_kind_display()}) in {seconds:.1f} s, run #{run.pk}."
            )
        )
        schemes = ", ".join(
            f"{_key_label(key, scheme)}: {scheme['name']} v{scheme['version']}"
            for key, scheme in sorted(run.schemes.items())
        )
        self.stdout.write(f"Schemes: {schemes or '—'}")
        grades = dict(scores.values_list("grade").annotate(n=Count("id")))
        self.stdout.write("Grade  " + "  ".join(f"{g or '—'}:{grades.get(g, 0)}" for g in "SABCD"))
        self.stdout.write(
            f"Vetoed: {scores.exclude(vetoes=[]).count()}  "
            f"Improvement plans: {scores.filter(improvement_plan=True).count()}"
        )
        # The rest of the roster has no total and no grade: say how many and why.
        states = dict(scores.values_list("state").annotate(n=Count("id")).order_by())
        self.stdout.write(
            f"Not scored: {states.get(ScoreState.NO_ACTIVITY, 0)} without activity, "
            f"{states.get(ScoreState.NOT_ENOUGH_DATA, 0)} with too little of the weight measured"
        )
        self.stdout.write(f"{'Team':<24}{'People':>8}{'Average':>10}")
        for row in (
            scores.values("team__name")
            .annotate(people=Count("id"), average=Avg("total"))
            .order_by("-average")
        ):
            average = f"{row['average']:.1f}" if row["average"] is not None else "—"
            self.stdout.write(f"{row['team__name']:<24}{row['people']:>8}{average:>10}")


def _parsed(argument: str, text: str | None) -> Period:
    try:
        return period_from_text(text or "")
    except ValidationError as exc:
        raise CommandError(f"{argument}: {' '.join(exc.messages)}") from exc


def _range(first: Period, last: Period) -> list[Period]:
    try:
        return periods_between(first, last)
    except ValidationError as exc:
        raise CommandError(
            " ".join(f"--{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items())
        ) from exc
