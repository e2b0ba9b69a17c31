"""Isolation capacity in the project: site and town capacity tables, demand, allocation (planned, then
confirmed), transfer lists, daily occupancy snapshots, activating standby sites, site readiness.

Every write is one transaction with meaningful audit-log actions: ``activate_site``,
``record_occupancy``, ``allocate_isolation`` (each case and site changed) and ``confirm_allocation``
(one summary row per confirmed plan).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data.project import Project, coded, one_of
from data.schema import ISOLATION_SITES
from data.stats_store import layer_once, located_cases, schedule_rules, units_of_level, write_xlsx
from gis.allocation import allocate_to_sites
from gis.capacity import (
    DEFAULT_DEMAND,
    ROOMS_PER_10K_STANDARD,
    DemandAssumptions,
    DemandForecast,
    below_standard,
    days_until_full,
    expected_demand,
    forecast_demand,
    intake_rates,
    rooms_per_10k,
    site_rooms,
)
from gis.errors import UserError
from gis.glossary import INFECTED, CaseCategory, SiteStatus, TeamRole, Tier, UnitLevel, ZoneStatus
from gis.grid_stats import containing, locate_points, parse_times, positions_of
from gis.schedules import centrally_isolated

CONTACT_CATEGORIES = (CaseCategory.CLOSE_CONTACT.value, CaseCategory.SECONDARY_CONTACT.value)
CHECKLIST_FLAGS = ("independent_water", "independent_ac", "one_per_room")
COLUMN_LABELS = {  # column -> (Chinese, English) header of the capacity tables
    "code": ("代码", "code"), "name": ("名称", "name"), "status": ("状态", "status"), "population": ("人口", "population"),
    "rooms": ("房间", "rooms"), "occupied": ("已用", "occupied"), "reserved": ("预留", "reserved"),
    "free": ("空闲", "free"), "standby_rooms": ("备用房间", "standby rooms"),
    "rooms_per_10k": ("每万人房间", "rooms per 10k"), "shortfall": ("低于标准", "below standard"),
    "demand": ("需求人数", "demand"), "intake_per_day": ("日均净增", "net intake/day"),
    "days_until_full": ("预计满员天数", "days until full"), "town_code": ("乡镇代码", "town code"),
}
TRANSFER_COLUMNS = {"case_no": "编号", "category": "类别", "address": "地址", "grid_code": "网格编码",
                    "sealed": "封控区人员", "distance_km": "直线距离（公里）"}


# --- reading -----------------------------------------------------------------------------------------


def site_capacity(project: Project, as_of: dt.date | None = None, window_days: int = 7) -> pd.DataFrame:
    """Per site, indexed by fid: ``name``, ``status``, ``town_code``, ``town_fid`` (the site's town, see
    :func:`_sites_with_towns`), ``rooms``, ``occupied``, ``reserved``,
    ``free``, ``standby_rooms``, ``intake_per_day`` (net rooms a day over the last ``window_days`` of
    snapshots up to ``as_of``, default today) and ``days_until_full`` (NaN when not filling)."""
    sites = _sites_with_towns(project)
    rooms = site_rooms(sites)
    rates = intake_rates(project.read_layer("occupancy_snapshots"), as_of or dt.date.today(), window_days)
    intake = sites["name"].map(rates).where(sites["status"] == SiteStatus.ACTIVE.value)
    table = sites[["name", "status", "town_code", "town_fid", "rooms", "occupied", "reserved"]].assign(
        free=rooms["free"], standby_rooms=rooms["standby_rooms"], intake_per_day=intake.round(2))
    table["days_until_full"] = days_until_full(table["free"], table["intake_per_day"])
    return table


def town_capacity(project: Project, standard: float = ROOMS_PER_10K_STANDARD, as_of: dt.date | None = None,
                  assumptions: DemandAssumptions = DEFAULT_DEMAND, *, counts: pd.DataFrame | None = None,
                  sites: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per town, in code order (towns without a code last), indexed by the town's fid: ``code``, ``name``,
    ``population``, ``rooms`` (of active and standby sites),
    ``occupied``, ``free``, ``standby_rooms``, ``rooms_per_10k``, ``shortfall`` (True below ``standard``
    rooms per 10,000 residents), ``demand`` (people waiting in the town plus the forecast for its new
    cases) and ``days_until_full`` (its sites' free rooms at their recent intake). ``counts``: the
    :func:`demand_by_town` counts, ``sites`` the :func:`site_capacity` table, when already read."""
    as_of = as_of or dt.date.today()
    assumptions = central_demand_assumptions(project, assumptions)
    towns = units_of_level(project, UnitLevel.TOWN.value).sort_values("code", kind="stable", na_position="last")
    sites = site_capacity(project, as_of) if sites is None else sites
    counts = demand_by_town(project, as_of, assumptions) if counts is None else counts
    return _capacity_table(towns, sites["town_fid"], sites, counts[counts.index.notna()], standard, assumptions)


def county_capacity(project: Project, standard: float = ROOMS_PER_10K_STANDARD, as_of: dt.date | None = None,
                    assumptions: DemandAssumptions = DEFAULT_DEMAND, *, counts: pd.DataFrame | None = None,
                    sites: pd.DataFrame | None = None) -> dict:
    """The county's totals, with the same keys as a :func:`town_capacity` row (``counts`` and ``sites`` as there)."""
    as_of = as_of or dt.date.today()
    assumptions = central_demand_assumptions(project, assumptions)
    county = units_of_level(project, UnitLevel.COUNTY.value).iloc[:1]
    if county.empty:
        county = pd.DataFrame({"code": [project.metadata.get("county_code") or ""],
                               "name": [project.metadata.get("name")], "population": [pd.NA]})
    sites = site_capacity(project, as_of) if sites is None else sites
    counts = demand_by_town(project, as_of, assumptions) if counts is None else counts
    everything = counts.sum().to_frame(county.index[0]).T  # the cases in no town too
    table = _capacity_table(county, pd.Series(county.index[0], index=sites.index, dtype=object), sites, everything,
                            standard, assumptions)
    return table.iloc[0].to_dict()


def waiting_persons(project: Project) -> gpd.GeoDataFrame:
    """Contacts whose rule sends them to a central site (see :func:`central_categories`) and who have no
    isolation site yet, longest-waiting first, indexed by case fid: the cases columns plus located
    ``unit_code``/``town_code`` and ``sealed`` (home inside an active sealed zone)."""
    return _waiting(project, located_cases(project))


def central_categories(project: Project) -> list[str]:
    """The contact categories the project's rules isolate at central sites (9th edition: close contacts only;
    secondary contacts are isolated at home and need no room)."""
    return centrally_isolated(schedule_rules(project), CONTACT_CATEGORIES)


def central_demand_assumptions(project: Project, assumptions: DemandAssumptions) -> DemandAssumptions:
    """``assumptions`` with no rooms for the contacts the project's rules isolate at home."""
    central = central_categories(project)
    return dataclasses.replace(
        assumptions,
        close_contacts_per_case=assumptions.close_contacts_per_case if CaseCategory.CLOSE_CONTACT.value in central else 0.0,
        secondary_contacts_per_case=(assumptions.secondary_contacts_per_case
                                     if CaseCategory.SECONDARY_CONTACT.value in central else 0.0))


def demand_summary(project: Project, as_of: dt.date | None = None,
                   assumptions: DemandAssumptions = DEFAULT_DEMAND, *, counts: pd.DataFrame | None = None
                   ) -> DemandForecast:
    """The county's demand for rooms against its free rooms, and the day they run out if nothing changes
    (see :func:`gis.capacity.forecast_demand`; ``counts`` as for :func:`town_capacity`)."""
    as_of = as_of or dt.date.today()
    assumptions = central_demand_assumptions(project, assumptions)
    counts = demand_by_town(project, as_of, assumptions) if counts is None else counts
    rooms = site_rooms(project.read_layer("isolation_sites"))
    return forecast_demand(int(counts["waiting"].sum()), int(counts["new"].sum()), int(rooms["free"].sum()),
                           int(rooms["standby_rooms"].sum()), as_of, assumptions)


def site_readiness(project: Project) -> pd.DataFrame:
    """Per site, indexed by fid: ``name``, ``status``, ``contact``, ``phone``, ``checklist_missing`` (Chinese
    labels of the seed-checklist items not met), ``team_missing`` (六合一 roles with nobody named) and
    ``ready`` (nothing missing)."""
    sites = project.read_layer("isolation_sites")
    checklist = pd.Series([[ISOLATION_SITES.field(flag).zh for flag in CHECKLIST_FLAGS if row[flag] != 1]
                           for _, row in sites[list(CHECKLIST_FLAGS)].fillna(0).iterrows()], index=sites.index)
    team_columns = [f"team_{role.value}" for role in TeamRole]
    named = sites[team_columns].fillna("").astype(str).apply(lambda column: column.str.strip() != "")
    team = pd.Series([[role.zh for role, ok in zip(TeamRole, row, strict=True) if not ok]
                      for row in named.itertuples(index=False)], index=sites.index)
    table = sites[["name", "status", "contact", "phone"]].assign(checklist_missing=checklist, team_missing=team)
    table["ready"] = (checklist.str.len() == 0) & (team.str.len() == 0)
    return table


# --- allocation ----------------------------------------------------------------------------------------


def plan_allocation(project: Project) -> pd.DataFrame:
    """Who would go where (nothing written): the waiting persons served sealed-zone residents first, then
    longest-waiting first, each to the nearest active site with a free room (see
    :func:`gis.allocation.allocate_to_sites`). Indexed by case fid in that order: ``case_no``, ``category``,
    ``address``, ``grid_code``, ``sealed``, ``site_fid``, ``site_name`` and ``distance_m`` (missing when
    no room is left)."""
    waiting = waiting_persons(project)
    sites = project.read_layer("isolation_sites")
    free = site_rooms(sites)["free"]
    open_sites = sites[free > 0]
    plan = allocate_to_sites(waiting.geometry, open_sites.geometry, free[free > 0], sealed=waiting["sealed"])
    details = waiting.loc[plan.index, ["case_no", "category", "address", "grid_code", "sealed"]]
    site_fid = plan["site"].astype("Int64")
    return details.assign(site_fid=site_fid, site_name=site_fid.map(sites["name"]).astype(object),
                          distance_m=plan["distance_m"].round(0))


def confirm_allocation(project: Project, plan: pd.DataFrame) -> int:
    """Write a plan from :func:`plan_allocation`: each assigned case gets its ``site_name`` and each site's
    ``occupied`` grows by its new arrivals, in one transaction. Refused (nothing written) if meanwhile a
    case got a site or a site lacks the free rooms. Returns the number of persons assigned."""
    assigned = plan[plan["site_fid"].notna()]
    arrivals = assigned.groupby("site_fid").size()
    with project.transaction() as edit:
        sites = project.read_layer("isolation_sites")
        free = site_rooms(sites)["free"]
        for fid, count in arrivals.items():
            if fid not in sites.index or count > free[fid]:
                name = sites["name"].get(fid, fid)
                left = int(free.get(fid, 0))
                raise UserError(f"隔离场所“{name}”只剩 {left} 间空房，不够安排 {count} 人。请重新生成分配方案。",
                                f"Site '{name}' has only {left} free rooms for {count} people. Plan again.")
        cases = project.read_layer("cases")
        already = cases.reindex(assigned.index)["site_name"].fillna("").astype(str).str.strip() != ""
        if already.any():
            raise UserError("分配方案已过期：部分人员已有隔离场所。请重新生成分配方案。",
                            "The plan is out of date: some people already have a site. Plan again.")
        for fid, site_fid in assigned["site_fid"].items():
            edit.update("cases", int(fid), {"site_name": sites.at[site_fid, "name"]}, action="allocate_isolation")
        occupied = sites["occupied"].fillna(0)
        for site_fid, count in arrivals.items():
            edit.update("isolation_sites", int(site_fid), {"occupied": int(occupied[site_fid] + count)},
                        action="allocate_isolation")
        edit.log("confirm_allocation", "cases",
                 after={"persons": len(assigned), "sites": {sites.at[f, "name"]: int(n) for f, n in arrivals.items()}})
    return len(assigned)


def write_transfer_lists(plan: pd.DataFrame, path) -> Path:
    """An Excel transfer list (转运名单): a summary sheet, one sheet per site with the persons going there,
    nearest first, and a sheet of those left without a room. No personal data is written."""
    rows = plan.assign(category=plan["category"].map(lambda v: CaseCategory(v).zh),
                       sealed=plan["sealed"].map({True: "是", False: "否"}),
                       distance_km=(plan["distance_m"] / 1000).round(2))
    assigned = rows[rows["site_name"].notna()]
    summary = assigned.groupby("site_name", sort=True).agg(
        persons=("case_no", "size"), sealed=("sealed", lambda s: int((s == "是").sum())),
        mean_km=("distance_km", "mean")).round(2).reset_index()
    summary.columns = ["隔离场所", "转运人数", "其中封控区人员", "平均直线距离（公里）"]
    sheets = {"汇总": summary}
    for name, group in assigned.groupby("site_name", sort=True):
        sheets[name] = _transfer_sheet(group.sort_values("distance_km"))
    left = rows[rows["site_name"].isna()]
    if len(left):
        sheets["未安排"] = _transfer_sheet(left)
    return write_xlsx(path, sheets)


# --- writing -------------------------------------------------------------------------------------------


def activate_site(project: Project, fid: int) -> None:
    """Turn a standby site into an active one (one logged action, ``activate_site``)."""
    with project.transaction() as edit:
        sites = project.read_layer("isolation_sites")
        if fid not in sites.index:
            raise UserError(f"没有编号为 {fid} 的隔离场所。", f"No isolation site {fid}.")
        name, status = sites.at[fid, "name"], sites.at[fid, "status"]
        if status != SiteStatus.STANDBY.value:
            label = SiteStatus(status).zh if status in SiteStatus.values() else status
            raise UserError(f"“{name}”当前为“{label}”，只有备用场所可以启用。",
                            f"'{name}' is {status}; only a standby site can be activated.")
        edit.update("isolation_sites", int(fid), {"status": SiteStatus.ACTIVE.value}, action="activate_site")


def record_occupancy_snapshot(project: Project, on_date: dt.date | None = None) -> int:
    """Record the day's occupancy (rooms, occupied) of every active and standby site, replacing any
    snapshot already taken that day; one transaction logged as ``record_occupancy``. Returns the rows written."""
    day = (on_date or dt.date.today()).isoformat()
    sites = project.read_layer("isolation_sites")
    sites = sites[sites["status"].isin([SiteStatus.ACTIVE.value, SiteStatus.STANDBY.value])]
    rows = pd.DataFrame({"date": day, "site_name": sites["name"].to_numpy(),
                         "rooms": sites["rooms"].fillna(0).to_numpy(), "occupied": sites["occupied"].fillna(0).to_numpy()})
    with project.transaction() as edit:
        earlier = project.read_layer("occupancy_snapshots", where="date = ?", params=(day,))
        edit.delete("occupancy_snapshots", earlier.index.tolist(), action="record_occupancy")
        edit.insert("occupancy_snapshots", rows, log_each=False)
        edit.log("record_occupancy", "occupancy_snapshots", after={"date": day, "sites": len(rows),
                                                                    "occupied": int(rows["occupied"].sum())})
    return len(rows)


# --- helpers -------------------------------------------------------------------------------------------


def _capacity_table(units: pd.DataFrame, site_unit: pd.Series, sites: pd.DataFrame, demand: pd.DataFrame,
                    standard: float, assumptions: DemandAssumptions) -> pd.DataFrame:
    """Capacity per unit (``code``, ``name``, ``population``; indexed like ``units``) from the
    :func:`site_capacity` table, the unit (an index label of ``units``) of each site, and the persons
    ``waiting`` and ``new`` cases in each unit (indexed by unit, as :func:`demand_by_town` counts them)."""
    per_site = pd.DataFrame({
        "unit": site_unit, "rooms": site_rooms(sites)["prepared_rooms"], "occupied": sites["occupied"].fillna(0),
        "free": sites["free"], "standby_rooms": sites["standby_rooms"], "intake": sites["intake_per_day"].fillna(0)})
    sums = per_site.groupby("unit").sum().reindex(units.index).fillna(0)
    population = pd.array(units["population"], dtype="Int64")
    table = pd.DataFrame({
        "code": units["code"].to_numpy(), "name": units["name"].to_numpy(), "population": population,
        **{column: sums[column].astype("int64").to_numpy() for column in ("rooms", "occupied", "free", "standby_rooms")},
    }, index=units.index)
    table["rooms_per_10k"] = rooms_per_10k(table["rooms"], population.astype("float64"))
    table["shortfall"] = below_standard(table["rooms"], population.astype("float64"), standard)
    demand = demand.reindex(units.index, fill_value=0)
    table["demand"] = expected_demand(demand["waiting"].to_numpy(), demand["new"].to_numpy(), assumptions)
    table["days_until_full"] = days_until_full(table["free"], sums["intake"].to_numpy())
    return table


def demand_by_town(project: Project, as_of: dt.date, assumptions: DemandAssumptions) -> pd.DataFrame:
    """The persons ``waiting`` for a room and the ``new`` infections reported in the ``recent_days`` ending on
    ``as_of``, counted per town (indexed by the fid of the town they lie in, located as
    :func:`data.stats_store.located_cases` locates; a missing fid counts those in no town). Pass it as ``counts`` to
    several capacity readers (same day and assumptions) to read the cases once.

    Millions of cases are read as the store's point arrays, only the rows that may count (contacts sent to central
    sites, infections of the last days), the category coded as a number, the site read for the contacts and the
    report time for the infections only; only the cases that count are located."""
    central = central_categories(project)
    infected = [c.value for c in INFECTED]
    # ISO times sort as text: two days' margin for a time zone offset, the exact window is applied below
    since = (as_of - dt.timedelta(days=assumptions.recent_days + 1)).isoformat()
    among, sick = one_of("category", central), one_of("category", infected)
    _fids, x, y, fields = project.read_point_values("cases", {
        "category": coded("category", [*central, *infected]), "grid_code": ("grid_code", []),
        "site_name": (f"CASE WHEN {among} THEN site_name END", central),
        "reported_at": (f"CASE WHEN {sick} THEN reported_at END", infected),
    }, where=f"{among} OR ({sick} AND reported_at >= ?)", params=[*central, *infected, since])
    category = fields["category"].astype(np.int64)
    waiting = (category < len(central)) & _blank(pd.Series(fields["site_name"])).to_numpy()
    new = (category >= len(central)) & (category < len(central) + len(infected))
    new[new] = _reported_in_recent_days(fields["reported_at"][new], as_of, assumptions)
    kept = np.flatnonzero(waiting | new)
    located = locate_points(np.column_stack([x, y])[kept], layer_once(project, "grids"),
                            layer_once(project, "admin_units"), fields["grid_code"][kept])
    town, towns = pd.factorize(located["town_fid"], use_na_sentinel=False)  # a missing fid is a town of its own
    return pd.DataFrame({column: np.bincount(town, flags[kept], len(towns)).astype(np.int64)
                         for column, flags in (("waiting", waiting), ("new", new))},
                        index=pd.Index(towns, dtype=object, name="town_fid"))


def _is_waiting(cases: pd.DataFrame, central: list[str]) -> pd.Series:
    """Which ``cases`` wait for a room: of a ``central`` category and with no isolation site yet."""
    return cases["category"].isin(central) & _blank(cases["site_name"])


def _blank(values: pd.Series) -> pd.Series:
    """True where a text is missing or only spaces; each distinct text is looked at once (few sites, many rows)."""
    codes, distinct = pd.factorize(values)
    blank = np.append(pd.Series(distinct, dtype=object).fillna("").astype(str).str.strip().eq("").to_numpy(), True)
    return pd.Series(blank[codes], index=values.index)  # code -1 (missing) takes the last: blank


def _reported_in_recent_days(reported_at: np.ndarray, as_of: dt.date, assumptions: DemandAssumptions) -> np.ndarray:
    """Which report times (ISO text) fall in the ``recent_days`` ending on ``as_of``."""
    since = pd.Timestamp(as_of) - pd.Timedelta(days=assumptions.recent_days - 1)
    times = parse_times(reported_at)
    return times.between(since, pd.Timestamp(as_of) + pd.Timedelta(days=1), inclusive="left").to_numpy()


def _waiting(project: Project, cases: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The waiting persons among located ``cases`` (see :func:`waiting_persons`)."""
    waiting = cases[_is_waiting(cases, central_categories(project))]
    waiting = waiting.assign(sealed=_in_sealed_zone(project, waiting.geometry.values))
    return waiting.sort_values(["reported", "case_no"], kind="stable", na_position="last")


def _sites_with_towns(project: Project) -> gpd.GeoDataFrame:
    """The sites with their town: ``town_fid`` and ``town_code`` of the town the recorded ``town_code`` names
    if it names exactly one, else of the town found on the map (grid -> village -> town, as for cases)."""
    sites = project.read_layer("isolation_sites")
    units = layer_once(project, "admin_units")
    towns = units[units["level"] == UnitLevel.TOWN.value]
    located = locate_points(sites.geometry.values, layer_once(project, "grids"), units)
    recorded = positions_of(towns["code"], sites["town_code"])
    known = recorded >= 0
    fids = np.asarray(towns.index, dtype=object)[np.maximum(recorded, 0)] if len(towns) else located["town_fid"]
    return sites.assign(town_code=np.where(known, sites["town_code"], located["town_code"]),
                        town_fid=np.where(known, fids, located["town_fid"]))


def _in_sealed_zone(project: Project, points) -> np.ndarray:
    """True for points inside a control zone of tier "sealed" (封控区) that is not lifted."""
    zones = project.read_layer("control_zones", where="tier = ? AND (status IS NULL OR status != ?)",
                               params=(Tier.SEALED.value, ZoneStatus.LIFTED.value))
    return containing(points, zones.geometry.values) >= 0


def _transfer_sheet(rows: pd.DataFrame) -> pd.DataFrame:
    table = rows[list(TRANSFER_COLUMNS)].rename(columns=TRANSFER_COLUMNS).reset_index(drop=True)
    table.insert(0, "序号", range(1, len(table) + 1))
    return table
