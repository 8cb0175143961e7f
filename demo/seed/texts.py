"""Realistic Chinese (and some English) text for the generated company, drawn vectorised."""

import numpy as np

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲婷雪琳晨宇浩然子涵欣怡思远佳琪梓萱一诺雨桐俊杰博文嘉怡梦瑶晓东海燕志强建国春梅"
)

CITIES = [
    "上海",
    "深圳",
    "广州",
    "杭州",
    "苏州",
    "宁波",
    "东莞",
    "佛山",
    "厦门",
    "青岛",
    "天津",
    "成都",
    "武汉",
    "南京",
    "温州",
    "义乌",
    "无锡",
    "合肥",
    "长沙",
    "郑州",
]
WORDS = [
    "恒达",
    "盛世",
    "华信",
    "鑫源",
    "宏图",
    "嘉禾",
    "瑞丰",
    "联创",
    "新锐",
    "天成",
    "永泰",
    "金桥",
    "博远",
    "汇通",
    "立邦",
    "启航",
    "星辰",
    "鼎盛",
    "万象",
    "安捷",
    "海纳",
    "凯越",
    "长青",
    "卓越",
    "和美",
]
TRADES = [
    "贸易",
    "电子",
    "服饰",
    "家居",
    "五金",
    "包装",
    "科技",
    "实业",
    "进出口",
    "供应链",
    "玩具",
    "照明",
    "机械",
    "日化",
    "食品",
]
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司", "商行"]

GREETINGS = ["您好", "王总您好", "李经理您好", "张总，您好", "Hi"]
BODIES = [
    "跟您同步一下，",
    "关于您下的",
    "您关心的",
    "跟进一下您的",
    "这边确认一下，",
]
STATUSES = ["已安排生产", "已完成质检", "已订好舱位", "已发货", "正在清关", "物料已到齐", "已排产"]
CLOSINGS = [
    "有问题随时联系我，谢谢！",
    "祝您工作顺利！",
    "谢谢您的支持。",
    "如有疑问请随时告知，祝好。",
]

POSITIVE_COMMENTS = [
    "跟单员响应非常及时，沟通顺畅，非常满意！",
    "交期准时，包装完好，下次还会合作。",
    "服务很专业，问题当天就解决了，点赞。",
    "质量很好，和样品一致，感谢跟单小姐姐的耐心。",
    "发货速度快，物流信息更新及时，很放心。",
    "全程有人跟进，每个节点都有通知，体验很好。",
    "回复很快，态度也好，给五星。",
    "订单处理高效，细节都考虑到了，非常感谢。",
    "产品质量稳定，跟单服务周到，值得信赖。",
    "提前交货，惊喜！合作愉快。",
    "Very responsive and professional, delivery was on time.",
    "Great communication throughout the order, thank you!",
]
MIXED_COMMENTS = [
    "产品质量不错，但是交期比预期晚了几天。",
    "服务态度很好，就是回复有点慢。",
    "货没问题，物流太慢了，希望改进。",
    "整体还行，包装有点破损，不影响使用。",
    "价格合适，沟通一般，需要催好几次。",
    "质量可以，不过单据信息有一处写错了，后来改过来了。",
    "跟单很负责，可惜清关耽误了一周。",
    "还算满意，希望下次能提前通知发货时间。",
    "Product is fine but shipping took longer than promised.",
    "Good quality, though replies were a bit slow.",
]
NEGATIVE_COMMENTS = [
    "发错货了，型号不对，非常失望。",
    "催了三次才回复，效率太低。",
    "交期一拖再拖，严重影响我们的生产计划。",
    "质量问题很多，要求退货处理。",
    "订单信息录错，数量少了一半，太不专业了。",
    "客服态度差，问题到现在都没解决。",
    "物流延误也不主动通知，体验很差。",
    "包装破损严重，货物有损坏，要求赔偿。",
    "沟通很困难，答复前后矛盾，不会再合作了。",
    "退款拖了很久，非常不满意。",
    "Wrong items shipped and nobody answered my emails.",
    "Very disappointed, the order was late and damaged.",
]

PEER_COMMENTS = {
    5: ["协作非常主动，经常帮忙分担急单。", "专业可靠，遇到问题第一时间响应。"],
    4: ["配合积极，沟通顺畅。", "交接清楚，值得信赖。"],
    3: ["配合还可以，有时需要提醒。", "整体正常，沟通可以更主动。"],
    2: ["交接经常遗漏信息，需要改进。", "响应偏慢，影响团队进度。"],
    1: ["多次不配合，影响了客户交付。", "沟通困难，推诿责任。"],
}

TICKET_SUBJECTS = [
    "查询物流进度",
    "申请修改收货地址",
    "发票信息有误",
    "产品质量投诉",
    "申请退换货",
    "咨询交期",
    "报关资料补充",
    "付款方式变更",
    "少发漏发",
    "包装破损",
]

SUGGESTION_TITLES = [
    ("订单录入增加必填校验", "在ERP录单时对规格、数量、交期增加必填与格式校验，减少录入错误。"),
    ("物流异常自动提醒", "节点超时后自动推送企业微信提醒给跟单员和主管。"),
    ("标准回复模板库", "整理常见问题的标准回复模板，保证问候、订单号、交期和结束语齐全。"),
    ("VIP客户周报", "每周向VIP客户推送订单进度汇总，减少客户催单。"),
    ("质检照片同步客户", "质检完成后自动把照片同步给客户确认。"),
    ("清关资料预审", "发货前一周预审清关资料，减少在途清关延误。"),
    ("退货原因分类统计", "按原因统计退货，定期复盘，减少重复问题。"),
    ("新人带教清单", "为新入职跟单员制定前两周的带教清单。"),
]

# (course, required)
COURSES = [
    ("ERP订单录入规范", True),
    ("客户沟通与投诉处理", True),
    ("国际物流与清关基础", True),
    ("产品质量标准与质检流程", True),
    ("信息安全与客户隐私", True),
    ("Excel数据分析进阶", False),
]


def draw(rng: np.random.Generator, pool: list[str], n: int) -> np.ndarray:
    """``n`` items drawn from ``pool`` with replacement."""
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), size=n)]


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """Chinese names: a surname and one or two given-name characters."""
    surname = draw(rng, SURNAMES, n)
    first = draw(rng, GIVEN, n)
    second = np.where(rng.random(n) < 0.6, draw(rng, GIVEN, n), "")
    return [a + b + c for a, b, c in zip(surname, first, second, strict=True)]


def company_names(rng: np.random.Generator, n: int) -> list[str]:
    """Names like 苏州恒达电子有限公司; a running number keeps rare repeats apart."""
    parts = zip(
        draw(rng, CITIES, n),
        draw(rng, WORDS, n),
        draw(rng, TRADES, n),
        draw(rng, SUFFIXES, n),
        strict=True,
    )
    seen: dict[str, int] = {}
    names = []
    for city, word, trade, suffix in parts:
        base = f"{city}{word}{trade}{suffix}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{city}{word}{trade}（{seen[base]}）{suffix}")
    return names


def follow_up_messages(
    rng: np.random.Generator,
    *,
    order_numbers: np.ndarray,
    delivery_dates: np.ndarray,
    compliant: np.ndarray,
) -> np.ndarray:
    """Follow-up messages. A compliant one has a greeting, the order number, the expected delivery
    date and a closing; a non-compliant one misses at least one of them."""
    n = len(order_numbers)
    missing = rng.integers(0, 4, size=n)  # which element a non-compliant message lacks
    drop_extra = rng.random(n) < 0.4  # and sometimes the next one too

    def keep(element: int) -> np.ndarray:
        lacks = (missing == element) | (drop_extra & (missing == (element - 1) % 4))
        return compliant | ~lacks

    greeting = np.where(keep(0), draw(rng, GREETINGS, n) + "，", "")
    order_ref = np.where(keep(1), "订单" + order_numbers.astype(object), "订单")
    date = np.where(keep(2), "，预计" + delivery_dates.astype(object) + "交货", "")
    closing = np.where(keep(3), draw(rng, CLOSINGS, n), "")
    body = draw(rng, BODIES, n) + order_ref + draw(rng, STATUSES, n) + date + "。"
    return greeting + body + closing


def feedback_comments(rng: np.random.Generator, csat: np.ndarray) -> np.ndarray:
    """A comment whose mood fits the rating: 4–5 mostly positive, 3 mixed, 1–2 negative."""
    n = len(csat)
    positive = draw(rng, POSITIVE_COMMENTS, n)
    mixed = draw(rng, MIXED_COMMENTS, n)
    negative = draw(rng, NEGATIVE_COMMENTS, n)
    roll = rng.random(n)
    return np.select(
        [
            (csat >= 5) | ((csat == 4) & (roll < 0.8)),
            (csat == 4) | (csat == 3) | ((csat == 2) & (roll < 0.2)),
        ],
        [positive, mixed],
        negative,
    )


def peer_comments(rng: np.random.Generator, scores: np.ndarray) -> np.ndarray:
    """A short colleague's remark matching the 1–5 score."""
    pick = rng.integers(0, 2, size=len(scores))
    table = np.array([PEER_COMMENTS[s] for s in range(1, 6)], dtype=object)
    return table[scores - 1, pick]


def suggestions(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Improvement suggestion titles and descriptions."""
    idx = rng.integers(0, len(SUGGESTION_TITLES), size=n)
    table = np.array(SUGGESTION_TITLES, dtype=object)
    return table[idx, 0], table[idx, 1]
