"""Plain-language explanations and improvement suggestions, in Chinese and English.

The engine is pure, so its words live here as data in both languages rather than in gettext
catalogs; each person gets ``{"zh": [...], "en": [...]}``.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

LANGUAGES = ("zh", "en")
TIER_NAMES = {
    "basic": {"zh": "基础", "en": "basic"},
    "efficiency": {"zh": "效率", "en": "efficiency"},
    "quality": {"zh": "质量", "en": "quality"},
    "innovation": {"zh": "创新", "en": "innovation"},
}
UNITS = {
    "count": {"zh": "", "en": ""},
    "percent": {"zh": "%", "en": "%"},
    "hours": {"zh": " 小时", "en": " h"},
    "points": {"zh": " 分", "en": " pts"},
    "index": {"zh": "", "en": ""},
}


def _value(value: float, unit: str, language: str) -> str:
    return f"{value:.1f}{UNITS.get(unit, UNITS['count'])[language]}"


def _known(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


@dataclass(frozen=True)
class Person:
    """What the explanation and the suggestion rules look at for one person (plain dicts keyed
    by indicator code or tier: this runs once per person, so it avoids pandas overhead)."""

    raw: dict[str, float]
    scores: dict[str, float]  # 0–100
    contributions: dict[str, float]  # points of the total
    weights: dict[str, float]  # weight applied (renormalised)
    team_average: dict[str, float]  # the team's mean raw value
    team_percentile: dict[str, float]  # share of teammates this person does better than
    tiers: dict[str, float]
    total: float
    missing: list[str]
    vetoes: list[str]


@dataclass(frozen=True)
class IndicatorText:
    """What the words need about one indicator."""

    name: dict[str, str]  # language → name
    unit: str
    direction: str
    floor: float | None


def explanation(
    person: Person, indicators: dict[str, IndicatorText], veto_cap: float
) -> dict[str, list]:
    """Lines that let anyone check the total: tiers, what weighed most, what was left out and
    why, vetoes, and the weakest indicator against the team."""
    lines: dict[str, list] = {language: [] for language in LANGUAGES}
    for language in LANGUAGES:
        tiers = " · ".join(
            f"{TIER_NAMES[tier][language]} {score:.1f}"
            for tier, score in person.tiers.items()
            if _known(score)
        )
        lines[language].append(
            f"总分 {person.total:.1f}（{tiers}）：每项指标的 0–100 分乘以权重后相加。"
            if language == "zh"
            else f"Total {person.total:.1f} ({tiers}): each indicator's 0–100 score times its "
            "weight, added up."
        )
    contributions = {c: v for c, v in person.contributions.items() if _known(v)}
    for code in sorted(contributions, key=contributions.get, reverse=True)[:3]:
        score, weight, points = person.scores[code], person.weights[code], contributions[code]
        name = indicators[code].name
        lines["zh"].append(f"{name['zh']}：{score:.1f} 分 × 权重 {weight:.1%} = {points:.1f} 分。")
        lines["en"].append(
            f"{name['en']}: {score:.1f} × weight {weight:.1%} = {points:.1f} points."
        )
    if person.missing:
        counted = len(contributions)
        lines["zh"].append(
            f"没有数据：{'、'.join(indicators[c].name['zh'] for c in person.missing)}。"
            f"它们的权重已按比例分给其余 {counted} 项有数据的指标。"
        )
        lines["en"].append(
            f"No data for {', '.join(indicators[c].name['en'] for c in person.missing)}: their "
            f"weight was shared in proportion among the other {counted} indicators with data."
        )
    for code in person.vetoes:
        spec = indicators[code]
        higher = spec.direction == "higher"
        lines["zh"].append(
            f"质量否决：{spec.name['zh']} {_value(person.raw[code], spec.unit, 'zh')}"
            f"{'低于' if higher else '高于'}底线 {_value(spec.floor, spec.unit, 'zh')}，"
            f"总分封顶 {veto_cap:g} 分。"
        )
        lines["en"].append(
            f"Quality veto: {spec.name['en']} {_value(person.raw[code], spec.unit, 'en')} is "
            f"{'below' if higher else 'above'} the floor of "
            f"{_value(spec.floor, spec.unit, 'en')}, so the total is capped at {veto_cap:g}."
        )
    scored = {c: v for c, v in person.scores.items() if _known(v)}
    if scored:
        code = min(scored, key=scored.get)
        spec = indicators[code]
        average = person.team_average.get(code)
        if _known(average):
            lines["zh"].append(
                f"最需提升：{spec.name['zh']} {_value(person.raw[code], spec.unit, 'zh')}"
                f"（{scored[code]:.1f} 分；团队平均 {_value(average, spec.unit, 'zh')}）。"
            )
            lines["en"].append(
                f"Most room to improve: {spec.name['en']} "
                f"{_value(person.raw[code], spec.unit, 'en')} (score {scored[code]:.1f}; "
                f"team average {_value(average, spec.unit, 'en')})."
            )
    return lines


@dataclass(frozen=True)
class Rule:
    key: str
    applies: Callable[[Person], bool]
    zh: str
    en: str
    plan: bool = False  # calls for an improvement plan


def _below_team(person: Person, code: str) -> bool:
    """Most teammates do better on ``code`` (percentile below 50); false without data."""
    return _get(person.team_percentile, code) < 50


def _get(values: dict[str, float], code: str) -> float:
    value = values.get(code)
    return float("nan") if value is None else float(value)


RULES = (
    Rule(
        "fast_but_unhappy",
        lambda p: _get(p.team_percentile, "order_response_time") >= 90 and _below_team(p, "csat"),
        "订单响应时效优于 90% 的同事，但客户满意度低于团队平均：建议参加沟通技巧培训。",
        "Order response time better than 90% of colleagues, CSAT below the team average: "
        "communication training suggested.",
    ),
    Rule(
        "busy_but_sloppy",
        lambda p: _get(p.team_percentile, "order_volume") >= 75
        and _below_team(p, "order_entry_accuracy"),
        "订单量处于团队前 25%，但录入准确率低于团队平均：建议录入后逐项复核或请同事交叉检查。",
        "Order volume in the team's top quarter, entry accuracy below the team average: check "
        "each order after entry or ask a colleague to cross-check.",
    ),
    Rule(
        "late_nodes",
        lambda p: _get(p.team_percentile, "node_on_time_rate") <= 25,
        "节点准时率处于团队后 25%：建议每天开工先查看 24 小时内到期的节点。",
        "Node on-time rate in the team's bottom quarter: start each day with the nodes due "
        "within 24 hours.",
    ),
    Rule(
        "replies_incomplete",
        lambda p: _get(p.raw, "process_compliance") < 80,
        "流程合规率低于 80%：回复时请使用标准模板（问候语、订单号、交货日期、结束语）。",
        "Process compliance below 80%: use the standard reply (greeting, order number, "
        "delivery date, closing).",
    ),
    Rule(
        "complaints",
        lambda p: _get(p.team_percentile, "complaint_return_rate") <= 25,
        "投诉/退单率高于团队大多数同事：建议逐单复盘最近的投诉和退货。",
        "Complaint/return rate higher than most of the team: review recent complaints and "
        "returns order by order.",
    ),
    Rule(
        "first_contact",
        lambda p: _get(p.raw, "first_contact_resolution") < 70,
        "首次解决率低于 70%：建议参加问题诊断培训，并纳入绩效改进计划。",
        "First-contact resolution below 70%: problem-diagnosis training suggested, with an "
        "improvement plan.",
        plan=True,
    ),
    Rule(
        "training_due",
        lambda p: _get(p.raw, "training_completion") < 100,
        "有必修培训没有按期完成：请尽快补上。",
        "A required training was not completed on time: please catch up.",
    ),
    Rule(
        "unhappy_comments",
        lambda p: _get(p.team_percentile, "customer_sentiment") <= 25,
        "客户评论的情绪比团队大多数同事更负面：建议回访给出负面评价的客户。",
        "Customer comments are more negative than for most of the team: call back the "
        "customers who were unhappy.",
    ),
)

PLAN_FOR_GRADE = {
    "zh": "等级为 D：进入绩效改进计划，与主管一起制定下一周期的目标。",
    "en": "Grade D: an improvement plan, with next period's goals agreed with the manager.",
}


def suggestions(person: Person) -> tuple[dict[str, list], bool]:
    """Suggestions from the rule table, and whether one of them calls for an improvement plan."""
    fired = [rule for rule in RULES if rule.applies(person)]
    return (
        {"zh": [rule.zh for rule in fired], "en": [rule.en for rule in fired]},
        any(rule.plan for rule in fired),
    )
