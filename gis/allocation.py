"""Assigning people waiting for isolation to sites with free rooms: a plan, nothing written.

Rule: people are served one at a time, sealed-zone residents first and otherwise in the order given
(put the longest-waiting first); each takes the nearest site (straight-line distance, measured in the
local Gauss-Krüger zone) that still has a free room. No site ever receives more people than it has free
rooms; when rooms run out, the rest stay unassigned, as do people without a location.

>>> import geopandas as gpd, shapely
>>> people = gpd.GeoSeries([shapely.Point(112.60, 35.1), shapely.Point(112.61, 35.1)], crs=4490, index=[7, 8])
>>> sites = gpd.GeoSeries([shapely.Point(112.605, 35.1), shapely.Point(112.70, 35.1)], crs=4490, index=["A", "B"])
>>> allocate_to_sites(people, sites, free_rooms=[1, 5], sealed=[False, True])["site"].to_dict()
{8: 'A', 7: 'B'}
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import metric_crs_for


def allocate_to_sites(persons: gpd.GeoSeries, sites: gpd.GeoSeries, free_rooms, sealed=None) -> pd.DataFrame:
    """Plan who goes where.

    Parameters
    ----------
    persons : the waiting people's home points, in a geographic CRS; the index identifies each person.
    sites : the sites' points (same CRS); the index identifies each site.
    free_rooms : rooms each site can still take (one person per room), in the order of ``sites``.
    sealed : optional booleans, True for residents of a sealed zone (served first).

    Returns
    -------
    DataFrame indexed like ``persons`` in the order they were served, with ``site`` (a label from the
    sites' index, missing if no room was left) and ``distance_m`` (straight-line metres, NaN if none).
    """
    free = np.maximum(np.asarray(free_rooms, dtype=np.int64), 0).copy()
    sealed = np.zeros(len(persons), dtype=bool) if sealed is None else np.asarray(sealed, dtype=bool)
    order = np.argsort(~sealed, kind="stable")
    chosen = np.full(len(persons), -1, dtype=np.int64)
    distance = np.full(len(persons), np.nan)
    if len(persons) and len(sites):
        distances = _distance_matrix(persons, sites)
        nearest_first = np.argsort(distances, axis=1, kind="stable")
        located = ~np.isnan(distances).any(axis=1)
        for person in order[located[order]]:
            if not free.any():
                break
            candidates = nearest_first[person]
            site = candidates[np.argmax(free[candidates] > 0)]
            chosen[person] = site
            free[site] -= 1
        assigned = np.flatnonzero(chosen >= 0)
        distance[assigned] = distances[assigned, chosen[assigned]]
    site_labels = np.full(len(persons), None, dtype=object)
    site_labels[chosen >= 0] = np.asarray(sites.index, dtype=object)[chosen[chosen >= 0]]
    plan = pd.DataFrame({"site": site_labels, "distance_m": distance}, index=persons.index)
    return plan.iloc[order]


def _distance_matrix(persons: gpd.GeoSeries, sites: gpd.GeoSeries) -> np.ndarray:
    """Straight-line metres from every person (rows) to every site (columns), in a local metric CRS."""
    if persons.crs is None or sites.crs is None:
        raise ValueError("persons and sites need a CRS")
    metric = metric_crs_for(pd.concat([persons, sites.to_crs(persons.crs)]))
    a, b = persons.to_crs(metric).values, sites.to_crs(metric).values
    return np.hypot(shapely.get_x(a)[:, None] - shapely.get_x(b)[None, :],
                    shapely.get_y(a)[:, None] - shapely.get_y(b)[None, :])
