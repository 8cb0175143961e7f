"""What the demo's review cycles say: how each working style tends to be rated on the default
competencies (communication, teamwork, responsibility, service attitude), the short comments
people and managers write, the incidents managers note, the one calibration and the
acknowledgements. Data only: ``demo.cycles`` writes it through the review services."""

# The usual manager rating (1–5) of each competency, in the default catalogue's order, by
# working style (``demo.seed.company.STYLES``); the seed moves each by at most one at random.
STYLE_RATINGS: dict[str, tuple[int, int, int, int]] = {
    "star": (5, 4, 5, 5),
    "steady": (4, 4, 4, 4),
    "improving": (4, 4, 4, 4),
    "struggling": (3, 3, 2, 3),
    "fast_careless": (3, 4, 2, 3),
    "slow_careful": (3, 4, 5, 4),
}

# Comments by rating band: low (1–2), middle (3), high (4–5), per competency code.
COMMENTS: dict[str, dict[str, list[str]]] = {
    "communication": {
        "low": [
            "客户询问经常隔天才回复，交期变更没有及时通知客户。",
            "和工厂沟通时信息不完整，需要反复确认。",
        ],
        "mid": [
            "能当天回复客户，重要事项有邮件记录。",
            "沟通基本顺畅，遇到复杂问题时表达还可以更清楚。",
        ],
        "high": [
            "交期有风险时提前告知客户并给出备选方案，客户很认可。",
            "能安抚情绪激动的客户，推动工厂和客户达成一致。",
        ],
    },
    "teamwork": {
        "low": ["交接订单时资料不全，同事接手困难。", "较少参与团队的经验分享。"],
        "mid": ["能按时完成分工，同事休假时可以接手订单。", "配合度不错，信息共享还可以更主动。"],
        "high": ["主动帮同事处理加急订单，还带新人熟悉ERP。", "整理了常见问题模板分享给全组。"],
    },
    "responsibility": {
        "low": ["有两个订单节点超时没有跟进，同类录入错误重复出现。", "出错后较少主动复盘原因。"],
        "mid": ["订单能跟进到交付，出错后能及时纠正。", "提醒后能跟进，节点意识还需加强。"],
        "high": [
            "提前发现面料交期风险并跟进到解决，事后做了复盘。",
            "对每个订单都跟进到底，主动完善了出货检查清单。",
        ],
    },
    "service": {
        "low": ["本季度有一起因回复语气引起的客户投诉。", "对客户的追问显得不耐烦。"],
        "mid": ["态度礼貌，按承诺时间答复客户。", "客户满意度基本达标。"],
        "high": ["客户多次来信表扬，主动回访老客户。", "挽回了一个准备转单的老客户。"],
    },
}

SELF_COMMENTS = [
    "本季度主动承担了大客户的跟单工作，交期准时率有提升。",
    "录入准确率还有提升空间，下季度会加强复核。",
    "带了一位新同事熟悉流程，自己的订单也按时完成。",
    "旺季订单量大，个别节点有延误，已经总结了原因。",
    "参加了外贸单证培训，对出货流程更熟悉了。",
]
MANAGER_COMMENTS = [
    "整体表现稳定，希望下季度在客户沟通上更主动。",
    "本季度进步明显，继续保持。",
    "业务量完成得好，录入准确率需要重视。",
    "是组里可靠的骨干，可以多分享经验。",
    "工作认真细致，处理速度还可以再快一些。",
]

# (days into the quarter, note) of the critical incidents managers note, about people of
# their teams; a few name the order concerned.
INCIDENTS = [
    (12, "客户投诉交期延误，主动协调工厂加急，两天内解决。"),
    (27, "发现供应商面料色差，出货前拦截，避免了一次退货。"),
    (41, "订单数量录入错误，导致工厂多备料，已补充复核步骤。"),
    (55, "周末跟进海外客户的紧急改单，客户来信表扬。"),
    (70, "未按时上传验货报告，节点超时一天。"),
]

CALIBRATION_REASON = (
    "本季度承接了两位离职同事的大客户订单，额外工作量在KPI中未体现，经校准会议讨论上调一级。"
)

ACKNOWLEDGE_COMMENTS = ["认可，谢谢。", "收到，下季度继续努力。", "", "", "同意评估结果。"]

DRAFT_COMMENT = "初稿，月底前补充。"
