"""manage.py bench: the scoring, ingestion and dashboards benchmarks at company scale, one JSON
line each.

Seeds the bench company (10,000 employees, 1,000,000 orders) in a separate process unless it is
already there, then times, for the latest month: a bare SQL aggregate pass over the same tables
(what reading the data costs at least) and ``compute_period`` end to end in this process (its peak
memory is this process's); then the same run split across one and across two Celery workers;
then the weight lab replaying the six months up to it (``demo.bench_weightlab``, against that
month's run; ``--only weight_lab`` times the month too, without the workers);
then ingestion (``demo.bench_ingest``: clean, and with 5% bad rows), the dashboards under load
(``demo.bench_dashboards``), a drill-down of 5,000 records (``demo.bench_drilldown``) and reading
1,000 new comments' sentiment (``demo.bench_sentiment``) and the node-warning job over the company
(``demo.bench_node_warnings``).
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from demo.bench_dashboards import dashboards_bench
from demo.bench_ingest import ingest_bench, ingest_dirty_bench
from demo.bench_node_warnings import node_warnings_bench
from demo.bench_sentiment import sentiment_bench
from demo.bench_weightlab import months_to_replay, weight_lab_bench
from demo.reference import reference_data_restore
from ingest.models import Order
from org.calendar import period_window
from org.models import Employee
from org.periods import Period
from org.selectors import employed_during
from scoring.models import RunStatus
from scoring.services import compute_period, score_run_create

BENCH_ORDERS = 1_000_000
TIMED_RUNS = 3  # the scoring line quotes the median of these
ROOT = Path(settings.BASE_DIR)

# One aggregate per record type, over the rows the calculators read for the month: the least
# any scoring must pay to look at the data.
BASELINE_SQL = [
    """SELECT merchandiser_id, count(*), avg(extract(epoch FROM confirmed_at - submitted_at)),
              sum(CASE WHEN entry_errors = 0 THEN 1 ELSE 0 END),
              sum(CASE WHEN fulfilment_error THEN 1 ELSE 0 END)
       FROM ingest_order WHERE submitted_at >= %(previous)s AND submitted_at < %(end)s
       GROUP BY merchandiser_id""",
    """SELECT o.merchandiser_id, count(*),
              sum(CASE WHEN n.completed_at <= n.due_at THEN 1 ELSE 0 END)
       FROM ingest_ordernode n JOIN ingest_order o ON o.id = n.order_id
       WHERE n.due_at >= %(start)s AND n.due_at < %(end)s
       GROUP BY o.merchandiser_id""",
    """SELECT employee_id, count(*), sum(length(message)) FROM ingest_followup
       WHERE occurred_at >= %(start)s AND occurred_at < %(end)s GROUP BY employee_id""",
    """SELECT employee_id, avg(csat), sum(length(comment)) FROM ingest_feedback
       WHERE submitted_at >= %(start)s AND submitted_at < %(end)s GROUP BY employee_id""",
    """SELECT handler_id, avg(extract(epoch FROM resolved_at - detected_at))
       FROM ingest_exceptioncase WHERE detected_at >= %(start)s AND detected_at < %(end)s
       GROUP BY handler_id""",
    """SELECT employee_id, avg(CASE WHEN contacts_until_resolved = 1 THEN 1 ELSE 0 END)
       FROM ingest_ticket WHERE resolved_at >= %(start)s AND resolved_at < %(end)s
       GROUP BY employee_id""",
    """SELECT employee_id, count(*) FROM ingest_suggestion
       WHERE decided_at >= %(start)s AND decided_at < %(end)s GROUP BY employee_id""",
    """SELECT employee_id, count(completed_at) FROM ingest_trainingrecord
       WHERE due_on >= %(first_day)s AND due_on < %(end_day)s GROUP BY employee_id""",
    """SELECT reviewee_id, avg(score) FROM ingest_peerreview
       WHERE period >= %(first_day)s AND period < %(end_day)s GROUP BY reviewee_id""",
]


def _emit(stdout, **fields) -> None:
    stdout.write(json.dumps(fields, ensure_ascii=False))


def _latest_period() -> Period:
    """The month of the bench company's latest order: the month the scoring line times and the
    last the weight lab replays."""
    latest = Order.objects.aggregate(latest=Max("submitted_at"))["latest"]
    return Period.containing(timezone.localtime(latest).date())


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Command(BaseCommand):
    help = "Benchmark scoring at 10,000 employees and 1,000,000 orders (PostgreSQL only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--skip-workers", action="store_true", help="no Celery measurement")
        parser.add_argument(
            "--only",
            choices=["scoring", "weight_lab", "ingest", "dashboards", "sentiment", "node_warnings"],
            help="run one of the benchmarks only",
        )

    def handle(self, *args, skip_workers: bool, only: str | None, **options) -> None:
        if only == "sentiment":  # reads no database: no bench company needed
            _emit(self.stdout, **sentiment_bench())
            return
        if connection.vendor != "postgresql":
            raise CommandError(
                "make bench needs PostgreSQL: set DATABASE_URL=postgres://… (the bench company "
                "is 2–3 GB and is written with COPY)."
            )
        call_command("migrate", verbosity=0)
        if Order.objects.count() < BENCH_ORDERS:
            name = connection.settings_dict["NAME"]
            if Employee.objects.exists() and "bench" not in name:
                raise CommandError(
                    f"The database {name!r} holds another company: the bench would replace it. "
                    "Point DATABASE_URL at a database of its own (its name containing 'bench')."
                )
            self._seed()
        latest = _latest_period()
        lab_months = None
        if only in (None, "weight_lab"):
            # First, so that the month the scoring line times is scored after its predecessors.
            lab_months = months_to_replay(latest)
        if only in (None, "scoring", "weight_lab"):
            # The weight lab is quoted against one month's scoring of the same company: timed
            # here (without the workers) when the lab runs alone.
            month_seconds = self._scoring(latest, skip_workers=skip_workers or only == "weight_lab")
            if lab_months:
                _emit(
                    self.stdout,
                    **weight_lab_bench(months=lab_months, month_seconds=month_seconds),
                )
        if only in (None, "ingest"):
            for line in [*ingest_bench(), ingest_dirty_bench()]:
                _emit(self.stdout, **line)
        if only in (None, "dashboards"):
            for line in dashboards_bench():
                _emit(self.stdout, **line)
        if only in (None, "sentiment"):
            _emit(self.stdout, **sentiment_bench())
        if only in (None, "node_warnings"):
            _emit(self.stdout, **node_warnings_bench())

    def _scoring(self, period: Period, *, skip_workers: bool) -> float:
        """The scoring lines for ``period``; returns one month's scoring time (the median), which
        the ``weight_lab`` line is quoted against."""
        employees = employed_during(period).count()
        window = period_window(period)
        orders = Order.objects.filter(
            submitted_at__gte=window.start, submitted_at__lt=window.end
        ).count()

        # Both sides are timed warm. The run once untimed first, as in a worker that has scored
        # before (imports, compiled patterns, pools); each timed run then replaces the results,
        # as the nightly rescoring of a month does. The replaced rows are vacuumed before each
        # timing, so autovacuum does not start on them in the middle of it. The baseline reads
        # the month once untimed, so both find it in the cache. Both figures are the median of
        # ``TIMED_RUNS``: one run alone moves by a fifth with whatever else the disk is doing.
        compute_period(period)
        self._baseline(period)
        baselines, timings = [], []
        for _ in range(TIMED_RUNS):
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) scoring_employeescore, scoring_indicatorscore")
            baselines.append(self._baseline(period))
            started = time.perf_counter()
            compute_period(period)
            timings.append(time.perf_counter() - started)
        seconds, baseline = statistics.median(timings), statistics.median(baselines)
        _emit(
            self.stdout,
            bench="score_month",
            period=period.label,
            employees=employees,
            orders=orders,
            seconds=round(seconds, 2),
            baseline_seconds=round(baseline, 2),
            ratio=round(seconds / baseline, 2),
            runs=TIMED_RUNS,
            peak_rss_mb=_peak_rss_mb(),
        )
        if not skip_workers:
            self._workers(period, employees)
        return seconds

    def _seed(self) -> None:
        self.stderr.write("Seeding the bench company (3 to 7 minutes)…")
        if Employee.objects.exists():
            call_command("flush", interactive=False, verbosity=0)
            # flush also empties what data migrations wrote: the roles and the indicator catalog.
            reference_data_restore()
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo", "--scale", "bench"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # The new rows settled as autovacuum leaves a database in use: planner statistics
        # (without them both sides would be timed on plans made for empty tables) and hint bits
        # and visibility set (else the first reads of each page write it back).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")

    def _baseline(self, period: Period) -> float:
        started = time.perf_counter()
        window = period_window(period)
        params = {
            "start": window.start.to_pydatetime(),
            "end": window.end.to_pydatetime(),
            "previous": window.previous_start.to_pydatetime(),
            "first_day": window.first_day,
            "end_day": window.end_day,
        }
        with connection.cursor() as cursor:
            for sql in BASELINE_SQL:
                cursor.execute(sql, params)
                cursor.fetchall()
        return time.perf_counter() - started

    def _workers(self, period: Period, employees: int) -> None:
        if not settings.REDIS_URL:
            self.stderr.write("REDIS_URL is not set: skipping the Celery workers line.")
            return
        timings = {}
        for workers in (1, 2):
            worker = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "celery"),
                    "-A",
                    "perf",
                    "worker",
                    "--concurrency",
                    str(workers),
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"bench{workers}@%h",
                ],
                cwd=ROOT,
                env={**os.environ},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(5)  # let the worker connect before the clock starts
                timings[workers] = self._run_on_workers(period)
            finally:
                worker.terminate()
                worker.wait(timeout=60)
        _emit(
            self.stdout,
            bench="score_month_workers",
            period=period.label,
            employees=employees,
            seconds_1_worker=round(timings[1], 2),
            seconds_2_workers=round(timings[2], 2),
            speedup=round(timings[1] / timings[2], 2),
        )

    def _run_on_workers(self, period: Period) -> float:
        from scoring.tasks import score_run_task

        run = score_run_create(period=period)
        started = time.perf_counter()
        score_run_task.delay(run.id)
        while True:
            time.sleep(0.5)
            run.refresh_from_db(fields=["status", "error"])
            if run.status == RunStatus.SUCCEEDED:
                return time.perf_counter() - started
            if run.status == RunStatus.FAILED:
                raise CommandError(f"the run on the workers failed: {run.error}")
            if time.perf_counter() - started > 1800:
                raise CommandError("the run on the workers did not finish in 30 minutes")
