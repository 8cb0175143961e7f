"""Plain-language explanations and improvement suggestions, in Chinese and English.

The engine is pure, so its words live here as data in both languages rather than in gettext
catalogs; each person gets ``{"zh": [...], "en": [...]}``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

LANGUAGES = ("zh", "en")
SCORED = "scored"  # as ``score.SCORED`` (which imports this module)
NO_ACTIVITY = "no_activity"
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


# Why an indicator was not measured (the reasons ``indicators.calculators.measured_values``
# gives), with the counts the reason carries filled in.
NO_VALUE = "no_value"
REASONS = {
    "not_fed": {"zh": "没有数据源提供它所需的数据", "en": "no source provides the data it needs"},
    "unsupported_language": {
        "zh": "评论语言不受支持（{set_aside} 条）",
        "en": "comments in unsupported languages ({set_aside})",
    },
    "no_records": {"zh": "本期没有可计入的记录", "en": "no records to count this period"},
    "too_few": {
        "zh": "记录太少（{counted} < {minimum}）",
        "en": "too few records ({counted} < {minimum})",
    },
    NO_VALUE: {"zh": "无法计算", "en": "no value can be worked out"},
}


def reason_text(reason: dict[str, object], language: str) -> str:
    """Why an indicator was not measured, in ``language``."""
    return _reason_words(
        str(reason.get("reason")),
        reason.get("counted", 0),
        reason.get("minimum", 0),
        reason.get("set_aside", 0),
        language,
    )


@cache  # a run words the same few reasons for thousands of people
def _reason_words(
    reason: str, counted: object, minimum: object, set_aside: object, language: str
) -> str:
    words = REASONS.get(reason, REASONS[NO_VALUE])[language]
    return words.format(counted=counted, minimum=minimum, set_aside=set_aside)


def _unit(unit: str, language: str) -> str:
    """What follows a value of ``unit`` in ``language`` ("%", " h"…)."""
    return UNITS.get(unit, UNITS["count"])[language]


@dataclass(frozen=True)
class Figures:
    """What the explanations and the suggestion rules look at, for a chunk of people: frames
    indexed by employee id with one column per indicator code (``tiers``: one per tier)."""

    raw: pd.DataFrame
    scores: pd.DataFrame  # 0–100
    contributions: pd.DataFrame  # points of the total
    weights: pd.DataFrame  # weight applied (renormalised)
    team_average: pd.DataFrame  # the team's mean raw value
    team_percentile: pd.DataFrame  # share of teammates this person does better than
    tiers: pd.DataFrame
    total: pd.Series
    missing: list[list[str]]  # per person, the weighed codes without data (column order)
    vetoes: list[list[str]]  # per person, the codes whose floor was breached (column order)
    not_measured: list[
        dict[str, dict[str, object]]
    ]  # per person, the missing codes with why (``REASONS``)
    state: list[str]  # per person, scored / no_activity / not_enough_data
    measured_share: npt.NDArray[np.float64]  # per person, 0–1 of the weight measured
    min_measured_weight: float  # 0–1, the least share for a total

    def scored(self) -> npt.NDArray[np.bool_]:
        return np.asarray([state == SCORED for state in self.state], dtype=bool)

    def percentile(self, code: str) -> npt.NDArray[np.float64]:
        return _column(self.team_percentile, code)

    def raw_value(self, code: str) -> npt.NDArray[np.float64]:
        return _column(self.raw, code)


def _column(frame: pd.DataFrame, code: str) -> npt.NDArray[np.float64]:
    """A code's values for everyone, NaN when the chunk has no such indicator."""
    if code in frame.columns:
        return cast("npt.NDArray[np.float64]", frame[code].to_numpy(dtype=float))
    return np.full(len(frame), np.nan)


def codes_where(flags: pd.DataFrame) -> list[list[str]]:
    """Per person, the codes whose flag is set, in column order."""
    codes = list(flags.columns)
    found: list[list[str]] = [[] for _ in range(len(flags))]
    people, columns = np.nonzero(flags.to_numpy(dtype=bool))
    for person, column in zip(people.tolist(), columns.tolist(), strict=True):
        found[person].append(codes[column])
    return found


@dataclass(frozen=True)
class IndicatorText:
    """What the words need about one indicator."""

    name: dict[str, str]  # language → name
    unit: str
    direction: str
    floor: float | None


def _top_contributions(contributions: np.ndarray, count: int) -> list[list[int]]:
    """Per person, the columns of their ``count`` largest known contributions, largest first
    (ties in column order)."""
    known = ~np.isnan(contributions)
    order = np.argsort(np.where(known, -contributions, np.inf), axis=1, kind="stable")
    counts = np.minimum(known.sum(axis=1), count)
    return [row[:n].tolist() for row, n in zip(order[:, :count], counts, strict=True)]


def explanations(
    figures: Figures, indicators: dict[str, IndicatorText], veto_cap: float
) -> list[dict[str, list[str]]]:
    """Per person, lines that let anyone check the total: tiers, what weighed most, what was
    left out and why, vetoes, and the weakest indicator against the team."""
    codes = list(figures.raw.columns)
    texts = [indicators[code] for code in codes]
    scores = figures.scores.reindex(columns=codes).to_numpy(dtype=float)
    contributions = figures.contributions.reindex(columns=codes).to_numpy(dtype=float)
    scored = ~np.isnan(scores)
    any_scored = scored.any(axis=1).tolist()
    weakest = np.argmin(np.where(scored, scores, np.inf), axis=1).tolist()
    top = _top_contributions(contributions, 3)
    counted = (~np.isnan(contributions)).sum(axis=1).tolist()
    # Python floats from here on: formatting numpy scalars one by one is several times slower.
    raw = figures.raw.to_numpy(dtype=float).tolist()
    averages = figures.team_average.reindex(columns=codes).to_numpy(dtype=float).tolist()
    weights = figures.weights.reindex(columns=codes).to_numpy(dtype=float).tolist()
    scores, contributions = scores.tolist(), contributions.tolist()
    tier_names = list(figures.tiers.columns)
    tier_rows = figures.tiers.to_numpy(dtype=float).tolist()
    missing, vetoed, why = figures.missing, figures.vetoes, figures.not_measured
    column_of = {code: column for column, code in enumerate(codes)}
    names = [(text.name["zh"], text.name["en"]) for text in texts]
    units = [(_unit(text.unit, "zh"), _unit(text.unit, "en")) for text in texts]
    tier_words = [(TIER_NAMES[tier]["zh"], TIER_NAMES[tier]["en"]) for tier in tier_names]
    cap = f"{veto_cap:g}"
    gap_lines: dict[tuple[object, ...], tuple[str, str]] = {}
    result = []
    states, shares = figures.state, figures.measured_share.tolist()
    # Each number is formatted once for both languages: this loop runs for every person.
    for person, total in enumerate(figures.total.to_numpy(dtype=float).tolist()):
        if states[person] != SCORED:
            without_data = [names[column_of[code]] for code in missing[person]]
            result.append(
                _not_scored(
                    states[person], shares[person], figures.min_measured_weight, without_data
                )
            )
            continue
        tiers = [
            (zh, en, f"{score:.1f}")
            for (zh, en), score in zip(tier_words, tier_rows[person], strict=True)
            if score == score  # not NaN
        ]
        shown = f"{total:.1f}"
        zh_lines = [
            f"总分 {shown}（{' · '.join(f'{zh} {v}' for zh, _, v in tiers)}）"
            "：每项指标的 0–100 分乘以权重后相加。"
        ]
        en_lines = [
            f"Total {shown} ({' · '.join(f'{en} {v}' for _, en, v in tiers)}): each "
            "indicator's 0–100 score times its weight, added up."
        ]
        for column in top[person]:
            score = f"{scores[person][column]:.1f}"
            weight = f"{weights[person][column]:.1%}"
            points = f"{contributions[person][column]:.1f}"
            zh, en = names[column]
            zh_lines.append(f"{zh}：{score} 分 × 权重 {weight} = {points} 分。")
            en_lines.append(f"{en}: {score} × weight {weight} = {points} points.")
        if missing[person]:
            reasons = why[person]
            # Most people miss the same indicators for the same reason objects (a source that
            # feeds nothing is one reason for everyone): their lines are worded once. The
            # reasons live as long as ``figures``, so their ids stay theirs.
            key = (
                counted[person],
                *missing[person],
                *(id(reasons.get(code)) for code in missing[person]),
            )
            if key not in gap_lines:
                gap_lines[key] = _gap_lines(
                    [
                        (names[column_of[code]], reasons.get(code, {"reason": NO_VALUE}))
                        for code in missing[person]
                    ],
                    counted[person],
                )
            zh_line, en_line = gap_lines[key]
            zh_lines.append(zh_line)
            en_lines.append(en_line)
        for code in vetoed[person]:
            column = column_of[code]
            spec, (zh, en), (zh_unit, en_unit) = texts[column], names[column], units[column]
            value, floor = f"{raw[person][column]:.1f}", f"{spec.floor:.1f}"
            higher = spec.direction == "higher"
            zh_lines.append(
                f"质量否决：{zh} {value}{zh_unit}{'低于' if higher else '高于'}底线 "
                f"{floor}{zh_unit}，总分封顶 {cap} 分。"
            )
            en_lines.append(
                f"Quality veto: {en} {value}{en_unit} is {'below' if higher else 'above'} the "
                f"floor of {floor}{en_unit}, so the total is capped at {cap}."
            )
        if any_scored[person]:
            column = weakest[person]
            average = averages[person][column]
            if average == average:  # the team has a mean to compare with
                (zh, en), (zh_unit, en_unit) = names[column], units[column]
                value, score = f"{raw[person][column]:.1f}", f"{scores[person][column]:.1f}"
                mean = f"{average:.1f}"
                zh_lines.append(
                    f"最需提升：{zh} {value}{zh_unit}（{score} 分；团队平均 {mean}{zh_unit}）。"
                )
                en_lines.append(
                    f"Most room to improve: {en} {value}{en_unit} (score {score}; "
                    f"team average {mean}{en_unit})."
                )
        result.append({"zh": zh_lines, "en": en_lines})
    return result


def _gap_lines(
    gaps: list[tuple[tuple[str, str], dict[str, object]]], counted: int
) -> tuple[str, str]:
    """The "not measured" line in zh and en: each indicator without data (its zh and en names)
    with why, and how many measured indicators took over their weight."""
    zh_gaps = "、".join(f"{zh}（{reason_text(reason, 'zh')}）" for (zh, _), reason in gaps)
    en_gaps = "; ".join(f"{en} ({reason_text(reason, 'en')})" for (_, en), reason in gaps)
    return (
        f"未计量：{zh_gaps}。它们的权重已按比例分给其余 {counted} 项已计量的指标。",
        f"Not measured: {en_gaps}. Their weight was shared in proportion among the "
        f"other {counted} measured indicators.",
    )


def _not_scored(
    state: str, share: float, needed: float, gaps: list[tuple[str, str]]
) -> dict[str, list[str]]:
    """Why someone has no total: no activity in the period, or too little of the weight
    measured (``share`` and ``needed``, 0–1), naming the indicators without data (``gaps``:
    their zh and en names)."""
    if state == NO_ACTIVITY:
        return {
            "zh": ["未评分：本期没有本人的业务记录，不计总分、等级和排名。"],
            "en": [
                "Not scored: no records of this person in the period, so no total, grade or rank."
            ],
        }
    measured = f"{0.0 if share != share else share:.0%}"  # NaN: the scheme weighs nothing
    zh_lines = [
        f"数据不足：有数据的指标只占权重的 {measured}，至少需要 {needed:.0%}，"
        "不计总分、等级和排名。"
    ]
    en_lines = [
        f"Not enough data: the indicators with data carry {measured} of the weight and "
        f"{needed:.0%} is needed, so no total, grade or rank."
    ]
    if gaps:
        zh_lines.append(f"没有数据：{'、'.join(zh for zh, _ in gaps)}。")
        en_lines.append(f"No data for {', '.join(en for _, en in gaps)}.")
    return {"zh": zh_lines, "en": en_lines}


@dataclass(frozen=True)
class Rule:
    key: str
    applies: Callable[[Figures], np.ndarray]  # per person, whether the rule fires
    zh: str
    en: str
    plan: bool = False  # calls for an improvement plan


def _below_team(figures: Figures, code: str) -> np.ndarray:
    """Most teammates do better on ``code`` (percentile below 50); false without data."""
    return figures.percentile(code) < 50


RULES = (
    Rule(
        "fast_but_unhappy",
        lambda f: (f.percentile("order_response_time") >= 90) & _below_team(f, "csat"),
        "订单响应时效优于 90% 的同事，但客户满意度低于团队平均：建议参加沟通技巧培训。",
        "Order response time better than 90% of colleagues, CSAT below the team average: "
        "communication training suggested.",
    ),
    Rule(
        "busy_but_sloppy",
        lambda f: (f.percentile("order_volume") >= 75) & _below_team(f, "order_entry_accuracy"),
        "订单量处于团队前 25%，但录入准确率低于团队平均：建议录入后逐项复核或请同事交叉检查。",
        "Order volume in the team's top quarter, entry accuracy below the team average: check "
        "each order after entry or ask a colleague to cross-check.",
    ),
    Rule(
        "late_nodes",
        lambda f: f.percentile("node_on_time_rate") <= 25,
        "节点准时率处于团队后 25%：建议每天开工先查看 24 小时内到期的节点。",
        "Node on-time rate in the team's bottom quarter: start each day with the nodes due "
        "within 24 hours.",
    ),
    Rule(
        "replies_incomplete",
        lambda f: f.raw_value("process_compliance") < 80,
        "流程合规率低于 80%：回复时请使用标准模板（问候语、订单号、交货日期、结束语）。",
        "Process compliance below 80%: use the standard reply (greeting, order number, "
        "delivery date, closing).",
    ),
    Rule(
        "complaints",
        lambda f: f.percentile("complaint_return_rate") <= 25,
        "投诉/退单率高于团队大多数同事：建议逐单复盘最近的投诉和退货。",
        "Complaint/return rate higher than most of the team: review recent complaints and "
        "returns order by order.",
    ),
    Rule(
        "first_contact",
        lambda f: f.raw_value("first_contact_resolution") < 70,
        "首次解决率低于 70%：建议参加问题诊断培训，并纳入绩效改进计划。",
        "First-contact resolution below 70%: problem-diagnosis training suggested, with an "
        "improvement plan.",
        plan=True,
    ),
    Rule(
        "training_due",
        lambda f: f.raw_value("training_completion") < 100,
        "有必修培训没有按期完成：请尽快补上。",
        "A required training was not completed on time: please catch up.",
    ),
    Rule(
        "unhappy_comments",
        lambda f: f.percentile("customer_sentiment") <= 25,
        "客户评论的情绪比团队大多数同事更负面：建议回访给出负面评价的客户。",
        "Customer comments are more negative than for most of the team: call back the "
        "customers who were unhappy.",
    ),
)

PLAN_FOR_GRADE = {
    "zh": "等级为 D：进入绩效改进计划，与主管一起制定下一周期的目标。",
    "en": "Grade D: an improvement plan, with next period's goals agreed with the manager.",
}


def suggestions(figures: Figures) -> tuple[list[dict[str, list[str]]], np.ndarray]:
    """Per person, the suggestions of the rule table that fire, and whether one of them calls
    for an improvement plan."""
    with np.errstate(invalid="ignore"):
        fired = np.column_stack([rule.applies(figures) for rule in RULES])
    fired &= figures.scored()[:, None]  # no advice or plan without a total
    plan = fired[:, [rule.plan for rule in RULES]].any(axis=1)
    assert isinstance(plan, np.ndarray)  # fired is two-dimensional: one flag per person
    # Many people share a pattern of fired rules; each pattern's lists are made once.
    patterns: dict[bytes, dict[str, list[str]]] = {}
    advice = []
    for row in fired:
        key = row.tobytes()
        if key not in patterns:
            rules = [rule for rule, hit in zip(RULES, row, strict=True) if hit]
            patterns[key] = {"zh": [rule.zh for rule in rules], "en": [rule.en for rule in rules]}
        advice.append(patterns[key])
    return advice, plan
