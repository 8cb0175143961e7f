"""The competencies a new review cycle starts from, with the behaviour that earns each rating:
what HR edits per level before opening a cycle (and what the demo seeds). Written for a
merchandising and after-sales company: the anchors describe what a colleague or a manager can
see a person do with customers, factories and the team, from 1 (falls short) to 5 (a model
for others)."""

from reviews.setup import CompetencyInput, TemplateInput

# (code, 中文名, English name, weight, 中文说明, English description, anchors 1–5: (中文, English))
DEFAULT_CATALOGUE: list[tuple[str, str, str, float, str, str, list[tuple[str, str]]]] = [
    (
        "communication",
        "沟通",
        "Communication",
        0.3,
        "与客户、工厂和同事沟通订单与问题是否及时、清楚、有记录。",
        "Whether orders and problems are communicated to customers, factories and colleagues "
        "in time, clearly and on record.",
        [
            (
                "客户询问常常一天以上无人回复，交期变化不主动告知，沟通内容没有记录。",
                "Customer questions often wait more than a day for an answer; changes to "
                "delivery dates are not passed on; nothing is written down.",
            ),
            (
                "能回复客户和工厂，但要别人追问；说明不完整，同一问题需要反复确认。",
                "Answers customers and factories, but only when chased; explanations are "
                "incomplete and the same point has to be confirmed again and again.",
            ),
            (
                "当天回复客户和工厂，说清订单进度和问题，重要约定有书面记录。",
                "Answers customers and factories the same day, states the order's progress and "
                "problems clearly, and puts important agreements in writing.",
            ),
            (
                "交期或品质有风险时主动提前告知客户，并给出可选方案；跨部门沟通顺畅。",
                "Warns customers ahead of time when a delivery date or quality is at risk, with "
                "options to choose from; works smoothly across departments.",
            ),
            (
                "能化解情绪激动的客户投诉，促成多方一致的解决方案；其沟通方式被同事借鉴。",
                "Calms down angry customer complaints and brings all parties to one solution; "
                "colleagues adopt the way they communicate.",
            ),
        ],
    ),
    (
        "teamwork",
        "团队协作",
        "Teamwork",
        0.25,
        "是否与同事分享信息、互相补位，共同完成团队目标。",
        "Whether information is shared, colleagues are covered for, and the team's targets "
        "are reached together.",
        [
            (
                "只顾自己的订单，拒绝同事的合理求助，交接时信息缺失。",
                "Looks after their own orders only, turns down reasonable requests for help, "
                "and hands work over with information missing.",
            ),
            (
                "被安排时能配合，但很少主动分享客户和订单信息。",
                "Cooperates when told to, but seldom shares customer or order information "
                "unprompted.",
            ),
            (
                "按时完成分工，及时共享订单信息，同事休假时能接手其订单。",
                "Does their share on time, shares order information promptly, and takes over a "
                "colleague's orders when they are on leave.",
            ),
            (
                "主动帮助同事处理紧急订单，分享经验和模板，带新人熟悉系统和流程。",
                "Helps colleagues with urgent orders unasked, shares experience and templates, "
                "and shows newcomers the systems and procedures.",
            ),
            (
                "推动跨组协作解决共性问题，营造互助氛围，团队整体指标因此提升。",
                "Drives cooperation across teams on shared problems and builds a culture of "
                "help; the whole team's figures improve as a result.",
            ),
        ],
    ),
    (
        "responsibility",
        "责任心",
        "Responsibility",
        0.25,
        "是否对自己负责的订单和问题跟进到底，出错后主动承担并改正。",
        "Whether the orders and problems one owns are followed through to the end, and "
        "mistakes are owned and put right.",
        [
            (
                "订单节点经常超时无人跟进，出错后推卸责任，同类错误反复出现。",
                "Order steps often run late with nobody following them up; blames others for "
                "mistakes; the same errors keep coming back.",
            ),
            (
                "提醒后才跟进，出错能改正，但不查原因，偶有遗漏。",
                "Follows up only when reminded; corrects mistakes but does not look for the "
                "cause; things occasionally slip through.",
            ),
            (
                "按节点跟进每个订单到交付，出错主动上报并及时纠正。",
                "Follows every order through its steps to delivery; reports their own mistakes "
                "and corrects them promptly.",
            ),
            (
                "提前发现交期和品质风险并跟进到解决，对问题做复盘，防止再次发生。",
                "Spots delivery and quality risks early and follows them to a solution; reviews "
                "what went wrong so it does not happen again.",
            ),
            (
                "把客户的问题当作自己的事，完善流程和检查清单，让全组少出错。",
                "Treats the customer's problem as their own and improves procedures and "
                "checklists so the whole team makes fewer mistakes.",
            ),
        ],
    ),
    (
        "service",
        "服务态度",
        "Service attitude",
        0.2,
        "对待客户是否耐心、礼貌、积极，客户是否愿意再次合作。",
        "Whether customers are treated patiently, politely and helpfully, and want to work "
        "with us again.",
        [
            (
                "对客户不耐烦、语气生硬，有因态度问题引起的有效投诉。",
                "Impatient and curt with customers; there are upheld complaints about their "
                "attitude.",
            ),
            (
                "礼貌但被动，只回答客户问到的问题，客户偶有不满。",
                "Polite but passive: answers only what customers ask; customers are "
                "occasionally dissatisfied.",
            ),
            (
                "耐心、礼貌地回应客户，按承诺时间给出答复，客户满意度达到目标。",
                "Responds to customers patiently and politely, answers by the time promised, "
                "and reaches the customer-satisfaction target.",
            ),
            (
                "站在客户角度想办法，主动回访，客户多次表扬。",
                "Looks for solutions from the customer's side, calls back unasked, and is "
                "praised by customers again and again.",
            ),
            (
                "在困难情况下仍让客户满意，挽回流失客户，成为客户点名指定的跟单员。",
                "Keeps customers satisfied even in difficult situations, wins back lost "
                "customers, and is the merchandiser customers ask for by name.",
            ),
        ],
    ),
]


def default_competencies() -> list[CompetencyInput]:
    """The default catalogue as service input, in order."""
    return [
        CompetencyInput(
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            weight=weight,
            description_zh=description_zh,
            description_en=description_en,
            anchors=list(anchors),
        )
        for code, name_zh, name_en, weight, description_zh, description_en, anchors in (
            DEFAULT_CATALOGUE
        )
    ]


def default_templates(levels: list[str]) -> list[TemplateInput]:
    """One template per level, each starting from the default catalogue."""
    return [TemplateInput(level=level, competencies=default_competencies()) for level in levels]
