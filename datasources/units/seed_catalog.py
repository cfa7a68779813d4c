"""The catalogue the unit seeder draws from: real-sounding Foshan / Chancheng work units.

Names follow the articles' examples (佛山市禅城区人民法院, 禅城区教育局, 佛山供电局石湾供电所,
禅城区第一人民医院). Each unit carries a sector, which steers its members' job titles and
skills (a hospital's members know first aid, a court's know the law).
"""

from __future__ import annotations

from dataclasses import dataclass

from datasources.units.models import UnitKind, UnitLevel


@dataclass(frozen=True, slots=True)
class UnitTemplate:
    name: str
    kind: UnitKind
    level: UnitLevel
    sector: str


# Towns and streets of the district, as units name their local offices.
TOWNS = (("祖庙", "祖庙街道"), ("石湾", "石湾镇街道"), ("张槎", "张槎街道"), ("南庄", "南庄镇"))

_CITY_AGENCIES = {
    "law": ("佛山市中级人民法院", "佛山市人民检察院", "佛山市司法局"),
    "health": ("佛山市卫生健康局", "佛山市医疗保障局"),
    "education": ("佛山市教育局",),
    "finance": ("佛山市财政局", "佛山市审计局", "佛山市统计局"),
    "social": (
        "佛山市民政局", "佛山市人力资源和社会保障局", "佛山市退役军人事务局", "共青团佛山市委员会",
        "佛山市妇女联合会", "佛山市总工会", "佛山市残疾人联合会",
    ),
    "culture": ("中共佛山市委宣传部", "佛山市文化广电旅游体育局"),
    "tech": ("佛山市科学技术局", "佛山市工业和信息化局", "佛山市政务服务和数据管理局"),
    "police": ("佛山市公安局", "佛山市应急管理局"),
    "general": (
        "中共佛山市委办公室", "佛山市人民政府办公室", "佛山市人大常委会办公室", "佛山市政协办公室",
        "中共佛山市委组织部", "佛山市发展和改革局", "佛山市自然资源局", "佛山市生态环境局",
        "佛山市住房和城乡建设局", "佛山市交通运输局", "佛山市水利局", "佛山市商务局",
        "佛山市市场监督管理局", "佛山市城市管理和综合执法局", "佛山市农业农村局",
    ),
}  # fmt: skip

_DISTRICT_AGENCIES = {
    "law": (
        "佛山市禅城区人民法院", "佛山市禅城区人民检察院", "禅城区司法局",
        "中共佛山市禅城区委政法委员会",
    ),
    "health": ("禅城区卫生健康局",),
    "education": ("禅城区教育局",),
    "finance": (
        "禅城区财政局", "禅城区审计局", "禅城区统计局", "国家税务总局佛山市禅城区税务局",
    ),
    "social": (
        "禅城区民政局", "禅城区人力资源和社会保障局", "禅城区退役军人事务局", "禅城区信访局",
        "共青团佛山市禅城区委员会", "禅城区妇女联合会", "禅城区总工会", "禅城区残疾人联合会",
    ),
    "culture": ("中共佛山市禅城区委宣传部", "禅城区文化广电旅游体育局"),
    "tech": ("禅城区经济和科技促进局", "禅城区政务服务数据管理局"),
    "police": ("佛山市公安局禅城分局", "禅城区应急管理局"),
    "general": (
        "中共佛山市禅城区委办公室", "禅城区人民政府办公室", "禅城区人大常委会办公室",
        "禅城区政协办公室", "中共佛山市禅城区委组织部", "佛山市禅城区纪律检查委员会",
        "禅城区发展和改革局",
        "禅城区住房城乡建设和水利局", "禅城区城市管理和综合执法局", "禅城区农业农村局",
        "禅城区机关事务管理局", "佛山市禅城区市场监督管理局", "佛山市生态环境局禅城分局",
        "佛山市自然资源局禅城分局",
    ),
}  # fmt: skip

_CITY_INSTITUTIONS = {
    "health": (
        "佛山市第一人民医院", "佛山市第二人民医院", "佛山市第三人民医院", "佛山市中医院",
        "佛山市妇幼保健院",
    ),
    "education": (
        "佛山市第一中学", "佛山市第三中学", "佛山市第十四中学", "佛山科学技术学院",
        "佛山职业技术学院",
    ),
    "culture": ("佛山市图书馆", "佛山市祖庙博物馆", "佛山市广播电视台"),
    "general": ("佛山市住房公积金管理中心",),
}  # fmt: skip

_DISTRICT_INSTITUTIONS = {
    "health": (
        "禅城区第一人民医院", "禅城区中心医院", "禅城区妇幼保健院", "禅城区疾病预防控制中心",
    ),
    "culture": ("禅城区图书馆", "禅城区文化馆"),
    "law": ("佛山市禅城区公证处",),
    "social": ("禅城区社会福利中心", "禅城区社会保险基金管理中心"),
    "general": ("禅城区不动产登记中心", "禅城区公共资源交易中心"),
}  # fmt: skip

# Schools are named after the neighbourhood they serve.
_SCHOOL_PLACES = (
    "石湾", "张槎", "南庄", "澜石", "东鄱", "鄱阳", "绿景", "惠景", "文华", "元甲", "同济",
    "江湾", "城南", "环湖", "湖景", "怡翠", "南浦", "弼塘", "季华", "朝安", "莲峰", "紫洞",
    "罗格", "深村", "黎涌", "奇槎", "大富", "下朗",
)  # fmt: skip
_SCHOOL_KINDS = ("小学", "中学", "幼儿园")

_STATE_ENTERPRISES = {
    "utility": (
        "广东电网有限责任公司佛山供电局", "佛山水业集团有限公司", "佛山燃气集团股份有限公司",
        "佛山市禅城区供水有限公司",
    ),
    "finance": (
        "中国工商银行佛山禅城支行", "中国建设银行佛山分行营业部", "中国农业银行佛山禅城支行",
        "中国银行佛山禅城支行", "中国人寿保险股份有限公司佛山分公司",
        "中国人民财产保险股份有限公司佛山市分公司",
    ),
    "tech": ("中国移动佛山分公司", "中国电信佛山分公司", "中国联通佛山分公司"),
    "general": (
        "佛山市公共交通集团有限公司", "佛山市建设发展集团有限公司",
        "中国邮政集团有限公司佛山市分公司", "佛山市铁路投资建设集团有限公司",
        "中国石化广东佛山石油分公司", "佛山市投资控股集团有限公司",
    ),
}  # fmt: skip

# "Two new" organisations: private firms and social organisations with Party branches.
_TWO_NEW_WORDS = (
    "岭南",
    "华禅",
    "智城",
    "陶都",
    "汾江",
    "季华",
    "南风",
    "鸿盛",
    "瑞丰",
    "嘉信",
    "恒泰",
    "众和",
    "盈科",
    "百川",
    "创源",
    "安达",
    "广信",
    "德润",
    "骏驰",
    "明德",
    "益民",
    "正和",
    "锦程",
    "远航",
)
_TWO_NEW_FORMS = (
    ("广东{}律师事务所", "law"),
    ("佛山市{}科技有限公司", "tech"),
    ("佛山市{}陶瓷有限公司", "general"),
    ("佛山市禅城区{}社会工作服务中心", "social"),
    ("佛山{}会计师事务所", "finance"),
    ("佛山市{}物流有限公司", "general"),
    ("佛山市{}建筑工程有限公司", "general"),
)  # fmt: skip

# The share of each kind when the pools allow it (agencies run out first at district scale).
KIND_WEIGHTS = {
    UnitKind.AGENCY: 0.42,
    UnitKind.PUBLIC_INSTITUTION: 0.36,
    UnitKind.STATE_ENTERPRISE: 0.13,
    UnitKind.TWO_NEW: 0.09,
}


def _from_groups(
    groups: dict[str, tuple[str, ...]], kind: UnitKind, level: UnitLevel
) -> list[UnitTemplate]:
    return [
        UnitTemplate(name, kind, level, sector)
        for sector, names in groups.items()
        for name in names
    ]


def _town_units(short: str, full: str) -> list[UnitTemplate]:
    office = "人民政府" if full.endswith("镇") else "办事处"
    town, agency, pub, ent = (
        UnitLevel.TOWN,
        UnitKind.AGENCY,
        UnitKind.PUBLIC_INSTITUTION,
        UnitKind.STATE_ENTERPRISE,
    )
    return [
        UnitTemplate(f"禅城区{full}{office}", agency, town, "general"),
        UnitTemplate(f"佛山市公安局禅城分局{short}派出所", agency, town, "police"),
        UnitTemplate(f"禅城区{full}司法所", agency, town, "law"),
        UnitTemplate(f"禅城区{full}综合行政执法办公室", agency, town, "general"),
        UnitTemplate(f"国家税务总局佛山市禅城区税务局{short}税务分局", agency, town, "finance"),
        UnitTemplate(f"佛山市禅城区市场监督管理局{short}市场监管所", agency, town, "general"),
        UnitTemplate(f"禅城区{full}社会事务办公室", agency, town, "social"),
        UnitTemplate(f"禅城区{full}城市建设和管理办公室", agency, town, "general"),
        UnitTemplate(f"禅城区{full}经济促进办公室", agency, town, "finance"),
        UnitTemplate(f"禅城区{full}社区卫生服务中心", pub, town, "health"),
        UnitTemplate(f"禅城区{full}党群服务中心", pub, town, "social"),
        UnitTemplate(f"佛山供电局{short}供电所", ent, town, "utility"),
        UnitTemplate(f"佛山农村商业银行{short}支行", ent, town, "finance"),
        UnitTemplate(f"中国邮政集团有限公司佛山市{short}支局", ent, town, "general"),
        UnitTemplate(f"佛山水业集团{short}供水所", ent, town, "utility"),
    ]  # fmt: skip


def unit_pools() -> dict[UnitKind, list[UnitTemplate]]:
    """Every unit the seeder may create, grouped by kind, in a fixed order."""
    city, district = UnitLevel.CITY, UnitLevel.DISTRICT
    public = UnitKind.PUBLIC_INSTITUTION
    templates = [
        *_from_groups(_CITY_AGENCIES, UnitKind.AGENCY, city),
        *_from_groups(_DISTRICT_AGENCIES, UnitKind.AGENCY, district),
        *_from_groups(_CITY_INSTITUTIONS, UnitKind.PUBLIC_INSTITUTION, city),
        *_from_groups(_DISTRICT_INSTITUTIONS, UnitKind.PUBLIC_INSTITUTION, district),
        *_from_groups(_STATE_ENTERPRISES, UnitKind.STATE_ENTERPRISE, city),
        *(tpl for short, full in TOWNS for tpl in _town_units(short, full)),
        *(
            UnitTemplate(f"佛山市禅城区{place}{kind}", public, district, "education")
            for place in _SCHOOL_PLACES
            for kind in _SCHOOL_KINDS
        ),
        *(
            UnitTemplate(form.format(word), UnitKind.TWO_NEW, district, sector)
            for form, sector in _TWO_NEW_FORMS
            for word in _TWO_NEW_WORDS
        ),
    ]  # fmt: skip
    pools: dict[UnitKind, list[UnitTemplate]] = {kind: [] for kind in UnitKind}
    for template in templates:
        pools[template.kind].append(template)
    return pools


# Branch names: agencies number their 机关 branches, others name them after departments.
BRANCH_DEPARTMENTS = {
    "health": ("内科", "外科", "医技", "护理", "门诊", "行政后勤"),
    "education": ("教工第一", "教工第二", "教工第三", "行政"),
    "utility": ("综合管理", "生产运行", "营销服务", "工程建设"),
    "finance": ("营业部", "公司业务", "个人金融", "综合管理"),
    "tech": ("网络运维", "市场经营", "综合管理", "政企客户"),
}  # fmt: skip

JOB_TITLES = {
    UnitKind.AGENCY: (
        "科员", "一级科员", "四级主任科员", "二级主任科员", "副科长", "科长", "办公室主任",
        "四级调研员",
    ),
    UnitKind.PUBLIC_INSTITUTION: (
        "专技人员", "助理馆员", "馆员", "工程师", "办公室主任", "副主任",
    ),
    UnitKind.STATE_ENTERPRISE: (
        "工程师", "助理工程师", "技术员", "客户经理", "班组长", "综合部主管",
    ),
    UnitKind.TWO_NEW: ("业务员", "项目经理", "运营专员", "质检员", "生产主管"),
}  # fmt: skip

SECTOR_TITLES = {
    "health": ("医师", "主治医师", "副主任医师", "护士", "护师", "主管护师", "药剂师"),
    "education": ("教师", "一级教师", "高级教师", "班主任", "教务主任"),
    "police": ("民警", "警长", "副所长", "一级警长"),
    "law": ("律师", "律师助理", "法官助理", "书记员", "检察官助理"),
}  # fmt: skip

# Sector-typical skills, drawn more often for the sector's members.
SECTOR_SKILLS = {
    "law": ("法律咨询", "调解纠纷"),
    "health": ("医疗救护", "心理疏导"),
    "education": ("教育辅导", "书法", "外语翻译"),
    "utility": ("水电维修", "家电维修"),
    "police": ("调解纠纷", "消防安全", "驾驶"),
    "culture": ("文艺表演", "摄影", "书法"),
    "finance": ("财务会计", "政策宣讲"),
    "tech": ("计算机", "摄影"),
    "social": ("心理疏导", "政策宣讲"),
    "general": ("政策宣讲", "驾驶", "垃圾分类指导"),
}  # fmt: skip
