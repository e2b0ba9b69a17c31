"""Cases per grid (网格化管理): which grid, village/community and town each point lies in; counts by
category, with infections (confirmed + asymptomatic) and contacts (close + secondary) counted apart; daily new
cases for the epidemic curve.

Locating a point is a spatial join, with one shortcut. A case's recorded ``grid_code`` is used only when
its point really lies in that grid (one vectorised point-in-polygon test per case, measured at under
half the cost of an R-tree query); every other point — no code, an unknown code, or a code that disagrees
with the map — is looked up in an STRtree of the grids. So a mistyped grid code can never put a case in
the wrong grid, and a point on the edge shared by two grids stays in the grid it was recorded in.

A grid belongs to the village or community named in its ``unit_code``, and that unit to the town in its
``parent_code``; points in no grid, or in a grid without a known unit, are joined to the units' own
polygons instead. Codes are only trusted when they name exactly one feature: an empty code or one shared by
several units (common in real files) links nothing, and such units are found by their polygons. Each
located point also carries the fid of its grid, village and town, so a unit without a code of its own is
still counted as itself.

>>> import shapely
>>> squares = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
>>> containing(shapely.points([(0.5, 0.5), (1.5, 0.5), (5, 5)]), squares).tolist()
[0, 1, -1]
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.glossary import CONTACTS, INFECTED, CaseCategory, UnitLevel

CATEGORIES = CaseCategory.values()
INFECTED_VALUES = [category.value for category in INFECTED]
CONTACT_VALUES = [category.value for category in CONTACTS]
GROUP_COLUMNS = ("infections", "contacts", "total")  # after the category columns of count_by_category
VILLAGE_LEVELS = (UnitLevel.VILLAGE.value, UnitLevel.COMMUNITY.value)


def containing(points: np.ndarray, polygons: np.ndarray, tree: shapely.STRtree | None = None) -> np.ndarray:
    """For each point, the index of the polygon covering it, or -1 (``tree``: the polygons' STRtree, if made
    already).

    A point on an edge shared by several polygons gets the lowest index among them. The tree gives the polygons
    whose box holds each point; those are then tested polygon by polygon, prepared (each one's point index stays
    in the processor's cache: three times faster than the tree's own test for 200k points in 10k grids).
    """
    points, polygons = np.asarray(points, dtype=object), np.asarray(polygons, dtype=object)
    found = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0 or len(polygons) == 0:
        return found
    point_index, polygon_index = (tree or shapely.STRtree(polygons)).query(points)
    order = np.argsort(polygon_index, kind="stable")
    point_index, polygon_index = point_index[order], polygon_index[order]
    shapely.prepare(polygons)
    xy = np.full((len(points), 2), np.nan)  # missing and empty points have none (and no box: never a candidate)
    drawn = ~(shapely.is_missing(points) | shapely.is_empty(points))
    xy[drawn] = shapely.get_coordinates(points[drawn])
    inside = shapely.intersects_xy(polygons[polygon_index], xy[point_index, 0], xy[point_index, 1])
    point_index, polygon_index = point_index[inside], polygon_index[inside]
    lowest = np.full(len(points), len(polygons), dtype=np.int64)
    np.minimum.at(lowest, point_index, polygon_index)
    found[lowest < len(polygons)] = lowest[lowest < len(polygons)]
    return found


def positions_of(codes, wanted) -> np.ndarray:
    """For each of ``wanted``, the position in ``codes`` of the one code equal to it; -1 where no code
    matches, where several do (a duplicate code), or where the code is missing or blank.

    >>> positions_of(["A", "B", "B", None, ""], ["B", "A", None, "", "C"]).tolist()
    [-1, 0, -1, -1, -1]
    """
    codes = pd.Series(np.asarray(codes, dtype=object), dtype=object)
    usable = codes.notna() & (codes.astype(str).str.strip() != "") & ~codes.duplicated(keep=False)
    found = pd.Index(codes[usable]).get_indexer(pd.Series(np.asarray(wanted, dtype=object), dtype=object))
    return np.where(found >= 0, np.flatnonzero(usable)[np.maximum(found, 0)] if usable.any() else -1, -1)


def values_by_code(codes, values, wanted) -> pd.Series:
    """For each of ``wanted``, the value (of ``values``, aligned with ``codes``) of the one feature with that
    code; None where no code or several match (see :func:`positions_of`).

    >>> values_by_code(["T1", "T2", "T2"], ["东城", "西城", "西城二"], ["T1", "T2", None]).tolist()
    ['东城', None, None]
    """
    return _codes(pd.Series(np.asarray(values, dtype=object)), positions_of(codes, wanted))


def grid_of_points(points: np.ndarray, grid_geometries: np.ndarray, grid_codes, recorded_codes=None) -> np.ndarray:
    """Index into the grids of the grid containing each point (-1 for none).

    ``recorded_codes`` (optional, one per point) are the grid codes the records carry; each is trusted
    only if that grid contains the point and no other grid has the same code (see the module notes).
    """
    return GridLocator(grid_geometries, grid_codes).locate(points, recorded_codes)


class GridLocator:
    """:func:`grid_of_points` for many calls over the same grids: the grids' usable codes and their STRtree are
    made once (on first use), so locating a few points costs microseconds, not the tens of milliseconds of
    indexing ten thousand grids again."""

    def __init__(self, grid_geometries, grid_codes):
        self.geometries = np.asarray(grid_geometries)
        self._codes = grid_codes
        self._claims: tuple[pd.Index, np.ndarray] | None = None  # usable codes, and the grid of each
        self._tree: shapely.STRtree | None = None

    def locate(self, points, recorded_codes=None) -> np.ndarray:
        """Index into the grids of the grid containing each point (-1 for none), as :func:`grid_of_points`.
        ``points`` may be given as their (n, 2) coordinates (see :func:`coordinates`)."""
        xy = coordinates(points)
        found = np.full(len(xy), -1, dtype=np.int64)
        if recorded_codes is not None and len(xy):
            claimed = self._claimed(recorded_codes)
            has_claim = (claimed >= 0) & ~np.isnan(xy).any(axis=1)
            verified = np.zeros(len(xy), dtype=bool)
            shapely.prepare(self.geometries)  # once: later calls find them prepared
            rows = np.flatnonzero(has_claim)
            rows = rows[np.argsort(claimed[rows], kind="stable")]  # grid by grid: a grid's index stays in the cache
            verified[rows] = shapely.intersects_xy(self.geometries[claimed[rows]], xy[rows, 0], xy[rows, 1])
            found[verified] = claimed[verified]
        rest = np.flatnonzero(found < 0)
        if len(rest) and len(self.geometries):
            if self._tree is None:
                self._tree = shapely.STRtree(self.geometries)
            found[rest] = containing(_points_at(xy, rest), self.geometries, self._tree)
        return found

    def _claimed(self, recorded_codes) -> np.ndarray:
        """:func:`positions_of` the grids' codes, with the usable codes indexed once."""
        if self._claims is None:
            own = positions_of(self._codes, self._codes)  # a grid's own position where its code is usable
            usable = np.flatnonzero(own >= 0)
            self._claims = pd.Index(np.asarray(self._codes, dtype=object)[usable], dtype=object), usable
        index, usable = self._claims
        found = index.get_indexer(pd.Series(np.asarray(recorded_codes, dtype=object), dtype=object))
        return np.where(found >= 0, usable[np.maximum(found, 0)] if len(usable) else -1, -1)


def locate_points(points, grids: gpd.GeoDataFrame, units: gpd.GeoDataFrame, recorded_grid_codes=None) -> pd.DataFrame:
    """The grid, village/community and town of each point.

    Parameters
    ----------
    points : array-like of shapely Points (storage CRS), or their (n, 2) coordinates (NaN for a missing point:
        no Point is made but for the few looked up in an index); missing points locate nowhere.
    grids : the ``grids`` layer (``code``, ``unit_code``, geometry).
    units : the ``admin_units`` layer (``code``, ``level``, ``parent_code``, geometry).
    recorded_grid_codes : optional grid codes the records carry (verified, see the module notes).

    Returns
    -------
    DataFrame with ``grid_code``, ``unit_code`` and ``town_code`` (missing where a point lies outside or
    its unit has no code) and ``grid_fid``, ``unit_fid`` and ``town_fid`` (the index labels of that grid and
    unit; missing where it lies outside), in the order of ``points``.
    """
    points = coordinates(points)
    villages = units[units["level"].isin(VILLAGE_LEVELS)]
    towns = units[units["level"] == UnitLevel.TOWN.value]
    grid_index = grid_of_points(points, grids.geometry.values, grids["code"].tolist(), recorded_grid_codes)
    village_of_grid = positions_of(villages["code"], grids["unit_code"])
    village_index = _through(grid_index, village_of_grid)
    _fill_from_polygons(village_index, points, villages.geometry.values)
    town_of_village = positions_of(towns["code"], villages["parent_code"])
    town_index = _through(village_index, town_of_village)
    _fill_from_polygons(town_index, points, towns.geometry.values)
    return pd.DataFrame({"grid_code": _codes(grids["code"], grid_index),
                         "unit_code": _codes(villages["code"], village_index),
                         "town_code": _codes(towns["code"], town_index),
                         "grid_fid": _codes(grids.index, grid_index),
                         "unit_fid": _codes(villages.index, village_index),
                         "town_fid": _codes(towns.index, town_index)})


def count_by_category(keys, categories, all_keys, weights=None) -> pd.DataFrame:
    """Cases per unit (or per day): one column per case category (in glossary order), then ``infections``
    (confirmed + asymptomatic), ``contacts`` (close + secondary) and ``total`` (every record, suspected cases
    included); one row for each of ``all_keys`` (zeros where none), indexed by them. Rows whose key is missing or not
    among ``all_keys``, or whose category is unknown, are not counted. ``all_keys`` must be unique (count
    units by fid when their codes may repeat). ``weights`` (optional, one per row) counts a row that many
    times: rows already grouped and counted by the store."""
    all_keys = pd.Index(all_keys)
    if not all_keys.is_unique:
        raise ValueError("count_by_category needs unique keys; count by fid where codes repeat")
    days = isinstance(all_keys, pd.DatetimeIndex) and getattr(keys, "dtype", None) is not None and keys.dtype.kind == "M"
    # days are matched as datetimes (no Timestamp object made per row); units by their codes or fids as objects
    row = all_keys.get_indexer(keys if days else pd.Series(keys, dtype=object))
    column = pd.Index(CATEGORIES).get_indexer(pd.Series(categories, dtype=object))
    return counts_at(row, column, all_keys, weights)


def counts_at(row: np.ndarray, column: np.ndarray, all_keys: pd.Index, weights=None) -> pd.DataFrame:
    """The table of :func:`count_by_category` from each case's row among ``all_keys`` and the index of its category
    in :data:`CATEGORIES` (either out of range, e.g. -1: not counted)."""
    counted = (row >= 0) & (row < len(all_keys)) & (column >= 0) & (column < len(CATEGORIES))
    weights = None if weights is None else np.asarray(weights, dtype=np.float64)[counted]
    cells = np.bincount(row[counted] * len(CATEGORIES) + column[counted].astype(np.int64), weights,
                        minlength=len(all_keys) * len(CATEGORIES)).astype(np.int64)
    table = pd.DataFrame(cells.reshape(len(all_keys), len(CATEGORIES)), index=all_keys, columns=CATEGORIES)
    table["infections"] = table[INFECTED_VALUES].sum(axis=1)
    table["contacts"] = table[CONTACT_VALUES].sum(axis=1)
    table["total"] = table[CATEGORIES].sum(axis=1)
    return table


def daily_counts(times: pd.Series, categories: pd.Series, start: dt.date | None = None,
                 end: dt.date | None = None, weights=None) -> pd.DataFrame:
    """New cases a day by category (the epidemic curve): one row for every day from ``start`` to ``end``
    (default: the first and last day with a case), one column per category, indexed by date.

    ``times`` are Timestamps (see :func:`parse_times`); rows without one are not counted. ``weights`` as for
    :func:`count_by_category`.
    """
    days = pd.Series(times).dt.normalize()
    first = pd.Timestamp(start) if start is not None else days.min()
    last = pd.Timestamp(end) if end is not None else days.max()
    every_day = pd.date_range(first, last, freq="D", name="date") if pd.notna(first) and pd.notna(last) \
        else pd.DatetimeIndex([], name="date")
    return count_by_category(days, categories, every_day, weights).drop(columns=list(GROUP_COLUMNS))


def in_window(times: pd.Series, start: dt.date | None = None, end: dt.date | None = None) -> pd.Series:
    """True for Timestamps on or after day ``start`` and on or before day ``end`` (whole days, both
    optional). With a window, rows without a time fall outside it."""
    inside = pd.Series(True, index=times.index)
    if start is not None:
        inside &= times >= pd.Timestamp(start)
    if end is not None:
        inside &= times < pd.Timestamp(end) + pd.Timedelta(days=1)
    return inside


def parse_times(values) -> pd.Series:
    """ISO date/time text as Timestamps (NaT where missing or unreadable). Each distinct text is parsed once."""
    values = pd.Series(values, dtype=object)
    codes, distinct = pd.factorize(values)
    parsed = pd.to_datetime(pd.Series(distinct, dtype=object), format="ISO8601", errors="coerce").to_numpy()
    times = parsed[np.maximum(codes, 0)] if len(parsed) else np.full(len(codes), np.datetime64("NaT", "ns"))
    return pd.Series(np.where(codes >= 0, times, np.datetime64("NaT", "ns")), index=values.index,
                     dtype="datetime64[ns]")


def _through(index: np.ndarray, parent_of: np.ndarray) -> np.ndarray:
    """Follow a child index (-1 = none) to its parent's index (-1 where the child or its parent is unknown)."""
    if len(parent_of) == 0:
        return np.full(len(index), -1, dtype=np.int64)
    return np.where(index >= 0, parent_of[np.maximum(index, 0)], -1)


def _codes(codes: pd.Series, index: np.ndarray) -> pd.Series:
    """The codes at positions ``index``; None where the index is -1."""
    values = np.asarray(codes, dtype=object)
    picked = values[np.maximum(index, 0)] if len(values) else np.full(len(index), None, dtype=object)
    return pd.Series(np.where(index >= 0, picked, None), dtype=object)


def coordinates(points) -> np.ndarray:
    """Points as an (n, 2) array of their coordinates, NaN for a missing point; such an array passes as it is."""
    if isinstance(points, np.ndarray) and points.dtype.kind == "f":
        return points.reshape(-1, 2)
    points = np.asarray(points, dtype=object)
    return np.column_stack([shapely.get_x(points), shapely.get_y(points)]) if len(points) else np.zeros((0, 2))


def _points_at(xy: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Shapely points at the coordinates ``xy[rows]`` (None where missing)."""
    picked = xy[rows]
    points = shapely.points(picked) if len(picked) else np.zeros(0, dtype=object)
    points[np.isnan(picked).any(axis=1)] = None
    return points


def _fill_from_polygons(index: np.ndarray, xy: np.ndarray, polygons: np.ndarray) -> None:
    """Where ``index`` is -1, set it (in place) to the polygon containing the point at ``xy``."""
    missing = np.flatnonzero(index < 0)
    if len(missing):
        index[missing] = containing(_points_at(xy, missing), polygons)
