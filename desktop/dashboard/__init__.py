"""The dashboard (防控看板), a file per job: the dock that holds the tabs and reads the project off the UI thread
(:mod:`.dock`), one file per tab (:mod:`.capacity`, :mod:`.curve`, :mod:`.grids`, :mod:`.due` for follow-ups,
:mod:`.allocation`, :mod:`.testing`), the shared tables, tiles and colours (:mod:`.widgets`) and the charts
(:mod:`.charts`). What the tabs show is read by :mod:`data.dashboard_readers`.
"""

from desktop.dashboard.capacity import STANDARD_KEY
from desktop.dashboard.charts import CJK_FAMILIES, chart_rc
from desktop.dashboard.dock import CapacityDock
from desktop.dashboard.widgets import ALERT

__all__ = ["ALERT", "CJK_FAMILIES", "STANDARD_KEY", "CapacityDock", "chart_rc"]
