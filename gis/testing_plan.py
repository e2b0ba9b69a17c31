"""Mass testing within 2 days (2天内完成全员核酸检测): sampling points each grid or town needs, against the
sampling sites it has.

    points needed = ceil(population / (people per point per hour x hours per day x days))

>>> sampling_points_needed(12_000)   # 100 people an hour, 12 hours a day, 2 days
5
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.grid_stats import containing


@dataclass(frozen=True)
class SamplingAssumptions:
    """Throughput of one sampling point. ``people_per_point_hour`` is a planning figure (one sampling
    desk with pooled samples); set it, and the working hours, to the county's own."""

    people_per_point_hour: int = 100
    hours_per_day: int = 12
    days: int = 2

    @property
    def people_per_point(self) -> int:
        """People one point samples over the whole campaign."""
        return self.people_per_point_hour * self.hours_per_day * self.days


DEFAULT_SAMPLING = SamplingAssumptions()


def sampling_points_needed(population, assumptions: SamplingAssumptions = DEFAULT_SAMPLING):
    """Sampling points needed to test ``population`` people in time (missing population counts as 0)."""
    population = np.nan_to_num(np.asarray(population, dtype="float64"))
    needed = np.ceil(population / assumptions.people_per_point).astype("int64")
    return needed if needed.ndim else int(needed)


def sampling_plan(units: gpd.GeoDataFrame, sampling_sites: gpd.GeoSeries,
                  assumptions: SamplingAssumptions = DEFAULT_SAMPLING) -> pd.DataFrame:
    """Per unit (grid or town): ``code``, ``name``, ``population``, ``points_needed``, ``points_present``
    (sampling sites inside it) and ``points_missing``.

    ``units`` and ``sampling_sites`` must share a CRS; a site on a shared edge counts once.
    """
    inside = containing(sampling_sites.values, units.geometry.values)
    present = np.bincount(inside[inside >= 0], minlength=len(units))
    needed = sampling_points_needed(units["population"], assumptions)
    return pd.DataFrame({
        "code": units["code"].to_numpy(), "name": units["name"].to_numpy(),
        "population": units["population"].fillna(0).astype("int64").to_numpy(),
        "points_needed": needed, "points_present": present,
        "points_missing": np.maximum(needed - present, 0),
    })
