"""The morning briefing workbook (Excel): zones with their countdowns, villages (communities) by tier
with population, isolation sites with capacity, infections and contacts per grid (counted apart, under the
words of :class:`gis.glossary.CaseGroup`) and the follow-up tests due.

Headers are Chinese, the header row is frozen, columns are sized to their contents (the statistics
store's :func:`data.stats_store.write_xlsx`). No personal field (name, ID number, phone) is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from data.capacity_store import COLUMN_LABELS as CAPACITY_LABELS
from data.capacity_store import site_capacity
from data.printing.output import checked_path
from data.printing.summary import TIER_COLUMNS, unit_tiers, units_by_tier, with_total
from data.printing.tiers import tier_styles
from data.project import Project
from data.stats_store import COLUMN_LABELS as CASE_LABELS
from data.stats_store import case_counts, followups_due, with_headers, write_xlsx
from data.zone_store import zone_rows
from gis.glossary import KeyPersonCategory, Missing, SiteStatus, UnitLevel, ZoneKind, ZoneStatus
from gis.grid_stats import values_by_code

SHEETS = ("管控区域", "等级汇总", "管控村（社区）", "隔离场所", "网格感染者与密接", "随访检测")
"""The workbook's sheets, in order."""

ZONE_HEADERS = {
    "fid": "编号", "name": "名称", "tier_label": "等级", "kind": "类型", "started_at": "开始时间",
    "last_case_at": "最近病例时间", "days_since_last_case": "距最近病例天数", "projected_downgrade": "预计降级日期",
    "next_tier": "降级后等级", "ready": "可降级", "missing": "尚缺条件", "population": "人口", "households": "户数",
    "status": "状态",
}
VILLAGE_HEADERS = {"tier_label": "等级", "town": "乡镇（街道）", "name": "村（社区）", "code": "代码",
                   "population": "人口", "households": "户数"}
SITE_HEADERS = {**{k: zh for k, (zh, _) in CAPACITY_LABELS.items()}, "town": "乡镇（街道）"}
FOLLOWUP_HEADERS = {"grid_code": "网格编码", "person_no": "编号", "category": "类别", "due_date": "应检日期",
                    "test": "检测", "state": "状态"}
_FOLLOWUP_STATES = {"due": "今日应检", "overdue": "逾期"}


def write_report(project: Project, out_path, on_date: dt.date | None = None) -> Path:
    """Write the briefing workbook of ``project`` as of ``on_date`` (default today) to ``out_path`` (.xlsx),
    atomically. The sheets are :data:`SHEETS`."""
    out_path = checked_path(out_path, (".xlsx",))
    on = on_date or dt.date.today()
    sheets = dict(zip(SHEETS, (zones_sheet(project, on), *tier_sheets(project), sites_sheet(project, on),
                                grid_cases_sheet(project), followups_sheet(project, on)), strict=True))
    return write_xlsx(out_path, sheets)


def zones_sheet(project: Project, on: dt.date) -> pd.DataFrame:
    """Every zone not lifted before ``on``: tier, days since the last case, projected downgrade, readiness."""
    rows = zone_rows(project, on)
    labels = {s.key: s.label for s in tier_styles(project)}
    table = rows.assign(
        kind=rows["kind"].map(_zh(ZoneKind)), status=rows["status"].map(_zh(ZoneStatus)),
        next_tier=rows["next_tier"].map(labels), ready=rows["ready"].map({True: "是", False: "否"}),
        missing=rows["missing"].map(lambda items: "；".join(Missing(m).zh for m in items)),
        started_at=_readable_time(rows["started_at"]), last_case_at=_readable_time(rows["last_case_at"]),
    )
    return table[list(ZONE_HEADERS)].rename(columns=ZONE_HEADERS)


def tier_sheets(project: Project) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tiers with zone, village and population counts plus a total row; the villages under each tier)."""
    tiers = tier_styles(project)
    units = project.read_layer("admin_units")
    villages = units[units["level"].isin([UnitLevel.VILLAGE.value, UnitLevel.COMMUNITY.value])]
    zones = project.read_layer("control_zones")
    zones = zones[zones["status"].fillna(ZoneStatus.ACTIVE.value) != ZoneStatus.LIFTED.value]
    summary = with_total(units_by_tier(villages, zones, tiers)).drop(columns="tier").rename(columns=TIER_COLUMNS)
    effective = unit_tiers(villages, zones, tiers)
    rank = {s.key: i for i, s in enumerate(tiers)}
    towns = units[units["level"] == UnitLevel.TOWN.value]
    members = villages.loc[effective.index]
    members = members.assign(
        tier_label=effective.map({s.key: s.label for s in tiers}), rank=effective.map(rank),
        town=values_by_code(towns["code"], towns["name"], members["parent_code"]).to_numpy())
    members = pd.DataFrame(members.sort_values(["rank", "code"]).drop(columns="geometry"))
    return summary, members[list(VILLAGE_HEADERS)].rename(columns=VILLAGE_HEADERS)


def sites_sheet(project: Project, on: dt.date) -> pd.DataFrame:
    """Isolation sites with rooms, occupied, reserved, free and standby rooms, intake and days until full."""
    sites = site_capacity(project, as_of=on)
    towns = project.read_layer("admin_units", where="level = ?", params=(UnitLevel.TOWN.value,))
    table = sites.assign(status=sites["status"].map(_zh(SiteStatus)), town=sites["town_fid"].map(towns["name"]))
    columns = ["name", "status", "town", "rooms", "occupied", "reserved", "free", "standby_rooms", "intake_per_day",
               "days_until_full"]
    return table[columns].rename(columns=SITE_HEADERS)


def grid_cases_sheet(project: Project) -> pd.DataFrame:
    """Grids with at least one record, by category, with infections and contacts apart; most infections first."""
    counts = case_counts(project, by="grid")
    counts = counts[counts["total"] > 0].sort_values(["infections", "contacts", "code"], ascending=[False, False, True])
    return with_headers(counts, "zh", CASE_LABELS)


def followups_sheet(project: Project, on: dt.date) -> pd.DataFrame:
    """Key persons' follow-up tests due on ``on`` or overdue, by grid."""
    due = followups_due(project, on)
    table = due.assign(category=due["category"].map(_zh(KeyPersonCategory)),
                       state=due["state"].map(_FOLLOWUP_STATES))
    return table[list(FOLLOWUP_HEADERS)].rename(columns=FOLLOWUP_HEADERS)


def _readable_time(values: pd.Series) -> pd.Series:
    """Stored ISO times shown as "2026-11-20 08:30"."""
    return values.map(lambda v: str(v).replace("T", " ")[:16] if isinstance(v, str) else v)


def _zh(term) -> dict[str, str]:
    """Stored value -> Chinese label of a glossary enum."""
    return {member.value: member.zh for member in term}
