"""The catalogue the community seeder draws from: places, categories and list wording.

Streets and communities are Chancheng's own where the articles name them (湖景, 鸿翔, 怡景,
铁军, 智城, 河畔 ...), topped up with neighbouring names for larger scales. The service
categories are the three sources' sets, worded as the articles word them.
"""

from __future__ import annotations

from datasources.community.models import CategorySource, StreetKind

# (street, kind, its communities in the order a small scale takes them)
STREETS = (
    ("石湾镇街道", StreetKind.STREET, (
        "湖景", "鸿翔", "怡景", "玫瑰", "丽豪", "福华", "榴苑", "文华", "依云", "丽银", "东平",
        "金子苑", "绿景", "江滨", "平远", "环湖", "东风",
    )),
    ("祖庙街道", StreetKind.STREET, (
        "铁军", "新城", "鄱阳", "升平", "普君", "兆祥", "同济", "嘉禾", "垂虹", "文沙", "石路",
        "莲峰",
    )),
    ("张槎街道", StreetKind.STREET, (
        "智城", "大富", "莲塘", "海口", "江湾", "张槎", "上朗", "下朗", "沙口",
    )),
    ("南庄镇", StreetKind.TOWN, (
        "河畔", "紫洞", "吉利", "罗南", "南庄", "溶洲", "堤田", "杏头", "梧村",
    )),
    ("澜石街道", StreetKind.STREET, (
        "澜石", "深村", "石头", "黎涌", "金澜", "奇槎", "亨龙", "南浦",
    )),
    ("环市街道", StreetKind.STREET, (
        "环市", "朝阳", "康乐", "和平", "惠景", "华远", "季华", "建新",
    )),
    ("城南街道", StreetKind.STREET, (
        "城南", "弼塘", "东华", "庆丰", "学苑", "金泰", "隆山", "磐龙湖",
    )),
    ("城北街道", StreetKind.STREET, (
        "城北", "北胜", "福禄", "宝湖", "东门", "章华", "马家台", "文化路",
    )),
)  # fmt: skip

# Compound names: commercial estates are word + word + suffix, old ones are named after the
# work unit that built them (建材宿舍, 种子公司宿舍 in Xiaogan's 文化路).
ESTATE_HEADS = "金碧华翠怡丽锦御东南海江湖绿凯宏嘉荣盛富雅明新恒君星天云佳康"
ESTATE_TAILS = "景苑城庭湾轩峰园府都汇悦馨岸晖逸湖山璟瑞"
ESTATE_SUFFIXES = ("花园", "小区", "苑", "家园", "新村", "名苑", "雅居", "豪庭", "广场", "公寓")
OLD_BUILDERS = (
    "陶瓷一厂", "陶瓷二厂", "建材公司", "种子公司", "燃料公司", "粮食局", "供电局", "纺织厂",
    "电机厂", "化工厂", "塑料厂", "食品公司", "五金厂", "玻璃厂", "印染厂", "物资公司",
    "交通局", "水泥厂", "制药厂", "电子厂", "汽修厂", "供销社", "工艺厂", "搪瓷厂", "酒厂",
)  # fmt: skip
OLD_SUFFIXES = ("宿舍", "小区", "宿舍区", "大院", "生活区")

PROPERTY_WORDS = (
    "石湾", "绿景", "华远", "怡翠", "金城", "凯德", "新城", "汾江", "季华", "嘉信", "美居",
    "宏璟", "安居", "和悦", "锦华", "南海", "雅居", "星城", "宇辉", "城投", "岭南", "陶都",
    "鸿翔", "湖景", "东方", "万家", "盈信", "恒安", "富华", "荣兴", "联众", "明珠", "金沙",
    "佳宁", "华业", "顺景", "禅信", "祥和", "创美", "乐居", "碧翠", "尚居", "海逸", "南天",
    "广厦", "永安", "新景", "君悦", "汇丰", "锦绣", "福地", "新兴", "宝华", "丰泽", "天瑞",
    "金澜", "同创", "和美", "置信", "馨园", "康城", "鹏程", "悦华", "银河",
)  # fmt: skip
PROPERTY_FORMS = (
    "佛山市{}物业管理有限公司",
    "广东{}物业服务有限公司",
    "佛山市禅城区{}物业服务有限公司",
)

# (code, name, description) per source; sort_order follows the articles' order.
CATEGORIES: dict[CategorySource, tuple[tuple[str, str, str], ...]] = {
    CategorySource.CHANCHENG: (
        ("chancheng.epidemic", "疫情防控", "禅城社区报到十类服务事项之一"),
        ("chancheng.poverty_relief", "扶贫助困", "禅城社区报到十类服务事项之一"),
        ("chancheng.clean_homes", "洁净家园", "禅城社区报到十类服务事项之一"),
        ("chancheng.safety_patrol", "守护平安", "禅城社区报到十类服务事项之一"),
        ("chancheng.civilised_travel", "文明出行", "禅城社区报到十类服务事项之一"),
        ("chancheng.neighbourly_harmony", "和睦邻里", "禅城社区报到十类服务事项之一"),
        ("chancheng.culture_sports", "文体活动", "禅城社区报到十类服务事项之一"),
        ("chancheng.co_building", "社区共建", "禅城社区报到十类服务事项之一"),
        ("chancheng.co_governance", "社区共治", "禅城社区报到十类服务事项之一"),
        ("chancheng.co_sharing", "社区共享", "禅城社区报到十类服务事项之一"),
    ),
    CategorySource.QIANJIANG: (
        ("qianjiang.party_building", "基层党建引领岗", "潜江十类岗位清单之一"),
        ("qianjiang.epidemic", "疫情常态防控岗", "潜江十类岗位清单之一"),
        ("qianjiang.policy_promotion", "政策法规宣传岗", "潜江十类岗位清单之一"),
        ("qianjiang.convenience", "生活便民服务岗", "潜江十类岗位清单之一"),
        ("qianjiang.culture_sports", "公共文体娱乐岗", "潜江十类岗位清单之一"),
        ("qianjiang.opinion_collection", "社情民意收集岗", "潜江十类岗位清单之一"),
        ("qianjiang.dispute_mediation", "邻里矛盾调解岗", "潜江十类岗位清单之一"),
        ("qianjiang.civilised_city", "创文创卫活动岗", "潜江十类岗位清单之一"),
        ("qianjiang.neighbourhood_watch", "邻里守望帮扶岗", "潜江十类岗位清单之一"),
        ("qianjiang.central_tasks", "中心任务推进岗", "潜江十类岗位清单之一"),
    ),
    CategorySource.JUNAN: (
        ("junan.self_governance", "居民自治", "莒南七类社区志愿服务岗位之一"),
        ("junan.education", "教育培训", "莒南七类社区志愿服务岗位之一"),
        ("junan.elderly_children", "助老扶幼", "莒南七类社区志愿服务岗位之一"),
        ("junan.environment", "环境提升", "莒南七类社区志愿服务岗位之一"),
        ("junan.caring", "爱心关怀", "莒南七类社区志愿服务岗位之一"),
        ("junan.convenience", "便民利民", "莒南七类社区志愿服务岗位之一"),
        ("junan.warm_heart", "精准暖心", "莒南七类社区志愿服务岗位之一"),
    ),
}

# Where a skill is most useful: the category a member's resource entry is filed under.
SKILL_CATEGORY = {
    "医疗救护": "chancheng.epidemic", "法律咨询": "qianjiang.policy_promotion",
    "心理疏导": "junan.caring", "水电维修": "junan.convenience",
    "文艺表演": "chancheng.culture_sports", "书法": "chancheng.culture_sports",
    "政策宣讲": "qianjiang.policy_promotion", "摄影": "chancheng.co_sharing",
    "计算机": "junan.education", "驾驶": "qianjiang.convenience",
    "调解纠纷": "qianjiang.dispute_mediation", "教育辅导": "junan.education",
    "家电维修": "junan.convenience", "理发": "junan.warm_heart", "烹饪": "chancheng.co_sharing",
    "外语翻译": "junan.education", "财务会计": "chancheng.co_governance",
    "体育健身": "qianjiang.culture_sports", "消防安全": "chancheng.safety_patrol",
    "垃圾分类指导": "chancheng.clean_homes",
}  # fmt: skip

# (title, category code) of what residents ask for.
DEMANDS = (
    ("独居老人定期探访", "junan.elderly_children"),
    ("楼道杂物清理", "chancheng.clean_homes"),
    ("加装电梯意见协调", "qianjiang.dispute_mediation"),
    ("留守儿童课后辅导", "junan.education"),
    ("电动车飞线充电劝导", "chancheng.safety_patrol"),
    ("共享单车乱停放整治", "chancheng.civilised_travel"),
    ("困难家庭节日慰问", "chancheng.poverty_relief"),
    ("小区白蚁防治", "chancheng.clean_homes"),
    ("退休老人养老认证协助", "junan.warm_heart"),
    ("化粪池下水疏通", "junan.environment"),
    ("缺少健身活动场地", "chancheng.culture_sports"),
    ("登革热蚊媒消杀", "chancheng.epidemic"),
    ("业主与物业矛盾调处", "qianjiang.dispute_mediation"),
    ("老旧小区车棚改造", "chancheng.co_building"),
    ("残疾人代购代办", "junan.caring"),
    ("垃圾分类屋设置", "junan.environment"),
    ("占道经营劝导", "qianjiang.civilised_city"),
    ("居民议事会组织", "junan.self_governance"),
)

# (title, category code, target) of what the community offers.
SERVICES = (
    ("上门理发", "junan.warm_heart", "行动不便老人"),
    ("义诊进小区", "chancheng.epidemic", "社区居民"),
    ("四点半课堂", "junan.education", "双职工家庭子女"),
    ("法律咨询微课堂", "qianjiang.policy_promotion", "社区居民"),
    ("防诈骗宣传", "qianjiang.policy_promotion", "老年居民"),
    ("心理疏导热线", "junan.caring", "困难群众"),
    ("家电义务维修", "junan.convenience", "社区居民"),
    ("长者饭堂助餐", "junan.elderly_children", "独居老人"),
    ("周末环境整治", "chancheng.clean_homes", "社区居民"),
    ("夜间平安巡防", "chancheng.safety_patrol", "小区住户"),
    ("书法兴趣班", "chancheng.culture_sports", "青少年"),
    ("政策宣讲进楼栋", "qianjiang.party_building", "楼栋居民"),
    ("微心愿认领", "chancheng.poverty_relief", "困难家庭"),
    ("共享小屋开放日", "chancheng.co_sharing", "社区居民"),
)

RESOURCE_TAILS = ("志愿服务", "（每周六上午）", "（晚上可约）", "上门服务", "微课堂")
UNIT_RESOURCES = (
    ("会议室及活动场地开放", "chancheng.co_sharing"), ("单位志愿服务队", "chancheng.co_building"),
    ("专业人员进社区", "qianjiang.convenience"), ("捐赠防疫物资", "chancheng.epidemic"),
    ("结对帮扶困难家庭", "chancheng.poverty_relief"),
)  # fmt: skip

ALLIANCE_THEMES = (
    "陶都红",
    "岭南先锋",
    "共享家园",
    "红色物业",
    "平安共建",
    "文明城市",
    "近邻",
    "同心圆",
)
ORGANISATIONS = (
    "佛山市陶瓷行业协会", "禅城区青年商会", "禅城区个体劳动者协会", "佛山市义工联合会禅城分会",
    "禅城区物业管理行业党委", "石湾公园管理处", "禅城区慈善会", "禅城区老年人协会",
)  # fmt: skip

PROJECTS = (
    "加装电梯协调", "老旧小区微改造", "红色驿站建设", "三无小区垃圾清运", "消防设施改造",
    "儿童之家建设", "长者饭堂运营", "共享小屋改造", "法律咨询微课堂", "义诊进社区",
    "化粪池下水疏通", "车棚改造", "四点半课堂", "小区党群服务站", "楼道照明改造",
)  # fmt: skip
