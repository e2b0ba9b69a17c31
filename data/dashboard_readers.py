"""What the dashboard's tabs show, read from the project without Qt (each runs off the UI thread): capacity,
the epidemic curve and the areas to choose from, cases per area with the cases and key persons behind them,
follow-ups and reports due, the state of an allocation plan and the plan itself; :func:`run_readers` runs
several in one worker.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data import capacity_store, stats_store
from data.project import Project, one_of
from gis.capacity import DemandAssumptions, site_rooms
from gis.glossary import UnitLevel
from gis.grid_stats import VILLAGE_LEVELS, positions_of, values_by_code

FOLLOWUP_LOOKBACK_DAYS = 3  # a missed follow-up test stays listed (as overdue) this many days


def read_capacity(project: Project, as_of: dt.date, standard: float, demand: DemandAssumptions) -> dict:
    """The capacity tab's figures: the county, the demand, the towns (with their outlines), the sites (with
    what their readiness lacks) and the occupancy snapshots."""
    assumptions = capacity_store.central_demand_assumptions(project, demand)
    counts = capacity_store.demand_by_town(project, as_of, assumptions)  # read once for the towns, county, demand
    sites = capacity_store.site_capacity(project, as_of)  # likewise for the towns, county and site table
    towns = capacity_store.town_capacity(project, standard, as_of, demand, counts=counts, sites=sites)
    outlines = stats_store.units_of_level(project, UnitLevel.TOWN.value).geometry
    readiness = capacity_store.site_readiness(project)[["checklist_missing", "team_missing", "contact", "phone"]]
    return {"as_of": as_of, "standard": standard,
            "county": capacity_store.county_capacity(project, standard, as_of, demand, counts=counts, sites=sites),
            "demand": capacity_store.demand_summary(project, as_of, demand, counts=counts),
            "towns": towns.assign(geometry=outlines.reindex(towns.index)),
            "sites": sites.join(readiness),
            "occupancy": project.read_layer("occupancy_snapshots")}


def read_curve(project: Project, unit_code: str | None, as_of: dt.date, date: str = "reported") -> dict:
    """The curve of one area, and the areas that can be chosen: those whose code names them alone (each town
    followed by its villages and communities, then villages outside every town)."""
    units = stats_store.layer_once(project, "admin_units")
    units = units[positions_of(units["code"], units["code"]) >= 0].sort_values("code")
    towns = units[units["level"] == UnitLevel.TOWN.value]
    villages = units[units["level"].isin(VILLAGE_LEVELS)]
    order = [code for town in towns["code"] for code in [town, *villages.loc[villages["parent_code"] == town, "code"]]]
    order += villages.loc[~villages["code"].isin(order), "code"].tolist()
    units = units.set_index("code").loc[order, ["name"]].reset_index()
    units["name"] = units["name"].fillna(units["code"])
    unit_code = unit_code if unit_code in set(order) else None
    return {"as_of": as_of, "units": units, "curve": stats_store.epidemic_curve(project, unit_code, end=as_of, date=date)}


def read_grid_counts(project: Project, by: str, start: dt.date | None, end: dt.date, grid: int | None = None) -> dict:
    """Cases per area (``by``: grid, village or town) reported from ``start`` to ``end``, the grids' codes and
    names and the areas' bounds by fid; with ``grid`` (a grid's fid), that grid's cases in the window and key
    persons (``grid``: see :func:`grid_cases`). Counted from :func:`data.stats_store.case_places`: no case row
    is read but the listed grid's."""
    units = stats_store.units_at(project, by)
    places = stats_store.case_places(project)
    counts = stats_store.place_counts(places, units, by, start, end)
    grids = stats_store.layer_once(project, "grids")
    areas = grids if by == "grid" else stats_store.layer_once(project, "admin_units")
    return {
        "by": by, "counts": counts.reset_index(), "unlocated": counts.attrs["unlocated"],
        "grids": grids[["code", "name"]],
        "bounds": areas.geometry.bounds,  # by fid
        "grid": None if grid is None else grid_cases(project, places, grids, grid, start, end),
    }


def grid_cases(project: Project, places: stats_store.CasePlaces, grids: pd.DataFrame, fid: int,
               start: dt.date | None, end: dt.date) -> dict | None:
    """Grid ``fid``'s ``cases`` reported from ``start`` to ``end`` (those lying in a grid of its code) and its
    ``persons`` (the key persons recorded with its code); None if there is no such grid."""
    if fid not in grids.index:
        return None
    code = grids.at[fid, "code"]
    codes = [code] if pd.notna(code) else []  # a grid without a code lists no case and no person
    same_code = grids.index[grids["code"].isin(codes).to_numpy()]
    cases = stats_store.cases_in_grids(project, places, same_code, start, end, ["case_no", "address", "site_name"])
    persons = project.read_layer("key_persons", where=one_of("grid_code", codes), params=codes)
    return {"fid": fid, "cases": cases[["case_no", "category", "reported", "address", "site_name", "grid_code"]],
            "persons": persons[["person_no", "category", "arrival_at", "origin", "schedule", "grid_code"]]}


def read_due(project: Project, on_date: dt.date, at: dt.datetime) -> dict:
    """Follow-up tests due on ``on_date`` or missed in the days before, and reporting steps past their deadline
    at ``at``, each with the name of its grid."""
    grids = stats_store.layer_once(project, "grids")
    followups = stats_store.followups_due(project, on_date, FOLLOWUP_LOOKBACK_DAYS)
    reports = stats_store.overdue_reports(project, at)
    return {"on_date": on_date, "at": at,
            "followups": followups.assign(grid=grid_names(followups["grid_code"], grids)),
            "reports": reports.assign(grid=grid_names(reports["grid_code"], grids))}


def grid_names(codes: pd.Series, grids: pd.DataFrame) -> pd.Series:
    """The names of the grids with these codes (the code where no grid, or more than one, has it)."""
    names = values_by_code(grids["code"], grids["name"], codes).to_numpy()
    return pd.Series(np.where(pd.isna(names), codes.to_numpy(dtype=object), names), index=codes.index, dtype=object)


def plan_state(project: Project, plan: pd.DataFrame | None) -> str:
    """Whether ``plan`` can still be confirmed ("ready"), is in the project ("confirmed"), or no longer fits
    the project ("stale"); "none" without a plan."""
    if plan is None:
        return "none"
    assigned = plan[plan["site_fid"].notna()]
    fids, _x, _y, cases = project.read_points("cases", ["site_name"])
    site = pd.Series(cases["site_name"].to_numpy(), index=fids).reindex(assigned.index)
    site = site.fillna("").astype(str).str.strip()
    if len(assigned) and (site == assigned["site_name"]).all():
        return "confirmed"
    if (site == "").all():
        free = site_rooms(project.read_layer("isolation_sites"))["free"]
        arrivals = assigned.groupby("site_fid").size()
        if (arrivals <= free.reindex(arrivals.index, fill_value=0)).all():
            return "ready"
    return "stale"


def make_plan(project: Project, label: str, progress, cancelled) -> dict | None:
    """Work function: the ``plan`` of :func:`data.capacity_store.plan_allocation` and the arrivals per site
    (``sites``), or None if cancelled."""
    progress(10, label)
    try:
        plan = capacity_store.plan_allocation(project)
        sites = project.read_layer("isolation_sites")
        grids = project.read_layer("grids")
    finally:
        project.close()  # this thread's connection
    arriving = plan["site_fid"].dropna().astype("int64").value_counts()
    free = site_rooms(sites)["free"].reindex(arriving.index)
    per_site = pd.DataFrame({"site_name": sites["name"].reindex(arriving.index), "arriving": arriving, "free": free,
                             "free_after": free - arriving})
    return None if cancelled() else {"plan": plan.assign(grid=grid_names(plan["grid_code"], grids)),
                                     "sites": per_site}


def run_readers(project: Project, jobs: dict, progress, cancelled) -> dict | None:
    """Work function: each tab's reading, or None if cancelled. The tabs share one read of the cases
    (:func:`data.stats_store.one_reading`)."""
    results = {}
    try:
        with stats_store.one_reading(project):
            for i, (tab, job) in enumerate(jobs.items()):
                if cancelled():
                    return None
                progress(100 * i // len(jobs), "")
                results[tab] = job(project)
    finally:
        project.close()  # this thread's connection
    return results
