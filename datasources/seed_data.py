"""Shared vocabulary and helpers of the deterministic seed generator.

Both sides' seeders draw people, phones, roads and dates from here, so names look alike in
the two databases. The unit side hands the community side only what the real systems would
share (`UnitSide`: codes, plus names and skills the member typed in when reporting), so the
community seeder never imports the unit side's models.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import accumulate
from typing import Any, TypeVar

T = TypeVar("T")
Row = dict[str, Any]
# Rows to insert, keyed by table name; each table's rows share the same keys.
TableRows = dict[str, list[Row]]

# Generated activity spans 2025 and the first half of 2026; nothing reads the wall clock.
PERIOD_START = date(2025, 1, 1)
REFERENCE_DATE = date(2026, 1, 1)
PERIOD_END = date(2026, 6, 30)
CHINA_TZ = timezone(timedelta(hours=8))

CITY_NAME = "佛山市"
DISTRICT_NAME = "禅城区"

# Ordered by rough frequency in Guangdong; the weights below decay with rank.
SURNAMES = (
    "陈李黄梁林张何罗吴刘郑谢冯周麦叶邓杨苏潘钟卢区关莫蔡余彭"
    "曾郭伍谭朱徐胡江霍孔招邝严袁范岑简甘方温赵高王孙马萧"
)
COMPOUND_SURNAMES = ("欧阳", "司徒", "上官")
MALE_CHARS = "伟强军明杰峰涛斌辉华建国志文勇刚俊浩宇鹏磊超健兴荣光耀德锦家豪坚永康振嘉轩瀚铭泽森海"
FEMALE_CHARS = "芳丽敏静燕玲婷慧秀娟霞红萍洁琳雪颖欣怡佩诗晓梅美凤碧萱芝春彩玉珊蓉倩莹琪悦雯"
_SURNAME_CUM = list(accumulate(1 / (1 + 0.12 * rank) for rank in range(len(SURNAMES))))

# Mainland mobile prefixes: 1, then 3 to 9, then the carrier's digit.
PHONE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "177", "180", "182", "183", "185", "186",
    "187", "188", "189", "198", "199",
)  # fmt: skip

ROADS = (
    "季华五路", "汾江中路", "岭南大道北", "绿景路", "文华北路", "江湾一路", "人民路", "祖庙路",
    "张槎一路", "石湾公园路", "雾岗路", "南庄大道", "佛山大道中", "同济路", "魁奇路",
    "华远东路", "城门头路", "卫国路", "福贤路", "松风路",
)  # fmt: skip

# Skills a member may declare; both sides use the same words.
SKILLS = (
    "医疗救护", "法律咨询", "心理疏导", "水电维修", "文艺表演", "书法", "政策宣讲", "摄影",
    "计算机", "驾驶", "调解纠纷", "教育辅导", "家电维修", "理发", "烹饪", "外语翻译",
    "财务会计", "体育健身", "消防安全", "垃圾分类指导",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MemberRef:
    """What the community side may know of a member: his code, name and declared skills."""

    code: str
    name: str
    unit_code: str
    skills: tuple[str, ...]
    in_service: bool


@dataclass(frozen=True, slots=True, eq=False)  # identity: one object per unit
class UnitRef:
    """What the community side may know of a work unit, with its members for pairing contacts."""

    code: str
    name: str
    kind: str  # a `UnitKind` value
    members: tuple[MemberRef, ...]


@dataclass(frozen=True, slots=True)
class UnitSide:
    """The unit side's hand-over to the community seeder: real codes only, in code order."""

    units: tuple[UnitRef, ...]
    members: tuple[MemberRef, ...]


def derive_rng(seed: int, label: str) -> random.Random:
    """A PRNG per part, so changing how one part is generated never reshuffles another.

    String seeds are hashed with SHA-512 by `random`, so this is stable across processes
    regardless of PYTHONHASHSEED.
    """
    return random.Random(f"{seed}:{label}")  # noqa: S311


def person_name(rng: random.Random, *, male: bool) -> str:
    """A plausible Chinese full name; given-name characters follow the gender."""
    if rng.random() < 0.015:
        surname = rng.choice(COMPOUND_SURNAMES)
    else:
        surname = rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]
    chars = MALE_CHARS if male else FEMALE_CHARS
    given = rng.choice(chars)
    if rng.random() < 0.75:
        given += rng.choice(chars)
    return surname + given


def honorific_name(rng: random.Random) -> str:
    """How a resident appears on a demand list: surname and honorific, never the full name."""
    surname = rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]
    return surname + rng.choice(("阿姨", "伯", "女士", "先生", "婆婆", "叔"))


def phone_number(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def street_address(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.choice(ROADS)}{rng.randint(1, 280)}号"


def random_date(rng: random.Random, start: date, end: date) -> date:
    """A day in [start, end], both inclusive."""
    return start + timedelta(days=rng.randint(0, (end - start).days))


def stamp(rng: random.Random, day: date) -> datetime:
    """A UTC timestamp during Chinese office-to-evening hours of `day`."""
    local = time(rng.randint(8, 21), rng.randrange(60), rng.randrange(60))
    return datetime.combine(day, local, tzinfo=CHINA_TZ).astimezone(UTC)


def weighted_pick(rng: random.Random, items: Sequence[T], cum_weights: Sequence[float]) -> T:
    """`rng.choices(items, cum_weights)[0]` without building a one-item list each time."""
    return items[bisect_right(cum_weights, rng.random() * cum_weights[-1], 0, len(items) - 1)]


def pick_distinct(rng: random.Random, items: Sequence[T], count: int) -> list[T]:
    """`count` different items (fewer if `items` is short), in draw order."""
    return rng.sample(list(items), min(count, len(items)))


def split_total(total: int, weights: Sequence[float], *, minimum: int = 0) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (largest remainder).

    Each part gets at least `minimum` when the total allows it; the parts always sum to
    `total`, which keeps the scale's headline numbers exact.
    """
    if not weights:
        return []
    floor = minimum if total >= minimum * len(weights) else 0
    rest = total - floor * len(weights)
    weight_sum = sum(weights)
    shares = [rest * w / weight_sum for w in weights]
    parts = [int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (parts[i] - shares[i], i))
    for index in by_remainder[: rest - sum(parts)]:
        parts[index] += 1
    return [floor + part for part in parts]


def chinese_ordinal(number: int) -> str:
    """一, 二 ... 九十九: ordinals as branch and grid names write them."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    tens, ones = divmod(number, 10)
    head = "" if tens == 1 else digits[tens]
    return head + "十" + (digits[ones] if ones else "")
