"""The default disclosure catalogs a committee issues: one per organization type, and one for
the committee's own affairs (the issuer discloses too).

They follow the sub-district committee's annual disclosure plan (街道党委年度党务公开方案,
part 三): its eight content categories, its forms (先党内后党外, 长期/短期, 定期/及时) and
its attention to each type of organization (五(三): 社区（村）的资产、资金、资源, 村的
“四议两公开”, 处直单位 with their business). Titles, contents and body templates are the
catalog's own Chinese text, kept as data.

Every organization type gets the common entries below, adapted where its wording or rules
differ (``KIND_CHANGES``), plus its own entries (``KIND_ENTRIES``). An entry's category
follows from the prefix of its code (``CATEGORY_CODES``: "ZZ-01" is 组织管理). Fields not
given take ``ENTRY_DEFAULTS``; two are filled per type:

- ``public_audience`` ``PEOPLE`` means "the type's own people beyond the party": the unit's
  staff (``unit``), but society for communities and villages, whose people are the
  residents and whose affairs are posted where everyone passes (原村（居）务公开栏);
- ``carriers`` left out take the type's usual carriers (三、(三)): communities and villages
  their 村（居）务公开栏, enterprises and social organizations party meetings, documents
  and the notice board; matters within the party only go to meetings and documents.
"""

from __future__ import annotations

from typing import Any

from portal.models import Organization

from .models import (
    CATEGORY_CODES,
    Carrier,
    Category,
    Duration,
    Frequency,
    PartyAudience,
    Period,
    PublicAudience,
    Retention,
)

Entry = dict[str, Any]

# The edition of this data: the catalogs it creates carry it as their version, so loading
# again finds them instead of making new ones.
DEFAULT_VERSION = "2026版"
OWN = "own"  # the key of the issuer's own catalog, beside the organization types
KINDS: tuple[str, ...] = tuple(Organization.Kind.values)
CATALOG_KEYS: tuple[str, ...] = (*KINDS, OWN)

KIND_NAMES = {
    "agency": "机关", "community": "社区", "village": "村", "school": "学校",
    "institution": "事业单位", "enterprise": "非公有制经济组织", "social": "社会组织",
}
CATALOG_NAMES = {
    **{kind: f"{name}党组织党务公开目录" for kind, name in KIND_NAMES.items()},
    OWN: "本级党组织党务公开目录",
}

ORGANIZATION, SUBTREE, RANGE = (PartyAudience.ORGANIZATION, PartyAudience.SUBTREE,
                                PartyAudience.RANGE)
NONE, UNIT, SOCIETY = PublicAudience.NONE, PublicAudience.UNIT, PublicAudience.SOCIETY
PEOPLE = "people"  # the type's own people beyond the party; see the module's docstring
LONG, SHORT = Duration.LONG, Duration.SHORT
PERIODIC, TIMELY = Frequency.PERIODIC, Frequency.TIMELY
MONTH, QUARTER, HALF_YEAR, YEAR = Period.MONTH, Period.QUARTER, Period.HALF_YEAR, Period.YEAR
PERMANENT, YEARS_30, YEARS_10 = Retention.PERMANENT, Retention.YEARS_30, Retention.YEARS_10
MEETING, DOCUMENT, NOTICE_BOARD, WEBSITE, BULLETIN = (
    Carrier.MEETING, Carrier.DOCUMENT, Carrier.NOTICE_BOARD, Carrier.WEBSITE, Carrier.BULLETIN)

PEOPLE_OF_KIND = {
    "agency": UNIT, "community": SOCIETY, "village": SOCIETY, "school": UNIT,
    "institution": UNIT, "enterprise": UNIT, "social": UNIT, OWN: UNIT,
}
CARRIERS_OF_KIND = {
    "agency": [DOCUMENT, NOTICE_BOARD, WEBSITE],
    "community": [NOTICE_BOARD, MEETING, WEBSITE],
    "village": [NOTICE_BOARD, MEETING],
    "school": [NOTICE_BOARD, WEBSITE, MEETING],
    "institution": [NOTICE_BOARD, WEBSITE, DOCUMENT],
    "enterprise": [MEETING, DOCUMENT, NOTICE_BOARD],
    "social": [MEETING, DOCUMENT, NOTICE_BOARD],
    OWN: [DOCUMENT, WEBSITE, NOTICE_BOARD, BULLETIN],
}
PARTY_ONLY_CARRIERS = [MEETING, DOCUMENT]

ENTRY_DEFAULTS: Entry = {
    "content": "", "party_audience": ORGANIZATION, "range_leadership": False,
    "range_cadres": False, "public_audience": PEOPLE, "duration": LONG, "display_days": None,
    "frequency": TIMELY, "period": "", "due_days": 10, "lead_days": 3, "body_template": "",
    "retention": YEARS_10, "active": True,
}

# ---------------------------------------------------------------------------------------
# Body templates used by more than one entry

DUES = """## 党费收缴情况

| 项目 | 人数 | 金额（元） |
| --- | --- | --- |
| 应缴党费 |  |  |
| 实缴党费 |  |  |
| 上缴上级党委 | — |  |
| 按规定留存 | — |  |

## 留存党费使用情况

| 日期 | 用途 | 金额（元） | 经手人 |
| --- | --- | --- | --- |
|  |  |  |  |

## 说明

"""

PARTY_WORK_FUNDS = """## 经费来源

| 来源 | 金额（元） |
| --- | --- |
| 上级下拨 |  |
| 本单位列支 |  |
| 留存党费 |  |
| 合计 |  |

## 支出情况

| 项目 | 金额（元） | 说明 |
| --- | --- | --- |
|  |  |  |

## 结余

"""

RECRUITMENT = """## 公示对象

| 姓名 | 性别 | 出生年月 | 学历 | 工作单位及职务 | 申请入党时间 | 公示类别 |
| --- | --- | --- | --- | --- | --- | --- |
|  |  |  |  |  |  | 发展对象 / 拟接收预备党员 / 预备党员转正 |

## 公示期

公示期为5个工作日（　月　日至　月　日）。

## 监督方式

对公示对象有意见的，可在公示期内向党组织反映：

- 联系人：
- 联系电话：
"""

APPOINTMENT = """## 拟任人选

| 姓名 | 性别 | 出生年月 | 学历 | 现任职务 | 拟任职务 |
| --- | --- | --- | --- | --- | --- |
|  |  |  |  |  |  |

## 公示期

公示期为5个工作日（　月　日至　月　日）。

## 监督方式

- 受理电话：
- 来信地址：
"""

ELECTION = """## 选举工作安排

- 选举大会时间：
- 应到党员：　名；实到党员：　名

## 候选人

-

## 选举结果

- 书记：
- 副书记：
- 委员：

## 上级党组织批复

- 批复文号：
"""

LEADERSHIP = """## 组织设置

- 党组织名称：
- 党员人数：
- 下设党组织（党小组）：

## 班子成员分工

- 书记：　，主持全面工作
- 副书记：
- 组织委员：
- 宣传委员：
- 纪检委员：
"""

COMMENDATION = """## 推荐（表彰）名单

- 优秀共产党员：
- 优秀党务工作者：
- 先进基层党组织：

## 公示期

公示期为5个工作日（　月　日至　月　日）。
"""

ANNUAL_PLAN = """## 年度工作目标

## 主要任务和措施

1.
2.
3.

## 责任分工

| 工作任务 | 牵头人 | 完成时限 |
| --- | --- | --- |
|  |  |  |

## 上年度工作总结

"""

STUDY_PLAN = """## 学习安排

| 月份 | 主题 | 形式 |
| --- | --- | --- |
| 1月 |  |  |
| 2月 |  |  |
| 3月 |  |  |

## 落实情况

"""

TRAINING = """## 培训计划

| 时间 | 培训内容 | 对象 | 学时 |
| --- | --- | --- | --- |
|  |  |  |  |

## 落实情况

"""

DECISION = """## 决策事项

## 决策程序

- 会议名称及时间：
- 参会人员：
- 表决情况：

## 执行情况

"""

MEETING_RECTIFICATION = """## 会议情况

- 召开时间：
- 会议主题：
- 参加人员：

## 征求意见和查摆问题

1.

## 整改措施

| 问题 | 整改措施 | 责任人 | 完成时限 |
| --- | --- | --- | --- |
|  |  |  |  |
"""

ASSESSMENT = """## 考核方式

## 考核结果

| 姓名 | 职务 | 考核等次 |
| --- | --- | --- |
|  |  |  |
"""

RULES = """## 议事范围

## 议事规则

1.

## 决策程序

1. 提出议题
2. 征求意见
3. 集体讨论决定
4. 组织实施
5. 结果反馈
"""

SERVICE_PROJECTS = """## 项目清单

| 项目 | 主要内容 | 责任人 | 完成时限 | 资金（元） |
| --- | --- | --- | --- | --- |
|  |  |  |  |  |

## 监督方式

- 监督电话：
"""

OPINIONS = """## 意见建议办理情况

| 收到日期 | 来源 | 意见建议 | 办理结果 |
| --- | --- | --- | --- |
|  |  |  |  |
"""

PLEDGE = """## 承诺人

## 承诺事项

1.

## 践诺情况

"""

RESPONSIBILITY = """## 责任分解

| 责任事项 | 责任人 | 完成情况 |
| --- | --- | --- |
|  |  |  |

## 检查考核情况

"""

DISCIPLINE = """## 处理决定

- 处分对象：
- 违纪事实：
- 处分依据：
- 处分种类：
"""

GUIDE = """## 办事机构

- 地点：
- 办公时间：
- 联系电话：

## 办理事项

| 事项 | 所需材料 | 办理程序 | 办结时限 |
| --- | --- | --- | --- |
| 党员组织关系转接 |  |  |  |
| 入党申请 |  |  |  |
| 党费缴纳 |  |  |  |
"""

CHANNELS = """## 公开载体

- 公开栏位置：
- 网站栏目：

## 反馈渠道

- 意见箱：
- 监督电话：
- 接待日：
"""

EVALUATION = """## 评议情况

- 参评人数：
- 评议方式：
- 满意率：

## 意见建议和整改措施

1.
"""

FUNDS_AND_PLACE = """## 活动场所

- 地点和面积：

## 活动经费

| 来源 | 金额（元） |
| --- | --- |
| 企业（单位）列支 |  |
| 留存党费 |  |
| 上级补助 |  |

## 使用情况

| 项目 | 金额（元） |
| --- | --- |
|  |  |
"""

# ---------------------------------------------------------------------------------------
# The entries of every organization type

COMMON: list[Entry] = [
    # 1 党组织决议、决定及执行情况
    {"code": "JC-01", "title": "年度工作计划和总结",
     "content": "本组织年度工作计划、阶段性工作部署，上一年度工作总结和任务落实情况。",
     "frequency": PERIODIC, "period": YEAR, "due_days": 30, "lead_days": 5,
     "retention": YEARS_30, "body_template": ANNUAL_PLAN},
    {"code": "JC-02", "title": "贯彻落实上级决议、决定和工作部署情况",
     "content": "执行党的路线方针政策，贯彻落实上级党组织决议、决定和工作部署的措施及进展。",
     "body_template": "## 上级决议、决定或部署\n\n- 文件名称：\n- 主要要求：\n\n"
                      "## 贯彻落实措施\n\n1. \n\n## 进展情况\n\n"},
    {"code": "JC-03", "title": "重要决策及执行情况",
     "content": "本组织研究决定的重要事项、决策程序和执行情况；动态性、阶段性工作按进展"
                "分阶段公开。",
     "due_days": 7, "body_template": DECISION},
    {"code": "JC-04", "title": "任期工作目标及完成情况",
     "content": "本届党组织任期工作目标、年度分解任务和完成情况。",
     "due_days": 15, "retention": YEARS_30,
     "body_template": "## 任期目标\n\n| 目标任务 | 年度安排 | 完成情况 |\n"
                      "| --- | --- | --- |\n|  |  |  |\n"},
    # 2 党的思想建设情况
    {"code": "SX-01", "title": "理论学习计划及落实情况",
     "content": "理论学习计划、学习专题、学习形式和落实情况。",
     "public_audience": SOCIETY, "frequency": PERIODIC, "period": YEAR, "due_days": 30,
     "body_template": STUDY_PLAN},
    {"code": "SX-02", "title": "党员干部教育培训计划及落实情况",
     "content": "党员和干部教育培训计划、培训内容、参训人员和完成情况。",
     "frequency": PERIODIC, "period": YEAR, "due_days": 20, "body_template": TRAINING},
    {"code": "SX-03", "title": "思想政治工作和主题教育开展情况",
     "content": "开展思想政治工作、党内集中教育和主题实践活动的安排及成效。",
     "body_template": "## 活动安排\n\n## 开展情况和成效\n\n"},
    # 3 党的组织管理情况
    {"code": "ZZ-01", "title": "党费收缴、管理和使用情况",
     "content": "党员应缴、实缴党费，上缴上级党委和按规定留存党费的数额及用途。",
     "public_audience": NONE, "frequency": PERIODIC, "period": QUARTER, "due_days": 15,
     "lead_days": 0, "retention": YEARS_30, "body_template": DUES},
    {"code": "ZZ-02", "title": "发展党员情况（公示）",
     "content": "发展对象、拟接收预备党员和预备党员转正人选的基本情况，公示5个工作日，"
                "公示期间接受党员和群众监督。",
     "duration": SHORT, "display_days": 5, "due_days": 3, "lead_days": 0,
     "retention": YEARS_30, "body_template": RECRUITMENT},
    {"code": "ZZ-03", "title": "换届选举情况",
     "content": "换届选举工作安排、候选人推荐和确定、选举结果及上级党组织批复。",
     "due_days": 5, "retention": PERMANENT, "body_template": ELECTION},
    {"code": "ZZ-04", "title": "民主评议党员结果",
     "content": "年度民主评议党员的组织方式、评议等次和对不合格党员的处置情况。",
     "public_audience": NONE, "frequency": PERIODIC, "period": YEAR, "due_days": 30,
     "lead_days": 0,
     "body_template": "## 评议情况\n\n- 参评党员：　名\n- 评议方式：\n\n## 评议结果\n\n"
                      "| 等次 | 人数 |\n| --- | --- |\n| 优秀 |  |\n| 合格 |  |\n"
                      "| 基本合格 |  |\n| 不合格 |  |\n"},
    {"code": "ZZ-05", "title": "“三会一课”和主题党日开展情况",
     "content": "支部党员大会、支部委员会、党小组会、党课和主题党日的时间、主题及参加人数。",
     "public_audience": NONE, "frequency": PERIODIC, "period": QUARTER, "due_days": 10,
     "lead_days": 0,
     "body_template": "| 日期 | 形式 | 主题 | 应到 | 实到 |\n| --- | --- | --- | --- | --- |\n"
                      "|  | 支部党员大会 |  |  |  |\n|  | 支部委员会 |  |  |  |\n"
                      "|  | 党小组会 |  |  |  |\n|  | 党课 |  |  |  |\n"
                      "|  | 主题党日 |  |  |  |\n"},
    {"code": "ZZ-06", "title": "党务工作经费管理和使用情况",
     "content": "党务工作经费的来源、预算、支出项目和结余。",
     "frequency": PERIODIC, "period": YEAR, "due_days": 20, "retention": YEARS_30,
     "body_template": PARTY_WORK_FUNDS},
    {"code": "ZZ-07", "title": "创先争优和党内表彰情况（公示）",
     "content": "优秀共产党员、优秀党务工作者和先进基层党组织的推荐人选（公示5个工作日）"
                "和表彰结果。",
     "duration": SHORT, "display_days": 5, "due_days": 5, "lead_days": 0,
     "body_template": COMMENDATION},
    {"code": "ZZ-08", "title": "党员权利保障制度和党内事务问询",
     "content": "保障党员知情权、参与权、选举权、表达权、监督权的制度措施，党内事务问询及"
                "答复情况。",
     "public_audience": NONE, "lead_days": 0,
     "body_template": "## 保障措施\n\n## 党内事务问询和答复\n\n| 日期 | 问询事项 | 答复情况 |\n"
                      "| --- | --- | --- |\n|  |  |  |\n"},
    # 4 领导班子建设情况
    {"code": "BZ-01", "title": "组织设置和班子分工",
     "content": "本级党组织的设置、主要职能和机构调整，班子成员名单及其职责分工。",
     "public_audience": SOCIETY, "retention": PERMANENT, "body_template": LEADERSHIP},
    {"code": "BZ-02", "title": "议事规则和决策程序",
     "content": "班子议事规则、决策程序和执行民主集中制的制度规定。",
     "body_template": RULES},
    {"code": "BZ-03", "title": "组织生活会召开及整改落实情况",
     "content": "年度组织生活会的主题、征求意见、查摆问题、整改措施及落实情况。",
     "public_audience": NONE, "frequency": PERIODIC, "period": YEAR, "due_days": 20,
     "lead_days": 0, "body_template": MEETING_RECTIFICATION},
    {"code": "BZ-04", "title": "领导班子年度考核评价情况",
     "content": "领导班子和班子成员年度考核评价的方式和结果。",
     "frequency": PERIODIC, "period": YEAR, "due_days": 30, "body_template": ASSESSMENT},
    # 5 干部选任和管理情况
    {"code": "GB-01", "title": "干部选拔任用情况（任前公示）",
     "content": "拟提拔任用干部的基本情况和拟任职务，任前公示5个工作日，公示期间接受干部"
                "群众监督。",
     "duration": SHORT, "display_days": 5, "due_days": 3, "lead_days": 0,
     "retention": PERMANENT, "body_template": APPOINTMENT},
    {"code": "GB-02", "title": "干部轮岗交流情况",
     "content": "干部轮岗交流的范围、人员和岗位调整情况。",
     "retention": YEARS_30,
     "body_template": "| 姓名 | 原岗位 | 新岗位 | 调整时间 |\n| --- | --- | --- | --- |\n"
                      "|  |  |  |  |\n"},
    {"code": "GB-03", "title": "干部考核奖惩情况",
     "content": "干部年度考核等次、表彰奖励和问责处理情况，在班子成员和党员领导干部范围内"
                "公开。",
     "party_audience": RANGE, "range_leadership": True, "range_cadres": True,
     "public_audience": NONE, "frequency": PERIODIC, "period": YEAR, "due_days": 30,
     "lead_days": 0, "retention": YEARS_30,
     "body_template": "## 年度考核\n\n| 等次 | 人数 |\n| --- | --- |\n| 优秀 |  |\n"
                      "| 称职 |  |\n| 基本称职 |  |\n| 不称职 |  |\n\n## 奖励和问责\n\n- \n"},
    {"code": "GB-04", "title": "干部监督制度执行情况",
     "content": "个人有关事项报告、谈心谈话、函询诫勉等干部监督制度的执行情况。",
     "public_audience": NONE, "frequency": PERIODIC, "period": YEAR, "due_days": 30,
     "lead_days": 0},
    # 6 联系和服务党员、群众情况
    {"code": "FW-01", "title": "为民办实事项目公示",
     "content": "为党员群众办实事项目的名称、内容、责任人、完成时限和完成情况。",
     "public_audience": SOCIETY, "duration": SHORT, "display_days": 20, "due_days": 7,
     "lead_days": 1, "body_template": SERVICE_PROJECTS},
    {"code": "FW-02", "title": "党员群众意见建议办理情况",
     "content": "听取、反映和采纳党员群众意见建议的情况及办理结果。",
     "frequency": PERIODIC, "period": QUARTER, "due_days": 10, "body_template": OPINIONS},
    {"code": "FW-03", "title": "困难党员群众帮扶情况",
     "content": "帮助党员群众解决生产生活实际困难、走访慰问困难党员和群众的情况。",
     "frequency": PERIODIC, "period": YEAR, "due_days": 15,
     "body_template": "## 帮扶慰问情况\n\n| 类别 | 户（人）数 | 帮扶措施 | 金额（元） |\n"
                      "| --- | --- | --- | --- |\n| 困难党员 |  |  |  |\n"
                      "| 困难群众 |  |  |  |\n"},
    {"code": "FW-04", "title": "来信来访接待和矛盾纠纷排查化解情况",
     "content": "接待党员群众来信来访、排查化解矛盾纠纷的数量、类型和办理结果。",
     "frequency": PERIODIC, "period": QUARTER, "due_days": 10,
     "body_template": "| 类别 | 件数 | 已办结 | 办理中 |\n| --- | --- | --- | --- |\n"
                      "| 来信 |  |  |  |\n| 来访 |  |  |  |\n| 矛盾纠纷 |  |  |  |\n"},
    {"code": "FW-05", "title": "党员服务事项和办事指南",
     "content": "办事机构、办理事项、办事程序、所需材料和联系方式，长期公开，方便党员群众"
                "随时查阅。",
     "public_audience": SOCIETY, "due_days": 5, "lead_days": 0, "body_template": GUIDE},
    # 7 党风廉政建设情况
    {"code": "LZ-01", "title": "党风廉政建设责任制落实情况",
     "content": "党风廉政建设责任分解、主体责任和“一岗双责”落实、责任制检查考核情况。",
     "frequency": PERIODIC, "period": YEAR, "due_days": 20, "body_template": RESPONSIBILITY},
    {"code": "LZ-02", "title": "党务公开承诺、廉政承诺和践诺情况",
     "content": "党组织及其主要负责人对实行党务公开和廉洁自律作出的承诺，以及年度践诺情况。",
     "public_audience": SOCIETY, "frequency": PERIODIC, "period": YEAR, "due_days": 15,
     "body_template": PLEDGE},
    {"code": "LZ-03", "title": "违纪党员处理情况",
     "content": "党员违反党纪受到处分的情况和处理依据（按规定不宜公开的除外）。",
     "public_audience": NONE, "lead_days": 0, "retention": PERMANENT,
     "body_template": DISCIPLINE},
    {"code": "LZ-04", "title": "执行廉洁自律规定和落实中央八项规定精神情况",
     "content": "执行廉洁自律规定、落实中央八项规定精神和党内监督制度的情况。",
     "frequency": PERIODIC, "period": YEAR, "due_days": 20},
    # 8 其他应当公开的事项
    {"code": "QT-01", "title": "党务公开目录、载体和反馈渠道",
     "content": "本组织执行的党务公开目录、公开载体和时间，以及意见箱、监督电话、接待日等"
                "反馈渠道。",
     "public_audience": SOCIETY, "due_days": 5, "lead_days": 0, "body_template": CHANNELS},
    {"code": "QT-02", "title": "党务公开工作评议结果",
     "content": "组织党员群众评议党务公开工作的情况、评议结果和整改措施。",
     "frequency": PERIODIC, "period": YEAR, "due_days": 20, "body_template": EVALUATION},
    {"code": "QT-03", "title": "上级党组织要求公开的其他事项",
     "content": "上级党组织要求公开或本组织认为应当公开的其他党务事项。"},
]

# Changes to the common entries for one type: new wording or rules; None leaves it out.
KIND_CHANGES: dict[str, dict[str, Entry | None]] = {
    "agency": {
        "BZ-03": {"title": "民主生活会和组织生活会召开及整改落实情况",
                  "content": "领导班子民主生活会和党支部组织生活会的主题、征求意见、查摆问题、"
                             "整改措施及落实情况。"},
    },
    "community": {
        "ZZ-03": {"title": "换届选举情况（“公推直选”）",
                  "content": "换届选举工作安排，党员自荐、党员群众联名推荐和党组织推荐相结合的"
                             "候选人提名，候选人介绍，选举结果及上级党组织批复。"},
        "GB-01": {"title": "社区干部选任和后备干部人选（公示）",
                  "content": "社区“两委”干部补选、聘用和后备干部推荐人选的基本情况；选拔后备"
                             "干部事先征求全体党员意见，人选公示5个工作日。"},
        "GB-02": {"title": "社区工作者岗位调整和分工情况",
                  "content": "社区工作者岗位设置、分工调整和联系网格情况。"},
        "FW-01": {"title": "社区为民办实事项目公示",
                  "content": "社区为民办实事项目的确定（征求居民意见）、实施进度、资金使用和"
                             "完成情况。"},
    },
    "village": {
        "ZZ-03": {"title": "换届选举情况（“两推一选”）",
                  "content": "换届选举工作安排，党员推荐和群众推荐相结合的候选人提名，选举结果"
                             "及上级党组织批复。"},
        "GB-01": {"title": "村“两委”干部补选和后备力量培养情况（公示）",
                  "content": "村“两委”干部补选人选、村级后备力量的推荐和培养情况，人选公示5个"
                             "工作日。"},
        "GB-02": {"title": "村“两委”干部报酬、补贴和考核情况",
                  "content": "村“两委”干部的基本报酬、绩效补贴标准和年度考核结果。",
                  "public_audience": SOCIETY, "frequency": PERIODIC, "period": YEAR,
                  "due_days": 20,
                  "body_template": "| 姓名 | 职务 | 基本报酬（元） | 绩效补贴（元） | 考核等次 |\n"
                                   "| --- | --- | --- | --- | --- |\n|  |  |  |  |  |\n"},
        "FW-03": {"title": "党员联系农户和帮扶困难群众情况",
                  "content": "党员联系农户、结对帮扶困难群众和走访慰问的情况。"},
    },
    "school": {
        "GB-01": {"title": "中层干部选拔任用情况（任前公示）",
                  "content": "学校中层干部拟任人选的基本情况和拟任职务，任前公示5个工作日，"
                             "接受教职工监督。"},
        "GB-02": {"title": "中层干部轮岗交流情况",
                  "content": "学校中层干部轮岗交流的范围、人员和岗位调整情况。"},
    },
    "institution": {
        "BZ-03": {"title": "民主生活会和组织生活会召开及整改落实情况",
                  "content": "领导班子民主生活会和党支部组织生活会的主题、征求意见、查摆问题、"
                             "整改措施及落实情况。"},
        "GB-01": {"title": "中层干部选拔任用和岗位竞聘情况（任前公示）",
                  "content": "中层干部竞争上岗方案、拟任人选的基本情况和拟任职务，任前公示5个"
                             "工作日。"},
    },
    "enterprise": {
        "GB-01": {"title": "党组织负责人和党建指导员选派、调整情况",
                  "content": "党组织书记、委员的产生和调整，上级党组织选派党建指导员的情况。",
                  "duration": LONG, "display_days": None, "due_days": 10, "lead_days": 3},
        "GB-02": {"title": "“双培养”工作情况",
                  "content": "把生产经营骨干培养成党员、把党员培养成生产经营骨干的情况。",
                  "frequency": PERIODIC, "period": YEAR, "due_days": 20},
        "GB-03": None,
        "GB-04": None,
    },
    "social": {
        "GB-01": {"title": "党组织负责人选派和调整情况",
                  "content": "党组织书记、委员的产生和调整，上级党组织选派党建工作指导员的情况。",
                  "duration": LONG, "display_days": None, "due_days": 10, "lead_days": 3},
        "GB-02": {"title": "“双培养”工作情况",
                  "content": "把业务骨干培养成党员、把党员培养成业务骨干的情况。",
                  "frequency": PERIODIC, "period": YEAR, "due_days": 20},
        "GB-03": None,
        "GB-04": None,
    },
}

# Entries only one type has, numbered after the common ones of their category.
KIND_ENTRIES: dict[str, list[Entry]] = {
    "agency": [
        {"code": "JC-05", "title": "机关重大决策部署和重点工作落实情况",
         "content": "结合业务工作，公开机关重大决策的制定和落实情况、重点工作推进情况。",
         "body_template": DECISION},
        {"code": "FW-06", "title": "在职党员到社区报到服务情况",
         "content": "机关党组织和在职党员到社区报到、认领服务项目和参加志愿服务的情况。",
         "public_audience": SOCIETY, "frequency": PERIODIC, "period": HALF_YEAR,
         "due_days": 15},
        {"code": "LZ-05", "title": "机关作风建设和效能监督情况",
         "content": "机关作风建设措施、服务承诺、效能投诉受理和处理情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20},
    ],
    "community": [
        {"code": "JC-05", "title": "社区资产、资金、资源管理有关决策及执行情况",
         "content": "社区集体资产、资金、资源管理和使用的有关决策及执行情况。",
         "frequency": PERIODIC, "period": HALF_YEAR, "due_days": 15, "retention": YEARS_30,
         "body_template": "## 资金收支\n\n| 项目 | 收入（元） | 支出（元） | 决策依据 |\n"
                          "| --- | --- | --- | --- |\n|  |  |  |  |\n\n## 资产和资源\n\n"
                          "| 名称 | 数量 | 使用（出租）情况 | 收益（元） |\n"
                          "| --- | --- | --- | --- |\n|  |  |  |  |\n"},
        {"code": "JC-06", "title": "社区重大事项民主决策情况",
         "content": "发展党员、选拔后备干部、社区公益事业等重大事项决策前征求党员意见、党内"
                    "议事、听证和表决的过程及结果。",
         "due_days": 5, "body_template": DECISION},
        {"code": "FW-06", "title": "在职党员进社区报到和志愿服务情况",
         "content": "在职党员到社区报到、认领服务岗位和参加志愿服务的情况。",
         "frequency": PERIODIC, "period": HALF_YEAR, "due_days": 15},
        {"code": "FW-07", "title": "居民群众关心的热点难点问题办理情况",
         "content": "居民群众反映集中的热点难点问题及办理进展和结果。",
         "frequency": PERIODIC, "period": QUARTER, "due_days": 10, "body_template": OPINIONS},
        {"code": "LZ-05", "title": "社区党务监督小组监督情况",
         "content": "党务监督小组成员名单，对社区党务决策过程和执行情况的监督事项、发现的"
                    "问题和处理意见。",
         "frequency": PERIODIC, "period": HALF_YEAR, "due_days": 15,
         "body_template": "## 监督小组成员\n\n- 组长：\n- 成员：\n\n## 监督事项\n\n"
                          "| 事项 | 发现问题 | 处理意见 |\n| --- | --- | --- |\n|  |  |  |\n"},
    ],
    "village": [
        {"code": "JC-05", "title": "村集体“三资”（资金、资产、资源）管理情况",
         "content": "村集体资金收支、资产管理和处置、资源发包租赁等有关决策及执行情况。",
         "frequency": PERIODIC, "period": QUARTER, "due_days": 10, "retention": YEARS_30,
         "body_template": "## 资金\n\n| 项目 | 收入（元） | 支出（元） | 经办人 |\n"
                          "| --- | --- | --- | --- |\n|  |  |  |  |\n\n## 资产\n\n"
                          "| 名称 | 原值（元） | 变动情况 |\n| --- | --- | --- |\n|  |  |  |\n\n"
                          "## 资源\n\n| 名称 | 面积 | 承包（租赁）方 | 期限 | 年收益（元） |\n"
                          "| --- | --- | --- | --- | --- |\n|  |  |  |  |  |\n"},
        {"code": "JC-06", "title": "“四议两公开”决策事项",
         "content": "村级重大事项按村党组织提议、村“两委”会议商议、党员大会审议、村民代表"
                    "会议或村民会议决议的程序决策；决议公开，实施结果作为后续阶段公开。",
         "duration": SHORT, "display_days": 7, "due_days": 2, "lead_days": 0,
         "retention": YEARS_30,
         "body_template": "## 决策事项\n\n## 决策程序\n\n1. 村党组织提议（　月　日）\n"
                          "2. 村“两委”会议商议（　月　日）\n3. 党员大会审议（　月　日）\n"
                          "4. 村民代表会议决议（　月　日）\n\n## 决议内容\n\n"
                          "## 实施结果\n\n（实施完成后公开）\n"},
        {"code": "ZZ-09", "title": "流动党员管理情况",
         "content": "外出流动党员的去向、联系方式落实和参加组织生活的情况。",
         "public_audience": NONE, "frequency": PERIODIC, "period": YEAR, "due_days": 20,
         "lead_days": 0},
        {"code": "FW-06", "title": "惠民政策落实情况公示",
         "content": "最低生活保障、临时救助、各类补贴等惠民政策的对象和标准，公示7个工作日。",
         "duration": SHORT, "display_days": 7, "due_days": 5, "lead_days": 0,
         "body_template": "| 项目 | 对象 | 标准（元） | 依据 |\n| --- | --- | --- | --- |\n"
                          "|  |  |  |  |\n"},
        {"code": "LZ-05", "title": "村务监督委员会监督和村级“小微权力”运行情况",
         "content": "村级“小微权力”清单、运行流程，村务监督委员会的监督事项和意见。",
         "frequency": PERIODIC, "period": HALF_YEAR, "due_days": 15},
    ],
    "school": [
        {"code": "JC-05", "title": "学校重大事项决策情况",
         "content": "学校发展规划、重大改革和重要制度等事项经党组织会议研究决定和执行的情况。",
         "body_template": DECISION},
        {"code": "SX-04", "title": "师德师风建设情况",
         "content": "师德师风建设制度、教育活动、师德考核评价和违规行为处理情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20},
        {"code": "SX-05", "title": "学生思想政治教育和意识形态工作情况",
         "content": "学生思想政治教育安排、课程思政和意识形态工作责任制落实情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20},
        {"code": "FW-06", "title": "服务师生和家校沟通情况",
         "content": "听取师生和家长意见建议、帮扶困难师生和家校沟通渠道的情况。",
         "frequency": PERIODIC, "period": HALF_YEAR, "due_days": 15, "body_template": OPINIONS},
        {"code": "LZ-05", "title": "招生、收费、采购等重点领域廉洁风险防控情况",
         "content": "招生录取、收费项目和标准、物资采购等群众关注领域的制度和廉洁风险防控措施。",
         "public_audience": SOCIETY, "frequency": PERIODIC, "period": YEAR, "due_days": 20},
    ],
    "institution": [
        {"code": "JC-05", "title": "业务工作重大决策制定和落实情况",
         "content": "结合业务工作，公开单位重大决策和上级重大决策在本单位的制定和落实情况。",
         "public_audience": SOCIETY, "body_template": DECISION},
        {"code": "SX-04", "title": "职业道德建设和职工思想政治工作情况",
         "content": "职业道德教育、行风建设和职工思想政治工作的安排及成效。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20},
        {"code": "FW-06", "title": "办事公开和服务承诺落实情况",
         "content": "办事依据、办事程序、收费标准和服务承诺，及其落实和群众评价情况。",
         "public_audience": SOCIETY, "due_days": 5, "body_template": GUIDE},
        {"code": "LZ-05", "title": "“三重一大”事项集体决策制度执行情况",
         "content": "重大事项决策、重要干部任免、重大项目安排和大额资金使用实行集体决策的"
                    "情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20},
    ],
    "enterprise": [
        {"code": "JC-05", "title": "党组织围绕生产经营开展工作情况",
         "content": "党组织参与企业重大问题决策、推动企业发展和引导企业守法经营的情况。",
         "frequency": PERIODIC, "period": HALF_YEAR, "due_days": 15},
        {"code": "SX-04", "title": "职工思想政治工作和企业文化建设情况",
         "content": "职工思想政治工作、企业文化建设和党员先锋岗活动情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20},
        {"code": "ZZ-09", "title": "党组织活动场所和活动经费保障情况",
         "content": "党组织活动场所和活动经费的来源、数额和使用情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20, "retention": YEARS_30,
         "body_template": FUNDS_AND_PLACE},
        {"code": "BZ-05", "title": "党组织班子成员与企业管理层“双向进入、交叉任职”情况",
         "content": "党组织班子成员进入企业管理层、企业管理人员中的党员进入党组织班子的情况。",
         "body_template": LEADERSHIP},
        {"code": "FW-06", "title": "维护职工合法权益和关心关爱职工情况",
         "content": "党组织协调劳动关系、维护职工合法权益、帮扶困难职工的情况。",
         "frequency": PERIODIC, "period": HALF_YEAR, "due_days": 15},
        {"code": "LZ-05", "title": "诚信经营和廉洁从业情况",
         "content": "党组织推动企业诚信经营、党员廉洁从业的措施和情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20},
    ],
    "social": [
        {"code": "JC-05", "title": "党组织对重大事项政治把关情况",
         "content": "党组织对社会组织重要事项决策、重要业务活动、大额经费开支、接收大额捐赠"
                    "和开展涉外活动等进行政治把关的情况。",
         "body_template": DECISION},
        {"code": "SX-04", "title": "从业人员思想政治工作情况",
         "content": "从业人员思想政治教育、职业道德建设和党员示范岗活动情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20},
        {"code": "ZZ-09", "title": "党组织活动场所和活动经费保障情况",
         "content": "党组织活动场所和活动经费的来源、数额和使用情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20, "retention": YEARS_30,
         "body_template": FUNDS_AND_PLACE},
        {"code": "BZ-05", "title": "党组织负责人与管理层交叉任职情况",
         "content": "党组织负责人与社会组织理事会、管理层成员交叉任职的情况。",
         "body_template": LEADERSHIP},
        {"code": "FW-06", "title": "服务会员、服务社会和公益活动开展情况",
         "content": "党组织引领社会组织服务会员、服务社会和开展公益活动的情况。",
         "public_audience": SOCIETY, "frequency": PERIODIC, "period": HALF_YEAR,
         "due_days": 15},
        {"code": "LZ-05", "title": "诚信自律和财务公开情况",
         "content": "党组织推动社会组织诚信自律、规范财务管理和依法公开信息的情况。",
         "frequency": PERIODIC, "period": YEAR, "due_days": 20},
    ],
}

# ---------------------------------------------------------------------------------------
# The issuer's own catalog: the committee discloses its own affairs to the members of its
# whole subtree, and beyond the party as the plan asks.

OWN_ENTRIES: list[Entry] = [
    {"code": "JC-01", "title": "年度工作计划、党务公开实施方案和工作总结",
     "content": "本级党组织年度工作要点、年度党务公开实施方案（目标任务、公开内容、程序、"
                "工作步骤）和上一年度工作总结。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "frequency": PERIODIC,
     "period": YEAR, "due_days": 30, "lead_days": 5, "retention": YEARS_30,
     "body_template": "## 年度工作要点\n\n1. \n\n## 党务公开实施方案\n\n- 目标任务：\n"
                      "- 公开内容：\n- 公开程序：制定目录、实施公开、收集反馈、归档管理\n"
                      "- 工作步骤：动员部署、组织实施、检查深化\n\n## 上年度工作总结\n\n"},
    {"code": "JC-02", "title": "党委（党工委）会议决议、决定及执行情况",
     "content": "党委（党工委）会议研究的重要事项、作出的决议决定和执行情况。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "due_days": 7,
     "retention": YEARS_30, "body_template": DECISION},
    {"code": "JC-03", "title": "贯彻落实上级决策部署情况",
     "content": "贯彻落实上级党组织决议、决定和工作部署的措施及进展。",
     "party_audience": SUBTREE},
    {"code": "JC-04", "title": "任期工作目标及完成情况",
     "content": "本届党委（党工委）任期工作目标、年度分解任务和完成情况。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "due_days": 15,
     "retention": YEARS_30},
    {"code": "SX-01", "title": "理论学习中心组学习计划及落实情况",
     "content": "党委（党工委）理论学习中心组年度学习计划、专题学习和落实情况。",
     "party_audience": SUBTREE, "frequency": PERIODIC, "period": YEAR, "due_days": 30,
     "body_template": STUDY_PLAN},
    {"code": "SX-02", "title": "党员和党务干部教育培训计划及落实情况",
     "content": "党员冬春训、党务干部业务培训和基层党组织书记轮训的计划及完成情况。",
     "party_audience": SUBTREE, "frequency": PERIODIC, "period": YEAR, "due_days": 20,
     "body_template": TRAINING},
    {"code": "ZZ-01", "title": "党费收缴、管理和使用情况",
     "content": "所属党组织党费收缴汇总、上缴上级和留存党费的管理使用情况。",
     "party_audience": SUBTREE, "public_audience": NONE, "frequency": PERIODIC,
     "period": HALF_YEAR, "due_days": 15, "lead_days": 0, "retention": YEARS_30,
     "body_template": DUES},
    {"code": "ZZ-02", "title": "发展党员计划和审批情况（公示）",
     "content": "年度发展党员计划，审批发展对象、接收预备党员和预备党员转正的情况，"
                "公示5个工作日。",
     "party_audience": SUBTREE, "duration": SHORT, "display_days": 5, "due_days": 3,
     "lead_days": 0, "retention": YEARS_30, "body_template": RECRUITMENT},
    {"code": "ZZ-03", "title": "基层党组织设置调整和换届选举批复",
     "content": "所属基层党组织的成立、撤销、调整和换届选举的批复。",
     "party_audience": SUBTREE, "due_days": 5, "retention": PERMANENT},
    {"code": "ZZ-04", "title": "基层党组织书记抓党建工作述职评议考核结果",
     "content": "所属基层党组织书记抓党建工作述职评议的组织方式和考核结果。",
     "party_audience": SUBTREE, "frequency": PERIODIC, "period": YEAR, "due_days": 30,
     "body_template": ASSESSMENT},
    {"code": "ZZ-05", "title": "党务工作经费和党建活动经费管理使用情况",
     "content": "本级党务工作经费和下拨基层党组织党建活动经费的预算、分配和使用情况。",
     "party_audience": SUBTREE, "frequency": PERIODIC, "period": YEAR, "due_days": 20,
     "retention": YEARS_30, "body_template": PARTY_WORK_FUNDS},
    {"code": "ZZ-06", "title": "“两优一先”评选表彰情况（公示）",
     "content": "优秀共产党员、优秀党务工作者和先进基层党组织的推荐人选和表彰决定，"
                "公示5个工作日。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "duration": SHORT,
     "display_days": 5, "due_days": 5, "lead_days": 0, "body_template": COMMENDATION},
    {"code": "BZ-01", "title": "组织设置和班子成员分工",
     "content": "党委（党工委）的设置、主要职能、工作机构，班子成员名单及其职责分工。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "retention": PERMANENT,
     "body_template": LEADERSHIP},
    {"code": "BZ-02", "title": "议事规则和“三重一大”集体决策制度",
     "content": "党委（党工委）议事规则、决策程序和“三重一大”事项集体决策制度。",
     "party_audience": SUBTREE, "body_template": RULES},
    {"code": "BZ-03", "title": "民主生活会召开及整改落实情况",
     "content": "领导班子民主生活会的主题、征求意见、对照检查和整改措施及落实情况。",
     "party_audience": SUBTREE, "frequency": PERIODIC, "period": YEAR, "due_days": 20,
     "body_template": MEETING_RECTIFICATION},
    {"code": "BZ-04", "title": "领导班子和班子成员年度考核评价情况",
     "content": "领导班子和班子成员年度考核评价结果，在班子成员范围内公开。",
     "party_audience": RANGE, "range_leadership": True, "public_audience": NONE,
     "frequency": PERIODIC, "period": YEAR, "due_days": 30, "lead_days": 0,
     "body_template": ASSESSMENT},
    {"code": "GB-01", "title": "干部选拔任用情况（任前公示）",
     "content": "拟提拔任用干部的基本情况和拟任职务，任前公示5个工作日，公示期间接受干部"
                "群众监督。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "duration": SHORT,
     "display_days": 5, "due_days": 3, "lead_days": 0, "retention": PERMANENT,
     "body_template": APPOINTMENT},
    {"code": "GB-02", "title": "干部轮岗交流和考核奖惩情况",
     "content": "干部轮岗交流、年度考核和表彰奖励、问责处理的情况。",
     "party_audience": SUBTREE, "retention": YEARS_30},
    {"code": "GB-03", "title": "选人用人工作“一报告两评议”情况",
     "content": "年度选人用人工作情况报告，对选人用人工作和新提拔干部的民主评议结果，"
                "在班子成员和党员领导干部范围内公开。",
     "party_audience": RANGE, "range_leadership": True, "range_cadres": True,
     "public_audience": NONE, "frequency": PERIODIC, "period": YEAR, "due_days": 30,
     "lead_days": 0, "retention": YEARS_30},
    {"code": "FW-01", "title": "为民办实事项目公示",
     "content": "党委（党工委）为民办实事项目的确定、实施进度、资金使用和完成情况。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "duration": SHORT,
     "display_days": 20, "due_days": 7, "lead_days": 1, "body_template": SERVICE_PROJECTS},
    {"code": "FW-02", "title": "党员群众来信来访和意见建议办理情况",
     "content": "受理党员群众来信来访、意见建议的数量、类型和办理结果。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "frequency": PERIODIC,
     "period": QUARTER, "due_days": 10, "body_template": OPINIONS},
    {"code": "FW-03", "title": "党务公开服务窗口和党员服务事项办事指南",
     "content": "党务公开服务中心（窗口）的地点、时间，党员服务事项的办事程序和所需材料。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "due_days": 5, "lead_days": 0,
     "body_template": GUIDE},
    {"code": "LZ-01", "title": "党风廉政建设责任制和“一岗双责”落实情况",
     "content": "党风廉政建设责任分解、班子成员“一岗双责”落实和责任制检查考核情况。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "frequency": PERIODIC,
     "period": YEAR, "due_days": 20, "body_template": RESPONSIBILITY},
    {"code": "LZ-02", "title": "党务公开承诺、廉政承诺和践诺情况",
     "content": "党委（党工委）及其主要负责人对实行党务公开和廉洁自律作出的公开承诺及"
                "践诺情况。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "frequency": PERIODIC,
     "period": YEAR, "due_days": 15, "body_template": PLEDGE},
    {"code": "LZ-03", "title": "违纪党员处理情况",
     "content": "所属党员违反党纪受到处分的情况和处理依据（按规定不宜公开的除外）。",
     "party_audience": SUBTREE, "public_audience": NONE, "lead_days": 0,
     "retention": PERMANENT, "body_template": DISCIPLINE},
    {"code": "QT-01", "title": "党务公开目录及其变更、撤销、终止情况",
     "content": "本级制定的党务公开目录，目录外事项的审核，公开事项变更、撤销或终止的批准"
                "和说明。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "due_days": 5, "lead_days": 0,
     "retention": PERMANENT},
    {"code": "QT-02", "title": "基层党组织党务公开监督检查和评议结果",
     "content": "对所属基层党组织党务公开工作的监督检查、党员群众评议结果和限期整改情况。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "frequency": PERIODIC,
     "period": YEAR, "due_days": 20, "body_template": EVALUATION},
    {"code": "QT-03", "title": "党务公开工作领导小组及监督电话",
     "content": "党务公开工作领导小组及其办公室的组成、职责分工和监督电话。",
     "party_audience": SUBTREE, "public_audience": SOCIETY, "due_days": 5, "lead_days": 0,
     "body_template": "## 领导小组\n\n- 组长：\n- 副组长：\n- 成员：\n\n## 办公室\n\n"
                      "- 主任：\n- 设在：\n\n## 监督电话\n\n"},
]

# ---------------------------------------------------------------------------------------

_CATEGORY_OF_PREFIX = {prefix: category for category, prefix in CATEGORY_CODES.items()}
_CATEGORY_ORDER = {category: n for n, category in enumerate(Category.values)}


def category_of(code: str) -> str:
    """Return the category of an entry code, e.g. "organization" for "ZZ-01"."""
    return str(_CATEGORY_OF_PREFIX[code.split("-")[0]])


def raw_entries(key: str) -> list[Entry]:
    """Return the entries of one catalog (an organization type or ``OWN``) as written
    above: the common ones with the type's changes, then its own."""
    if key == OWN:
        return list(OWN_ENTRIES)
    changes = KIND_CHANGES.get(key, {})
    entries = []
    for entry in COMMON:
        change = changes.get(entry["code"], {})
        if change is not None:
            entries.append({**entry, **change})
    return entries + KIND_ENTRIES.get(key, [])


def entries_for(key: str) -> list[Entry]:
    """Return the complete field values of each entry of one catalog, in catalog order
    (category, then code), ready for ``CatalogEntry(catalog=..., **values)``."""
    if key not in CATALOG_KEYS:
        raise ValueError(f"no default catalog for {key!r}")
    complete = []
    for entry in raw_entries(key):
        values = {**ENTRY_DEFAULTS, **entry, "category": category_of(entry["code"])}
        if values["public_audience"] == PEOPLE:
            values["public_audience"] = PEOPLE_OF_KIND[key]
        if "carriers" not in entry:
            values["carriers"] = list(PARTY_ONLY_CARRIERS if values["public_audience"] == NONE
                                      else CARRIERS_OF_KIND[key])
        complete.append(values)
    complete.sort(key=lambda v: (_CATEGORY_ORDER[v["category"]], v["code"]))
    for order, values in enumerate(complete, start=1):
        values["order"] = order * 10
    return complete
