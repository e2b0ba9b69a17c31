"""The control-circle radii the user last chose (QSettings), the defaults of the circle and proposal dialogs
and of 编辑 → 设置."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from gis.zoning.circles import LARGE_CIRCLE_RADIUS_M, SMALL_CIRCLE_RADIUS_M

SMALL_RADIUS_KEY = "zones/small_radius_m"
LARGE_RADIUS_KEY = "zones/large_radius_m"


def circle_radii() -> tuple[float, float]:
    """The small and large control-circle radii (metres) from the settings, or the program's defaults."""
    settings = QSettings()
    return (settings.value(SMALL_RADIUS_KEY, SMALL_CIRCLE_RADIUS_M, float),
            settings.value(LARGE_RADIUS_KEY, LARGE_CIRCLE_RADIUS_M, float))


def remember_circle_radii(small_m: float, large_m: float) -> None:
    """Make these radii the defaults for control circles and proposals."""
    settings = QSettings()
    settings.setValue(SMALL_RADIUS_KEY, float(small_m))
    settings.setValue(LARGE_RADIUS_KEY, float(large_m))
