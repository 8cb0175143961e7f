import datetime as dt
import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from demo.cycles import cycles_seed
from demo.seed.company import SCALES, default_end_month
from demo.services import DEMO_PASSWORD, AlreadySeeded, company_seed
from org.lists import list_join
from org.periods import Period
from org.selectors import demo_logins
from scoring.services import compute_period


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    except ValueError as exc:
        raise CommandError(
            _("--end-month must look like 2026-10, not %(value)r.") % {"value": value}
        ) from exc


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns; Chinese characters take two."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - used, 1)


class Command(BaseCommand):
    help = (
        "Seed a deterministic, realistic company (demo: 64 people, 6 months; bench: 10,000 people)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed (same seed, same data)"
        )
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
        parser.add_argument(
            "--end-month",
            type=_month,
            default=None,
            help="last month of data, YYYY-MM (default: the last complete month)",
        )

    def handle(self, *args, seed: int, scale: str, end_month: dt.date | None, **options):
        end_month = end_month or default_end_month(timezone.localdate())
        started = time.monotonic()
        try:
            report = company_seed(scale=SCALES[scale], seed=seed, end_month=end_month)
        except AlreadySeeded:
            self.stdout.write(_("The database already holds a company; nothing was seeded."))
        else:
            self.stdout.write(
                _(
                    "Seeded the %(scale)s company (seed %(seed)s, %(first)s to %(last)s) "
                    "in %(seconds).1f s:"
                )
                % {
                    "scale": scale,
                    "seed": seed,
                    "first": report.months[0].strftime("%Y-%m"),
                    "last": report.months[-1].strftime("%Y-%m"),
                    "seconds": time.monotonic() - started,
                }
            )
            for table, count in report.counts.items():
                self.stdout.write(f"  {table:<14} {count:>10,}")
            if scale == "demo":
                self._score(report.months)
                self._review_cycles(report, seed)
        self._print_logins()

    def _score(self, months: list[dt.date]) -> None:
        """Score every seeded month, oldest first (adaptive targets build on earlier months), so
        the demo opens on real scores. The bench company is scored by ``make bench``."""
        started = time.monotonic()
        for month in months:
            compute_period(Period.containing(month))
        self.stdout.write(
            _("Scored %(count)d months in %(seconds).1f s.")
            % {"count": len(months), "seconds": time.monotonic() - started}
        )

    def _review_cycles(self, report, seed: int) -> None:
        """A finished review cycle and an open one, over the scores just published."""
        started = time.monotonic()
        cycles = cycles_seed(months=report.months, styles=report.styles, seed=seed)
        self.stdout.write(
            _("Seeded %(count)d review cycles (%(names)s) in %(seconds).1f s.")
            % {
                "count": len(cycles),
                "names": list_join(
                    f"{cycle.name}: {cycle.get_state_display()}" for cycle in cycles
                ),
                "seconds": time.monotonic() - started,
            }
        )

    def _print_logins(self) -> None:
        logins = demo_logins()
        if not logins:
            return
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo logins (password for all: %(password)s)") % {"password": DEMO_PASSWORD}
            )
        )
        for login in logins:
            role = _pad(str(login.role.label), 14)
            self.stdout.write(f"  {role}{login.username:<14}{login.name} {login.team}".rstrip())
