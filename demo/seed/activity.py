"""A company's months of work, generated: orders, their process nodes, follow-ups, feedback,
exceptions and tickets, each drawn from the working style of the person who does it
(``demo.seed.company``); ``generate`` assembles the whole company, with its suggestions,
trainings and peer reviews (``demo.seed.development``)."""

import datetime as dt

import numpy as np
import pandas as pd

from demo.seed import development, texts
from demo.seed.company import (
    CHANNEL_SHARES,
    CHANNELS,
    COMPANY_TZ,
    DAY,
    EXCEPTION_KINDS,
    EXCEPTION_SHARES,
    HOUR,
    NODES,
    STYLES,
    Company,
    Scale,
    _customers,
    _epoch,
    _lognormal_hours,
    _month_progress,
    _month_starts,
    _param,
    _people,
    _team_kind_of_members,
)


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
    suggestions = development.suggestions(rng, employees, style_idx, month_edges, as_of)
    trainings = development.trainings(rng, employees, style_idx, months, as_of)
    peer_reviews = development.peer_reviews(rng, scale, employees, style_idx, months)
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
