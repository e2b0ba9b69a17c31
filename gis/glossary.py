"""The users' words, defined once: enums whose values are stored in the project file,
each with its Chinese and English label.

>>> CaseCategory("close_contact").zh
'密切接触者'
>>> CaseCategory.from_label("确诊病例") is CaseCategory.CONFIRMED
True
>>> CaseCategory.from_label(" 密接 ") is CaseCategory.CLOSE_CONTACT
True
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import cache


def term_key(text) -> str:
    """How a written value is compared with terms: NFKC (full-width to half-width), no spaces,
    underscores or hyphens, case-folded. ``term_key(" Close_Contact ") == term_key("close contact")``."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", str(text))).casefold()


class Term(StrEnum):
    """A stored value (``.value``) with a Chinese (``.zh``) and English (``.en``) label, and the other
    words people write for it (``.aliases``)."""

    def __new__(cls, value: str, zh: str, en: str, aliases: tuple[str, ...] = ()):
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        member.aliases = aliases
        return member

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @classmethod
    def from_label(cls, text: str):
        """Find a member by its stored value, a label or an alias, compared by :func:`term_key`."""
        member = _lookup(cls).get(term_key(text))
        if member is None:
            raise ValueError(text)
        return member

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


@cache
def _lookup(cls: type[Term]) -> dict[str, Term]:
    """{term_key of every value, label and alias: member} of one vocabulary."""
    return {term_key(word): member for member in cls for word in (member.value, member.zh, member.en, *member.aliases)}


class UnitLevel(Term):
    COUNTY = ("county", "县（市、区）", "county", ("县", "区", "市", "县级", "县区", "县市区"))
    TOWN = ("town", "乡镇（街道）", "town", ("镇", "乡", "街道", "乡镇", "街道办事处", "办事处", "乡级", "乡镇街道"))
    VILLAGE = ("village", "村", "village", ("行政村", "村委会", "村民委员会", "村级"))
    COMMUNITY = ("community", "社区", "community", ("居委会", "社区居委会", "居民委员会"))


class CaseCategory(Term):
    CONFIRMED = ("confirmed", "确诊病例", "confirmed case", ("确诊", "阳性", "阳性病例", "阳性感染者", "新冠肺炎确诊病例"))
    ASYMPTOMATIC = ("asymptomatic", "无症状感染者", "asymptomatic infection", ("无症状", "无症状病例", "无症状阳性"))
    SUSPECTED = ("suspected", "疑似病例", "suspected case", ("疑似", "疑似患者"))
    CLOSE_CONTACT = ("close_contact", "密切接触者", "close contact", ("密接", "密接者", "密切接触"))
    SECONDARY_CONTACT = ("secondary_contact", "密接的密接", "secondary contact",
                         ("次密接", "次密切接触者", "次密接者", "密接的密切接触者"))


INFECTED = (CaseCategory.CONFIRMED, CaseCategory.ASYMPTOMATIC)
"""Categories that count as an infection (感染者) for zoning and lifting rules, curves, legends and totals."""

CONTACTS = (CaseCategory.CLOSE_CONTACT, CaseCategory.SECONDARY_CONTACT)
"""Categories that are contacts (密接, 次密接): people under observation, never counted as cases or infections."""


class CaseGroup(Term):
    """The words people are counted under in totals, curves, legends and tables. Infections (confirmed +
    asymptomatic) and contacts are never summed under one word; suspected cases are shown apart. Infections
    and suspected cases are counted in 例, contacts in 人."""

    INFECTIONS = ("infections", "感染者", "infections")
    CONFIRMED = ("confirmed", "确诊", "confirmed")
    ASYMPTOMATIC = ("asymptomatic", "无症状", "asymptomatic")
    SUSPECTED = ("suspected", "疑似", "suspected")
    CLOSE_CONTACTS = ("close_contacts", "密接", "close contacts")
    SECONDARY_CONTACTS = ("secondary_contacts", "次密接", "secondary contacts")
    CONTACTS = ("contacts", "密接及次密接", "contacts")


def totals_sentence(counts, lang: str = "zh") -> str:
    """The one sentence that gives the totals, from ``counts`` (case category value -> number; missing = 0).
    Suspected cases are named only when there are some.

    >>> totals_sentence({"confirmed": 7, "asymptomatic": 3, "close_contact": 40, "secondary_contact": 120})
    '感染者 10 例（确诊 7、无症状 3），密接 40 人、次密接 120 人'
    >>> totals_sentence({"confirmed": 1, "suspected": 2}, "en")
    '1 infections (1 confirmed, 0 asymptomatic), 0 close contacts, 0 secondary contacts; 2 suspected'
    """
    n = {category: int(counts.get(category.value, 0) or 0) for category in CaseCategory}
    confirmed, asymptomatic = n[CaseCategory.CONFIRMED], n[CaseCategory.ASYMPTOMATIC]
    close, secondary, suspected = (n[CaseCategory.CLOSE_CONTACT], n[CaseCategory.SECONDARY_CONTACT],
                                   n[CaseCategory.SUSPECTED])
    g = CaseGroup
    if lang == "zh":
        text = (f"{g.INFECTIONS.zh} {confirmed + asymptomatic} 例（{g.CONFIRMED.zh} {confirmed}、"
                f"{g.ASYMPTOMATIC.zh} {asymptomatic}），{g.CLOSE_CONTACTS.zh} {close} 人、{g.SECONDARY_CONTACTS.zh} "
                f"{secondary} 人")
        return text + (f"；{g.SUSPECTED.zh} {suspected} 例" if suspected else "")
    text = (f"{confirmed + asymptomatic} {g.INFECTIONS.en} ({confirmed} {g.CONFIRMED.en}, {asymptomatic} "
            f"{g.ASYMPTOMATIC.en}), {close} {g.CLOSE_CONTACTS.en}, {secondary} {g.SECONDARY_CONTACTS.en}")
    return text + (f"; {suspected} {g.SUSPECTED.en}" if suspected else "")


class CaseStatus(Term):
    """Where a case or contact is now."""

    HOSPITALIZED = ("hospitalized", "住院治疗", "in hospital", ("住院", "在院", "住院中", "收治", "入院", "定点医院治疗"))
    ISOLATED = ("isolated", "集中隔离", "in central isolation",
                ("集中隔离中", "集中隔离医学观察", "集中医学观察", "集中观察", "隔离中", "已隔离"))
    HOME_MONITORING = ("home_monitoring", "居家隔离", "at home under monitoring",
                       ("居家观察", "居家隔离医学观察", "居家医学观察", "居家健康监测", "居家监测", "居家"))
    AWAITING_TRANSFER = ("awaiting_transfer", "待转运", "awaiting transfer", ("等待转运", "待隔离", "待转运隔离"))
    DISCHARGED = ("discharged", "出院", "discharged", ("治愈出院", "已出院", "痊愈", "治愈"))
    RELEASED = ("released", "解除隔离", "released from isolation",
                ("已解除隔离", "解除医学观察", "解除观察", "解除管控", "解隔"))
    DIED = ("died", "死亡", "died", ("病亡", "已死亡", "dead", "deceased"))


class SiteStatus(Term):
    ACTIVE = ("active", "启用", "active", ("在用", "使用中", "已启用", "运行", "运行中", "投用", "在使用"))
    STANDBY = ("standby", "备用", "standby", ("储备", "待启用", "未启用", "备用中"))
    CLOSED = ("closed", "关闭", "closed", ("停用", "已关闭", "已停用", "关停", "撤销"))


class FacilityKind(Term):
    DESIGNATED_HOSPITAL = ("designated_hospital", "定点医院", "designated hospital", ("定点救治医院", "定点收治医院"))
    FEVER_CLINIC = ("fever_clinic", "发热门诊", "fever clinic", ("发热诊室", "发热哨点", "发热哨点诊室"))
    SAMPLING_SITE = ("sampling_site", "核酸采样点", "sampling site",
                     ("采样点", "采样亭", "核酸采样亭", "核酸检测点", "核酸采样屋", "便民采样点", "便民核酸采样点"))
    CHECKPOINT = ("checkpoint", "防疫检查站", "checkpoint", ("检查站", "卡口", "防疫卡口", "交通卡口", "查验点", "检疫站"))


class ZoneKind(Term):
    UNIT = ("unit", "管控单元", "unit zone")
    CIRCLE = ("circle", "管控圈", "control circle")
    DRAWN = ("drawn", "手绘区域", "drawn zone")


class Tier(Term):
    """The default tier names (the 2022 scheme); tier schemes may define others."""

    SEALED = ("sealed", "封控区", "sealed zone")
    CONTROLLED = ("controlled", "管控区", "controlled zone")
    PRECAUTION = ("precaution", "防范区", "precaution zone")


class ZoneStatus(Term):
    ACTIVE = ("active", "生效", "active")
    LIFTED = ("lifted", "已解除", "lifted")


class KeyPersonCategory(Term):
    INBOUND = ("inbound", "入境人员", "inbound traveller", ("入境", "境外入境人员", "境外返回人员", "入境返乡人员"))
    RETURNEE = ("returnee", "中高风险地区返回人员", "returnee from a risk area",
                ("返乡人员", "返回人员", "中高风险地区来返人员", "中高风险地区来（返）人员", "外地返回人员", "来返人员"))


class TeamRole(Term):
    """The six roles of an isolation site's team (六合一)."""

    SITE_HEAD = ("site_head", "点长", "site head")
    POLICE = ("police", "公安民警", "police officer")
    DOCTOR = ("doctor", "医生", "doctor")
    NURSE = ("nurse", "护士", "nurse")
    CDC = ("cdc", "疾控人员", "CDC staff")
    PSYCHOLOGIST = ("psychologist", "心理咨询师", "psychologist")


class RoundResult(Term):
    NEGATIVE = ("negative", "阴性", "negative")
    POSITIVE = ("positive", "阳性", "positive")


class Missing(Term):
    """What still stands between a zone and its step down."""

    QUIET_DAYS = ("quiet_days", "无新增天数未满", "days without a new infection not yet reached")
    TEST_ROUND = ("test_round", "缺少符合要求的全员核酸阴性结果", "no qualifying negative test round yet")
    CONTACTS = ("contacts", "密接医学观察期未满", "last close contact still within the observation period")


class SnapRule(Term):
    CENTROID = ("centroid", "单元中心点在区域内", "unit centre inside")
    SHARE = ("share", "单元被覆盖比例达到阈值", "covered share at least the threshold")


class ZoneChange(Term):
    ADDED = ("added", "新增", "added")
    UPGRADED = ("upgraded", "升级", "upgraded")
    DOWNGRADED = ("downgraded", "降级", "downgraded")
    LIFTED = ("lifted", "解除", "lifted")


class ProposalGroup(Term):
    """How a proposed zone stands against the zones in force (see :mod:`gis.zoning.proposal_diff`)."""

    NEW = ("new", "新增", "new")
    CHANGED = ("changed", "变更", "changed")
    UNCHANGED = ("unchanged", "不变", "unchanged")
    MAY_STEP_DOWN = ("may_step_down", "可解除或降级", "may be lifted or stepped down")


class ZoneDifference(Term):
    """What a proposal would change in a zone in force."""

    TIER = ("tier", "等级", "tier")
    UNITS = ("units", "单元", "units")
    EXTENT = ("extent", "范围", "extent")
