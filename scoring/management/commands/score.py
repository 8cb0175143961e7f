"""manage.py score --period 2026-10 [--team NAME]: score a period here and now, with progress."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Avg, Count

from org.models import Team
from org.periods import Period
from scoring.models import EmployeeScore, ScoreRun, ScoreState
from scoring.runs import RunRefused
from scoring.services import compute_period

BAR = 30


class Command(BaseCommand):
    help = "Score a period (YYYY-MM, YYYY-Qn or YYYY-Wnn) for the company or one team."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", required=True, help="2026-10, 2026-Q4 or 2026-W44")
        parser.add_argument("--team", help="a team's name: that team and the teams below it")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=2000,
            help="employees scored at a time (bounds memory); default 2000",
        )

    def handle(self, *args, period: str, team: str | None, chunk_size: int, **options) -> None:
        try:
            scored_period = Period.parse(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        scope = None
        if team:
            scope = Team.objects.filter(name=team).first()
            if scope is None:
                raise CommandError(f"No team named {team!r}.")
        started = time.perf_counter()
        try:
            run = compute_period(
                scored_period, scope, progress=self._progress, chunk_size=chunk_size
            )
        except RunRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        self._summary(run, time.perf_counter() - started)

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
            f"{level}: {scheme['name']} v{scheme['version']}"
            for level, scheme in sorted(run.schemes.items())
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
