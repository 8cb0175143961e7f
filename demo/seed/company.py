"""A deterministic, realistic company: teams, people with working styles, customers and six months
of operational records, generated as DataFrames (one per table) with numpy — no database here.

The same generator serves the demo (about 64 people, 32,000 orders) and the benchmark (10,000
people, 1,000,000 orders); only the :class:`Scale` differs. Every draw comes from one seeded
generator, so a seed and an end month always give the same company.

Working styles make later heatmaps show real differences:
    star           fast, accurate, liked by customers
    fast_careless  answers quickly, makes entry and fulfilment errors, draws complaints
    slow_careful   slow to respond and to move nodes, but accurate and well rated
    struggling     slow and error-prone
    improving      starts like ``struggling`` and ends close to ``star`` over the months
    steady         the company's middle

"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from demo.seed import texts

COMPANY_TZ = ZoneInfo("Asia/Shanghai")
HOUR = 3600
DAY = 24 * HOUR

STYLES = ["star", "fast_careless", "slow_careful", "struggling", "improving", "steady"]
# Share of each style among a team's members (the manager is always star or steady).
STYLE_SHARES = [0.12, 0.16, 0.16, 0.12, 0.14, 0.30]

# Per style: the parameter's value in the first month and (for "improving") in the last month.
# Units: hours for *_hours, probabilities for *_rate/_prob, 1–5 points for *_mean, ratios otherwise.
_PARAMS: dict[str, dict[str, float | tuple[float, float]]] = {
    "star": dict(
        volume=1.2,
        response_hours=1.5,
        entry_error_rate=0.01,
        fulfilment_error_prob=0.004,
        complaint_prob=0.008,
        node_pace=0.62,
        coordination_hours=1.0,
        resolve_factor=0.7,
        first_contact_prob=0.9,
        csat_mean=4.7,
        followups_per_order=1.9,
        compliance_prob=0.95,
        training_prob=1.0,
        suggestions_per_month=0.8,
        suggestion_accept_prob=0.7,
        peer_mean=4.6,
    ),
    "fast_careless": dict(
        volume=1.4,
        response_hours=0.8,
        entry_error_rate=0.14,
        fulfilment_error_prob=0.05,
        complaint_prob=0.07,
        node_pace=0.7,
        coordination_hours=2.0,
        resolve_factor=1.1,
        first_contact_prob=0.6,
        csat_mean=3.6,
        followups_per_order=1.0,
        compliance_prob=0.55,
        training_prob=0.7,
        suggestions_per_month=0.2,
        suggestion_accept_prob=0.3,
        peer_mean=3.4,
    ),
    "slow_careful": dict(
        volume=0.75,
        response_hours=7.0,
        entry_error_rate=0.005,
        fulfilment_error_prob=0.004,
        complaint_prob=0.015,
        node_pace=1.08,
        coordination_hours=6.0,
        resolve_factor=1.0,
        first_contact_prob=0.82,
        csat_mean=4.4,
        followups_per_order=2.2,
        compliance_prob=0.95,
        training_prob=0.95,
        suggestions_per_month=0.3,
        suggestion_accept_prob=0.5,
        peer_mean=4.2,
    ),
    "struggling": dict(
        volume=0.7,
        response_hours=9.0,
        entry_error_rate=0.1,
        fulfilment_error_prob=0.06,
        complaint_prob=0.09,
        node_pace=1.3,
        coordination_hours=12.0,
        resolve_factor=1.6,
        first_contact_prob=0.55,
        csat_mean=3.0,
        followups_per_order=0.8,
        compliance_prob=0.5,
        training_prob=0.5,
        suggestions_per_month=0.05,
        suggestion_accept_prob=0.2,
        peer_mean=3.0,
    ),
    "improving": dict(
        volume=(0.75, 1.1),
        response_hours=(8.0, 2.0),
        entry_error_rate=(0.1, 0.02),
        fulfilment_error_prob=(0.05, 0.01),
        complaint_prob=(0.08, 0.02),
        node_pace=(1.3, 0.8),
        coordination_hours=(10.0, 2.0),
        resolve_factor=(1.5, 0.9),
        first_contact_prob=(0.55, 0.85),
        csat_mean=(3.2, 4.4),
        followups_per_order=(1.0, 1.8),
        compliance_prob=(0.5, 0.9),
        training_prob=(0.6, 0.95),
        suggestions_per_month=0.4,
        suggestion_accept_prob=0.5,
        peer_mean=(3.4, 4.3),
    ),
    "steady": dict(
        volume=1.0,
        response_hours=3.0,
        entry_error_rate=0.03,
        fulfilment_error_prob=0.015,
        complaint_prob=0.03,
        node_pace=0.85,
        coordination_hours=4.0,
        resolve_factor=1.0,
        first_contact_prob=0.75,
        csat_mean=4.1,
        followups_per_order=1.5,
        compliance_prob=0.8,
        training_prob=0.85,
        suggestions_per_month=0.2,
        suggestion_accept_prob=0.45,
        peer_mean=3.9,
    ),
}

# The eight process nodes in order, with their time threshold in hours.
NODES = [
    ("requirement", 24.0),
    ("stock_check", 24.0),
    ("production", 240.0),
    ("quality_check", 48.0),
    ("logistics", 48.0),
    ("shipment", 24.0),
    ("transit", 168.0),
    ("delivery", 48.0),
]
CHANNELS = ["phone", "wechat", "email", "visit", "online_chat"]
CHANNEL_SHARES = [0.25, 0.4, 0.2, 0.05, 0.1]
EXCEPTION_KINDS = ["logistics_delay", "quality", "stock_out", "customs", "payment", "other"]
EXCEPTION_SHARES = [0.35, 0.2, 0.2, 0.1, 0.08, 0.07]


@dataclass(frozen=True)
class TeamSpec:
    name: str
    kind: str  # "merchandising" or "service": service teams handle many tickets, fewer orders


@dataclass(frozen=True)
class Scale:
    """How big a company to generate."""

    name: str
    teams: tuple[TeamSpec, ...]
    employees: int
    customers: int
    orders: int
    months: int = 6
    with_user_accounts: bool = True
    feedback_prob: float = 0.35
    exception_prob: float = 0.08
    tickets_per_month: dict[str, float] = field(
        default_factory=lambda: {"merchandising": 6.0, "service": 55.0}
    )
    order_share: dict[str, float] = field(
        default_factory=lambda: {"merchandising": 1.0, "service": 0.35}
    )
    peer_reviewers: int = 3
    # Orders, customers and feedback arrive through the sync pipeline from a generated ERP
    # database and CRM export (the demo), rather than being loaded straight into the tables.
    through_sources: bool = False


DEMO = Scale(
    name="demo",
    through_sources=True,
    teams=(
        TeamSpec("华东跟单一组", "merchandising"),
        TeamSpec("华南跟单二组", "merchandising"),
        TeamSpec("客户服务组", "service"),
        TeamSpec("售后服务组", "service"),
    ),
    employees=64,
    customers=640,
    orders=32_000,
)


def _bench_teams() -> tuple[TeamSpec, ...]:
    regions = ["华东", "华南", "华北", "华中", "西南", "西北", "东北", "海外"]
    teams = []
    for i in range(400):
        kind = "service" if i % 4 == 3 else "merchandising"
        label = "服务组" if kind == "service" else "跟单组"
        teams.append(TeamSpec(f"{regions[i % len(regions)]}{label}{i + 1:03d}", kind))
    return tuple(teams)


BENCH = Scale(
    name="bench",
    teams=_bench_teams(),
    employees=10_000,
    customers=60_000,
    orders=1_000_000,
    with_user_accounts=False,
)

SCALES = {"demo": DEMO, "bench": BENCH}

OPERATIONS_CENTRE = "运营中心"
HR_TEAM = "人力资源部"


@dataclass
class Company:
    """The generated tables (ids from 1; foreign keys use those ids) and each person's style."""

    teams: pd.DataFrame
    employees: pd.DataFrame
    styles: pd.Series  # employee_no -> style
    customers: pd.DataFrame
    orders: pd.DataFrame
    order_nodes: pd.DataFrame
    follow_ups: pd.DataFrame
    feedback: pd.DataFrame
    exceptions: pd.DataFrame
    tickets: pd.DataFrame
    suggestions: pd.DataFrame
    trainings: pd.DataFrame
    peer_reviews: pd.DataFrame
    months: list[dt.date]
    as_of: pd.Timestamp

    def tables(self) -> list[tuple[str, pd.DataFrame]]:
        """(table key, frame) in the order they can be written (parents before children)."""
        return [
            ("teams", self.teams),
            ("employees", self.employees),
            ("customers", self.customers),
            ("orders", self.orders),
            ("order_nodes", self.order_nodes),
            ("follow_ups", self.follow_ups),
            ("feedback", self.feedback),
            ("exceptions", self.exceptions),
            ("tickets", self.tickets),
            ("suggestions", self.suggestions),
            ("trainings", self.trainings),
            ("peer_reviews", self.peer_reviews),
        ]


def default_end_month(today: dt.date) -> dt.date:
    """The last complete month before ``today``: the demo's six months end there."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _month_starts(end_month: dt.date, months: int) -> list[dt.date]:
    starts = [end_month.replace(day=1)]
    while len(starts) < months:
        starts.insert(0, (starts[0] - dt.timedelta(days=1)).replace(day=1))
    return starts


def _epoch(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time.min, tzinfo=COMPANY_TZ).timestamp())


def _to_local_date(seconds: np.ndarray) -> np.ndarray:
    return pd.to_datetime(seconds, unit="s", utc=True).tz_convert(COMPANY_TZ).date


def _param(name: str, style_idx: np.ndarray, progress: np.ndarray) -> np.ndarray:
    """Each row's value of a style parameter, interpolated by progress (0 first month, 1 last)."""
    start = np.empty(len(STYLES))
    end = np.empty(len(STYLES))
    for i, style in enumerate(STYLES):
        value = _PARAMS[style][name]
        start[i], end[i] = value if isinstance(value, tuple) else (value, value)
    return start[style_idx] + (end[style_idx] - start[style_idx]) * progress


def _lognormal_hours(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    return median * rng.lognormal(0.0, sigma, size=len(median)) * HOUR


def _month_progress(n_months: int) -> np.ndarray:
    """Each month's place in the period, 0 for the first and 1 for the last: how far an
    "improving" person has come."""
    return np.linspace(0.0, 1.0, n_months) if n_months > 1 else np.zeros(1)


def _team_kind_of_members(scale: Scale, employees: pd.DataFrame, scored: int) -> list[str]:
    """The kind ("merchandising" or "service") of each scored employee's team; operating teams
    have ids 2.. in the order of ``scale.teams``."""
    kinds = {i + 2: team.kind for i, team in enumerate(scale.teams)}
    return [kinds[team_id] for team_id in employees["team_id"].to_numpy()[:scored]]


def generate(*, scale: Scale, seed: int, end_month: dt.date) -> Company:
    """The whole company for ``scale``: deterministic for a given ``seed`` and ``end_month``."""
    rng = np.random.default_rng(seed)
    months = _month_starts(end_month, scale.months)
    month_edges = np.array(
        [_epoch(m) for m in months] + [_epoch((months[-1] + dt.timedelta(days=32)).replace(day=1))]
    )
    as_of = int(month_edges[-1])

    teams, employees, style_idx = _people(rng, scale, months)
    customers, portfolio_start, portfolio_size = _customers(rng, scale, employees, months)
    orders, order_style, order_progress = _orders(
        rng, scale, employees, style_idx, month_edges, portfolio_start, portfolio_size
    )
    order_nodes, orders = _nodes(rng, orders, order_style, order_progress, as_of)
    follow_ups = _follow_ups(rng, orders, order_style, order_progress, as_of)
    feedback = _feedback(rng, scale, orders, order_style, order_progress, as_of)
    exceptions = _exceptions(rng, scale, orders, order_nodes, order_style, order_progress, as_of)
    tickets = _tickets(
        rng, scale, employees, style_idx, month_edges, portfolio_start, portfolio_size, as_of
    )
    suggestions = _suggestions(rng, employees, style_idx, month_edges, as_of)
    trainings = _trainings(rng, employees, style_idx, months, as_of)
    peer_reviews = _peer_reviews(rng, scale, employees, style_idx, months)
    return Company(
        teams=teams,
        employees=employees,
        styles=pd.Series(
            np.asarray(STYLES, dtype=object)[style_idx],
            index=employees["employee_no"].to_numpy()[: len(style_idx)],
            name="style",
        ),
        customers=customers,
        orders=orders,
        order_nodes=order_nodes,
        follow_ups=follow_ups,
        feedback=feedback,
        exceptions=exceptions,
        tickets=tickets,
        suggestions=suggestions,
        trainings=trainings,
        peer_reviews=peer_reviews,
        months=months,
        as_of=pd.Timestamp(as_of, unit="s", tz="UTC"),
    )


def _people(
    rng: np.random.Generator, scale: Scale, months: list[dt.date]
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Teams (operating teams under an operations centre, plus an unscored HR team) and employees.

    The first member of each operating team is its manager (senior; star or steady).
    """
    team_names = [OPERATIONS_CENTRE] + [t.name for t in scale.teams] + [HR_TEAM]
    n_teams = len(team_names)
    teams = pd.DataFrame(
        {
            "id": np.arange(1, n_teams + 1),
            "name": team_names,
            "parent_id": pd.array([None] + [1] * len(scale.teams) + [None], dtype="Int64"),
            "is_scored": [False] + [True] * len(scale.teams) + [False],
            "kind": ["centre"] + [t.kind for t in scale.teams] + ["hr"],
        }
    )
    operating = len(scale.teams)
    per_team = np.full(operating, scale.employees // operating)
    per_team[: scale.employees % operating] += 1
    team_id = np.repeat(np.arange(2, operating + 2), per_team)
    n = len(team_id)
    is_manager = np.zeros(n, dtype=bool)
    is_manager[np.concatenate([[0], np.cumsum(per_team)[:-1]])] = True

    style_idx = np.concatenate([_team_styles(rng, size - 1) for size in per_team])
    level = np.where(
        rng.random(n) < 0.35, "junior", np.where(rng.random(n) < 0.6, "intermediate", "senior")
    )
    level = np.where(
        style_idx == STYLES.index("star"),
        np.where(rng.random(n) < 0.7, "senior", "intermediate"),
        level,
    )
    level = np.where(is_manager, "senior", level)
    # Juniors were hired within the last two years, seniors long ago.
    first_month = _epoch(months[0])
    years_back = np.select(
        [level == "junior", level == "intermediate"],
        [rng.uniform(0.2, 2.0, n), rng.uniform(2.0, 5.0, n)],
        rng.uniform(5.0, 12.0, n),
    )
    hire_epoch = first_month - (years_back * 365 * DAY).astype(np.int64)
    hire_date = _to_local_date(hire_epoch)

    employees = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "employee_no": [f"E{i:05d}" for i in range(1, n + 1)],
            "name": texts.person_names(rng, n),
            "team_id": team_id,
            "level": level,
            "hire_date": hire_date,
            "is_active": True,
            "is_manager": is_manager,
        }
    )
    # One HR officer, in the unscored HR team.
    hr = pd.DataFrame(
        {
            "id": [n + 1],
            "employee_no": [f"E{n + 1:05d}"],
            "name": texts.person_names(rng, 1),
            "team_id": [n_teams],
            "level": ["senior"],
            "hire_date": [months[0] - dt.timedelta(days=6 * 365)],
            "is_active": [True],
            "is_manager": [False],
        }
    )
    employees = pd.concat([employees, hr], ignore_index=True)
    return teams, employees, style_idx


def _team_styles(rng: np.random.Generator, members: int) -> np.ndarray:
    """Styles of a team: its manager (star or steady) first, then the members in shuffled order,
    as close to STYLE_SHARES as whole people allow (largest remainders), so every team of six or
    more has every style."""
    exact = np.asarray(STYLE_SHARES) * members
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact)[: members - counts.sum()]] += 1
    if members >= len(STYLES):
        counts = np.maximum(counts, 1)
        while counts.sum() > members:
            counts[np.argmax(counts)] -= 1
    manager = STYLES.index("star") if rng.random() < 0.5 else STYLES.index("steady")
    return np.concatenate([[manager], rng.permutation(np.repeat(np.arange(len(STYLES)), counts))])


def _customers(
    rng: np.random.Generator, scale: Scale, employees: pd.DataFrame, months: list[dt.date]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Customers, each in one scored employee's portfolio (a contiguous block of customer ids)."""
    n = scale.customers
    tier = rng.choice(["vip", "key", "regular"], size=n, p=[0.05, 0.2, 0.75])
    since_days = rng.integers(30, 365 * 10, size=n)
    customer_since = [months[0] - dt.timedelta(days=int(d)) for d in since_days]
    # Some customers arrive during the six months: their first orders show growth.
    new = rng.random(n) < 0.1
    customer_since = [
        months[int(rng.integers(0, len(months)))] if is_new else since
        for since, is_new in zip(customer_since, new, strict=True)
    ]
    customers = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "external_id": [f"C{i:06d}" for i in range(1, n + 1)],
            "name": texts.company_names(rng, n),
            "tier": tier,
            "customer_since": customer_since,
        }
    )
    scored = len(employees) - 1  # the last employee is HR
    portfolio_size = np.full(scored, n // scored)
    portfolio_size[: n % scored] += 1
    portfolio_start = np.concatenate([[0], np.cumsum(portfolio_size)[:-1]])
    return customers, portfolio_start, portfolio_size


def _orders(
    rng: np.random.Generator,
    scale: Scale,
    employees: pd.DataFrame,
    style_idx: np.ndarray,
    month_edges: np.ndarray,
    portfolio_start: np.ndarray,
    portfolio_size: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Orders spread over (employee, month) by each style's volume and each team's order share."""
    n_months = len(month_edges) - 1
    scored = len(style_idx)
    progress_of_month = _month_progress(n_months)
    team_share = np.array(
        [scale.order_share[kind] for kind in _team_kind_of_members(scale, employees, scored)]
    )
    manager_share = np.where(employees["is_manager"].to_numpy()[:scored], 0.4, 1.0)
    cell_style = np.repeat(style_idx, n_months)
    cell_progress = np.tile(progress_of_month, scored)
    weight = (
        _param("volume", cell_style, cell_progress)
        * np.repeat(team_share * manager_share, n_months)
        * rng.uniform(0.85, 1.15, size=scored * n_months)
    )
    cell = rng.choice(scored * n_months, size=scale.orders, p=weight / weight.sum())
    cell.sort()  # orders grouped by employee then month: stable ids for a seed
    employee_idx, month_idx = np.divmod(cell, n_months)
    month_len = month_edges[month_idx + 1] - month_edges[month_idx]
    # Customers submit mostly in working hours: a day, then an hour from a daytime-heavy profile.
    day = np.floor(rng.random(scale.orders) * (month_len // DAY)).astype(np.int64)
    hour_profile = np.array(
        [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 16, 14, 10, 14, 16, 16, 14, 12, 9, 7, 5, 4, 2, 1], float
    )
    hour = rng.choice(24, size=scale.orders, p=hour_profile / hour_profile.sum())
    submitted = (
        month_edges[month_idx] + day * DAY + hour * HOUR + rng.integers(0, HOUR, size=scale.orders)
    ).astype(float)
    style = style_idx[employee_idx]
    progress = progress_of_month[month_idx]
    # The source system records the order after the submit click: seconds to hours later.
    created = submitted + rng.exponential(0.4, size=scale.orders) * HOUR
    customer_idx = portfolio_start[employee_idx] + (
        rng.random(scale.orders) * portfolio_size[employee_idx]
    ).astype(np.int64)
    fulfilment_error = rng.random(scale.orders) < _param("fulfilment_error_prob", style, progress)
    returned = (fulfilment_error & (rng.random(scale.orders) < 0.4)) | (
        rng.random(scale.orders) < 0.01
    )
    complaint = (rng.random(scale.orders) < _param("complaint_prob", style, progress)) | (
        fulfilment_error & (rng.random(scale.orders) < 0.5)
    )
    currency = np.where(rng.random(scale.orders) < 0.15, "USD", "CNY")
    amount = np.round(rng.lognormal(np.log(20_000), 0.9, size=scale.orders), 2)
    amount = np.where(currency == "USD", np.round(amount / 7.1, 2), amount)
    ids = np.arange(1, scale.orders + 1)
    orders = pd.DataFrame(
        {
            "id": ids,
            "source": "erp",
            "external_id": [f"SO{i:08d}" for i in ids],
            "customer_id": customer_idx + 1,
            "merchandiser_id": employee_idx + 1,
            "submitted_at": submitted,
            "source_created_at": created,
            "amount": amount,
            "currency": currency,
            "entry_errors": rng.poisson(_param("entry_error_rate", style, progress)).astype(
                np.int64
            ),
            "fulfilment_error": fulfilment_error,
            "is_returned": returned,
            "is_refunded": returned & (rng.random(scale.orders) < 0.6),
            "has_complaint": complaint,
            "cancelled": rng.random(scale.orders) < 0.015,
        }
    )
    return orders, style, progress


def _nodes(
    rng: np.random.Generator,
    orders: pd.DataFrame,
    style: np.ndarray,
    progress: np.ndarray,
    as_of: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The eight nodes of every order, back to back; nodes after ``as_of`` have not happened yet.

    The requirement node ends when the merchandiser confirms the order, so its length is the
    response time. Also fills the orders' confirmed/shipped/delivered times and status.
    """
    n = len(orders)
    pace = _param("node_pace", style, progress)
    durations = np.empty((n, len(NODES)))
    durations[:, 0] = _lognormal_hours(rng, _param("response_hours", style, progress), 0.8)
    for i, (_, threshold) in enumerate(NODES[1:], start=1):
        durations[:, i] = threshold * pace * rng.lognormal(0.0, 0.35, size=n) * HOUR
    starts = orders["submitted_at"].to_numpy()[:, None] + np.concatenate(
        [np.zeros((n, 1)), np.cumsum(durations, axis=1)[:, :-1]], axis=1
    )
    ends = starts + durations
    cancelled = orders["cancelled"].to_numpy()
    # A cancelled order stops after the stock check.
    exists = (starts <= as_of) & ~(cancelled[:, None] & (np.arange(len(NODES)) >= 2))
    completed = np.where(ends <= as_of, ends, np.nan)

    confirmed = completed[:, 0]
    shipped = np.where(cancelled, np.nan, completed[:, 5])
    delivered = np.where(cancelled, np.nan, completed[:, 7])
    status = np.select(
        [cancelled, ~np.isnan(delivered), ~np.isnan(shipped), exists[:, 2], ~np.isnan(confirmed)],
        ["cancelled", "delivered", "shipped", "in_production", "confirmed"],
        "submitted",
    )
    orders = orders.assign(
        confirmed_at=confirmed, shipped_at=shipped, delivered_at=delivered, status=status
    )

    order_idx, node_idx = np.nonzero(exists)
    node_names = np.array([name for name, _ in NODES], dtype=object)
    thresholds = np.array([threshold for _, threshold in NODES])
    nodes = pd.DataFrame(
        {
            "id": np.arange(1, len(order_idx) + 1),
            "order_id": order_idx + 1,
            "node": node_names[node_idx],
            "started_at": starts[order_idx, node_idx],
            "completed_at": completed[order_idx, node_idx],
            "threshold_hours": thresholds[node_idx],
            "due_at": starts[order_idx, node_idx] + thresholds[node_idx] * HOUR,
        }
    )
    return nodes, orders


def _follow_ups(
    rng: np.random.Generator,
    orders: pd.DataFrame,
    style: np.ndarray,
    progress: np.ndarray,
    as_of: int,
) -> pd.DataFrame:
    """Follow-up contacts during each order's life; careful people write complete replies."""
    per_order = rng.poisson(_param("followups_per_order", style, progress))
    order_idx = np.repeat(np.arange(len(orders)), per_order)
    start = orders["submitted_at"].to_numpy()[order_idx]
    end = orders["delivered_at"].to_numpy()[order_idx]
    end = np.where(np.isnan(end), np.minimum(start + 20 * DAY, as_of), end)
    occurred = start + rng.random(len(order_idx)) * (end - start)
    keep = occurred < as_of
    order_idx, occurred = order_idx[keep], occurred[keep]
    compliant = rng.random(len(order_idx)) < _param(
        "compliance_prob", style[order_idx], progress[order_idx]
    )
    messages = texts.follow_up_messages(
        rng,
        order_numbers=orders["external_id"].to_numpy()[order_idx],
        delivery_dates=pd.to_datetime(occurred + 12 * DAY, unit="s", utc=True)
        .tz_convert(COMPANY_TZ)
        .strftime("%m月%d日")
        .to_numpy(),
        compliant=compliant,
    )
    return pd.DataFrame(
        {
            "id": np.arange(1, len(order_idx) + 1),
            "source": "crm",
            "external_id": [f"FU{i:08d}" for i in range(1, len(order_idx) + 1)],
            "employee_id": orders["merchandiser_id"].to_numpy()[order_idx],
            "customer_id": orders["customer_id"].to_numpy()[order_idx],
            "order_id": orders["id"].to_numpy()[order_idx],
            "channel": rng.choice(CHANNELS, size=len(order_idx), p=CHANNEL_SHARES),
            "occurred_at": occurred,
            "message": messages,
        }
    )


def _feedback(
    rng: np.random.Generator,
    scale: Scale,
    orders: pd.DataFrame,
    style: np.ndarray,
    progress: np.ndarray,
    as_of: int,
) -> pd.DataFrame:
    """Customer ratings after delivery (a share of orders), with comments matching the mood."""
    delivered = orders["delivered_at"].to_numpy()
    asked = ~np.isnan(delivered) & (rng.random(len(orders)) < scale.feedback_prob)
    order_idx = np.nonzero(asked)[0]
    submitted = delivered[order_idx] + rng.uniform(1, 72, size=len(order_idx)) * HOUR
    keep = submitted < as_of
    order_idx, submitted = order_idx[keep], submitted[keep]
    mood = _param("csat_mean", style[order_idx], progress[order_idx])
    mood = mood - 1.2 * orders["has_complaint"].to_numpy()[order_idx]
    csat = np.clip(np.rint(mood + rng.normal(0, 0.7, size=len(order_idx))), 1, 5).astype(np.int64)
    nps = np.clip(np.rint((csat - 1) * 2.5 + rng.normal(0, 1.2, size=len(order_idx))), 0, 10)
    has_comment = rng.random(len(order_idx)) < 0.7
    comments = np.where(has_comment, texts.feedback_comments(rng, csat), "")
    return pd.DataFrame(
        {
            "id": np.arange(1, len(order_idx) + 1),
            "source": "crm",
            "external_id": [f"FB{i:08d}" for i in range(1, len(order_idx) + 1)],
            "order_id": orders["id"].to_numpy()[order_idx],
            "customer_id": orders["customer_id"].to_numpy()[order_idx],
            "employee_id": orders["merchandiser_id"].to_numpy()[order_idx],
            "csat": csat,
            "nps": nps.astype(np.int64),
            "comment": comments,
            "submitted_at": submitted,
        }
    )


def _exceptions(
    rng: np.random.Generator,
    scale: Scale,
    orders: pd.DataFrame,
    nodes: pd.DataFrame,
    style: np.ndarray,
    progress: np.ndarray,
    as_of: int,
) -> pd.DataFrame:
    """Exceptions detected during production or transit; handlers differ in how fast they react."""
    hit = (rng.random(len(orders)) < scale.exception_prob) & (
        orders["status"] != "submitted"
    ).to_numpy()
    order_idx = np.nonzero(hit)[0]
    span_end = np.where(
        np.isnan(orders["delivered_at"].to_numpy()[order_idx]),
        as_of,
        orders["delivered_at"].to_numpy()[order_idx],
    )
    span_start = orders["confirmed_at"].to_numpy()[order_idx]
    span_start = np.where(
        np.isnan(span_start), orders["submitted_at"].to_numpy()[order_idx], span_start
    )
    detected = span_start + rng.random(len(order_idx)) * (span_end - span_start)
    s, p = style[order_idx], progress[order_idx]
    coordination = detected + _lognormal_hours(rng, _param("coordination_hours", s, p), 0.6)
    resolved = coordination + _lognormal_hours(rng, 24 * _param("resolve_factor", s, p), 0.7)
    coordination = np.where(coordination <= as_of, coordination, np.nan)
    resolved = np.where((resolved <= as_of) & ~np.isnan(coordination), resolved, np.nan)
    ids = np.arange(1, len(order_idx) + 1)
    return pd.DataFrame(
        {
            "id": ids,
            "source": "erp",
            "external_id": [f"EX{i:07d}" for i in ids],
            "order_id": orders["id"].to_numpy()[order_idx],
            "handler_id": orders["merchandiser_id"].to_numpy()[order_idx],
            "kind": rng.choice(EXCEPTION_KINDS, size=len(order_idx), p=EXCEPTION_SHARES),
            "detected_at": detected,
            "coordination_started_at": coordination,
            "resolved_at": resolved,
        }
    )


def _tickets(
    rng: np.random.Generator,
    scale: Scale,
    employees: pd.DataFrame,
    style_idx: np.ndarray,
    month_edges: np.ndarray,
    portfolio_start: np.ndarray,
    portfolio_size: np.ndarray,
    as_of: int,
) -> pd.DataFrame:
    """Customer tickets per person and month; service teams take many more."""
    n_months = len(month_edges) - 1
    scored = len(style_idx)
    rate = np.array(
        [scale.tickets_per_month[kind] for kind in _team_kind_of_members(scale, employees, scored)]
    )
    counts = rng.poisson(np.repeat(rate, n_months))
    cell = np.repeat(np.arange(scored * n_months), counts)
    employee_idx, month_idx = np.divmod(cell, n_months)
    progress = _month_progress(n_months)[month_idx]
    s = style_idx[employee_idx]
    opened = month_edges[month_idx] + rng.random(len(cell)) * (
        month_edges[month_idx + 1] - month_edges[month_idx]
    )
    first_contact = rng.random(len(cell)) < _param("first_contact_prob", s, progress)
    contacts = np.where(first_contact, 1, rng.integers(2, 5, size=len(cell)))
    resolved = opened + _lognormal_hours(rng, 6.0 * contacts, 0.7)
    done = resolved <= as_of
    ids = np.arange(1, len(cell) + 1)
    return pd.DataFrame(
        {
            "id": ids,
            "source": "crm",
            "external_id": [f"TK{i:08d}" for i in ids],
            "employee_id": employee_idx + 1,
            "customer_id": portfolio_start[employee_idx]
            + (rng.random(len(cell)) * portfolio_size[employee_idx]).astype(np.int64)
            + 1,
            "subject": texts.draw(rng, texts.TICKET_SUBJECTS, len(cell)),
            "opened_at": opened,
            "resolved_at": np.where(done, resolved, np.nan),
            "contacts_until_resolved": pd.Series(contacts).where(done).astype("Int64"),
        }
    )


def _suggestions(
    rng: np.random.Generator,
    employees: pd.DataFrame,
    style_idx: np.ndarray,
    month_edges: np.ndarray,
    as_of: int,
) -> pd.DataFrame:
    """Improvement suggestions; a decision comes one to three weeks after submission."""
    n_months = len(month_edges) - 1
    scored = len(style_idx)
    progress = np.tile(_month_progress(n_months), scored)
    cell_style = np.repeat(style_idx, n_months)
    counts = rng.poisson(_param("suggestions_per_month", cell_style, progress))
    cell = np.repeat(np.arange(scored * n_months), counts)
    employee_idx, month_idx = np.divmod(cell, n_months)
    submitted = month_edges[month_idx] + rng.random(len(cell)) * (
        month_edges[month_idx + 1] - month_edges[month_idx]
    )
    decided = submitted + rng.uniform(7, 21, size=len(cell)) * DAY
    accepted = rng.random(len(cell)) < _param(
        "suggestion_accept_prob", style_idx[employee_idx], progress[cell]
    )
    status = np.where(decided > as_of, "pending", np.where(accepted, "accepted", "rejected"))
    titles, descriptions = texts.suggestions(rng, len(cell))
    return pd.DataFrame(
        {
            "id": np.arange(1, len(cell) + 1),
            "source": "manual",
            "external_id": "",
            "employee_id": employee_idx + 1,
            "title": titles,
            "description": descriptions,
            "submitted_at": submitted,
            "status": status,
            "decided_at": np.where(status == "pending", np.nan, decided),
        }
    )


def _trainings(
    rng: np.random.Generator,
    employees: pd.DataFrame,
    style_idx: np.ndarray,
    months: list[dt.date],
    as_of: int,
) -> pd.DataFrame:
    """Each course is assigned to everyone in a given month, due three weeks later."""
    scored = len(style_idx)
    n_months = len(months)
    rows_employee = np.repeat(np.arange(scored), len(texts.COURSES))
    rows_course = np.tile(np.arange(len(texts.COURSES)), scored)
    course_month = (rows_course * n_months) // len(texts.COURSES)
    progress = _month_progress(n_months)[course_month]
    assigned = (
        np.array([_epoch(months[m]) for m in course_month])
        + rng.integers(0, 10, size=len(rows_course)) * DAY
    )
    due = assigned + 21 * DAY
    completes = rng.random(len(rows_course)) < _param(
        "training_prob", style_idx[rows_employee], progress
    )
    completed = assigned + rng.uniform(1, 30, size=len(rows_course)) * DAY
    completed = np.where(completes & (completed <= as_of), completed, np.nan)
    courses = np.asarray(texts.COURSES, dtype=object)
    return pd.DataFrame(
        {
            "id": np.arange(1, len(rows_course) + 1),
            "source": "lms",
            "external_id": [f"TR{i:07d}" for i in range(1, len(rows_course) + 1)],
            "employee_id": rows_employee + 1,
            "course": courses[rows_course, 0],
            "is_required": courses[rows_course, 1].astype(bool),
            "assigned_on": _to_local_date(assigned),
            "due_on": _to_local_date(due),
            "completed_at": completed,
        }
    )


def _peer_reviews(
    rng: np.random.Generator,
    scale: Scale,
    employees: pd.DataFrame,
    style_idx: np.ndarray,
    months: list[dt.date],
) -> pd.DataFrame:
    """Each month, every scored person is reviewed by distinct colleagues of their own team."""
    scored = len(style_idx)
    team_id = employees["team_id"].to_numpy()[:scored]
    # Members of a team are contiguous: reviewer = reviewee shifted by 1..k within the team.
    team_start = pd.Series(np.arange(scored)).groupby(team_id).transform("min").to_numpy()
    team_size = pd.Series(np.ones(scored)).groupby(team_id).transform("sum").to_numpy().astype(int)
    k = min(scale.peer_reviewers, int(team_size.min()) - 1)
    n_months = len(months)
    reviewee = np.tile(np.repeat(np.arange(scored), k), n_months)
    shift = np.tile(np.arange(k), scored * n_months)
    month_idx = np.repeat(np.arange(n_months), scored * k)
    size, start = team_size[reviewee], team_start[reviewee]
    # Offsets 1..size-1, distinct for one reviewee and month, rotating by month: never oneself.
    offset = 1 + (shift + month_idx * k) % (size - 1)
    reviewer = start + (reviewee - start + offset) % size
    progress = _month_progress(n_months)[month_idx]
    score = np.clip(
        np.rint(
            _param("peer_mean", style_idx[reviewee], progress)
            + rng.normal(0, 0.6, size=len(reviewee))
        ),
        1,
        5,
    ).astype(np.int64)
    frame = pd.DataFrame(
        {
            "source": "manual",
            "external_id": "",
            "reviewer_id": reviewer + 1,
            "reviewee_id": reviewee + 1,
            "period": np.asarray(months, dtype=object)[month_idx],
            "score": score,
            "comment": texts.peer_comments(rng, score),
        }
    )
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame
