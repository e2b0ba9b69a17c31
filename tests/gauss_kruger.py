"""Test geometry drawn in metres on a CGCS2000 Gauss-Krüger plane, as county surveys deliver it, and stored in
the project's CRS (longitude/latitude): fixtures shaped like a real county's files, not the sample's."""

from __future__ import annotations

import geopandas as gpd
import shapely

from gis.crs import STORAGE_CRS


class SurveyPlane:
    """Metres east and north of ``origin`` on the Gauss-Krüger plane ``crs`` (e.g. ``"EPSG:4547"``, 114°E)."""

    def __init__(self, crs: str, origin: tuple[float, float]):
        self.crs, self.origin = crs, origin

    def points(self, xs_m, ys_m) -> gpd.GeoSeries:
        """Points at the given metres, in the storage CRS."""
        x0, y0 = self.origin
        points = [shapely.Point(x0 + x, y0 + y) for x, y in zip(xs_m, ys_m, strict=True)]
        return gpd.GeoSeries(points, crs=self.crs).to_crs(STORAGE_CRS)

    def box(self, x_m: float, y_m: float, width_m: float, height_m: float) -> shapely.Polygon:
        """The rectangle from (x_m, y_m) of that width and height, in the storage CRS (as a box of its corners)."""
        corners = self.points([x_m, x_m + width_m], [y_m, y_m + height_m])
        return shapely.box(corners.iloc[0].x, corners.iloc[0].y, corners.iloc[1].x, corners.iloc[1].y)

    def lon_lat(self, x_m: float, y_m: float) -> tuple[float, float]:
        """Longitude and latitude of one spot."""
        point = self.points([x_m], [y_m]).iloc[0]
        return point.x, point.y
