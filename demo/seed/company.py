"""A deterministic, realistic company: teams, people with working styles and customers, with the
scales and parameters its months of work (``demo.seed.activity``) are drawn from, as DataFrames
(one per table) with numpy — no database here.

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
