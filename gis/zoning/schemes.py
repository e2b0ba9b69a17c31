"""Tier schemes as data: ordered tiers (top first), each with its names, colour and lifting rule, and the
management periods of the same edition: how long close contacts, secondary contacts and key persons are
isolated, where (central site or home) and on which days they are tested (:class:`gis.schedules.Schedule`).

A project stores its scheme (JSON) and may pick a built-in preset or edit one. The lifting rules are read
by :mod:`gis.zoning.countdown`; day counts are calendar days after the last case (the case's day is day 0).
The periods are read by the follow-up lists and by isolation demand and allocation.

>>> scheme = PRESETS["2022_9th"]
>>> [tier.zh for tier in scheme.tiers]
['封控区', '管控区', '防范区']
>>> scheme.tier("sealed").downgrade_to
'controlled'
>>> TierScheme.from_dict(scheme.to_dict()) == scheme
True
>>> scheme.rule_for("close_contact").summary
'7天集中隔离医学观察 + 3天居家健康监测'
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from gis.errors import UserError
from gis.glossary import CaseCategory, KeyPersonCategory, Tier
from gis.schedules import DEFAULT_SCHEDULES, Phase, Schedule, rule_for, schedule_from_dict
from gis.symbology import TIER_COLOURS

MAX_RULE_DAYS = 60
"""Longest day count a rule may use."""
EDITABLE_FIELDS = ("zh", "en", "colour", "quiet_days", "needs_test_round", "round_window_days",
                   "after_downgrade_days", "contact_quiet_days")
"""What a user may change in a tier: names, colour and day counts (keys and order stay, zones refer to them)."""

LOW_RISK_COLOUR = "#1a9641"  # green, as low-risk areas are shown on Chinese public maps
_KEY = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class TierRule:
    """One tier of a scheme and the rule for stepping down from it.

    Attributes
    ----------
    key : stored value of the tier (``control_zones.tier``).
    zh, en : names shown to users.
    colour : fill colour, ``#rrggbb``.
    downgrade_to : key of the tier a zone steps down to; None for a tier with no countdown (lifted by hand).
    quiet_days : consecutive days without a new infection before the step down.
    needs_test_round : a full negative test round is required for the step down.
    round_window_days : the round counts from this many days before the day the quiet period completes
        (0: on that day, the 9th edition's "round on day 7"; 2: "within 2 days before lifting").
    after_downgrade_days : a zone that came down into this tier needs only this many further quiet days,
        counted from that downgrade, and no round (9th edition: 3). None: this tier's own rule, counted
        from the downgrade.
    contact_quiet_days : the last close contact inside must be more than this many days past exposure (0: no rule).
    """

    key: str
    zh: str
    en: str
    colour: str
    downgrade_to: str | None = None
    quiet_days: int = 0
    needs_test_round: bool = False
    round_window_days: int = 0
    after_downgrade_days: int | None = None
    contact_quiet_days: int = 0

    def label(self, lang: str = "zh") -> str:
        """The tier's name in ``lang`` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class TierScheme:
    """An ordered list of tiers, the top (strictest) tier first, and the ``management`` periods of the same
    edition (one rule per managed category; a category without a rule is not managed)."""

    key: str
    zh: str
    en: str
    tiers: tuple[TierRule, ...]
    management: tuple[Schedule, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "tiers", tuple(self.tiers))
        object.__setattr__(self, "management", tuple(self.management))

    def rule_for(self, category: str, code: str = "") -> Schedule | None:
        """The management rule of a person of ``category`` (see :func:`gis.schedules.rule_for`)."""
        return rule_for(self.management, category, code)

    @property
    def rules(self) -> dict[str, Schedule]:
        """The management rules by code."""
        return {rule.code: rule for rule in self.management}

    @property
    def keys(self) -> list[str]:
        """Tier keys from the top tier down."""
        return [tier.key for tier in self.tiers]

    def tier(self, key: str) -> TierRule:
        """The tier stored as ``key``; a UserError naming the scheme's tiers if there is none."""
        for tier in self.tiers:
            if tier.key == key:
                return tier
        names = "、".join(f"{t.key}（{t.zh}）" for t in self.tiers)
        raise UserError(f"分级方案“{self.zh}”中没有等级“{key}”。可用等级：{names}",
                        f"Tier scheme '{self.en}' has no tier '{key}'. Tiers: {', '.join(self.keys)}")

    def rank(self, key: str) -> int:
        """Position of tier ``key``: 0 for the top tier; a higher tier has a smaller rank."""
        return self.keys.index(self.tier(key).key)

    def label(self, key: str, lang: str = "zh") -> str:
        """The name of tier ``key`` in ``lang``."""
        return self.tier(key).label(lang)

    def to_dict(self) -> dict:
        """A JSON-safe dict (what the project stores)."""
        return dataclasses.asdict(self) | {"tiers": [dataclasses.asdict(tier) for tier in self.tiers]}

    @classmethod
    def from_dict(cls, data: dict) -> TierScheme:
        """The scheme stored as ``data`` (see :meth:`to_dict`), validated."""
        try:
            tiers = [TierRule(**tier) for tier in data["tiers"]]
            if "management" in data:
                management = tuple(schedule_from_dict(rule) for rule in data["management"])
            else:  # stored before schemes carried periods: those of its preset
                management = PRESETS.get(data["key"], PRESETS[DEFAULT_SCHEME_KEY]).management
            scheme = cls(key=data["key"], zh=data["zh"], en=data.get("en", ""), tiers=tiers, management=management)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UserError(f"分级方案数据不完整或含未知字段：{exc}",
                            f"Tier scheme data is incomplete or has unknown fields: {exc}") from exc
        return validated(scheme)


def validated(scheme: TierScheme) -> TierScheme:
    """``scheme`` itself if it is usable; otherwise a UserError saying what to fix."""
    if not _KEY.match(str(scheme.key)) or not str(scheme.zh).strip():
        raise UserError("分级方案须有英文小写标识和中文名称。", "A tier scheme needs a lower-case key and a Chinese name.")
    if len(scheme.tiers) < 2:
        raise UserError("分级方案至少需要两个等级。", "A tier scheme needs at least two tiers.")
    keys = scheme.keys
    if len(set(keys)) != len(keys) or len({t.zh for t in scheme.tiers}) != len(keys):
        raise UserError("各等级的标识和中文名称不能重复。", "Tier keys and Chinese names must be unique.")
    for position, tier in enumerate(scheme.tiers):
        _check_tier(tier, lower=keys[position + 1:])
    categories = [category for rule in scheme.management for category in rule.categories]
    codes = [rule.code for rule in scheme.management]
    if len(set(categories)) != len(categories) or len(set(codes)) != len(codes):
        raise UserError("管理期限中每类人员只能有一条规则，规则代码不能重复。",
                        "The management periods need one rule per category of person and unique rule codes.")
    return scheme


def _check_tier(tier: TierRule, lower: list[str]) -> None:
    def fail(zh: str, en: str):
        raise UserError(f"等级“{tier.zh or tier.key}”：{zh}", f"Tier '{tier.en or tier.key}': {en}")

    if not _KEY.match(str(tier.key)):
        fail("标识须为英文小写字母、数字或下划线。", "the key must be lower-case letters, digits or underscores.")
    if not str(tier.zh).strip():
        fail("缺少中文名称。", "the Chinese name is missing.")
    if not _COLOUR.match(str(tier.colour)):
        fail(f"颜色“{tier.colour}”无效，应为 #rrggbb。", f"colour '{tier.colour}' is not #rrggbb.")
    for name in ("quiet_days", "round_window_days", "contact_quiet_days", "after_downgrade_days"):
        value = getattr(tier, name)
        if value is None and name == "after_downgrade_days":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_RULE_DAYS:
            fail(f"天数须为 0 到 {MAX_RULE_DAYS} 的整数（{name} = {value!r}）。",
                 f"day counts must be whole numbers from 0 to {MAX_RULE_DAYS} ({name} = {value!r}).")
    if tier.downgrade_to is None:
        return
    if tier.downgrade_to not in lower:
        fail(f"只能降为更低的等级（{'、'.join(lower) or '无'}），不能降为“{tier.downgrade_to}”。",
             f"it can only step down to a lower tier ({', '.join(lower) or 'none'}), not '{tier.downgrade_to}'.")
    if tier.quiet_days < 1:
        fail("降级前无新增感染的天数至少为 1 天。", "the days without a new infection before stepping down must be at least 1.")
    if tier.needs_test_round and tier.round_window_days >= tier.quiet_days:
        fail("核酸检测的时间窗须短于无新增天数。", "the test-round window must be shorter than the quiet days.")
    if tier.after_downgrade_days == 0:
        fail("降级后的观察天数至少为 1 天。", "the days after a downgrade must be at least 1.")


def user_scheme(base: TierScheme, *, zh: str, en: str = "", key: str = "custom",
                tiers: dict[str, dict] | None = None) -> TierScheme:
    """A user-defined scheme: ``base`` with its name and some tiers' names, colours or day counts changed.

    Parameters
    ----------
    base : the scheme to start from (a preset or the project's scheme).
    zh, en, key : the new scheme's names and stored key.
    tiers : tier key -> {field: new value}, fields from :data:`EDITABLE_FIELDS`.

    >>> mine = user_scheme(PRESETS["2022_9th"], zh="本县方案", tiers={"sealed": {"quiet_days": 10}})
    >>> mine.tier("sealed").quiet_days, mine.tier("sealed").zh
    (10, '封控区')
    """
    changes = tiers or {}
    unknown = sorted({field for fields in changes.values() for field in fields} - set(EDITABLE_FIELDS))
    if unknown:
        raise UserError(f"不能修改这些字段：{'、'.join(unknown)}。可修改：{'、'.join(EDITABLE_FIELDS)}",
                        f"These fields cannot be changed: {', '.join(unknown)}. Editable: {', '.join(EDITABLE_FIELDS)}")
    for tier_key in changes:
        base.tier(tier_key)  # a clear error for a tier the base does not have
    edited = [dataclasses.replace(tier, **changes.get(tier.key, {})) for tier in base.tiers]
    return validated(TierScheme(key=key, zh=zh, en=en or zh, tiers=edited, management=base.management))


def _tier_9th(tier: Tier, **rule) -> TierRule:
    return TierRule(tier.value, tier.zh, tier.en, TIER_COLOURS[tier.value], **rule)


_CLOSE, _SECONDARY = CaseCategory.CLOSE_CONTACT.value, CaseCategory.SECONDARY_CONTACT.value
_INBOUND, _RETURNEE = KeyPersonCategory.INBOUND.value, KeyPersonCategory.RETURNEE.value
_SEVEN_PLUS_THREE = (Phase("central", 7, (1, 2, 3, 5, 7)), Phase("home", 3, (3,)))
_FIVE_PLUS_THREE = (Phase("central", 5, (1, 2, 3, 5)), Phase("home_quarantine", 3, (1, 3)))

MANAGEMENT_9TH = (  # 第九版：密接 7 天集中隔离 + 3 天居家健康监测，密接的密接 7 天居家隔离
    Schedule("7+3", "密切接触者“7天集中隔离医学观察+3天居家健康监测”", _SEVEN_PLUS_THREE, categories=(_CLOSE,)),
    Schedule("7h", "密接的密接7天居家隔离医学观察", (Phase("home_quarantine", 7, (1, 4, 7)),), categories=(_SECONDARY,)),
    Schedule("inbound 7+3", "入境人员“7天集中隔离医学观察+3天居家健康监测”", _SEVEN_PLUS_THREE, categories=(_INBOUND,)),
    Schedule("returnee 7h", "中高风险地区返回人员7天居家隔离医学观察", (Phase("home_quarantine", 7, (1, 4, 7)),),
             categories=(_RETURNEE,)),
)
MANAGEMENT_EARLIER = (  # 早期做法：密接“14+7”，次密接集中隔离，入境“14+7+9”及“15369”
    Schedule("14+7", "密切接触者“14天集中隔离医学观察+7天居家健康监测”",
             (Phase("central", 14, (1, 4, 7, 14)), Phase("home", 7, (2, 7))), categories=(_CLOSE,)),
    Schedule("7c", "密接的密接7天集中隔离医学观察", (Phase("central", 7, (1, 4, 7)),), categories=(_SECONDARY,)),
    *DEFAULT_SCHEDULES.values(),
)
MANAGEMENT_NOV_2022 = (  # 二十条：密接“5天集中隔离+3天居家隔离”，不再判定密接的密接
    Schedule("5+3", "密切接触者“5天集中隔离+3天居家隔离”", _FIVE_PLUS_THREE, categories=(_CLOSE,)),
    Schedule("inbound 5+3", "入境人员“5天集中隔离+3天居家隔离”", _FIVE_PLUS_THREE, categories=(_INBOUND,)),
    Schedule("returnee 5h", "高风险区流入人员5天居家隔离", (Phase("home_quarantine", 5, (1, 3, 5)),),
             categories=(_RETURNEE,)),
)

PRESETS: dict[str, TierScheme] = {
    scheme.key: scheme for scheme in (
        TierScheme("2022_9th", "封控区/管控区/防范区（第九版防控方案）", "sealed / controlled / precaution (9th edition, 2022)", (
            _tier_9th(Tier.SEALED, downgrade_to=Tier.CONTROLLED.value, quiet_days=7, needs_test_round=True),
            _tier_9th(Tier.CONTROLLED, downgrade_to=Tier.PRECAUTION.value, quiet_days=7, needs_test_round=True,
                      after_downgrade_days=3),
            _tier_9th(Tier.PRECAUTION),
        ), MANAGEMENT_9TH),
        TierScheme("risk_levels", "高/中/低风险区（早期做法）", "high / medium / low risk (earlier practice)", (
            TierRule("high", "高风险区", "high-risk area", TIER_COLOURS[Tier.SEALED.value], downgrade_to="medium",
                     quiet_days=14, needs_test_round=True, round_window_days=2, contact_quiet_days=14),
            TierRule("medium", "中风险区", "medium-risk area", TIER_COLOURS[Tier.CONTROLLED.value], downgrade_to="low",
                     quiet_days=14, needs_test_round=True, round_window_days=2, contact_quiet_days=14),
            TierRule("low", "低风险区", "low-risk area", LOW_RISK_COLOUR),
        ), MANAGEMENT_EARLIER),
        TierScheme("2022_nov", "高/低风险区（2022年11月优化措施）", "high / low risk (November 2022 rules)", (
            TierRule("high", "高风险区", "high-risk area", TIER_COLOURS[Tier.SEALED.value], downgrade_to="low",
                     quiet_days=5),
            TierRule("low", "低风险区", "low-risk area", LOW_RISK_COLOUR),
        ), MANAGEMENT_NOV_2022),
    )
}
"""The built-in schemes by key; ``"2022_9th"`` is the default for a new project."""
DEFAULT_SCHEME_KEY = "2022_9th"
