"""The users' words, defined once: enums whose values are stored in the project file,
each with its Chinese and English label.

>>> CaseCategory("close_contact").zh
'密切接触者'
>>> CaseCategory.from_label("确诊病例") is CaseCategory.CONFIRMED
True
"""

from __future__ import annotations

from enum import StrEnum


class Term(StrEnum):
    """A stored value (``.value``) with a Chinese (``.zh``) and English (``.en``) label."""

    def __new__(cls, value: str, zh: str, en: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        return member

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @classmethod
    def from_label(cls, text: str):
        """Find a member by its stored value, Chinese label or English label (case-insensitive)."""
        key = str(text).strip().lower()
        for member in cls:
            if key in (member.value, member.zh.lower(), member.en.lower()):
                return member
        raise ValueError(text)

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


class UnitLevel(Term):
    COUNTY = ("county", "县（市、区）", "county")
    TOWN = ("town", "乡镇（街道）", "town")
    VILLAGE = ("village", "村", "village")
    COMMUNITY = ("community", "社区", "community")


class CaseCategory(Term):
    CONFIRMED = ("confirmed", "确诊病例", "confirmed case")
    ASYMPTOMATIC = ("asymptomatic", "无症状感染者", "asymptomatic infection")
    SUSPECTED = ("suspected", "疑似病例", "suspected case")
    CLOSE_CONTACT = ("close_contact", "密切接触者", "close contact")
    SECONDARY_CONTACT = ("secondary_contact", "密接的密接", "secondary contact")


INFECTED = (CaseCategory.CONFIRMED, CaseCategory.ASYMPTOMATIC)
"""Categories that count as an infection for zoning and lifting rules."""


class SiteStatus(Term):
    ACTIVE = ("active", "启用", "active")
    STANDBY = ("standby", "备用", "standby")
    CLOSED = ("closed", "关闭", "closed")


class FacilityKind(Term):
    DESIGNATED_HOSPITAL = ("designated_hospital", "定点医院", "designated hospital")
    FEVER_CLINIC = ("fever_clinic", "发热门诊", "fever clinic")
    SAMPLING_SITE = ("sampling_site", "核酸采样点", "sampling site")
    CHECKPOINT = ("checkpoint", "防疫检查站", "checkpoint")


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
    INBOUND = ("inbound", "入境人员", "inbound traveller")
    RETURNEE = ("returnee", "中高风险地区返回人员", "returnee from a risk area")


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
