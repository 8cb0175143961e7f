"""The demo company: deterministic for a seed, the stated size, and visibly different styles."""

import datetime as dt
import io
from decimal import Decimal

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import translation
from django_celery_beat.models import PeriodicTask

from bonus.models import BonusLine, BonusPool, PoolState
from demo.cycles import cycles_seed
from demo.seed.activity import generate
from demo.seed.company import DEMO, STYLES
from demo.services import TABLE_MODELS, AlreadySeeded, company_seed
from indicators.calculators import NOT_FED, measured_values
from indicators.record_frames import record_frames
from indicators.selectors import catalog_in_force
from ingest.ledger import head_path
from ingest.ledger_verify import ledger_verify
from ingest.models import (
    Feedback,
    FollowUp,
    LedgerEntry,
    Order,
    OrderNode,
    PeerReview,
    RejectedRow,
    Source,
    SyncRun,
    SyncStatus,
    Ticket,
)
from org.calendar import company_zone, period_window
from org.models import Customer, Employee, Level, Team
from org.periods import Period
from reviews.models import (
    CycleResult,
    CycleState,
    Incident,
    ResultBasis,
    Review,
    ReviewKind,
    ReviewState,
)
from reviews.selectors import cycle_people
from scoring.services import compute_period

END = dt.date(2026, 10, 1)
# The least share of the scored people an everyday indicator measures in the demo's last month.
MEASURED_IN_DEMO = 0.7


def test_same_seed_gives_the_same_company_and_another_seed_another():
    first = generate(scale=DEMO, seed=11, end_month=END)
    again = generate(scale=DEMO, seed=11, end_month=END)
    other = generate(scale=DEMO, seed=12, end_month=END)
    for (name, frame), (_, same) in zip(first.tables(), again.tables(), strict=True):
        pd.testing.assert_frame_equal(frame, same, obj=name)
    pd.testing.assert_series_equal(first.styles, again.styles)
    assert not first.orders["submitted_at"].equals(other.orders["submitted_at"])


SEED_HEAD = []
# The tables the seed loads in bulk whose records the ledger covers (people and teams are not
# records), so it adopts them.
ADOPTED_TABLES = {
    "order_nodes",
    "follow_ups",
    "exceptions",
    "tickets",
    "suggestions",
    "trainings",
    "peer_reviews",
}


@pytest.fixture
def seed_head(settings):
    """The ledger's head file as the seed left it (each test otherwise gets an empty folder)."""
    settings.PERF_LEDGER_HEAD_FILE = SEED_HEAD[-1]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo company written once for this module's tests (through COPY on PostgreSQL)."""
    with django_db_blocker.unblock():
        report = company_seed(
            scale=DEMO, seed=2026, end_month=END, sources_dir=tmp_path_factory.mktemp("sources")
        )
        SEED_HEAD.append(head_path())  # where the seed's commits wrote the ledger's head
        yield report
        _remove_seeded_company()


def _remove_seeded_company() -> None:
    """Delete what the seed wrote, children first, keeping what migrations created (roles, the
    indicator catalog). Raw deletes: hundreds of thousands of rows need no per-row signals."""
    Team.objects.update(manager=None)
    for model in [LedgerEntry, RejectedRow, SyncRun, Source.history.model]:
        model.objects.all()._raw_delete(model.objects.db)
    Source.objects.all().delete()
    PeriodicTask.objects.all().delete()
    for model in reversed(TABLE_MODELS.values()):
        model.objects.all()._raw_delete(model.objects.db)
    get_user_model().objects.all().delete()


@pytest.mark.django_db
def test_demo_orders_and_feedback_arrive_through_the_erp_and_crm_syncs(seeded, seed_head):
    runs = {run.source.name: run for run in SyncRun.objects.select_related("source")}
    assert set(runs) == {"erp", "crm"}
    assert all(run.status == SyncStatus.SUCCEEDED and run.rejected == 0 for run in runs.values())
    assert runs["erp"].created == Order.objects.count() + Customer.objects.count() == 32_640
    assert runs["crm"].created == Feedback.objects.count() == 9_608
    erp = Source.objects.get(name="erp")
    assert erp.kind == "sql" and erp.schedule.crontab.minute == "5"
    assert set(erp.cursors) == {"customer", "order"}
    # Every synced record has its ledger entry, the records loaded in bulk were adopted as they
    # are; the chain, its head and the records agree.
    report = ledger_verify()
    assert report.ok, report.problem
    entries = dict(LedgerEntry.objects.values_list("action").annotate(Count("id")))
    loaded = sum(count for key, count in seeded.counts.items() if key in ADOPTED_TABLES)
    assert entries == {"created": 32_640 + 9_608, "adopted": loaded}
    assert report.entries == report.records == 32_640 + 9_608 + loaded


@pytest.mark.django_db
def test_verify_ledger_passes_on_the_demo_and_names_an_order_changed_behind_its_back(
    seeded, seed_head
):
    call_command("verify_ledger", stdout=io.StringIO())
    order = Order.objects.filter(confirmed_at__isnull=False).order_by("pk").first()
    Order.objects.filter(pk=order.pk).update(confirmed_at=order.submitted_at)  # no ledger entry
    try:
        with (
            pytest.raises(CommandError, match=f"#{order.pk}.*confirmed_at"),
            translation.override("en"),
        ):
            call_command("verify_ledger")
    finally:
        Order.objects.filter(pk=order.pk).update(confirmed_at=order.confirmed_at)


def _per_style(report, values: dict[int, float]) -> pd.Series:
    """Mean of a per-employee value by style."""
    numbers = dict(Employee.objects.values_list("id", "employee_no"))
    frame = pd.DataFrame(
        {"style": [report.styles[numbers[e]] for e in values], "value": list(values.values())}
    )
    return frame.groupby("style")["value"].mean()


@pytest.mark.django_db
def test_demo_has_the_stated_size(seeded):
    assert seeded.months == [dt.date(2026, m, 1) for m in range(5, 11)]
    assert Team.objects.filter(is_scored=True).count() >= 3
    scored = Employee.objects.filter(team__is_scored=True)
    assert scored.count() >= 60
    assert set(scored.values_list("level", flat=True)) == set(Level.values)
    assert Order.objects.count() >= 30_000
    assert Order.objects.dates("submitted_at", "month").count() == 6
    # Every delivered order went through all eight nodes.
    delivered = Order.objects.filter(status="delivered")
    assert OrderNode.objects.filter(order__in=delivered).count() == 8 * delivered.count()
    for model in (FollowUp, Feedback, Ticket, PeerReview):
        assert model.objects.count() > 1000, model
    for table, count in seeded.counts.items():
        assert count > 0, table
    # Every team has every style, so heatmaps have something to show.
    by_team = Employee.objects.filter(team__is_scored=True).values_list("team", "employee_no")
    styles_by_team: dict[int, set] = {}
    for team, number in by_team:
        styles_by_team.setdefault(team, set()).add(seeded.styles[number])
    assert all(styles == set(STYLES) for styles in styles_by_team.values())


@pytest.mark.django_db
def test_feedback_comments_are_chinese_positive_negative_and_mixed(seeded):
    comments = set(Feedback.objects.exclude(comment="").values_list("comment", flat=True))
    assert "发错货了，型号不对，非常失望。" in comments
    assert "交期准时，包装完好，下次还会合作。" in comments
    assert "服务态度很好，就是回复有点慢。" in comments


@pytest.mark.django_db
def test_working_styles_show_in_the_records(seeded):
    response = ExpressionWrapper(
        F("confirmed_at") - F("submitted_at"), output_field=DurationField()
    )
    orders = Order.objects.values("merchandiser").annotate(
        response=Avg(response),
        errors=Avg("entry_errors"),
        n=Count("id"),
    )
    response_hours = _per_style(
        seeded, {o["merchandiser"]: o["response"].total_seconds() / 3600 for o in orders}
    )
    entry_errors = _per_style(seeded, {o["merchandiser"]: o["errors"] for o in orders})
    csat = _per_style(
        seeded,
        dict(
            Feedback.objects.values("employee").annotate(c=Avg("csat")).values_list("employee", "c")
        ),
    )
    assert (
        response_hours["fast_careless"] < response_hours["steady"] < response_hours["slow_careful"]
    )
    assert entry_errors["fast_careless"] > 5 * entry_errors["slow_careful"]
    assert csat["star"] > csat["steady"] > csat["struggling"]
    assert response_hours["star"] < response_hours["struggling"]

    # "improving" people get better month by month: faster and better rated in the last month.
    improving = [
        e
        for e, n in Employee.objects.values_list("id", "employee_no")
        if seeded.styles.get(n) == "improving"
    ]
    first, last = seeded.months[0], seeded.months[-1]

    def month_mean(month):
        rows = Order.objects.filter(
            merchandiser__in=improving,
            submitted_at__year=month.year,
            submitted_at__month=month.month,
        ).aggregate(r=Avg(response))
        return rows["r"]

    assert month_mean(last) < month_mean(first) / 2
    first_contact = Ticket.objects.filter(employee__in=improving).aggregate(
        early=Avg("contacts_until_resolved", filter=Q(opened_at__month=first.month)),
        late=Avg("contacts_until_resolved", filter=Q(opened_at__month=last.month)),
    )
    assert first_contact["late"] < first_contact["early"]


@pytest.mark.django_db
def test_demo_logins_exist_for_every_role(seeded, client, rf):
    for username in ("admin", "hr", "manager", "merchandiser"):
        # The sign-in lockout (django-axes) checks every sign-in against its request.
        request = rf.post("/login/")
        assert client.login(request=request, username=username, password="perf-demo-2026"), username


@pytest.mark.django_db
def test_seeding_again_refuses_to_mix_two_companies(seeded):
    with pytest.raises(AlreadySeeded):
        company_seed(scale=DEMO, seed=1, end_month=END)


@pytest.mark.django_db
def test_command_on_a_seeded_database_keeps_the_data_and_prints_the_logins(seeded):
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    assert "already holds a company; nothing was seeded" in printed
    assert "perf-demo-2026" in printed
    for username in ("admin", "hr", "manager", "merchandiser"):
        assert username in printed
    assert Order.objects.count() == 32_000


def test_command_refuses_a_malformed_end_month():
    with pytest.raises(CommandError, match="2026-10"):
        call_command("seed_demo", "--end-month", "October")


@pytest.mark.django_db
def test_the_demo_measures_every_indicator(seeded):
    """The demo's sources map every field the indicators need and feed every record type, with
    enough records: in its last month no indicator is left unfed, each is measured for some, and
    the everyday ones for most of the scored people."""
    period = Period.parse("2026-10")
    frames = record_frames(period=period)
    indicators = catalog_in_force(period)
    values = measured_values(
        indicators["calculator"].to_dict(),
        frames,
        period_window(period),
        indicators["min_volume"].to_dict(),
    )
    reasons = {
        (code, reason["reason"])
        for code in values.not_measured
        for reason in values.not_measured[code].dropna()
    }
    assert not {code for code, reason in reasons if reason == NOT_FED}
    measured = values.raw.notna().mean()
    assert (measured > 0).all(), measured.sort_values().to_dict()
    # Required trainings fall due for a few people a month; everything else is everyday work.
    everyday = measured.drop("training_completion")
    assert (everyday >= MEASURED_IN_DEMO).all(), everyday.sort_values().to_dict()


@pytest.mark.django_db
def test_the_demo_has_a_finished_and_an_open_review_cycle(seeded):
    """Scored, the demo gets its review cycles through the review services: the last full
    quarter before the last month, closed, with reviews, incidents, one calibrated grade, most
    results acknowledged and its bonus pool locked; and the current quarter, open, some
    self-reviews in and some kept as drafts, deadlines ahead. (Rolled back with the test.)"""
    for month in seeded.months:
        compute_period(Period.containing(month))
    finished, current = cycles_seed(months=seeded.months, styles=seeded.styles, seed=2026)

    assert (finished.name, finished.state) == ("2026年第三季度绩效考核", CycleState.CLOSED)
    assert (finished.first_period, finished.last_period) == (
        dt.date(2026, 7, 1),
        dt.date(2026, 9, 1),
    )
    people = cycle_people(finished).count()
    results = CycleResult.objects.filter(cycle=finished)
    assert results.count() == people >= 60
    reviews = Review.objects.filter(cycle=finished, state=ReviewState.SUBMITTED)
    assert reviews.filter(kind=ReviewKind.SELF).count() > 0.8 * people
    assert reviews.filter(kind=ReviewKind.MANAGER).count() > 0.8 * (people - 6)  # not managers
    assert results.filter(basis=ResultBasis.BOTH).count() > 0.8 * (people - 6)
    assert len(set(results.values_list("grade", flat=True))) >= 3
    [calibrated] = results.exclude(calibrated_grade="")
    assert calibrated.calibration_reason and calibrated.history.count() >= 3
    acknowledged = results.filter(acknowledged_at__isnull=False).count()
    assert 0.6 * people < acknowledged < people
    assert Incident.objects.count() == 5
    assert Incident.objects.filter(record_type="order").count() >= 4  # each about an order
    senior = results.filter(employee__level=Level.SENIOR, basis=ResultBasis.BOTH).first()
    assert senior.kpi_weight == 0.6  # the senior template's own w
    assert results.exclude(employee__level=Level.SENIOR).filter(kpi_weight=0.7).exists()
    # Each step is dated when it would have happened, in the month after the quarter.
    assert finished.opened_at.astimezone(company_zone()).date() == dt.date(2026, 10, 2)
    assert finished.closed_at.astimezone(company_zone()).date() == dt.date(2026, 10, 20)
    # Its commission pool, computed and locked for payroll, paid to the cent.
    [pool] = BonusPool.objects.filter(cycle=finished)
    assert pool.state == PoolState.LOCKED
    paid = BonusLine.objects.filter(pool=pool).aggregate(total=Sum("bonus"))["total"]
    assert paid == pool.amount == Decimal("360000.00")
    assert BonusLine.objects.filter(pool=pool).count() == people

    assert (current.name, current.state) == ("2026年第四季度绩效考核", CycleState.OPEN)
    assert current.self_review_due == dt.date(2027, 1, 10) > seeded.months[-1]
    own = Review.objects.filter(cycle=current, kind=ReviewKind.SELF)
    assert own.filter(state=ReviewState.SUBMITTED).count() > 10
    assert own.filter(state=ReviewState.DRAFT).count() > 5
    merchandiser = get_user_model().objects.get(username="merchandiser")
    [draft] = Review.objects.filter(cycle=current, reviewer=merchandiser)
    assert draft.state == ReviewState.DRAFT  # her reminder shows in the demo
