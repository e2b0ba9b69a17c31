"""``capacity PATH.gpkg [--json]``: isolation rooms per site and per town against the standard, demand,
shortfall and days until full."""

from __future__ import annotations

import datetime as dt

from gis.errors import ui_language


def register(subparsers) -> None:
    zh = ui_language() == "zh"
    parser = subparsers.add_parser("capacity", help="隔离房间容量与需求" if zh else "isolation capacity and demand")
    parser.add_argument("path", help="项目文件（.gpkg）" if zh else "project file (.gpkg)")
    parser.add_argument("--json", action="store_true", help="输出 JSON" if zh else "print JSON")
    parser.set_defaults(func=run)


def run(args) -> int:
    from data import strict_json
    from data.capacity_store import (
        central_demand_assumptions,
        county_capacity,
        demand_by_town,
        demand_summary,
        site_capacity,
        town_capacity,
    )
    from data.project import Project
    from data.stats_store import json_records, one_reading, plain_value
    from gis.capacity import DEFAULT_DEMAND, ROOMS_PER_10K_STANDARD

    project = Project.open(args.path)
    today = dt.date.today()
    with one_reading(project):  # the grids and units read once
        counts = demand_by_town(project, today, central_demand_assumptions(project, DEFAULT_DEMAND))  # cases read once
        demand = demand_summary(project, today, counts=counts)
        sites = site_capacity(project, today)  # read once for the county, the towns and the site table
        county = {**county_capacity(project, as_of=today, counts=counts, sites=sites), "waiting": demand.waiting,
                  "daily_need": demand.daily_need, "demand_shortfall": demand.shortfall,
                  "runs_out_on": demand.runs_out_on}
        towns = town_capacity(project, as_of=today, counts=counts, sites=sites)
    report = {"as_of": today.isoformat(), "standard": ROOMS_PER_10K_STANDARD,
              "county": {key: plain_value(value) for key, value in county.items()},
              "sites": json_records(sites), "towns": json_records(towns)}
    if args.json:
        print(strict_json.dumps(report, indent=2))
    else:
        print(human_report(project.metadata.get("name"), report, sites, towns, demand))
    return 0


def human_report(project_name: str, report: dict, sites, towns, demand) -> str:
    """The capacity report as text in the UI language: county summary, then the site and town tables."""
    from data.capacity_store import COLUMN_LABELS
    from data.stats_store import text_table, with_headers
    from gis.glossary import SiteStatus

    lang = ui_language()
    zh = lang == "zh"
    county, standard = report["county"], report["standard"]
    per_10k = "-" if county["rooms_per_10k"] is None else county["rooms_per_10k"]
    runs_out = county["runs_out_on"] or ("不会用尽" if zh else "never")
    if zh:
        lines = [f"{project_name}  隔离房间（{report['as_of']}）",
                 f"全县：房间 {county['rooms']} 间，每万人 {per_10k} 间（标准 {standard} 间）"
                 f"{'，低于标准' if county['shortfall'] else ''}；已用 {county['occupied']}，空闲 {county['free']}，"
                 f"备用 {county['standby_rooms']}",
                 f"需求：待隔离 {demand.waiting} 人，未来 {demand.horizon_days} 天共需 {demand.demand} 间，"
                 f"缺口 {demand.shortfall} 间；空闲房间预计用尽日期：{runs_out}"]
    else:
        lines = [f"{project_name}  isolation rooms ({report['as_of']})",
                 f"County: {county['rooms']} rooms, {per_10k} per 10,000 (standard {standard})"
                 f"{', below standard' if county['shortfall'] else ''}; occupied {county['occupied']}, "
                 f"free {county['free']}, standby {county['standby_rooms']}",
                 f"Demand: {demand.waiting} waiting, {demand.demand} rooms needed over {demand.horizon_days} days, "
                 f"shortfall {demand.shortfall}; free rooms run out: {runs_out}"]
    status = sites["status"].map(lambda v: SiteStatus(v).label(lang) if v in SiteStatus.values() else v)
    sites = sites.drop(columns=["town_code", "town_fid", "reserved"]).assign(status=status)
    towns = towns.assign(shortfall=towns["shortfall"].map({True: "是" if zh else "yes", False: ""}))
    lines += ["", "隔离场所：" if zh else "Sites:", text_table(with_headers(sites, lang, COLUMN_LABELS)),
              "", "乡镇（街道）：" if zh else "Towns:", text_table(with_headers(towns, lang, COLUMN_LABELS))]
    return "\n".join(lines)
