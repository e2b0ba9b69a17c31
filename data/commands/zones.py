"""``zones``: propose, list and compare control zones from the command line.

    python main.py zones PATH.gpkg propose [--days N] [--small M --large M] [--date D] [--grids] [--json]
                                           [--apply [--with-rest]]
    python main.py zones PATH.gpkg list [--date D] [--json]
    python main.py zones PATH.gpkg changes --since D [--json]

``--json`` prints GeoJSON in WGS84 (EPSG:4326) for propose and changes, a JSON list for list. A proposal is
read against the zones in force: each feature's ``group`` is new, changed, unchanged or may_step_down (active
zones no proposed zone supports are features too), with ``changes`` and the matched ``zone_fid``; ``--apply``
creates the new zones and updates the changed ones in place, so running it twice stores nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import sys

import geopandas as gpd
import pandas as pd

from data import strict_json
from gis.errors import UserError, ui_language
from gis.glossary import Missing, ProposalGroup, ZoneDifference
from gis.zoning.circles import LARGE_CIRCLE_RADIUS_M, SMALL_CIRCLE_RADIUS_M
from gis.zoning.countdown import as_date

WGS84_EPSG = 4326
MAX_DAYS = 3650
"""--days looks back at most ten years of cases."""


def register(subparsers) -> None:
    """Add ``zones PATH {propose,list,changes}``."""
    zh = ui_language() == "zh"
    zones = subparsers.add_parser("zones", help="管控区域：提议、列表、变化" if zh else "control zones: propose, list, changes")
    zones.add_argument("path", help="项目文件（.gpkg）" if zh else "project file (.gpkg)")
    actions = zones.add_subparsers(dest="zones_action", required=True)

    propose = actions.add_parser("propose", help="按近期感染者提议管控区域" if zh else "propose zones for recent infections")
    propose.add_argument("--days", type=int, help="最近几天的病例（默认：最高等级的无新增天数）" if zh
                         else "days of cases (default: the top tier's quiet days)")
    propose.add_argument("--small", type=float, default=SMALL_CIRCLE_RADIUS_M, metavar="M",
                         help=f"小管控圈半径，米（默认 {SMALL_CIRCLE_RADIUS_M:g}）" if zh
                         else f"small circle radius, metres (default {SMALL_CIRCLE_RADIUS_M:g})")
    propose.add_argument("--large", type=float, default=LARGE_CIRCLE_RADIUS_M, metavar="M",
                         help=f"大管控圈半径，米（默认 {LARGE_CIRCLE_RADIUS_M:g}）" if zh
                         else f"large circle radius, metres (default {LARGE_CIRCLE_RADIUS_M:g})")
    propose.add_argument("--date", help="截至日期 YYYY-MM-DD（默认今天）" if zh else "as of date YYYY-MM-DD (default today)")
    propose.add_argument("--grids", action="store_true", help="以网格为单元（默认村/社区）" if zh
                         else "use grids as units (default villages/communities)")
    propose.add_argument("--json", action="store_true")
    propose.add_argument("--apply", action="store_true", help="新增的区域保存、变更的区域就地更新（记入日志）" if zh
                         else "store the new zones and update the changed ones in place (logged)")
    propose.add_argument("--with-rest", action="store_true", help="连同“其余地区”（全县剩余范围）一并保存" if zh
                         else "also store the zone for the rest of the county")
    propose.set_defaults(func=cmd_propose)

    listing = actions.add_parser("list", help="管控区域及降级倒计时" if zh else "zones and their countdowns")
    listing.add_argument("--date", help="按该日期计算（默认今天）" if zh else "evaluate on this date (default today)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    changes = actions.add_parser("changes", help="某日以来的变化" if zh else "changes since a date")
    changes.add_argument("--since", required=True, help="起始日期 YYYY-MM-DD" if zh else "start date YYYY-MM-DD")
    changes.add_argument("--json", action="store_true")
    changes.set_defaults(func=cmd_changes)


def cmd_propose(args) -> int:
    from data import zone_store
    from data.project import Project

    if args.days is not None and not 1 <= args.days <= MAX_DAYS:
        raise UserError(f"--days 须为 1 到 {MAX_DAYS} 之间的整数（现为 {args.days}）。",
                        f"--days must be a whole number from 1 to {MAX_DAYS} (got {args.days}).")
    project = Project.open(args.path)
    proposal = zone_store.propose(project, as_of=_date(args.date), level="grid" if args.grids else "unit",
                                  days=args.days, small_m=args.small, large_m=args.large)
    diff = zone_store.compare_proposal(project, proposal)
    chosen = set(diff.applicable_positions() if args.with_rest else diff.default_positions()) if args.apply else set()
    fids = zone_store.apply_proposal(project, proposal, only=chosen) if chosen else []
    for warning in (w for fid in fids for w in fid.warnings):  # --json: on stderr, the output stays one document
        print(("提示：" if ui_language() == "zh" else "Note: ") + warning.message(ui_language()),
              file=sys.stderr if args.json else sys.stdout)
    frame = diff.to_frame().drop(columns=["reason_en" if ui_language() == "zh" else "reason"])
    applied = [item.applicable and item.position in chosen for item in diff.items]
    if args.apply:
        created = iter(fids)
        frame.insert(0, "fid", pd.Series([next(created) if done and item.zone_fid is None else item.zone_fid
                                          for item, done in zip(diff.items, applied, strict=True)], dtype=object))
        frame["applied"] = applied
    if args.json:
        counts = {group.value: count for group, count in diff.counts().items()}
        _print_geojson(frame, as_of=proposal.as_of.isoformat(), days=proposal.days, scheme=proposal.scheme_key,
                       applied=any(applied), counts=counts)
        return 0
    print("\n".join(_proposal_lines(diff, applied, args.apply, zone_store.load_scheme(project))))
    return 0


def cmd_list(args) -> int:
    from data import zone_store
    from data.project import Project

    project = Project.open(args.path)
    rows = zone_store.zone_rows(project, _date(args.date) or dt.date.today())
    if args.json:
        print(strict_json.dumps(rows.to_dict("records"), indent=2, default=_json_value))
        return 0
    zh = ui_language() == "zh"
    if rows.empty:
        print("没有管控区域。" if zh else "No control zones.")
        return 0
    print("编号  等级    无新增天数  预计降级日期  可降级  人口      名称" if zh
          else "fid   tier        quiet days  projected    ready   population  name")
    for row in rows.itertuples():
        label = row.tier_label if zh else row.tier
        days = "" if row.days_since_last_case is None else row.days_since_last_case
        ready = ("是" if row.ready else "否") if zh else ("yes" if row.ready else "no")
        missing = [Missing(m) for m in row.missing]
        notes = [] if Missing.QUIET_DAYS in missing else [m.zh if zh else m.en for m in missing]
        if row.status == "lifted":
            notes.append("已解除" if zh else "lifted")
        note = f"（{'；'.join(notes)}）" if notes else ""
        print(f"{row.fid:<5} {label:<6} {days!s:>8}  {row.projected_downgrade or '-'!s:<12}  {ready:<5} "
              f"{row.population:>8}  {row.name or ''}{note}")
    return 0


def cmd_changes(args) -> int:
    from data import zone_store
    from data.project import Project

    since = _date(args.since)
    project = Project.open(args.path)
    changes = zone_store.changes_since(project, since)
    if args.json:
        _print_geojson(changes, since=since.isoformat())
        return 0
    zh = ui_language() == "zh"
    if changes.empty:
        print(f"{since} 以来管控区域没有变化。" if zh else f"No zone changes since {since}.")
        return 0
    print(f"{since} 以来的变化：" if zh else f"Changes since {since}:")
    scheme = zone_store.load_scheme(project)
    for row in changes.itertuples():
        change = row.change_label if zh else row.change
        tiers = " → ".join(scheme.label(t, "zh" if zh else "en") for t in (row.tier_before, row.tier_after) if t)
        print(f"  {change}  {row.name or ''}（{'编号' if zh else 'fid'} {row.fid}）  {tiers}  {row.changed_at}")
    return 0


def _proposal_lines(diff, applied: list[bool], apply: bool, scheme) -> list[str]:
    """The proposal in four groups (new, changed, unchanged, may step down) with their counts, and what
    ``--apply`` did or would do."""
    zh = ui_language() == "zh"
    lang = "zh" if zh else "en"
    proposal = diff.proposal
    first = proposal.as_of - dt.timedelta(days=proposal.days - 1)
    if proposal.zones:
        lines = [f"分级方案：{scheme.zh}；{first} 至 {proposal.as_of} 的感染者 {proposal.cases_used} 例" if zh else
                 f"Scheme: {scheme.en}; {proposal.cases_used} infections from {first} to {proposal.as_of}"]
    else:
        lines = [f"{first} 至 {proposal.as_of} 没有确诊病例或无症状感染者，无需提议管控区域。" if zh
                 else f"No confirmed or asymptomatic cases from {first} to {proposal.as_of}: nothing to propose."]
    if proposal.cases_outside_units:
        lines.append(f"注意：另有 {proposal.cases_outside_units} 例不在任何单元内，未纳入提议。" if zh else
                     f"Note: {proposal.cases_outside_units} more lie outside every unit and are not in the proposal.")
    if not diff.items:
        return lines
    counts = diff.counts()
    lines.append(("、" if zh else ", ").join(f"{group.label(lang)} {count}" for group, count in counts.items()))
    for group, count in counts.items():
        if not count:
            continue
        lines.append(f"{group.zh}（{count}）" if zh else f"{group.en} ({count}):")
        lines += [_comparison_line(item, done, scheme, zh) for item, done in zip(diff.items, applied, strict=True)
                  if item.group is group]
    stored, updated = (sum(done and item.zone_fid is None for item, done in zip(diff.items, applied, strict=True)),
                       sum(done and item.zone_fid is not None for item, done in zip(diff.items, applied, strict=True)))
    if apply and (stored or updated):
        lines.append(f"已保存为管控区域：新增 {stored} 个、更新 {updated} 个，其余未改动；已记入操作日志。" if zh
                     else f"Stored: {stored} new zones, {updated} updated in place, the rest untouched; logged.")
    elif apply:
        lines.append("没有需要保存的改动：生效的管控区域已与提议一致。" if zh
                     else "Nothing to store: the zones in force already match the proposal.")
    elif counts[ProposalGroup.NEW] or counts[ProposalGroup.CHANGED]:
        lines.append("这只是提议，尚未保存；确认后加 --apply 保存新增和变更的区域。" if zh
                     else "This is only a proposal, nothing stored; add --apply to store the new and changed zones.")
    if any(item.applicable and item.proposed.is_rest_of_county and not done
           for item, done in zip(diff.items, applied, strict=True)):
        lines.append("“其余地区”（全县剩余范围）不默认保存；需要时加 --with-rest。" if zh
                     else "The rest of the county is not stored by default; add --with-rest to store it.")
    if counts[ProposalGroup.MAY_STEP_DOWN]:
        lines.append("可解除或降级的区域不会自动改动，请按降级条件逐一处理。" if zh
                     else "Zones that may be lifted or stepped down are never changed here; step them down one by one.")
    return lines


def _comparison_line(item, applied: bool, scheme, zh: bool) -> str:
    lang = "zh" if zh else "en"

    def tier(key: str) -> str:
        return scheme.label(key, lang) if key in scheme.keys else key

    name = item.name or ""
    if item.zone_fid is not None:
        name += f"（编号 {item.zone_fid}）" if zh else f" (fid {item.zone_fid})"
    parts = [tier(item.tier), name]
    if item.group is ProposalGroup.MAY_STEP_DOWN:
        if item.proposed is not None:
            parts.append(f"提议等级：{tier(item.proposed.tier)}" if zh else f"proposed tier: {tier(item.proposed.tier)}")
    elif item.changes:
        changed = ("、" if zh else ", ").join(c.label(lang) for c in item.changes)
        if ZoneDifference.TIER in item.changes:
            changed += f"（{tier(item.active.tier)} → {tier(item.tier)}）" if zh else \
                f" ({tier(item.active.tier)} → {tier(item.tier)})"
        parts.append(f"变更：{changed}" if zh else f"changes: {changed}")
    if item.proposed is not None:
        zone = item.proposed
        parts += [f"{len(zone.unit_codes)}个单元" if zh else f"{len(zone.unit_codes)} units",
                  f"人口 {zone.population}" if zh else f"population {zone.population}",
                  zone.reason if zh else zone.reason_en]
    if applied:
        parts.append("（已保存）" if zh else "(stored)")
    return "  " + "  ".join(parts)


def _print_geojson(frame: gpd.GeoDataFrame, **members) -> None:
    """``frame`` as a GeoJSON FeatureCollection in WGS84, with ``members`` as extra top-level members."""
    collection = frame.to_crs(WGS84_EPSG).to_geo_dict(drop_id=True)
    print(strict_json.dumps({**collection, **members}, default=_json_value))


def _json_value(value):
    return value.item() if hasattr(value, "item") else str(value)


def _date(text: str | None) -> dt.date | None:
    return as_date(text) if text else None
