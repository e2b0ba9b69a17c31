"""Per-user settings kept in QSettings (edited under 编辑 → 设置): Tianditu keys and the planning assumptions of
the dashboard's demand forecast and mass-testing plan. Each reader falls back to the program's defaults.

The control-circle radii (``desktop.zone_panel.circle_radii``) and the capacity standard
(``desktop.dashboard.STANDARD_KEY``) are kept beside the docks that use them; the tier scheme belongs to
the project (``data.zone_store.load_scheme``).
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSettings

from gis.capacity import DEFAULT_DEMAND, DemandAssumptions
from gis.testing_plan import DEFAULT_SAMPLING, SamplingAssumptions

TIANDITU_KEYS = "tianditu_keys"  # comma-separated
DEMAND_GROUP = "capacity/demand"
SAMPLING_GROUP = "testing/sampling"


def tianditu_keys() -> list[str]:
    """The Tianditu keys entered, in order (none by default)."""
    return [key.strip() for key in QSettings().value(TIANDITU_KEYS, "", str).split(",") if key.strip()]


def set_tianditu_keys(keys: list[str]) -> None:
    QSettings().setValue(TIANDITU_KEYS, ",".join(key.strip() for key in keys if key.strip()))


def demand_assumptions() -> DemandAssumptions:
    """How the dashboard forecasts the demand for rooms (see :class:`gis.capacity.DemandAssumptions`)."""
    return _read(DEMAND_GROUP, DEFAULT_DEMAND)


def set_demand_assumptions(assumptions: DemandAssumptions) -> None:
    _write(DEMAND_GROUP, assumptions)


def sampling_assumptions() -> SamplingAssumptions:
    """The throughput of a sampling point for the testing plan (see :class:`gis.testing_plan.SamplingAssumptions`)."""
    return _read(SAMPLING_GROUP, DEFAULT_SAMPLING)


def set_sampling_assumptions(assumptions: SamplingAssumptions) -> None:
    _write(SAMPLING_GROUP, assumptions)


def _read(group: str, default):
    settings = QSettings()
    values = {}
    for field in dataclasses.fields(default):
        fallback = getattr(default, field.name)
        try:
            value = type(fallback)(settings.value(f"{group}/{field.name}", fallback))
        except (TypeError, ValueError):
            value = fallback  # a value edited by hand into something unreadable
        usable = value >= 0 if isinstance(fallback, float) else value >= 1  # ratios may be 0, counts of days not
        values[field.name] = value if usable else fallback
    return dataclasses.replace(default, **values)


def _write(group: str, assumptions) -> None:
    settings = QSettings()
    for field in dataclasses.fields(assumptions):
        settings.setValue(f"{group}/{field.name}", getattr(assumptions, field.name))
