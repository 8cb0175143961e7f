"""The built-in indicators with their manual, the standard-reply checklist, and one default weight
scheme per level (in force from 2026-01-01), so a fresh installation scores out of the box.

The data is written out here, not imported, so this migration does the same on every machine
whatever later code says; admins change all of it in the application, with history.
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

from indicators.weights import TIERS_MATRIX, global_weights, matrix_outcome
from scoring.engine.ahp import matrix_from_weights

ALL = ["junior", "intermediate", "senior"]
PERIOD_ZH = "周期按公司时区（北京时间）的自然月划分，区间含开始不含结束。"
PERIOD_EN = "Periods are calendar months in company time (Beijing), start included, end excluded."

# (code, tier, position, direction, unit, normalisation, baseline, target, floor, vetoes, levels,
#  name zh, name en, definition zh, definition en, formula zh, formula en, source zh, source en,
#  counting rules zh, counting rules en)
INDICATORS = [
    (
        "order_volume", "basic", 1, "higher", "count", "percentile", None, None, None, False, ALL,
        "订单处理量", "Order volume",
        "本人负责、客户在本周期内提交且未取消的订单数。",
        "Orders assigned to the person that customers submitted in the period and did not cancel.",
        "订单处理量 = 客户提交时间在本周期内、状态不是“已取消”的订单数。",
        "Order volume = number of orders whose customer submit time falls in the period and whose "
        "status is not cancelled.",
        "ERP 销售订单：负责人、客户提交时间、订单状态。",
        "ERP sale orders: merchandiser, customer submit time, status.",
        "计入：按客户点击提交的时间归属周期。不计入：已取消的订单、他人负责的订单。没有订单记为 0"
        "（这是真实的 0，不是缺数）。各团队订单结构不同，按同级同事中的百分位换算成 0–100 分。"
        + PERIOD_ZH,
        "Counts: orders by the time the customer clicked submit. Does not count: cancelled orders, "
        "orders of others. No orders is a real 0, not missing data. Teams handle different kinds "
        "of orders, so the score is the percentile among peers of the same level. " + PERIOD_EN,
    ),
    (
        "follow_up_count", "basic", 2, "higher", "count", "percentile", None, None, None, False,
        ALL,
        "客户跟进次数", "Follow-up count",
        "本周期内对客户的跟进联系次数（电话、微信、邮件、拜访、在线客服）。",
        "Customer contacts in the period by phone, WeChat, email, visit or online chat.",
        "跟进次数 = 发生时间在本周期内的跟进记录数。",
        "Follow-up count = number of follow-up records that took place in the period.",
        "CRM 跟进记录：跟进人、渠道、发生时间。",
        "CRM follow-up log: employee, channel, time.",
        "计入：每一次有记录的联系。不计入：系统自动发送的通知。没有跟进记为 0。按同级同事中的百分位换算成"
        " 0–100 分。" + PERIOD_ZH,
        "Counts: every recorded contact. Does not count: notifications the system sends by itself. "
        "No contact is a real 0. Scored as the percentile among peers of the same level. "
        + PERIOD_EN,
    ),
    (
        "order_entry_accuracy", "basic", 3, "higher", "percent", "linear", 80.0, 99.0, 90.0, True,
        ALL,
        "订单录入准确率", "Order entry accuracy",
        "本周期订单中，录入后无需更正任何字段的订单所占比例。",
        "Share of the period's orders entered without any field needing a correction.",
        "录入准确率 = 录入错误数为 0 的订单数 ÷ 本周期订单数 × 100%（订单范围同“订单处理量”）。",
        "Entry accuracy = orders with no entry error ÷ the period's orders × 100% (the same orders "
        "as Order volume).",
        "ERP 销售订单：录入错误字段数（由审核更正记录得出）。",
        "ERP sale orders: number of fields corrected after entry (from review corrections).",
        "计入：客户本周期提交且未取消的订单，无论错了几个字段都只算一张错单。没有订单时为缺数（不计分、权重分给"
        "其他指标）。低于 90% 触发质量否决。" + PERIOD_ZH,
        "Counts: the period's non-cancelled orders; an order with several wrong fields counts as "
        "one wrong order. No orders means no data (the indicator is left out and its weight "
        "shared by the others). Below 90% vetoes. " + PERIOD_EN,
    ),
    (
        "order_response_time", "efficiency", 1, "lower", "hours", "linear", 24.0, 2.0, None, False,
        ALL,
        "订单响应时效", "Order response time",
        "从客户点击提交订单到跟单员确认订单的平均小时数。",
        "Mean hours from the customer's submit click to the merchandiser's confirmation.",
        "响应时效 = 平均（确认时间 − 客户提交时间），单位小时；到周期结束仍未确认的订单按已过去的小时数计。",
        "Response time = mean(confirmed at − customer submitted at) in hours; an order still "
        "unconfirmed at the period's end counts with the hours elapsed until then.",
        "ERP 销售订单：客户提交时间、确认时间。",
        "ERP sale orders: customer submit time, confirmation time.",
        "从客户点击提交的时刻算起，不是从订单在 ERP 中生成（录入）的时刻算起，所以晚录入不能缩短时效。计入："
        "本周期提交的订单，包括尚未确认的。不计入：未经确认就被取消的订单。" + PERIOD_ZH,
        "The clock starts when the customer clicked submit, not when the order was created in the "
        "ERP, so entering an order late does not shorten it. Counts: orders submitted in the "
        "period, unconfirmed ones included. Does not count: orders cancelled before anyone "
        "confirmed them. " + PERIOD_EN,
    ),
    (
        "node_on_time_rate", "efficiency", 2, "higher", "percent", "linear", 50.0, 95.0, None,
        False, ALL,
        "节点准时率", "Node on-time rate",
        "订单 8 个流程节点（需求确认、库存核对、采购/生产、质检、订舱、出运、在途/清关、签收确认）在各自时限内"
        "完成的比例。",
        "Share of the eight process nodes of orders (requirement, stock check, purchasing/"
        "production, quality check, logistics booking, shipment, transit/customs, delivery "
        "confirmation) finished within their own time limit.",
        "节点准时率 = 截止时间落在本周期且按时完成的节点数 ÷ 截止时间落在本周期的节点数 × 100%；截止时间 = 节点"
        "开始时间 + 该节点时限。",
        "On-time rate = nodes due in the period and completed by their deadline ÷ nodes due in the "
        "period × 100%; deadline = node start + that node's threshold.",
        "ERP 订单节点：节点、开始时间、完成时间、时限（小时，各节点不同，如需求确认 24 小时、生产 240 小时）。",
        "ERP order nodes: node, start, completion, threshold in hours (per node, e.g. 24 h for "
        "requirement, 240 h for production).",
        "每个节点只在其截止时间所在的周期计一次。到截止时间仍未完成的节点计为超时。只计本人负责订单的节点。"
        + PERIOD_ZH,
        "Each node counts once, in the period its deadline falls in. A node still open at its "
        "deadline is late. Only nodes of the person's own orders count. " + PERIOD_EN,
    ),
    (
        "exception_handling_hours", "efficiency", 3, "lower", "hours", "linear", 72.0, 12.0, None,
        False, ALL,
        "异常处理效能", "Exception handling efficiency",
        "订单异常（物流延误、质量、缺货、清关、付款等）从发现到开始协调、再到解决所用的时间。",
        "Time from detecting an order exception (logistics delay, quality, stock-out, customs, "
        "payment…) to starting coordination, and from there to resolution.",
        "异常处理效能 = 平均（开始协调 − 发现）+ 平均（解决 − 开始协调），单位小时；到周期结束仍在进行的计到"
        "周期结束。",
        "Handling time = mean(coordination started − detected) + mean(resolved − coordination "
        "started), in hours; a clock still running at the period's end stops there.",
        "ERP/CRM 异常单：处理人、发现时间、开始协调时间、解决时间。",
        "ERP/CRM exception cases: handler, detected, coordination started, resolved.",
        "计入：本周期发现、由本人处理的异常。不计入：他人处理的异常。本周期没有异常时为缺数。" + PERIOD_ZH,
        "Counts: exceptions detected in the period and handled by the person. Does not count: "
        "exceptions handled by others. No exception in the period means no data. " + PERIOD_EN,
    ),
    (
        "first_contact_resolution", "efficiency", 4, "higher", "percent", "linear", 40.0, 90.0,
        None, False, ALL,
        "首次解决率", "First-contact resolution",
        "工单在第一次联系时就解决的比例。",
        "Share of tickets resolved at the first contact.",
        "首次解决率 = 解决所需联系次数为 1 的工单数 ÷ 本周期解决的工单数 × 100%。",
        "First-contact resolution = tickets resolved in one contact ÷ tickets resolved in the "
        "period × 100%.",
        "CRM 工单：处理人、创建时间、解决时间、解决所需联系次数。",
        "CRM tickets: employee, opened, resolved, contacts until resolved.",
        "按解决时间归属周期。不计入：尚未解决的工单。本周期没有解决的工单时为缺数。" + PERIOD_ZH,
        "Tickets count in the period they were resolved. Does not count: unresolved tickets. No "
        "resolved ticket means no data. " + PERIOD_EN,
    ),
    (
        "csat", "quality", 1, "higher", "points", "linear", 3.0, 4.8, 3.5, True, ALL,
        "客户满意度", "Customer satisfaction (CSAT)",
        "客户对本人服务的满意度评分（1–5 分）的平均值。",
        "Mean of customers' satisfaction ratings (1–5) of the person's service.",
        "客户满意度 = 本周期提交的反馈中满意度评分的平均值。",
        "CSAT = mean rating of the feedback submitted in the period.",
        "CRM 客户反馈：归属员工、提交时间、满意度评分。",
        "CRM customer feedback: employee, time, rating.",
        "计入：带评分的反馈。不计入：只有文字、没有评分的反馈（它们进入“客户情绪指数”）。低于 3.5 分触发质量"
        "否决。" + PERIOD_ZH,
        "Counts: feedback with a rating. Does not count: comments without a rating (they feed the "
        "sentiment index). Below 3.5 vetoes. " + PERIOD_EN,
    ),
    (
        "order_accuracy", "quality", 2, "higher", "percent", "linear", 90.0, 100.0, 95.0, True,
        ALL,
        "订单准确率", "Order accuracy",
        "交付的订单中，品项、数量、规格、地址全部正确的比例。",
        "Share of delivered orders with the right item, quantity, specification and address.",
        "订单准确率 = 本周期签收且无履约差错的订单数 ÷ 本周期签收的订单数 × 100%。",
        "Order accuracy = orders delivered in the period without a fulfilment error ÷ orders "
        "delivered in the period × 100%.",
        "ERP 销售订单：签收时间、履约差错标记。",
        "ERP sale orders: delivery time, fulfilment-error flag.",
        "按签收时间归属周期（差错在交付时才知道）。录入时已更正的错误不算履约差错。低于 95% 触发质量否决。"
        + PERIOD_ZH,
        "Orders count in the period they were delivered (errors show at delivery). An entry "
        "error corrected before shipping is not a fulfilment error. Below 95% vetoes. " + PERIOD_EN,
    ),
    (
        "complaint_return_rate", "quality", 3, "lower", "percent", "linear", 10.0, 1.0, 8.0, True,
        ALL,
        "投诉率/退单率", "Complaint / return rate",
        "交付的订单中引起投诉、退货或退款的比例。",
        "Share of delivered orders that drew a complaint, a return or a refund.",
        "投诉率/退单率 = 本周期签收且有投诉、退货或退款的订单数 ÷ 本周期签收的订单数 × 100%。",
        "Complaint/return rate = orders delivered in the period with a complaint, return or "
        "refund ÷ orders delivered in the period × 100%.",
        "ERP 销售订单：签收时间、投诉、退货、退款标记。",
        "ERP sale orders: delivery time, complaint, return and refund flags.",
        "一张订单同时有投诉和退货只算一次。按签收时间归属周期。高于 8% 触发质量否决。" + PERIOD_ZH,
        "An order with both a complaint and a return counts once. Orders count in the period "
        "they were delivered. Above 8% vetoes. " + PERIOD_EN,
    ),
    (
        "customer_sentiment", "quality", 4, "higher", "index", "linear", 40.0, 85.0, None, False,
        ALL,
        "客户情绪指数", "Customer sentiment index",
        "客户反馈文字中表达的情绪，0–100，50 为中性。",
        "The mood customers express in their written feedback, 0–100 with 50 neutral.",
        "情绪指数 = 50 × (1 + 本周期各条评论情绪分的平均值)；每条评论的情绪分在 −1（很负面）到 1（很正面）"
        "之间。",
        "Sentiment index = 50 × (1 + mean sentiment of the period's comments); each comment scores "
        "from −1 (very negative) to 1 (very positive).",
        "CRM 客户反馈的评论文字（中文和英文）。",
        "Comment text of CRM feedback (Chinese and English).",
        "情绪分由内置的离线情感词典计算：正负面词、否定词（“不”“没有”）、程度词（“非常”）、转折词"
        "（“但是”之后的分句权重更高）。在 {heldout_total} 条人工标注的留出评论上准确率为 {accuracy}"
        "（三类：正面、中性、负面）。不计入：没有文字的反馈。" + PERIOD_ZH,
        "Comment scores come from a built-in offline sentiment lexicon: positive and negative "
        "words, negation (不, not), intensifiers (非常, very) and contrast (the clause after 但是 / "
        "but weighs more). Accuracy on {heldout_total} hand-labelled held-out comments: "
        "{accuracy} (three classes: positive, neutral, negative). Does not count: feedback "
        "without text. " + PERIOD_EN,
    ),
    (
        "process_compliance", "quality", 5, "higher", "percent", "linear", 50.0, 95.0, None, False,
        ALL,
        "流程合规率", "Process compliance rate",
        "书面跟进消息中包含标准回复全部要素（问候语、订单号、交货日期、结束语）的比例。",
        "Share of written follow-up messages that contain every element of a standard reply "
        "(greeting, order number, delivery date, closing).",
        "流程合规率 = 包含全部要素的跟进消息数 ÷ 本周期有文字的跟进消息数 × 100%。",
        "Compliance = messages containing every element ÷ the period's written follow-ups × 100%.",
        "CRM 跟进记录的消息文字；要素的关键词和规则由管理员在“回复检查清单”中维护（中英文）。",
        "Message text of CRM follow-ups; the keywords and patterns of each element are kept by "
        "admins in the reply checklist (Chinese and English).",
        "某要素的任一条启用规则匹配即视为包含该要素。不计入：没有文字的跟进（如电话）。清单没有启用规则时为缺数。"
        + PERIOD_ZH,
        "A message has an element when any active rule for it matches. Does not count: follow-ups "
        "without text (such as calls). With no active rule the indicator has no data. "
        + PERIOD_EN,
    ),
    (
        "customer_repeat_rate", "quality", 6, "higher", "percent", "linear", 50.0, 95.0, None,
        False, ALL,
        "客户复购率", "Customer repeat rate",
        "上一周期下过单的客户中，本周期再次向本人下单的比例（客户维系能力）。",
        "Share of the customers who ordered from the person in the previous period and ordered "
        "from them again in this one (customer retention).",
        "复购率 = 上一周期与本周期都向本人下单的客户数 ÷ 上一周期向本人下单的客户数 × 100%。",
        "Repeat rate = customers who ordered from the person in both periods ÷ customers who "
        "ordered from them in the previous period × 100%.",
        "ERP 销售订单：负责人、客户、客户提交时间、状态。",
        "ERP sale orders: merchandiser, customer, submit time, status.",
        "一个客户无论下几单只算一次。不计入：已取消的订单。上一周期没有客户时为缺数。" + PERIOD_ZH,
        "A customer counts once however many orders they placed. Does not count: cancelled "
        "orders. No customer in the previous period means no data. " + PERIOD_EN,
    ),
    (
        "long_customer_growth", "quality", 7, "higher", "percent", "linear", -30.0, 20.0, None,
        False, ["intermediate", "senior"],
        "老客户订单增长", "Long-standing customer growth",
        "合作满一年的老客户向本人下单数量的环比增长（客户维系能力）。",
        "Growth of the number of orders long-standing customers (with the company for a year or "
        "more) placed with the person, against the previous period (customer retention).",
        "老客户订单增长 = (本周期老客户订单数 − 上一周期老客户订单数) ÷ 上一周期老客户订单数 × 100%。",
        "Growth = (this period's orders from long-standing customers − the previous period's) ÷ "
        "the previous period's × 100%.",
        "ERP 销售订单与客户档案（合作起始日期）。",
        "ERP sale orders and customer master data (customer since).",
        "老客户：在本周期开始前已合作满 365 天。不计入：已取消的订单。上一周期没有老客户订单时为缺数"
        "（从 0 增长无法计算）。只适用于中级和高级跟单员。" + PERIOD_ZH,
        "Long-standing: a customer for at least 365 days when the period starts. Does not count: "
        "cancelled orders. No such orders in the previous period means no data (growth from zero "
        "is undefined). Applies to intermediate and senior staff only. " + PERIOD_EN,
    ),
    (
        "accepted_suggestions", "innovation", 1, "higher", "count", "linear", 0.0, 2.0, None,
        False, ALL,
        "流程优化建议", "Accepted improvement suggestions",
        "本周期被采纳的流程优化建议数。",
        "Process improvement suggestions accepted in the period.",
        "建议数 = 采纳时间在本周期内、状态为“已采纳”的建议数。",
        "Suggestions = suggestions with status accepted whose decision falls in the period.",
        "建议系统（或人工录入）：提交人、状态、决定时间。",
        "Suggestion box (or manual entry): employee, status, decision time.",
        "按采纳决定的时间计入，不按提交时间。不计入：待定和未采纳的建议。没有建议记为 0。" + PERIOD_ZH,
        "Counts when the acceptance is decided, not when submitted. Does not count: pending or "
        "rejected suggestions. None is a real 0. " + PERIOD_EN,
    ),
    (
        "training_completion", "innovation", 2, "higher", "percent", "linear", 50.0, 100.0, None,
        False, ALL,
        "培训完成率", "Training completion",
        "截止日在本周期内的必修培训中，按期完成的比例。",
        "Share of required trainings due in the period that were completed on time.",
        "培训完成率 = 截止日当天结束前（北京时间）完成的必修培训数 ÷ 截止日在本周期内的必修培训数 × 100%。",
        "Completion = required trainings completed by the end of their due day (Beijing time) ÷ "
        "required trainings due in the period × 100%.",
        "培训系统：员工、课程、是否必修、截止日期、完成时间。",
        "Training system: employee, course, required, due date, completion time.",
        "不计入：选修课程。逾期完成算未按期完成。本周期没有到期的必修培训时为缺数。" + PERIOD_ZH,
        "Does not count: optional courses. Completing after the due day counts as not on time. "
        "No required training due means no data. " + PERIOD_EN,
    ),
    (
        "collaboration_360", "innovation", 3, "higher", "points", "linear", 2.5, 4.8, None, False,
        ALL,
        "360 协作评分", "360° collaboration score",
        "同事对本人协作情况的评分（1–5 分）的平均值。",
        "Mean of colleagues' ratings (1–5) of the person's collaboration.",
        "协作评分 = 评价月份在本周期内的同事评分的平均值。",
        "Collaboration = mean score of colleagues' reviews for the months of the period.",
        "360 评价：评价人、被评价人、月份、分数。",
        "360° reviews: reviewer, reviewee, month, score.",
        "不计入：自评（系统不允许）。每位同事每月只能评一次。没有评价时为缺数。" + PERIOD_ZH,
        "Does not count: self-reviews (not allowed). Each colleague reviews once a month. No "
        "review means no data. " + PERIOD_EN,
    ),
]

# Measured by tests/indicators/test_sentiment.py on its held-out comments.
SENTIMENT_ACCURACY = {"heldout_total": "126", "accuracy": "84.1% (106/126)"}

CHECKLIST = [
    ("greeting", "zh", "keyword", "您好"),
    ("greeting", "zh", "keyword", "你好"),
    ("greeting", "zh", "keyword", "早上好"),
    ("greeting", "zh", "keyword", "下午好"),
    ("greeting", "en", "regex", r"\b(hi|hello|dear|good (morning|afternoon))\b"),
    ("order_number", "zh", "regex", r"(订单|单号)(号|编号)?\s*[:：#]?\s*[A-Za-z]{0,4}-?\d{4,}"),
    ("order_number", "en", "regex", r"\border\s*(no\.?|number|#)?\s*[:#]?\s*[A-Za-z]{0,4}-?\d{4,}"),
    ("delivery_date", "zh", "regex", r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]"),
    ("delivery_date", "zh", "regex", r"\d{4}\s*[-/年]\s*\d{1,2}\s*[-/月]\s*\d{1,2}"),
    ("delivery_date", "en", "regex", r"\b\d{4}-\d{2}-\d{2}\b"),
    (
        "delivery_date",
        "en",
        "regex",
        r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b",
    ),
    ("closing", "zh", "keyword", "谢谢"),
    ("closing", "zh", "keyword", "感谢"),
    ("closing", "zh", "keyword", "祝"),
    ("closing", "zh", "keyword", "随时联系"),
    ("closing", "en", "regex", r"\b(thanks|thank you|regards|best wishes|sincerely)\b"),
]

# Default priorities per level, turned into Saaty judgments by matrix_from_weights (ratios are
# rounded to the scale, so the resulting weights are close to, not equal to, these): juniors weigh
# entry accuracy and the basics, seniors weigh quality and the retention of long-standing customers.
# The AHP arithmetic comes from the engine, which is pure and stable; the judgments are data here.
TIER_PRIORITIES = {
    "junior": {"basic": 0.30, "efficiency": 0.25, "quality": 0.35, "innovation": 0.10},
    "intermediate": {"basic": 0.18, "efficiency": 0.27, "quality": 0.42, "innovation": 0.13},
    "senior": {"basic": 0.12, "efficiency": 0.28, "quality": 0.45, "innovation": 0.15},
}
INDICATOR_PRIORITIES = {
    "junior": {
        "order_volume": 0.25,
        "follow_up_count": 0.20,
        "order_entry_accuracy": 0.55,
        "csat": 0.22,
        "order_accuracy": 0.25,
        "complaint_return_rate": 0.18,
        "customer_sentiment": 0.08,
        "process_compliance": 0.17,
        "customer_repeat_rate": 0.10,
    },
    "intermediate": {
        "order_volume": 0.35,
        "follow_up_count": 0.25,
        "order_entry_accuracy": 0.40,
        "csat": 0.20,
        "order_accuracy": 0.20,
        "complaint_return_rate": 0.15,
        "customer_sentiment": 0.08,
        "process_compliance": 0.12,
        "customer_repeat_rate": 0.12,
        "long_customer_growth": 0.13,
    },
    "senior": {
        "order_volume": 0.45,
        "follow_up_count": 0.35,
        "order_entry_accuracy": 0.20,
        "csat": 0.18,
        "order_accuracy": 0.15,
        "complaint_return_rate": 0.12,
        "customer_sentiment": 0.08,
        "process_compliance": 0.07,
        "customer_repeat_rate": 0.18,
        "long_customer_growth": 0.22,
    },
}
SHARED_PRIORITIES = {
    "order_response_time": 0.30,
    "node_on_time_rate": 0.30,
    "exception_handling_hours": 0.15,
    "first_contact_resolution": 0.25,
    "accepted_suggestions": 0.35,
    "training_completion": 0.30,
    "collaboration_360": 0.35,
}
LEVEL_NAMES = {"junior": "初级 junior", "intermediate": "中级 intermediate", "senior": "高级 senior"}
DEFAULT_EXPERT = "perf 默认 default"


def _record_creation(apps, model_name: str, instances: list, when: dt.datetime) -> None:
    """History rows for what this migration creates (historical models write none), so every
    later change has a first version to be compared with."""
    history = apps.get_model("indicators", f"Historical{model_name}")
    history.objects.bulk_create(
        history(
            **{field.attname: getattr(instance, field.attname) for field in instance._meta.fields},
            history_date=when,
            history_type="+",
            history_change_reason="built in",
        )
        for instance in instances
    )


def create_catalog(apps, schema_editor):
    indicator_model = apps.get_model("indicators", "IndicatorDefinition")
    rule_model = apps.get_model("indicators", "ComplianceRule")
    scheme_model = apps.get_model("indicators", "WeightScheme")
    matrix_model = apps.get_model("indicators", "SchemeMatrix")
    weight_model = apps.get_model("indicators", "SchemeWeight")

    indicators = {}
    for row in INDICATORS:
        (code, tier, position, direction, unit, normalisation, baseline, target, floor, vetoes,
         levels, name_zh, name_en, definition_zh, definition_en, formula_zh, formula_en,
         source_zh, source_en, counting_zh, counting_en) = row  # fmt: skip
        indicators[code] = indicator_model.objects.create(
            code=code,
            calculator=code,
            tier=tier,
            position=position,
            direction=direction,
            unit=unit,
            normalisation=normalisation,
            baseline=baseline,
            target=target,
            floor=floor,
            floor_vetoes=vetoes,
            levels=levels,
            name_zh=name_zh,
            name_en=name_en,
            definition_zh=definition_zh,
            definition_en=definition_en,
            formula_zh=formula_zh,
            formula_en=formula_en,
            data_source_zh=source_zh,
            data_source_en=source_en,
            counting_rules_zh=counting_zh.format(**SENTIMENT_ACCURACY),
            counting_rules_en=counting_en.format(**SENTIMENT_ACCURACY),
        )
    rules = rule_model.objects.bulk_create(
        rule_model(element=element, language=language, kind=kind, pattern=pattern)
        for element, language, kind, pattern in CHECKLIST
    )
    schemes, matrices = [], []

    for level, tier_priorities in TIER_PRIORITIES.items():
        priorities = {**INDICATOR_PRIORITIES[level], **SHARED_PRIORITIES}
        scheme = scheme_model.objects.create(
            name=f"默认方案 Default · {LEVEL_NAMES[level]}",
            level=level,
            version=1,
            effective_from=dt.date(2026, 1, 1),
            status="active",
            note="Built in: judgments derived from the default priorities of the level.",
        )
        judgments = {TIERS_MATRIX: (list(tier_priorities), list(tier_priorities.values()))}
        for tier in tier_priorities:
            codes = [
                code
                for code, indicator in indicators.items()
                if indicator.tier == tier and level in indicator.levels
            ]
            judgments[tier] = (codes, [priorities[code] for code in codes])
        outcomes = {}
        for key, (items, weights) in judgments.items():
            values = matrix_from_weights(weights)
            matrix = matrix_model.objects.create(
                scheme=scheme,
                matrix=key,
                expert=DEFAULT_EXPERT,
                items=items,
                judgments=values.tolist(),
            )
            matrices.append(matrix)
            outcomes[key] = matrix_outcome(key, items, [values])
        scheme.consistency = {key: outcome.summary() for key, outcome in outcomes.items()}
        scheme.save(update_fields=["consistency"])
        schemes.append(scheme)
        weight_model.objects.bulk_create(
            weight_model(
                scheme=scheme,
                indicator=indicators[weight.indicator],
                tier_weight=weight.tier_weight,
                local_weight=weight.local_weight,
                global_weight=weight.global_weight,
            )
            for weight in global_weights(outcomes)
        )
    when = timezone.now()
    _record_creation(apps, "IndicatorDefinition", list(indicators.values()), when)
    _record_creation(apps, "ComplianceRule", rules, when)
    _record_creation(apps, "WeightScheme", schemes, when)
    _record_creation(apps, "SchemeMatrix", matrices, when)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(create_catalog, migrations.RunPython.noop)]
