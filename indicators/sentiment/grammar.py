"""The grammar the sentiment scorer reads around the sentiment words: negators, intensifiers,
contrasts, the service actions whose absence is a complaint, and the tuning constants. Chinese
entries are words as the segmenter cuts them (each is also added to its dictionary); English
entries are words or phrases of words."""

import re

# A negated positive word is nearly as bad as the word is good (不满意), while a negated negative
# word is only mildly good (不慢, 没有损坏).
NEGATED_POSITIVE = -0.9
NEGATED_NEGATIVE = -0.6
# An expected service action that did not happen (没回复, 还没发货, nobody answered) is a complaint.
NEGATED_ACTION = -0.8
# How many words may separate a negator or an intensifier from the word it modifies (不是很满意,
# 没有及时回复, not very helpful).
NEGATION_WINDOW = 3
INTENSIFIER_WINDOW = 2
# An intensifier after a negator softens the negation: 不是很满意 is milder than 不满意.
NEGATED_INTENSIFIER = 0.6
# The clause after 但是/but is what the customer means to stress.
CONTRAST_BEFORE = 0.7
CONTRAST_AFTER = 1.3
EXCLAMATION = 1.3
# Praise in a question is usually a request or a reproach (能不能按时交货？).
QUESTION_POSITIVE = 0.3
# Words read from the statistical lexicon (``lexicon_zh_learned.txt``) count this much of their
# weight: they are evidence of a mood, weaker than the hand-written entries.
LEARNED_SCALE = 0.5

# Negators, by strength: the soft ones (不太, 不够) only partly negate.
NEGATORS = {
    "不": 1.0,
    "没": 1.0,
    "没有": 1.0,
    "未": 1.0,
    "无": 1.0,
    "非": 1.0,
    "别": 1.0,
    "勿": 1.0,
    "并不": 1.0,
    "并没有": 1.0,
    "并非": 1.0,
    "从不": 1.0,
    "从来不": 1.0,
    "从没": 1.0,
    "从来没有": 1.0,
    "从未": 1.0,
    "毫无": 1.0,
    "毫不": 1.0,
    "绝不": 1.0,
    "不再": 1.0,
    "还没": 1.0,
    "还没有": 1.0,
    "都没": 1.0,
    "都没有": 1.0,
    "尚未": 1.0,
    "不能": 1.0,
    "没能": 1.0,
    "无法": 1.0,
    "没法": 1.0,
    "不是": 1.0,
    "不会": 1.0,
    "难以": 1.0,
    "缺乏": 1.0,
    "没什么": 0.8,
    "谈不上": 0.8,
    "算不上": 0.8,
    "不够": 0.8,
    "不算": 0.7,
    "不太": 0.6,
    "不怎么": 0.6,
    "不大": 0.6,
    "not": 1.0,
    "no": 1.0,
    "never": 1.0,
    "nothing": 1.0,
    "nobody": 1.0,
    "no one": 1.0,
    "none": 1.0,
    "neither": 1.0,
    "nor": 1.0,
    "without": 1.0,
    "refused to": 1.0,
    "failed to": 1.0,
    "lack": 1.0,
    "hardly": 0.8,
    "barely": 0.8,
}

# Intensifiers (> 1) and softeners (< 1), as multipliers of the next sentiment word.
INTENSIFIERS = {
    "很": 1.3,
    "非常": 1.6,
    "特别": 1.5,
    "太": 1.5,
    "太过": 1.5,
    "十分": 1.5,
    "极其": 1.8,
    "极": 1.6,
    "极度": 1.8,
    "超": 1.5,
    "超级": 1.6,
    "真": 1.3,
    "真的": 1.3,
    "真是": 1.3,
    "挺": 1.1,
    "蛮": 1.1,
    "相当": 1.4,
    "格外": 1.4,
    "尤其": 1.3,
    "最": 1.5,
    "更": 1.2,
    "更加": 1.3,
    "越来越": 1.2,
    "严重": 1.5,
    "完全": 1.4,
    "根本": 1.5,
    "实在": 1.4,
    "绝对": 1.4,
    "巨": 1.5,
    "如此": 1.3,
    "这么": 1.2,
    "那么": 1.2,
    "整整": 1.2,
    "一再": 1.3,
    "一直": 1.2,
    "屡次": 1.3,
    "又": 1.2,
    "再次": 1.2,
    "一点都": 1.4,
    "一点也": 1.4,
    "有点": 0.6,
    "有点儿": 0.6,
    "有些": 0.7,
    "稍微": 0.6,
    "稍": 0.6,
    "稍有": 0.6,
    "略": 0.6,
    "略微": 0.6,
    "略有": 0.6,
    "轻微": 0.5,
    "比较": 0.9,
    "还算": 0.8,
    "基本": 0.8,
    "基本上": 0.8,
    "very": 1.4,
    "extremely": 1.7,
    "really": 1.3,
    "so": 1.3,
    "super": 1.5,
    "too": 1.4,
    "highly": 1.4,
    "totally": 1.5,
    "completely": 1.5,
    "absolutely": 1.5,
    "incredibly": 1.6,
    "truly": 1.3,
    "constant": 1.3,
    "constantly": 1.3,
    "repeatedly": 1.3,
    "pretty": 1.1,
    "quite": 1.1,
    "fairly": 0.9,
    "rather": 0.8,
    "somewhat": 0.7,
    "mostly": 0.8,
    "a bit": 0.6,
    "a little": 0.6,
    "slightly": 0.6,
    "kind of": 0.7,
}

# Contrast markers: what follows them outweighs what came before.
CONTRASTS = frozenset(
    {"但是", "但", "不过", "可是", "然而", "却", "只不过", "可惜", "遗憾的是"}
    | {"but", "though", "although", "however", "unfortunately"}
)
# 就是/只是 mean "but" only when they open a clause (服务很好，就是回复慢); elsewhere "just is".
CLAUSE_OPENING_CONTRASTS = frozenset({"就是", "只是"})

# Service actions a customer expects: the words carry no mood, but saying they did not happen does.
EXPECTED_ACTIONS = frozenset(
    {
        "回复",
        "答复",
        "回应",
        "回",
        "处理",
        "跟进",
        "发货",
        "到货",
        "收到",
        "到账",
        "退",
        "退款",
        "兑现",
        "改进",
        "通知",
        "告知",
        "反馈",
        "联系",
        "接",
        "管",
        "更新",
        "落实",
        "提供",
        "验货",
        "answer",
        "answered",
        "reply",
        "replied",
        "respond",
        "responded",
        "processed",
        "follow up",
        "followed up",
        "refunded",
        "fixed",
        "updated",
        "confirmed",
        "notified",
        "informed",
        "arrived",
        "received",
        "delivered",
        "helped",
    }
)

# An improvement the customer asks for (需改善, 有待提高, 希望加强) is a complaint about the
# present, though the improvement word itself reads as praise.
NEEDS = frozenset(
    {
        "需",
        "需要",
        "须",
        "必须",
        "有待",
        "亟待",
        "亟需",
        "急需",
        "应该",
        "应当",
        "该",
        "希望",
        "建议",
    }
    | {"还需", "还要", "仍需", "尚需", "needs", "need", "should", "must"}
)
IMPROVEMENTS = frozenset(
    {"改善", "改进", "提高", "加强", "提升", "完善", "改正", "整改", "注意", "规范"}
    | {"improve", "improvement", "improving", "better", "work"}
)
NEEDED = -0.6

# Constructions with a gap the unit scanner cannot see: 催了三次才回复, 改了三次才对.
GAPPED_PATTERNS = (
    (re.compile(r"催了?[^才]{0,8}才"), -0.8),
    (re.compile(r"[了过][^才]{0,4}[次遍回]才"), -0.6),
)
